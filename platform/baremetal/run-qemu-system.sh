#!/usr/bin/env bash
# Runs a bnkit Cortex-M firmware in qemu-system-arm with semihosting, the one bare-metal
# runner (CMAKE_CROSSCOMPILING_EMULATOR of toolchains/cortex-m*.cmake, so ctest and
# doctest_discover_tests use it):
#   run-qemu-system.sh <board> <firmware.elf> [args...]
#   board: mps2-an386 (Cortex-M4F), mps2-an500 (M7), mps3-an547 (M55), mps2-an385 (M3)
# The firmware's stdout/stderr are this script's; its exit(n) is this script's exit status.
# Exit status 124: the firmware ran longer than BNKIT_QEMU_TIMEOUT seconds (default 300);
# 77 (ctest's SKIP_RETURN_CODE in bnkit): qemu-system-arm is not installed.
set -u

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <board> <firmware.elf> [args...]" >&2
  exit 2
fi
board=$1
elf=$2
shift 2

qemu=${BNKIT_QEMU_SYSTEM_ARM:-qemu-system-arm}
if ! command -v "$qemu" >/dev/null 2>&1; then
  echo "$0: $qemu not found, skipping $elf" >&2
  exit 77
fi
if [[ ! -f $elf ]]; then
  echo "$0: no such firmware: $elf" >&2
  exit 2
fi

# QEMU hands the program one command line (SYS_GET_CMDLINE), re-joined from -append split
# at spaces: quoting would be lost. Each argument is percent-encoded instead (space -> %20,
# % -> %25, every byte outside a safe set) and startup_cortex_m.c decodes it. Empty
# arguments (doctest_discover_tests passes one) are dropped, as a shell would.
encode() {
  local s=$1 out="" c i hex
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._/:=,+*?@-]) out+=$c ;;
      *) printf -v hex '%%%02X' "'$c"; out+=$hex ;;
    esac
  done
  printf '%s' "$out"
}
export LC_ALL=C
append=""
for arg in "$@"; do
  [[ -z $arg ]] && continue
  append+="${append:+ }$(encode "$arg")"
done

timeout_s=${BNKIT_QEMU_TIMEOUT:-300}
# -kernel loads the ELF; reset then takes SP/PC from the vector table at 0x0.
# target=native: semihosting I/O goes to this process's stdout/stderr. The boards' on-chip
# Ethernet always draws "nic ... has no peer" on stderr: filtered, everything else passes.
timeout --kill-after=5 "$timeout_s" \
  "$qemu" -machine "$board" -display none -monitor none -serial null \
  -semihosting-config enable=on,target=native \
  -kernel "$elf" ${append:+-append "$append"} </dev/null \
  2> >(grep -v --line-buffered '^qemu-system-arm: warning: nic .* has no peer$' >&2)
status=$?
if [[ $status -eq 124 ]]; then
  echo "$0: $elf on $board timed out after ${timeout_s}s" >&2
fi
exit $status
