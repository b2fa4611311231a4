# Cortex-M55 (Armv8.1-M with Helium/MVE and FP), QEMU board mps3-an547. bnkit uses the
# scalar path here, but -mcpu=cortex-m55 lets GCC auto-vectorize with MVE.
# -fno-if-conversion2: binutils 2.40 rejects a conditional VFP conversion inside an IT block on
# this MVE core (`vcvtne.f32.u32`: read as an MVE vcvtn), which GCC 12 emits at -Os
# (tools/footprint.sh cortex-m55); keeping conversions out of IT blocks avoids it.
set(BNKIT_CPU_FLAGS "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard -fno-if-conversion2")
set(BNKIT_BOARD mps3-an547)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
# GCC 12.2 miscompiles tail-predicated MVE loops at -O3 (correct at -O2/-Os; see
# docs/platform-notes): Release is pinned to -O2. A cache entry made here wins over CMake's
# -O3 default, and can still be overridden on the command line.
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "Release flags (-O2: GCC 12 MVE -O3 bug)")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "Release flags (-O2: GCC 12 MVE -O3 bug)")
