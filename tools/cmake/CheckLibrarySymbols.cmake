# ctest script: fails if the static library references the heap, exceptions, RTTI or stdio,
# or defines writable global data (bnkit keeps no global mutable state).
#   cmake -DNM=<nm> -DOBJDUMP=<objdump> -DLIB=<libbnkit.a> -P CheckLibrarySymbols.cmake
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -u failed on ${LIB}")
endif()
set(forbidden
  "malloc" "calloc" "realloc" "free" "aligned_alloc" "posix_memalign"
  "_Znwm" "_Znwj" "_Znam" "_Znaj" "_ZdlPv" "_ZdaPv" "_ZnwmSt11align_val_t" "_ZdlPvm" "_ZdlPvj"
  "__cxa_throw" "__cxa_allocate_exception" "__cxa_begin_catch" "__gxx_personality_v0"
  "__cxa_guard_acquire" "_ZTVN10__cxxabiv117__class_type_infoE"
  "printf" "fprintf" "sprintf" "snprintf" "vprintf" "vfprintf" "vsnprintf" "puts" "fputs" "putchar"
  "abort" "__assert_fail" "exit")
set(bad "")
string(REPLACE "\n" ";" lines "${undefined}")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^ *U +" "" sym "${line}")
  list(FIND forbidden "${sym}" idx)
  if(idx GREATER -1)
    list(APPEND bad "${sym}")
  endif()
endforeach()

# Writable data objects: .data/.bss and their -fdata-sections variants. .data.rel.ro holds
# const tables that only need relocating at load time (PIE), and is read-only afterwards.
execute_process(COMMAND ${OBJDUMP} -t ${LIB} OUTPUT_VARIABLE table)
string(REPLACE "\n" ";" lines "${table}")
foreach(line IN LISTS lines)
  if(line MATCHES " O (\\.(data|bss|sdata|sbss|tdata|tbss)[^ \t]*)[ \t]+[0-9a-fA-F]+ (.+)$")
    set(section "${CMAKE_MATCH_1}")
    set(object "${CMAKE_MATCH_3}")
    if(NOT section MATCHES "^\\.data\\.rel\\.ro")
      list(APPEND bad "writable global ${object} (${section})")
    endif()
  endif()
endforeach()

if(bad)
  list(REMOVE_DUPLICATES bad)
  message(FATAL_ERROR "libbnkit.a must not reference or define: ${bad}")
endif()
message(STATUS "libbnkit.a: no heap, exception, stdio references and no writable globals")
