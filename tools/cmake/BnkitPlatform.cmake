# Which ISA-specific directory of platform/ this target uses: x86 (runtime dispatch among
# SSE2/AVX2/AVX-512), arm (NEON chosen at compile time) or none (scalar only: Cortex-M and
# unknown CPUs). A platform directory provides select_kernels(), so lib/ compiles
# select_scalar.cpp only when BNKIT_PLATFORM is none.
set(BNKIT_PLATFORM none)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND EXISTS ${PROJECT_SOURCE_DIR}/platform/x86/CMakeLists.txt)
  set(BNKIT_PLATFORM x86)
elseif(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm.*)$"
       AND EXISTS ${PROJECT_SOURCE_DIR}/platform/arm/CMakeLists.txt)
  set(BNKIT_PLATFORM arm)
endif()
