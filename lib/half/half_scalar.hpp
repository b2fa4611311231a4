// One value at a time, the fastest bit-exact way the core has: the FPU's own half
// conversions through __fp16 where it has them (AArch64; 32-bit ARM with a VFPv4, FPv4, FPv5 or
// Armv8.1-M FPU, built with -mfp16-format=ieee), otherwise the portable code. Both give the
// soft_half results bit for bit (tests/kernels/test_f16_convert.cpp), with the FPU's default
// rounding mode (to nearest even) and its NaN handling in the default mode (DN = 0).
// Same restriction as half_soft.hpp: not for platform/<isa> kernel units.
#pragma once

#include <cstring>

#include "bnkit/half.h"
#include "half_soft.hpp"

// __ARM_FP bit 1 announces the half conversions; GCC leaves it clear for the ARMv7E-M FPUs
// (FPv4-SP, FPv5) although they have them (VCVTB/VCVTT, which GCC does emit for __fp16).
#if defined(__aarch64__) || \
    (defined(__ARM_FP16_FORMAT_IEEE) && defined(__ARM_FP) && ((__ARM_FP & 2) || defined(__ARM_ARCH_7EM__)))
#define BNKIT_HALF_SCALAR_FPU 1
#else
#define BNKIT_HALF_SCALAR_FPU 0
#endif

namespace bnkit::detail {

inline float half_to_float(bnkit_f16 h) noexcept {
#if BNKIT_HALF_SCALAR_FPU
    __fp16 v;
    std::memcpy(&v, &h.bits, sizeof v);
    return v;
#else
    return soft_half::to_f32(h.bits);
#endif
}

inline bnkit_f16 float_to_half(float f) noexcept {
#if BNKIT_HALF_SCALAR_FPU
    const __fp16 v = static_cast<__fp16>(f);
    bnkit_f16 h;
    std::memcpy(&h.bits, &v, sizeof v);
    return h;
#else
    return {soft_half::from_f32(f)};
#endif
}

}  // namespace bnkit::detail
