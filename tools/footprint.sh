#!/usr/bin/env bash
# What bnkit adds to a minimal Cortex-M firmware (docs/footprint.md):
#   tools/footprint.sh [core...]        cores: cortex-m4 cortex-m7 cortex-m55 (default: all)
# For each core: configures build/footprint-<core> (-Os: MinSizeRel, -fstack-usage), builds
# examples/firmware/footprint.c in its variants, and prints
#   - flash (text incl. .rodata + .data load image) and RAM (.data + .bss) of the
#     inference-only and full firmwares minus the bnkit-free base firmware;
#   - .data/.bss inside libbnkit.a itself (must be 0);
#   - per public function: its own frame (-fstack-usage) and the stack high-water mark of a
#     call measured under QEMU (painted stack, callees included).
set -euo pipefail
cd "$(dirname "$0")/.."
cores=("$@")
[[ ${#cores[@]} -eq 0 ]] && cores=(cortex-m4 cortex-m7 cortex-m55)
size=arm-none-eabi-size

for core in "${cores[@]}"; do
  b=build/footprint-$core
  cmake -S . -B "$b" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchains/$core.cmake" \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DBNKIT_BUILD_TESTS=OFF -DBNKIT_WERROR=ON \
    "-DCMAKE_C_FLAGS_MINSIZEREL=-Os -DNDEBUG -fstack-usage" \
    "-DCMAKE_CXX_FLAGS_MINSIZEREL=-Os -DNDEBUG -fstack-usage" >/dev/null
  cmake --build "$b" --target footprint_base footprint_infer footprint_full footprint_stack bnkit >/dev/null
  fw=$b/examples/firmware
  # Berkeley format: text = code + constants (+ vectors, exidx, init arrays), data, bss.
  read -r bt bd bb _ < <($size "$fw/footprint_base" | awk 'NR==2{print $1, $2, $3}')
  echo "== $core (-Os) =="
  printf '%-16s %12s %12s\n' "firmware" "flash bytes" "RAM bytes"
  for v in infer full; do
    read -r t d s < <($size "$fw/footprint_$v" | awk 'NR==2{print $1, $2, $3}')
    printf '%-16s %12d %12d\n' "+bnkit $v" $(((t + d) - (bt + bd))) $(((d + s) - (bd + bb)))
  done
  read -r ld lb < <($size -t "$b/lib/libbnkit.a" | awk 'END{print $2, $3}')
  echo "libbnkit.a .data+.bss: $ld + $lb bytes"
  echo "stack per public call, bytes: own frame (-fstack-usage) | measured high-water mark (callees included)"
  # The frame of each extern "C" entry point (the .su files of lib/api).
  declare -A frame=()
  # .su lines: file:line:col:<signature> TAB bytes TAB kind
  while IFS=$'\t' read -r fn bytes _; do
    frame[$fn]=$bytes
  done < <(sed -E 's/^[^:]*:[0-9]+:[0-9]+:[^(]* ([A-Za-z_0-9]+)\(.*\)\t/\1\t/' "$b"/lib/CMakeFiles/bnkit.dir/api/*.su)
  board=$(sed -n 's/^set(BNKIT_BOARD \(.*\))$/\1/p' "toolchains/$core.cmake")
  while read -r _ name bytes; do
    printf '  %-34s %5s | %5s\n' "$name" "${frame[${name%%/*}]:-?}" "$bytes"
  done < <(platform/baremetal/run-qemu-system.sh "$board" "$fw/footprint_stack" | grep '^stack ')
  unset frame
  echo
done
