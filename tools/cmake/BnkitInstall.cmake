# Install rules: the static library, the public headers, the CMake package (bnkit::bnkit,
# bnkitConfig.cmake, bnkitConfigVersion.cmake) and bnkit.pc. Cross builds install the same way;
# a Cortex-M install also carries the QEMU start-up code, board linker scripts and runner
# (share/bnkit/baremetal), which the package's bnkit_baremetal_firmware() uses.
#
# libbnkit.a is self-contained: the per-ISA kernels are compiled into it (no object libraries),
# and bnkit_flags and xsimd are $<BUILD_INTERFACE:...> private dependencies, so the exported
# link interface is bnkit alone and consumers need neither (no public header includes xsimd).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BNKIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/bnkit)
set(BNKIT_INSTALL_BAREMETALDIR ${CMAKE_INSTALL_DATADIR}/bnkit/baremetal)

install(TARGETS bnkit EXPORT bnkitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/bnkit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT bnkitTargets NAMESPACE bnkit:: DESTINATION ${BNKIT_INSTALL_CMAKEDIR})

if(CMAKE_SYSTEM_NAME STREQUAL "Generic")
  # The installed baremetal.cmake finds its files beside it, as in the source tree.
  install(FILES ${PROJECT_SOURCE_DIR}/platform/baremetal/baremetal.cmake
                ${PROJECT_SOURCE_DIR}/platform/baremetal/startup_cortex_m.c
          DESTINATION ${BNKIT_INSTALL_BAREMETALDIR})
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/platform/baremetal/run-qemu-system.sh
          DESTINATION ${BNKIT_INSTALL_BAREMETALDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/platform/baremetal/boards DESTINATION ${BNKIT_INSTALL_BAREMETALDIR})
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/bnkitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/bnkitConfig.cmake
                              INSTALL_DESTINATION ${BNKIT_INSTALL_CMAKEDIR}
                              PATH_VARS BNKIT_INSTALL_BAREMETALDIR)
# 0.x: SameMajorVersion accepts any 0.y >= the requested one.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/bnkitConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/bnkitConfig.cmake ${PROJECT_BINARY_DIR}/bnkitConfigVersion.cmake
        DESTINATION ${BNKIT_INSTALL_CMAKEDIR})

# pkg-config: the prefix is found from the .pc file's own place (${pcfiledir}), so the file
# stays right after `cmake --install --prefix <elsewhere>` and when the tree is moved.
file(RELATIVE_PATH BNKIT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" BNKIT_PC_TO_PREFIX "${BNKIT_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/bnkit.pc.in ${PROJECT_BINARY_DIR}/bnkit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/bnkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
