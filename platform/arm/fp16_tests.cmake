# Included (deferred) at the end of the top-level CMakeLists.txt when BNKIT_ARM_FP16_ARITH is
# ON: tests/kernels/test_fp16_arith.cpp learns the path is built, and in a cross build the
# whole bnkit_tests binary also runs under qemu-aarch64 -cpu max (FP16 arithmetic present, so
# the neon64_fp16 path runs), with a check that the test saw it available.
if(TARGET bnkit_tests)
  target_compile_definitions(bnkit_tests PRIVATE BNKIT_TEST_ARM_FP16_ARITH=1)
  if(CMAKE_CROSSCOMPILING AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    add_test(NAME qemu_aarch64_max COMMAND ${BNKIT_QEMU} -cpu max $<TARGET_FILE:bnkit_tests>)
    add_test(NAME qemu_aarch64_max_fp16_path
             COMMAND ${BNKIT_QEMU} -cpu max $<TARGET_FILE:bnkit_tests> -s "-tc=fp16 arith*")
    set_tests_properties(qemu_aarch64_max_fp16_path PROPERTIES PASS_REGULAR_EXPRESSION "neon64_fp16: available"
                                                               FAIL_REGULAR_EXPRESSION "Status: FAILURE")
  endif()
endif()
