# Turns executables into Cortex-M firmware for the QEMU board of the toolchain
# (BNKIT_BOARD, set by toolchains/cortex-m*.cmake):
#   bnkit_baremetal_firmware(<target>)
# adds the start-up code (vector table, FPU/MVE enable, .data/.bss, semihosting, argv) and
# links with platform/baremetal/boards/<board>.ld. Included by platform/CMakeLists.txt, and
# by the installed package of a Cortex-M build (share/bnkit/baremetal/, same layout); off bare
# metal the function does nothing, so callers need no platform test of their own.
if(CMAKE_SYSTEM_NAME STREQUAL "Generic" AND NOT TARGET bnkit_baremetal_startup)
  if(NOT BNKIT_BOARD)
    message(FATAL_ERROR "bare-metal build without BNKIT_BOARD: use toolchains/cortex-m*.cmake")
  endif()
  set(_bnkit_ld ${CMAKE_CURRENT_LIST_DIR}/boards/${BNKIT_BOARD}.ld)
  if(NOT EXISTS ${_bnkit_ld})
    message(FATAL_ERROR "no linker script for board ${BNKIT_BOARD}: ${_bnkit_ld}")
  endif()
  # One object library: its objects are linked whole, so the vector table always exists.
  add_library(bnkit_baremetal_startup OBJECT ${CMAKE_CURRENT_LIST_DIR}/startup_cortex_m.c)
  target_compile_options(bnkit_baremetal_startup PRIVATE -Wall -Wextra)
  unset(_bnkit_ld)
endif()

function(bnkit_baremetal_firmware target)
  if(NOT CMAKE_SYSTEM_NAME STREQUAL "Generic")
    return()
  endif()
  set(boards ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/boards)
  target_sources(${target} PRIVATE $<TARGET_OBJECTS:bnkit_baremetal_startup>)
  target_link_options(${target} PRIVATE -L${boards} -T${boards}/${BNKIT_BOARD}.ld
                      -Wl,-Map=$<TARGET_FILE:${target}>.map)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
               ${boards}/${BNKIT_BOARD}.ld ${boards}/cortex-m-sections.ld)
endfunction()
