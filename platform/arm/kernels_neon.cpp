// The neon (ARMv7-A) kernel path: explicit instantiation only. Built with the toolchain's
// -mfpu flags (platform/arm/CMakeLists.txt); xsimd::fma is fused only with -mfpu=neon-vfpv4
// (__ARM_FEATURE_FMA), a multiply then an add with plain -mfpu=neon. The code is in lib/kernels/.
#include "half_neon.hpp"  // half_io<Arch>, before the kernels
#include "kernels/bn_kernels-inl.hpp"

template struct bnkit::detail::bn_kernels<xsimd::neon>;
