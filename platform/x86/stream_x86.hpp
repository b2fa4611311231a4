// Non-temporal float stores for the x86 paths (stream_io.hpp): MOVNTPS on 4, 8 or 16 lanes,
// each specialization compiled only where its instructions are enabled; one SFENCE orders a
// call's streamed stores (weakly ordered, held in write-combining buffers) before any later
// store, so another thread that sees the call return sees its results.
// Included by kernels_sse2.cpp, kernels_avx2.cpp and kernels_avx512.cpp; a TU with wider flags
// sees the narrower specializations too but never uses them, so never emits a copy the linker
// could pick for the narrower path (docs/platform-notes.md).
#pragma once

#include <immintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/stream_io.hpp"

namespace bnkit::detail {

#if defined(__SSE2__)
template <>
struct stream_io<xsimd::sse2> {
    static constexpr bool available = true;
    static void store(float* p, const xsimd::batch<float, xsimd::sse2>& v) noexcept { _mm_stream_ps(p, v); }
    static void fence() noexcept { _mm_sfence(); }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
template <>
struct stream_io<xsimd::fma3<xsimd::avx2>> {
    static constexpr bool available = true;
    static void store(float* p, const xsimd::batch<float, xsimd::fma3<xsimd::avx2>>& v) noexcept {
        _mm256_stream_ps(p, v);
    }
    static void fence() noexcept { _mm_sfence(); }
};
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__)
template <>
struct stream_io<xsimd::avx512bw> {
    static constexpr bool available = true;
    static void store(float* p, const xsimd::batch<float, xsimd::avx512bw>& v) noexcept { _mm512_stream_ps(p, v); }
    static void fence() noexcept { _mm_sfence(); }
};
#endif

}  // namespace bnkit::detail
