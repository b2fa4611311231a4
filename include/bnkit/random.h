/* bnkit random initializers, C API (C99 and C++): Keras random_normal / random_uniform /
 * truncated_normal and MindSpore normal / uniform / truncatedNormal, with explicit seeds.
 *
 * The generator is Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC11), a counter-based generator: a pure function of (counter, key), so there is no state
 * to keep, nothing to allocate, and element i of a fill does not depend on the others.
 *
 *   key     = { seed & 0xffffffff, seed >> 32 }
 *   counter = { i & 0xffffffff, i >> 32, attempt, stream }   (i: element index, 64 bits)
 *
 * From one block (w0, w1, w2, w3) of 32-bit words:
 *   u = (w0 * 2^21 + (w1 >> 11)) * 2^-53                       53-bit uniform in [0, 1)
 *   v = (w2 * 2^21 + (w3 >> 11) + 1) * 2^-53                   53-bit uniform in (0, 1]
 *   z0 = sqrt(-2 ln v) cos(2 pi u), z1 = sqrt(-2 ln v) sin(2 pi u)   (Box-Muller)
 * everything in double, rounded to float once at the end. docs/extras.md has the details.
 *
 * Values match the frameworks in distribution (bounds, parameters, truncation rule), never
 * bit for bit: their generators differ from this one and from each other.
 * Every function validates first; on an error status nothing has been written. */
#ifndef BNKIT_RANDOM_H
#define BNKIT_RANDOM_H

#include "bnkit/status.h"
#include "bnkit/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which random sequence a fill draws: the same (seed, stream) always gives the same values,
 *  on every target. Different streams under one seed are independent sequences. */
typedef struct bnkit_rng {
    uint64_t seed;   /**< the Philox key */
    uint32_t stream; /**< counter word 3: a sub-sequence under the same seed */
} bnkit_rng;

/** One Philox4x32-10 block: out = philox(counter, key). For tests and for callers that want
 *  raw random words; the fills below are built on it. out may equal counter. */
void bnkit_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/** out[i] = minval + (maxval - minval) * u_i, u_i uniform in [0, 1): U[minval, maxval).
 *  A value that rounds up to maxval becomes the float just below it (minval == maxval gives
 *  minval). Keras random_uniform(minval, maxval); MindSpore uniform(scale) is U(-scale, scale).
 *  @param[in]  rng  seed and stream
 *  @param[out] out  n floats (n == 0 writes nothing)
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (rng or out),
 *          BNKIT_ERR_BAD_DISTRIBUTION (minval or maxval not finite, or minval > maxval) */
BNKIT_NODISCARD bnkit_status bnkit_random_uniform_f32(const bnkit_rng* rng, float minval, float maxval, float* out,
                                                      size_t n);

/** out[i] = mean + stddev * z0_i, z0_i standard normal: N(mean, stddev^2).
 *  Keras random_normal(mean, stddev); MindSpore normal(sigma, mean).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (rng or out),
 *          BNKIT_ERR_BAD_DISTRIBUTION (mean or stddev not finite, or stddev < 0) */
BNKIT_NODISCARD bnkit_status bnkit_random_normal_f32(const bnkit_rng* rng, float mean, float stddev, float* out,
                                                     size_t n);

/** N(mean, stddev^2) restricted to [lower, upper] by redrawing: the candidates for element i are
 *  z0, z1 of attempt 0, then z0, z1 of attempt 1, ...; the first whose float value
 *  mean + stddev * z lies in [lower, upper] is taken. Keras truncated_normal(mean, stddev) and
 *  MindSpore truncatedNormal(sigma) use [mean - 2 stddev, mean + 2 stddev].
 *  The interval must hold at least 1/16 of the distribution's mass (Keras' and MindSpore's hold
 *  95%), so 512 attempts (1024 candidates) fail with probability below 1e-28; should they all
 *  fail, the element is mean clamped into [lower, upper].
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (rng or out),
 *          BNKIT_ERR_BAD_DISTRIBUTION (a parameter not finite, stddev < 0, lower > upper, or less
 *          than 1/16 of the mass in [lower, upper]; with stddev == 0: mean outside it) */
BNKIT_NODISCARD bnkit_status bnkit_random_truncated_normal_f32(const bnkit_rng* rng, float mean, float stddev,
                                                               float lower, float upper, float* out, size_t n);

#ifdef __cplusplus
}
#endif

#endif
