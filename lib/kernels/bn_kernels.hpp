// The SIMD kernels, written once over xsimd::batch<float, Arch> (see bn_kernels-inl.hpp) and
// instantiated once per instruction set in platform/<isa>/kernels_<arch>.cpp, each of those
// translation units compiled with that ISA's flags. Every other TU sees only the extern
// declarations below and takes the functions' addresses for its kernel tables.
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../dispatch/kernel_table.hpp"

namespace bnkit::detail {

// One kernel path: the functions of bnkit_kernel_table for batch<float, Arch>. Each
// operation is one template over the tensor storage (float or bnkit_f16); the named
// functions (defined in bn_kernels-inl.hpp, not inline, so that only the explicit
// instantiation in platform/<isa>/ compiles them) instantiate it for both.
template <class Arch>
struct bn_kernels {
    static void infer_f32(const infer_args& a) noexcept;
    static void stats_f32(const stats_args& a) noexcept;
    static void normalize_f32(const normalize_args& a) noexcept;
    static void backward_reduce_f32(const backward_reduce_args& a) noexcept;
    static void backward_apply_f32(const backward_apply_args& a) noexcept;
    static void infer_f16(const infer_f16_args& a) noexcept;
    static void stats_f16(const stats_f16_args& a) noexcept;
    static void normalize_f16(const normalize_f16_args& a) noexcept;
    static void backward_reduce_f16(const backward_reduce_f16_args& a) noexcept;
    static void backward_apply_f16(const backward_apply_f16_args& a) noexcept;
    static void f16_to_f32(const bnkit_f16* src, float* dst, std::size_t n) noexcept;
    static void f32_to_f16(const float* src, bnkit_f16* dst, std::size_t n) noexcept;

   private:
    template <class T>
    static void infer(const infer_args_t<T>& a) noexcept;
    template <class T, bnkit_activation Act>
    static void infer_as(const infer_args_t<T>& a) noexcept;
    template <class T>
    static void stats(const stats_args_t<T>& a) noexcept;
    template <class T>
    static void stats_merged(const stats_args_t<T>& a) noexcept;
    // Rows per tile of stats_merged: whole runs of about 64 Ki elements, at least 64 rows
    // (the merge's error bound).
    static constexpr std::size_t merged_tile_rows(std::size_t channels) noexcept {
        return channels >= 1024 ? 64 : 65536 / channels / 4 * 4;
    }
    // Whether batch division is IEEE division, as float division is: xsimd 8.1 divides on
    // ARMv7 NEON by a refined reciprocal estimate.
    static constexpr bool ieee_division = !std::is_same_v<Arch, xsimd::neon>;
    template <class T>
    static void normalize(const normalize_args_t<T>& a) noexcept;
    template <class T>
    static void backward_reduce(const backward_reduce_args_t<T>& a) noexcept;
    template <class T>
    static void backward_apply(const backward_apply_args_t<T>& a) noexcept;
};

// The kernel table of one arch, for the platforms' selectors.
template <class Arch>
constexpr bnkit_kernel_table make_table(bnkit_isa isa) noexcept {
    using k = bn_kernels<Arch>;
    return {isa,          k::infer_f32,          k::stats_f32,     k::normalize_f32, k::backward_reduce_f32,
            k::backward_apply_f32, k::infer_f16,  k::stats_f16,     k::normalize_f16, k::backward_reduce_f16,
            k::backward_apply_f16, k::f16_to_f32, k::f32_to_f16};
}

// One line per compiled path; BNKIT_KERNELS_<ISA> is defined by bnkit_add_isa_sources()
// (tools/cmake/BnkitIsa.cmake) for the paths this build compiles.
#ifdef BNKIT_KERNELS_SSE2
extern template struct bn_kernels<xsimd::sse2>;
#endif
#ifdef BNKIT_KERNELS_AVX2
extern template struct bn_kernels<xsimd::fma3<xsimd::avx2>>;
#endif
#ifdef BNKIT_KERNELS_AVX512
extern template struct bn_kernels<xsimd::avx512bw>;
#endif
#ifdef BNKIT_KERNELS_NEON
extern template struct bn_kernels<xsimd::neon>;
#endif
#ifdef BNKIT_KERNELS_NEON64
extern template struct bn_kernels<xsimd::neon64>;
#endif

}  // namespace bnkit::detail
