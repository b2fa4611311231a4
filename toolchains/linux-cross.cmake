# The part every Linux ARM toolchain shares; a per-target file sets
#   BNKIT_TRIPLE       the Debian cross triplet (compiler prefix and sysroot /usr/<triplet>)
#   BNKIT_QEMU         the qemu-user binary that runs its executables
#   BNKIT_QEMU_CPU     the CPU QEMU emulates (a cache variable, so tests can pick another)
#   BNKIT_ARCH_FLAGS   target flags for C and C++ (may be empty)
# and includes this file. Executables are linked -static so plain qemu-user runs them without
# a target sysroot; ctest and doctest_discover_tests go through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${BNKIT_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${BNKIT_TRIPLE}-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR ${BNKIT_QEMU};-cpu;${BNKIT_QEMU_CPU})

# -Wno-psabi: Debian's cross g++ warns about ABI changes of GCC 9/10 in every doctest TU.
set(CMAKE_C_FLAGS_INIT "${BNKIT_ARCH_FLAGS} -Wno-psabi -idirafter /usr/include")
set(CMAKE_CXX_FLAGS_INIT "${BNKIT_ARCH_FLAGS} -Wno-psabi -idirafter /usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Target libraries from the cross sysroot; `/` so header-only host packages (doctest's
# config in /usr/lib/cmake) are found too. host-headers-last.cmake keeps /usr/include out
# of -isystem.
set(CMAKE_FIND_ROOT_PATH /usr/${BNKIT_TRIPLE} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PROJECT_INCLUDE ${CMAKE_CURRENT_LIST_DIR}/host-headers-last.cmake)
