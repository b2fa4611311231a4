// f16 inference in ARMv8.2-A FP16 arithmetic (BNKIT_ISA_NEON64_FP16, opt-in with the CMake
// option BNKIT_ARM_FP16_ARITH on AArch64): y = fma(x, scale_h, shift_h) on float16x8_t, with
// scale and shift rounded to binary16 once per call. Accuracy (docs/numerics.md): for scale 0
// or of normal binary16 magnitude and |shift| <= 65504,
//     |y - (x*scale + shift)| <= 1/2 ulp16(y) + 2^-11 * (|x*scale| + |shift|)
// (two f16 roundings of the operands, relative 2^-11 each, one fused rounding of the result;
// plus 2^-25 absolute when |shift| < 2^-14 rounds to a subnormal), so at most 1.5 f16 ulps of
// the result when x*scale and shift do not cancel.
// Defined in kernels_neon64_fp16.cpp, the one file compiled with -march=armv8.2-a+fp16; it
// includes nothing with inline functions another TU could pick up. select_arm.cpp lists it
// only on CPUs whose HWCAP has FPHP and ASIMDHP.
#pragma once

#include "dispatch/kernel_table.hpp"

namespace bnkit::detail {

// Computes y and returns true; or writes nothing and returns false when some channel's scale
// or shift is finite but outside binary16's range (|v| > 65504) or a nonzero scale is below
// its normal range (|s| < 2^-14), where rounding it to binary16 would lose the bound above:
// the caller then runs the float32-arithmetic neon64 kernel.
bool infer_f16_fp16_arith(const infer_f16_args& a) noexcept;

}  // namespace bnkit::detail
