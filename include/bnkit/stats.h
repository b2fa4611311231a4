/* Mergeable batch statistics: synchronized (cross-device) batch normalization over any
 * allreduce, C API (C99 and C++).
 *
 * A batch split across devices (ranks, threads, micro-batches) trains as one batch:
 *   forward:  each part: bnkit_bn_stats_f32          -> partial (count, mean, M2) per channel
 *             combine the partials (bnkit_bn_stats_merge_f32, in a fixed order for identical
 *             results everywhere), bnkit_bn_stats_finalize_f32 -> global mean, biased variance
 *             each part: bnkit_bn_train_with_stats_f32  (normalize, moving update, saved stats)
 *   backward: each part: bnkit_bn_backward_sums_f32  -> partial (sum dy, sum dy*xhat) per channel
 *             add the partials (any allreduce with a sum)
 *             each part: bnkit_bn_backward_apply_sums_f32 -> dx; the sums are dbeta and dgamma
 * With one part this is bnkit_bn_train_f32 / bnkit_bn_backward_f32. docs/extras.md has the math
 * and tolerances, examples/sync_bn_mpi/ a complete Open MPI program.
 *
 * Per channel over the part's n = outer * inner elements: count = n, mean = sum(x)/n,
 * M2 = sum((x - mean)^2). Counts are uint64_t, so a global count may exceed size_t.
 * Conventions are those of bnkit/batch_norm.h: validation first, nothing written on error. */
#ifndef BNKIT_STATS_H
#define BNKIT_STATS_H

#include "bnkit/batch_norm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Partial statistics of one tensor, with the training forward's stable two-pass kernel.
 *  @param[in]  x      count floats
 *  @param[out] count  one value: outer * inner (the same for every channel)
 *  @param[out] mean, m2  C floats each; m2 = biased variance * n, rounded once
 *  @param[in]  workspace  at least bnkit_bn_workspace_size() bytes of scratch
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (desc not initialised),
 *          BNKIT_ERR_WORKSPACE_TOO_SMALL, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_stats_f32(const bnkit_bn_desc* desc, const float* x, uint64_t* count,
                                                float* mean, float* m2, bnkit_buffer workspace);

/** Merge two partials (Chan, Golub and LeVeque's pairwise update), per channel in double,
 *  rounded once:  n = na + nb,  d = mean_b - mean_a,
 *                 mean = mean_a + d * nb / n,  M2 = M2_a + M2_b + d^2 * na * nb / n.
 *  A partial with count 0 is empty (the result is the other one; both empty: 0, 0, 0).
 *  @param[out] count, mean, m2  one value, C floats, C floats; mean may equal mean_a or mean_b
 *                     and m2 may equal m2_a or m2_b (merging into an accumulator)
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM (channels 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW (channels' bytes, or count_a + count_b, overflow),
 *          BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_stats_merge_f32(size_t channels, uint64_t count_a, const float* mean_a,
                                                      const float* m2_a, uint64_t count_b, const float* mean_b,
                                                      const float* m2_b, uint64_t* count, float* mean, float* m2);

/** Biased variance from a (merged) partial: var = M2 / count, in double, rounded once.
 *  @param[out] var  C floats; may equal m2
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM (channels 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW, BNKIT_ERR_BAD_ARGUMENT (count 0), BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_stats_finalize_f32(size_t channels, uint64_t count, const float* m2,
                                                         float* var);

/** bnkit_bn_train_f32 with given statistics (the global ones) instead of x's own:
 *      y = (x - mean) * (gamma / sqrt(var + epsilon)) + beta
 *      saved_mean = mean,  saved_invstd = 1 / sqrt(var + epsilon)
 *      moving_mean <- update(moving_mean, mean),  moving_var <- update(moving_var, v),
 *      v = var or var * count/(count-1) (0 when count == 1): the global count's correction
 *  @param[in]  count  the number of elements per channel the statistics cover, >= 1
 *  @param[in]  mean, var  C floats: mean and biased variance (bnkit_bn_stats_finalize_f32)
 *  Other parameters, in-place rules and statuses as bnkit_bn_train_f32, plus
 *  BNKIT_ERR_BAD_ARGUMENT for count 0. */
BNKIT_NODISCARD bnkit_status bnkit_bn_train_with_stats_f32(const bnkit_bn_desc* desc,
                                                           const bnkit_bn_train_params* params, uint64_t count,
                                                           const float* mean, const float* var, const float* x,
                                                           float* y, const float* gamma, const float* beta,
                                                           float* moving_mean, float* moving_var, float* saved_mean,
                                                           float* saved_invstd, bnkit_buffer workspace);

/** The backward's per-channel sums over this part, to be added across parts:
 *      sum_dy = sum(dy),  sum_dy_xhat = invstd * sum(dy * (x - mean))
 *  (over all parts they are dbeta and dgamma).
 *  @param[in]  mean, invstd  C floats: the forward's saved (global) statistics
 *  @param[out] sum_dy, sum_dy_xhat  C floats each
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (desc not initialised),
 *          BNKIT_ERR_WORKSPACE_TOO_SMALL, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_backward_sums_f32(const bnkit_bn_desc* desc, const float* x, const float* dy,
                                                        const float* mean, const float* invstd, float* sum_dy,
                                                        float* sum_dy_xhat, bnkit_buffer workspace);

/** The training backward's dx on this part from the global sums:
 *      dx = gamma * invstd * (dy - sum_dy/count - xhat * sum_dy_xhat/count)
 *  @param[in]  count  elements per channel over all parts (as given to train_with_stats), >= 1
 *  @param[in]  gamma  C floats, or NULL for 1
 *  @param[out] dx     count floats of this part; dx == dy and dx == x allowed
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (count 0, desc not
 *          initialised), BNKIT_ERR_WORKSPACE_TOO_SMALL, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_backward_apply_sums_f32(const bnkit_bn_desc* desc, uint64_t count,
                                                              const float* x, const float* dy, const float* gamma,
                                                              const float* mean, const float* invstd,
                                                              const float* sum_dy, const float* sum_dy_xhat,
                                                              float* dx, bnkit_buffer workspace);

#ifdef __cplusplus
}
#endif

#endif
