// The neon64 (AArch64 Advanced SIMD) kernel path: explicit instantiation only. No extra flags
// (Advanced SIMD is in the ARMv8-A baseline; platform/arm/CMakeLists.txt); the code itself is
// in lib/kernels/.
#include "half_neon.hpp"  // half_io<Arch>, before the kernels
#include "kernels/bn_kernels-inl.hpp"

template struct bnkit::detail::bn_kernels<xsimd::neon64>;
