# AArch64 Linux (ARMv8.0-A baseline), Debian's g++-aarch64-linux-gnu.
#   cmake -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(BNKIT_TRIPLE aarch64-linux-gnu)
set(BNKIT_QEMU qemu-aarch64)
# QEMU's default CPU (`max`) has FP16 and SVE: emulating a Cortex-A72 makes any stray
# ARMv8.2 instruction fault instead of passing unnoticed.
set(BNKIT_QEMU_CPU cortex-a72 CACHE STRING "CPU qemu-aarch64 emulates for tests")
set(BNKIT_ARCH_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
