# ARMv7-A Linux, hard-float, NEON with VFPv4 (fused multiply-add), Debian's
# g++-arm-linux-gnueabihf.
#   cmake -B build/armv7 -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(BNKIT_TRIPLE arm-linux-gnueabihf)
set(BNKIT_QEMU qemu-arm)
# neon-vfpv4, not plain neon: only then is a requested fma fused (__ARM_FEATURE_FMA), as on
# AArch64 and x86, and f16 conversions exist. Cortex-A15 is the QEMU CPU that has VFPv4.
set(BNKIT_QEMU_CPU cortex-a15 CACHE STRING "CPU qemu-arm emulates for tests")
set(BNKIT_ARCH_FLAGS "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
