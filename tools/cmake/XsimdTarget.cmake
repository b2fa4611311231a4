# The header-only xsimd target, usable for linking. Debian's xsimd 8.1 package lists `xtl` in
# the target's INTERFACE_LINK_LIBRARIES without finding it, so any link against it fails with
# "cannot find -lxtl"; xsimd only needs xtl for its xtl-based extras, which bnkit does not use.
# Link it PRIVATE and $<BUILD_INTERFACE:xsimd>: installed consumers never need xsimd.
find_package(xsimd REQUIRED)
if(NOT TARGET xtl)
  get_target_property(_bnkit_xsimd_libs xsimd INTERFACE_LINK_LIBRARIES)
  if(_bnkit_xsimd_libs)
    list(REMOVE_ITEM _bnkit_xsimd_libs xtl)
    set_target_properties(xsimd PROPERTIES INTERFACE_LINK_LIBRARIES "${_bnkit_xsimd_libs}")
  endif()
  unset(_bnkit_xsimd_libs)
endif()
