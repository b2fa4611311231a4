# AArch64 Linux (ARMv8.0-A baseline), Debian's g++-aarch64-linux-gnu.
#   cmake -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
# Executables are linked -static so plain qemu-aarch64 runs them without a target sysroot;
# ctest and doctest_discover_tests go through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# QEMU's default CPU (`max`) has FP16 and SVE: emulating a Cortex-A72 makes any stray
# ARMv8.2 instruction fault instead of passing unnoticed.
set(BNKIT_QEMU_CPU cortex-a72 CACHE STRING "CPU qemu-aarch64 emulates for tests")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-cpu;${BNKIT_QEMU_CPU})

# -Wno-psabi: Debian's cross g++ warns about ABI changes of GCC 9/10 in every doctest TU.
set(CMAKE_C_FLAGS_INIT "-Wno-psabi -idirafter /usr/include")
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi -idirafter /usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Target libraries from the cross sysroot; `/` so header-only host packages (doctest's
# config in /usr/lib/cmake) are found too. host-headers-last.cmake keeps /usr/include out
# of -isystem.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PROJECT_INCLUDE ${CMAKE_CURRENT_LIST_DIR}/host-headers-last.cmake)
