#!/usr/bin/env bash
# Installs the Debian 12 packages bnkit needs, and only those that are missing: with
# everything present it returns in a second without touching apt. Safe to rerun.
#   tools/setup-debian.sh          host build + tests (compiler, xsimd, doctest, QEMU for x86 CPUs)
#   tools/setup-debian.sh --all    also the ARM cross compilers, bare-metal toolchain,
#                                  QEMU system emulation, the benchmark libraries, pkg-config and
#                                  clang-14 with libFuzzer (the fuzz stage)
set -euo pipefail

host_pkgs=(cmake g++ ninja-build libxsimd-dev doctest-dev qemu-user zlib1g-dev)  # zlib: bnkit-export
extra_pkgs=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf gcc-arm-none-eabi libnewlib-arm-none-eabi
            libstdc++-arm-none-eabi-newlib qemu-system-arm libbenchmark-dev libdnnl-dev pkg-config
            clang-14 libclang-rt-14-dev)  # clang-14 + its libFuzzer/ASan runtimes: tests/fuzz

extra_pkgs+=(libopenmpi-dev openmpi-bin)  # --all also installs Open MPI: examples/sync_bn_mpi
pkgs=("${host_pkgs[@]}")
[[ "${1:-}" == "--all" ]] && pkgs+=("${extra_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# apt-get update fails transiently now and then on fresh machines: retry.
for attempt in 1 2 3; do
  $sudo apt-get update -q && break
  [[ $attempt -eq 3 ]] && exit 1
  sleep 5
done
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
