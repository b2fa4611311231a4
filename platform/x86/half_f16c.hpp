// float16 <-> float32 for the AVX2 (8 lanes, F16C) and AVX-512 (16 lanes, AVX-512F) paths:
// vcvtph2ps / vcvtps2ph with rounding to nearest even given in the instruction (MXCSR is not
// consulted). Both quiet a NaN and keep its sign and top payload bits, as half_soft.hpp does.
// Included by kernels_avx2.cpp and kernels_avx512.cpp; each specialization is compiled only
// where its instructions are enabled (half_io.hpp).
#pragma once

#include <immintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/half_io.hpp"

namespace bnkit::detail {

#if defined(__F16C__) && defined(__AVX2__) && defined(__FMA__)
template <>
struct half_io<xsimd::fma3<xsimd::avx2>> {
    using batch = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
    static batch load(const bnkit_f16* p) noexcept {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static void store(bnkit_f16* p, const batch& v) noexcept {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
};
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__)
template <>
struct half_io<xsimd::avx512bw> {
    using batch = xsimd::batch<float, xsimd::avx512bw>;
    static batch load(const bnkit_f16* p) noexcept {
        // The masked forms with a zero source: GCC 12's unmasked ones start from an
        // "undefined" register and trip -Wmaybe-uninitialized.
        return _mm512_mask_cvtph_ps(_mm512_setzero_ps(), 0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static void store(bnkit_f16* p, const batch& v) noexcept {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), 
                            _mm512_mask_cvtps_ph(_mm256_setzero_si256(), 0xffff, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
};
#endif

}  // namespace bnkit::detail
