# Common part of the Cortex-M (bare metal, newlib, semihosting) toolchains. Not used alone:
# cortex-m4.cmake, cortex-m7.cmake and cortex-m55.cmake set BNKIT_CPU_FLAGS and BNKIT_BOARD
# (the QEMU machine, which also names the linker script platform/baremetal/boards/<board>.ld)
# and include this file.
if(NOT BNKIT_CPU_FLAGS OR NOT BNKIT_BOARD)
  message(FATAL_ERROR "arm-none-eabi.cmake: use a per-core toolchain file (cortex-m4.cmake, ...)")
endif()

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# Without a startup file and linker script no test program links: try-compile libraries.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Sections per function/object so --gc-sections keeps only what a firmware calls (the
# footprint numbers in docs/footprint.md rely on it). C++ without exceptions and RTTI.
# -idirafter /usr/include: header-only host packages (doctest) stay reachable, but newlib's
# headers always win; see host-headers-last.cmake for the -isystem half of the problem.
# (These are *_INIT defaults: a -DCMAKE_C_FLAGS=... on the command line replaces them, CPU flags
# included; add extra flags through CMAKE_<LANG>_FLAGS_<CONFIG> instead.)
# -Wno-psabi: GCC notes a GCC 7.1 ABI change in every doctest TU.
set(_bnkit_common "${BNKIT_CPU_FLAGS} -ffunction-sections -fdata-sections -Wno-psabi")
set(CMAKE_C_FLAGS_INIT "${_bnkit_common}")
set(CMAKE_CXX_FLAGS_INIT "${_bnkit_common} -fno-exceptions -fno-rtti -idirafter /usr/include")
set(CMAKE_ASM_FLAGS_INIT "${BNKIT_CPU_FLAGS}")
# rdimon: newlib's semihosting back end (stdio, exit status, command line through QEMU).
# The vector table, reset handler and memory map come from platform/baremetal (see
# bnkit_baremetal_firmware() in platform/baremetal/baremetal.cmake).
set(CMAKE_EXE_LINKER_FLAGS_INIT "${BNKIT_CPU_FLAGS} --specs=rdimon.specs -Wl,--gc-sections")
unset(_bnkit_common)

set(BNKIT_BAREMETAL_DIR ${CMAKE_CURRENT_LIST_DIR}/../platform/baremetal)
get_filename_component(BNKIT_BAREMETAL_DIR ${BNKIT_BAREMETAL_DIR} ABSOLUTE)
# The one bare-metal runner: ctest and doctest_discover_tests call
#   run-qemu-system.sh <board> <firmware.elf> [args...]
set(CMAKE_CROSSCOMPILING_EMULATOR ${BNKIT_BAREMETAL_DIR}/run-qemu-system.sh;${BNKIT_BOARD})

# newlib from the toolchain; `/` so doctest's CMake config in /usr/lib/cmake is found.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PROJECT_INCLUDE ${CMAKE_CURRENT_LIST_DIR}/host-headers-last.cmake)
