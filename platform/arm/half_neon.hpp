// float16 <-> float32 for the NEON paths (4 lanes): vcvt_f32_f16 / vcvt_f16_f32, rounding to
// nearest even. Included by kernels_neon64.cpp and kernels_neon.cpp (half_io.hpp).
//  - AArch64: Advanced SIMD follows FPCR (DN = 0 under Linux), so a NaN comes out quiet with
//    its sign and top payload bits, as in lib/half/half_soft.hpp.
//  - ARMv7: Advanced SIMD always runs with the "standard FPSCR value" (ARM ARM A2.7.2:
//    default-NaN and flush-to-zero on), so every NaN would become the default NaN and lose
//    its sign and payload. The NaN lanes are therefore rebuilt from the input bits with integer
//    operations; flush-to-zero does not touch half-precision operands of these conversions and
//    only flushes float32 inputs below 2^-126, which round to a signed half zero anyway. The
//    instructions need the half-precision NEON extension (-mfpu=neon-fp16 or neon-vfpv4) and
//    -mfp16-format=ieee (lib/CMakeLists.txt sets it for 32-bit ARM); without them this path
//    converts lane by lane with the portable code.
#pragma once

#include <arm_neon.h>

#include <xsimd/xsimd.hpp>

#include "kernels/half_io.hpp"

#if defined(__aarch64__) || (defined(__ARM_FP16_FORMAT_IEEE) && defined(__ARM_FP) && (__ARM_FP & 2))
#define BNKIT_NEON_HALF_CONVERT 1
#else
#define BNKIT_NEON_HALF_CONVERT 0
#include "half/half_soft.hpp"  // same flags as the rest of the build on ARMv7 (CMakeLists.txt)
#endif

namespace bnkit::detail {

template <class Arch>
struct neon_half_io {
    using batch = xsimd::batch<float, Arch>;

    static batch load(const bnkit_f16* p) noexcept {
        const uint16x4_t h = vld1_u16(reinterpret_cast<const std::uint16_t*>(p));
#if BNKIT_NEON_HALF_CONVERT
        float32x4_t f = vcvt_f32_f16(vreinterpret_f16_u16(h));
#ifndef __aarch64__
        // NaN lanes: sign | 0x7fc00000 | payload << 13.
        const uint32x4_t w = vmovl_u16(h);
        const uint32x4_t is_nan = vcgtq_u32(vandq_u32(w, vdupq_n_u32(0x7fff)), vdupq_n_u32(0x7c00));
        const uint32x4_t nan = vorrq_u32(vorrq_u32(vshlq_n_u32(vandq_u32(w, vdupq_n_u32(0x8000)), 16), vdupq_n_u32(0x7fc00000)),
                                         vshlq_n_u32(vandq_u32(w, vdupq_n_u32(0x3ff)), 13));
        f = vreinterpretq_f32_u32(vbslq_u32(is_nan, nan, vreinterpretq_u32_f32(f)));
#endif
        return f;
#else
        std::uint16_t b[4];
        vst1_u16(b, h);
        float f[4];
        for (int i = 0; i < 4; ++i) f[i] = soft_half::to_f32(b[i]);
        return vld1q_f32(f);
#endif
    }

    static void store(bnkit_f16* p, const batch& v) noexcept {
#if BNKIT_NEON_HALF_CONVERT
        uint16x4_t h = vreinterpret_u16_f16(vcvt_f16_f32(v));
#ifndef __aarch64__
        // NaN lanes: sign | 0x7e00 | the top 9 payload bits.
        const uint32x4_t u = vreinterpretq_u32_f32(v);
        const uint32x4_t a = vandq_u32(u, vdupq_n_u32(0x7fffffff));
        const uint32x4_t is_nan = vcgtq_u32(a, vdupq_n_u32(0x7f800000));
        const uint32x4_t nan = vorrq_u32(vorrq_u32(vshrq_n_u32(vandq_u32(u, vdupq_n_u32(0x80000000)), 16), vdupq_n_u32(0x7e00)),
                                         vandq_u32(vshrq_n_u32(a, 13), vdupq_n_u32(0x3ff)));
        h = vbsl_u16(vmovn_u32(is_nan), vmovn_u32(nan), h);
#endif
        vst1_u16(reinterpret_cast<std::uint16_t*>(p), h);
#else
        float f[4];
        vst1q_f32(f, v);
        for (int i = 0; i < 4; ++i) p[i].bits = soft_half::from_f32(f[i]);
#endif
    }
};

#if defined(__aarch64__)
template <>
struct half_io<xsimd::neon64> : neon_half_io<xsimd::neon64> {};
#else
template <>
struct half_io<xsimd::neon> : neon_half_io<xsimd::neon> {};
#endif

}  // namespace bnkit::detail
