# The header-only xsimd target, usable for linking. Debian's xsimd 8.1 package lists `xtl` in
# the target's INTERFACE_LINK_LIBRARIES without finding it, so any link against it fails with
# "cannot find -lxtl"; xsimd only needs xtl for its xtl-based extras, which bnkit does not use.
# Link it PRIVATE and $<BUILD_INTERFACE:xsimd>: installed consumers never need xsimd.
# Cross builds: the config lives in the build machine's multiarch dir, which a cross toolchain
# (CMAKE_LIBRARY_ARCHITECTURE of the target) does not search; xsimd is header-only, so that
# host config is right for any target (an explicit -Dxsimd_DIR still wins).
if(CMAKE_CROSSCOMPILING AND NOT xsimd_DIR)
  file(GLOB _bnkit_xsimd_dirs LIST_DIRECTORIES true /usr/lib/*/cmake/xsimd /usr/lib/cmake/xsimd /usr/share/cmake/xsimd)
  find_package(xsimd QUIET)
  if(NOT xsimd_FOUND AND _bnkit_xsimd_dirs)
    find_package(xsimd REQUIRED PATHS ${_bnkit_xsimd_dirs} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  endif()
  unset(_bnkit_xsimd_dirs)
endif()
if(NOT TARGET xsimd)
  find_package(xsimd REQUIRED)
endif()
if(NOT TARGET xtl)
  get_target_property(_bnkit_xsimd_libs xsimd INTERFACE_LINK_LIBRARIES)
  if(_bnkit_xsimd_libs)
    list(REMOVE_ITEM _bnkit_xsimd_libs xtl)
    set_target_properties(xsimd PROPERTIES INTERFACE_LINK_LIBRARIES "${_bnkit_xsimd_libs}")
  endif()
  unset(_bnkit_xsimd_libs)
endif()
