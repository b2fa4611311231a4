// Masked partial-vector float loads and stores for the AVX2 and AVX-512 paths (masked_io.hpp):
// VMASKMOVPS on 8 lanes, a mask register on 16. SSE2 has no masked float load (MASKMOVDQU
// stores only, non-temporally), so it keeps the stack buffer. Included by kernels_avx2.cpp and
// kernels_avx512.cpp; each specialization is compiled only where its instructions are enabled.
// The AVX-512 unit sees the AVX2 specialization too but never uses it, so never emits a copy
// the linker could pick for the AVX2 path (docs/platform-notes.md).
#pragma once

#include <cstddef>

#include <immintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/masked_io.hpp"

namespace bnkit::detail {

#if defined(__AVX2__) && defined(__FMA__)
template <>
struct masked_io<xsimd::fma3<xsimd::avx2>> {
    using batch = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
    static constexpr bool available = true;
    // Lanes l < n all ones.
    static __m256i lanes_below(std::size_t n) noexcept {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static batch load(const float* p, std::size_t n) noexcept { return _mm256_maskload_ps(p, lanes_below(n)); }
    static void store(float* p, std::size_t n, const batch& v) noexcept { _mm256_maskstore_ps(p, lanes_below(n), v); }
};
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__)
template <>
struct masked_io<xsimd::avx512bw> {
    using batch = xsimd::batch<float, xsimd::avx512bw>;
    static constexpr bool available = true;
    static __mmask16 lanes_below(std::size_t n) noexcept { return static_cast<__mmask16>((1u << n) - 1u); }
    static batch load(const float* p, std::size_t n) noexcept { return _mm512_maskz_loadu_ps(lanes_below(n), p); }
    static void store(float* p, std::size_t n, const batch& v) noexcept { _mm512_mask_storeu_ps(p, lanes_below(n), v); }
};
#endif

}  // namespace bnkit::detail
