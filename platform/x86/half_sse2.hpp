// float16 <-> float32 for the SSE2 path (4 lanes), which has no conversion instruction: the
// bit manipulation of lib/half/half_soft.hpp done on four 32-bit lanes at once, bit-exact to
// it. Include from kernels_sse2.cpp only (half_io.hpp).
//  - widen: exponent rebias by adding 112 << 23 (and again for inf/NaN, whose exponent is all
//    ones); subnormal halves as (2^-14 + m * 2^-24) - 2^-14, exact in float; NaN made quiet.
//  - narrow: normal results by rebias and an integer round-to-nearest-even on the 13 dropped
//    bits; subnormal results by adding 0.5 (whose ulp is 2^-24, the smallest half subnormal),
//    which makes the FPU round (to nearest even, MXCSR's default) at the right bit.
#pragma once

#include <emmintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/half_io.hpp"

namespace bnkit::detail {

template <>
struct half_io<xsimd::sse2> {
    using batch = xsimd::batch<float, xsimd::sse2>;

    static batch load(const bnkit_f16* p) noexcept {
        const __m128i w = _mm_unpacklo_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), _mm_setzero_si128());
        const __m128i sign = _mm_slli_epi32(_mm_and_si128(w, _mm_set1_epi32(0x8000)), 16);
        const __m128i em = _mm_and_si128(w, _mm_set1_epi32(0x7fff));
        const __m128i shifted = _mm_slli_epi32(em, 13);
        const __m128i exp = _mm_and_si128(shifted, _mm_set1_epi32(0x0f800000));
        const __m128i rebias = _mm_set1_epi32(112 << 23);
        __m128i o = _mm_add_epi32(shifted, rebias);
        const __m128i infnan = _mm_cmpeq_epi32(exp, _mm_set1_epi32(0x0f800000));
        o = _mm_add_epi32(o, _mm_and_si128(infnan, rebias));
        const __m128i nan = _mm_cmpgt_epi32(em, _mm_set1_epi32(0x7c00));
        o = _mm_or_si128(o, _mm_and_si128(nan, _mm_set1_epi32(0x00400000)));
        const __m128i magic = _mm_set1_epi32(113 << 23);
        const __m128 sub = _mm_sub_ps(_mm_castsi128_ps(_mm_add_epi32(o, _mm_set1_epi32(1 << 23))), _mm_castsi128_ps(magic));
        const __m128i is_sub = _mm_cmpeq_epi32(exp, _mm_setzero_si128());
        o = _mm_or_si128(_mm_andnot_si128(is_sub, o), _mm_and_si128(is_sub, _mm_castps_si128(sub)));
        return _mm_castsi128_ps(_mm_or_si128(o, sign));
    }

    static void store(bnkit_f16* p, const batch& v) noexcept {
        const __m128i u = _mm_castps_si128(v);
        const __m128i a = _mm_and_si128(u, _mm_set1_epi32(0x7fffffff));
        const __m128i sign = _mm_srli_epi32(_mm_andnot_si128(a, u), 16);
        // Normal: drop 13 bits with round to nearest even (+0xfff, +1 if the kept lsb is odd).
        const __m128i odd = _mm_and_si128(_mm_srli_epi32(a, 13), _mm_set1_epi32(1));
        __m128i norm = _mm_add_epi32(a, _mm_set1_epi32(static_cast<int>(0xfff - 0x38000000u)));
        norm = _mm_srli_epi32(_mm_add_epi32(norm, odd), 13);
        // Subnormal (and zero): let the float adder round at 2^-24.
        const __m128i half_magic = _mm_set1_epi32(126 << 23);  // 0.5f
        const __m128i sub = _mm_sub_epi32(
            _mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(half_magic))), half_magic);
        const __m128i is_sub = _mm_cmpgt_epi32(_mm_set1_epi32(0x38800000), a);
        __m128i h = select(is_sub, sub, norm);
        h = select(_mm_cmpgt_epi32(a, _mm_set1_epi32(0x477fefff)), _mm_set1_epi32(0x7c00), h);
        const __m128i nan = _mm_or_si128(_mm_set1_epi32(0x7e00), _mm_and_si128(_mm_srli_epi32(a, 13), _mm_set1_epi32(0x3ff)));
        h = select(_mm_cmpgt_epi32(a, _mm_set1_epi32(0x7f800000)), nan, h);
        h = _mm_or_si128(h, sign);
        // Lanes hold 0..0xffff: sign-extend so the signed saturating pack keeps the bits.
        const __m128i packed = _mm_packs_epi32(_mm_srai_epi32(_mm_slli_epi32(h, 16), 16), _mm_setzero_si128());
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), packed);
    }

   private:
    static __m128i select(__m128i mask, __m128i yes, __m128i no) noexcept {
        return _mm_or_si128(_mm_and_si128(mask, yes), _mm_andnot_si128(mask, no));
    }
};

}  // namespace bnkit::detail
