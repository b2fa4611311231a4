# Included at the end of every project() call by the cross toolchain files (through
# CMAKE_PROJECT_INCLUDE), i.e. after CMake has detected the compiler's own include dirs.
#
# Why: imported targets of host packages (doctest, xsimd) carry
# INTERFACE_INCLUDE_DIRECTORIES=/usr/include, which CMake turns into `-isystem /usr/include`.
# That puts the build machine's glibc headers in front of the target's C library (newlib on
# bare metal, the cross glibc on Linux) and breaks the build (`bits/wordsize.h` not found) or,
# worse, silently mixes two C libraries. Listing /usr/include as an implicit include directory
# makes CMake drop that flag; the toolchain files add `-idirafter /usr/include` instead, so a
# header-only host package is still found, but only after every header of the target.
foreach(_bnkit_lang C CXX ASM)
  if(DEFINED CMAKE_${_bnkit_lang}_IMPLICIT_INCLUDE_DIRECTORIES)
    list(APPEND CMAKE_${_bnkit_lang}_IMPLICIT_INCLUDE_DIRECTORIES /usr/include)
    list(REMOVE_DUPLICATES CMAKE_${_bnkit_lang}_IMPLICIT_INCLUDE_DIRECTORIES)
  endif()
endforeach()
unset(_bnkit_lang)
