# One bnkit-export failure case: run it, then require the exit status EXIT, a stderr line
# matching MESSAGE, and that OUT was not written.
#   cmake -DEXE=... -DARGS="a;b;c" -DEXIT=3 -DMESSAGE=regex -DOUT=file -P expect_failure.cmake
file(REMOVE "${OUT}")
execute_process(COMMAND "${EXE}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "${EXIT}")
  message(FATAL_ERROR "expected exit status ${EXIT}, got '${rc}'; stderr: ${err}")
endif()
if(NOT err MATCHES "^bnkit-export: error: [^\n]*${MESSAGE}[^\n]*\n$")
  message(FATAL_ERROR "stderr is not one error line matching '${MESSAGE}': '${err}'")
endif()
if(EXISTS "${OUT}")
  message(FATAL_ERROR "${OUT} was written despite the error")
endif()
message(STATUS "ok (exit ${rc}): ${err}")
