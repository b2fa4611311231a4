/* IEEE 754 binary16 ("half") storage for activations, usable from C99 without any compiler
 * extension: a struct holding the 16 bits. bnkit never does arithmetic in half precision;
 * values are widened to float32 exactly, computed in float32 and rounded back once
 * (round to nearest, ties to even; beyond 65504 to +-inf; NaN stays NaN, quiet, with the top
 * bits of its payload; subnormals kept). docs/numerics.md, "float16 activations". */
#ifndef BNKIT_HALF_H
#define BNKIT_HALF_H

#include <stddef.h>
#include <stdint.h>

#include "bnkit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One binary16 value: sign bit 15, exponent bits 14..10 (bias 15), fraction bits 9..0. */
typedef struct bnkit_f16 {
    uint16_t bits;
} bnkit_f16;

/** Exact widening (every half is a float). A signalling NaN comes back quiet. */
float bnkit_f16_to_f32(bnkit_f16 h);

/** Rounding to nearest, ties to even; |f| >= 65520 gives +-inf; NaN gives a quiet NaN with
 *  the sign and the top 9 payload bits of f. */
bnkit_f16 bnkit_f16_from_f32(float f);

/** dst[i] = bnkit_f16_to_f32(src[i]) for i < n, on the fastest path this CPU has (F16C,
 *  NEON, or the portable code); bit-identical on every path.
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (src or dst NULL, even for n == 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW (n floats overflow size_t), BNKIT_ERR_ALIASING (the
 *          arrays overlap) */
BNKIT_NODISCARD bnkit_status bnkit_f16_to_f32_n(const bnkit_f16* src, float* dst, size_t n);

/** dst[i] = bnkit_f16_from_f32(src[i]) for i < n, as above.
 *  @return as bnkit_f16_to_f32_n */
BNKIT_NODISCARD bnkit_status bnkit_f16_from_f32_n(const float* src, bnkit_f16* dst, size_t n);

#ifdef __cplusplus
}
#endif

#endif
