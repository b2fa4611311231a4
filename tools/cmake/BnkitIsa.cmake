# bnkit_add_isa_sources(<ISA> FLAGS <compiler flags...> SOURCES <files...>)
# Adds per-ISA kernel instantiation units to bnkit, compiles only those files with the ISA's
# flags, and defines BNKIT_KERNELS_<ISA> for bnkit so lib/kernels/bn_kernels.hpp declares
# that instantiation extern and the platform's selector can list its table.
function(bnkit_add_isa_sources isa)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FLAGS;SOURCES")
  list(TRANSFORM arg_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
  target_sources(bnkit PRIVATE ${arg_SOURCES})
  # bnkit is defined in lib/, so the property must be set in that target's directory.
  set_source_files_properties(${arg_SOURCES} TARGET_DIRECTORY bnkit PROPERTIES COMPILE_OPTIONS "${arg_FLAGS}")
  target_compile_definitions(bnkit PRIVATE BNKIT_KERNELS_${isa})
endfunction()
