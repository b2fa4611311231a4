// The hook through which the loop drivers (bn_loops-inl.hpp) read and write float16 tensors:
// one full vector of W = batch<float, Arch>::size halves at a time, at any alignment.
// xsimd 8.1 has no half type, so each instruction set specializes half_io<Arch> in its
// platform directory, and its kernels_<arch>.cpp includes that header before
// bn_kernels-inl.hpp:
//   platform/x86/half_sse2.hpp   SSE2: integer SIMD
//   platform/x86/half_f16c.hpp   AVX2 and AVX-512: F16C / AVX-512F vcvtph2ps, vcvtps2ph
//   platform/arm/half_neon.hpp   NEON and NEON64: vcvt_f32_f16, vcvt_f16_f32
// Contract, checked for every half and a dense float sweep by tests/kernels/test_f16_convert.cpp:
// bit-identical to lib/half/half_soft.hpp (exact widening; rounding to nearest even; overflow
// to inf; NaN quiet with sign and top payload bits; subnormals kept).
//
//   template <> struct half_io<Arch> {
//       static xsimd::batch<float, Arch> load(const bnkit_f16* p) noexcept;
//       static void store(bnkit_f16* p, const xsimd::batch<float, Arch>& v) noexcept;
//   };
#pragma once

#include "bnkit/half.h"

namespace bnkit::detail {

template <class Arch>
struct half_io;

}  // namespace bnkit::detail
