// The hook through which the loop drivers (bn_loops-inl.hpp) read and write the partial
// vectors of float32 tensors (a tensor's or a run's last n < W elements, a streamed walk's
// head): a masked load or store that touches p[0 .. n) only. Without it the drivers go through
// a W-float stack buffer: an element copy (GCC emits a `rep movs` for the store's) and a
// vector reload that store-to-load forwarding cannot serve. The default says
// "no masked access on this arch"; x86 specializes it in platform/x86/masked_x86.hpp (AVX2
// VMASKMOVPS, AVX-512 mask registers), included by kernels_<isa>.cpp before bn_kernels-inl.hpp:
//
//   template <> struct masked_io<Arch> {
//       static constexpr bool available = true;
//       static xsimd::batch<float, Arch> load(const float* p, std::size_t n) noexcept;  // lanes >= n zero
//       static void store(float* p, std::size_t n, const xsimd::batch<float, Arch>& v) noexcept;
//   };
// Masked-out lanes never fault and are never written, so the contract of load(p, n) and
// store(p, n, v) in bn_loops-inl.hpp (nothing outside p[0 .. n) is touched) holds either way.
#pragma once

namespace bnkit::detail {

template <class Arch>
struct masked_io {
    static constexpr bool available = false;
};

}  // namespace bnkit::detail
