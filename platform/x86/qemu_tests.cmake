# Included (deferred) at the end of the top-level CMakeLists.txt: the whole bnkit_tests binary
# under each emulated CPU, plus a check of the path BNKIT_ISA_AUTO picks there.
# Not under sanitizers: ASan's shadow memory does not map under qemu-user.
if(TARGET bnkit_tests AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  foreach(cpu_isa IN ITEMS "Nehalem=sse2" "Haswell-v4=avx2")
    string(REPLACE "=" ";" cpu_isa ${cpu_isa})
    list(GET cpu_isa 0 cpu)
    list(GET cpu_isa 1 isa)
    add_test(NAME qemu_${cpu} COMMAND ${BNKIT_QEMU_X86_64} -cpu ${cpu} $<TARGET_FILE:bnkit_tests>)
    add_test(NAME qemu_${cpu}_auto_isa
             COMMAND ${BNKIT_QEMU_X86_64} -cpu ${cpu} $<TARGET_FILE:bnkit_tests> -s "-tc=auto path*")
    set_tests_properties(qemu_${cpu}_auto_isa PROPERTIES PASS_REGULAR_EXPRESSION "auto path: ${isa}\n"
                                                         FAIL_REGULAR_EXPRESSION "Status: FAILURE")
  endforeach()
endif()
