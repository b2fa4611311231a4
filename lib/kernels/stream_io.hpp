// The hook through which map_channels (bn_loops-inl.hpp) writes a float32 output past the
// caches: a non-temporal ("streaming") store of one whole vector at a vector-aligned address,
// and the fence that orders those stores before the kernel returns. The API decides when
// (lib/dispatch/stream_policy.hpp); a kernel asked to stream on an arch without the hook, or
// for float16 outputs, stores plainly. The results are the same bits either way.
// The default says "no streaming store on this arch" (ARM: AArch64's STNP is only a hint and
// ARMv7 NEON has none, so plain stores). x86 specializes it in platform/x86/stream_x86.hpp,
// included by kernels_<isa>.cpp before bn_kernels-inl.hpp:
//
//   template <> struct stream_io<Arch> {
//       static constexpr bool available = true;
//       static void store(float* p, const xsimd::batch<float, Arch>& v) noexcept;  // p aligned to sizeof v
//       static void fence() noexcept;  // after the last store of a call
//   };
#pragma once

namespace bnkit::detail {

template <class Arch>
struct stream_io {
    static constexpr bool available = false;
};

}  // namespace bnkit::detail
