# ARMv7-A Linux, hard-float, NEON with VFPv4 (fused multiply-add), Debian's
# g++-arm-linux-gnueabihf.
#   cmake -B build/armv7 -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
# Executables are linked -static so plain qemu-arm runs them.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)

# neon-vfpv4, not plain neon: only then is a requested fma fused (__ARM_FEATURE_FMA), as on
# AArch64 and x86, and f16 conversions exist. Cortex-A15 is the QEMU CPU that has VFPv4.
set(BNKIT_ARM_FLAGS "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
set(BNKIT_QEMU_CPU cortex-a15 CACHE STRING "CPU qemu-arm emulates for tests")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-cpu;${BNKIT_QEMU_CPU})

set(CMAKE_C_FLAGS_INIT "${BNKIT_ARM_FLAGS} -Wno-psabi -idirafter /usr/include")
set(CMAKE_CXX_FLAGS_INIT "${BNKIT_ARM_FLAGS} -Wno-psabi -idirafter /usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PROJECT_INCLUDE ${CMAKE_CURRENT_LIST_DIR}/host-headers-last.cmake)
