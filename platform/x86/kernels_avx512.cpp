// The avx512 kernel path: explicit instantiation only. Compiled with -mavx512f -mavx512cd -mavx512dq -mavx512bw
// (platform/x86/CMakeLists.txt); the code itself is in lib/kernels/.
#include "half_f16c.hpp"  // half_io<Arch>, before the kernels
#include "masked_x86.hpp"  // masked_io<Arch>, before the kernels
#include "stream_x86.hpp"  // stream_io<Arch>, before the kernels
#include "kernels/bn_kernels-inl.hpp"

template struct bnkit::detail::bn_kernels<xsimd::avx512bw>;
