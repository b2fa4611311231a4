/* bnkit batch normalization, C API (C99 and C++).
 *
 * Every tensor is viewed as [outer, C, inner]: outer = product of the dims before the feature
 * axis, C = the feature dim (adjacent feature axes are flattened into one), inner = product
 * of the dims after it. NCHW has inner = H*W, NHWC has inner = 1. Statistics are per channel
 * over n = outer * inner elements.
 *
 * Conventions, for every function below:
 *  - Tensors x, y, dy, dx hold outer*C*inner floats, densely packed, any alignment.
 *    Per-channel arrays hold C floats.
 *  - momentum is the weight of the OLD moving value (Keras and MindSpore nn convention).
 *  - No function allocates, throws, prints or keeps state between calls.
 *  - Arguments are all validated first; on any status other than BNKIT_OK nothing the
 *    caller owns has been written.
 *  - Buffers may not overlap, except the exact in-place cases each function names;
 *    anything else is BNKIT_ERR_ALIASING.
 * The math of each function is in docs/numerics.md, with its tolerances. */
#ifndef BNKIT_BATCH_NORM_H
#define BNKIT_BATCH_NORM_H

#include "bnkit/half.h"
#include "bnkit/status.h"
#include "bnkit/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bnkit_kernel_table;

/** A validated [outer, C, inner] view of one tensor shape plus the kernel path to use.
 *  Fill it with bnkit_bn_desc_init(); read the sizes freely, do not write them. */
typedef struct bnkit_bn_desc {
    size_t outer;    /**< product of the dims before the feature axes */
    size_t channels; /**< product of the feature axes' dims (C) */
    size_t inner;    /**< product of the dims after the feature axes */
    size_t count;    /**< outer * channels * inner */
    const struct bnkit_kernel_table* kernels; /**< private: the selected kernel path */
    size_t llc_bytes; /**< private: this CPU's last-level cache; calls whose tensors fill 5/8 of it stream their output */
} bnkit_bn_desc;

/** Training hyper-parameters. */
typedef struct bnkit_bn_train_params {
    float epsilon;  /**< added to the variance; finite and >= 0 */
    double momentum; /**< weight of the old moving value, in [0, 1]. Double, like the frameworks'
                          Python float: f = 1 - momentum is evaluated in double and rounded to
                          float32 once, which is what TF and MindSpore pass to their kernels. */
    bnkit_variance_correction moving_variance; /**< variance fed to the moving average */
    bnkit_update_form update;                  /**< float32 form of the moving average */
} bnkit_bn_train_params;

/** Bytes of workspace that bnkit_bn_train_f32 and bnkit_bn_backward_f32 need for C channels:
 *  four arrays of C floats, each rounded up to 16 floats, plus 64 bytes, so that a workspace at
 *  any byte address holds them at 64-byte boundaries (per-channel vectors split across cache
 *  lines slowed AVX-512 channels-last training by up to 1.5x). A compile-time constant for
 *  static arrays (see also bnkit::workspace_bytes()). */
#define BNKIT_BN_WORKSPACE_BYTES(channels) (((size_t)(channels) + 15u) / 16u * 16u * 4u * sizeof(float) + 64u)

/** Describe a tensor of shape dims[0..rank) with feature axes axes[0..num_axes).
 *  Axes may be negative (counted from the end, Keras style) and listed in any order; several
 *  axes must be adjacent and are flattened into one channel index (row-major over them).
 *  Selects the best kernel path for this CPU (BNKIT_ISA_AUTO).
 *  @param[out] desc   filled on success
 *  @param[in]  rank   1..BNKIT_MAX_RANK
 *  @param[in]  dims   rank sizes, each >= 1
 *  @param[in]  num_axes, axes  1..rank distinct axes in [-rank, rank)
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_RANK, BNKIT_ERR_BAD_AXIS
 *          (out of range, duplicate, num_axes 0 or > rank), BNKIT_ERR_AXES_NOT_ADJACENT,
 *          BNKIT_ERR_ZERO_DIM, BNKIT_ERR_SHAPE_OVERFLOW (element count or its bytes overflow) */
BNKIT_NODISCARD bnkit_status bnkit_bn_desc_init(bnkit_bn_desc* desc, uint32_t rank, const size_t* dims,
                                                uint32_t num_axes, const int32_t* axes);

/** Force a kernel path on an initialised descriptor (BNKIT_ISA_AUTO re-selects the best).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (not a bnkit_isa value, or
 *          a descriptor bnkit_bn_desc_init did not fill),
 *          BNKIT_ERR_UNSUPPORTED_ISA (not compiled in, or this CPU lacks it),
 *          BNKIT_ERR_SHAPE_OVERFLOW (consistent sizes whose workspace overflows: a tampered desc) */
BNKIT_NODISCARD bnkit_status bnkit_bn_desc_set_isa(bnkit_bn_desc* desc, bnkit_isa isa);

/** The kernel path a descriptor will run (never BNKIT_ISA_AUTO); BNKIT_ISA_SCALAR for NULL. */
bnkit_isa bnkit_bn_desc_isa(const bnkit_bn_desc* desc);

/** Whether a path is compiled in and supported by this CPU (AUTO: always 1). */
int bnkit_isa_available(bnkit_isa isa);

/** Lower-case name of a path ("scalar", "sse2", "avx2", "avx512", "neon", "neon64", "auto"),
 *  "unknown" for other values. */
const char* bnkit_isa_name(bnkit_isa isa);

/** Bytes of workspace the training and backward functions need for this descriptor.
 *  Equal to BNKIT_BN_WORKSPACE_BYTES(desc->channels).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (desc not initialised),
 *          BNKIT_ERR_SHAPE_OVERFLOW (consistent sizes whose workspace overflows: a tampered desc) */
BNKIT_NODISCARD bnkit_status bnkit_bn_workspace_size(const bnkit_bn_desc* desc, size_t* bytes);

/** Fold per-channel parameters into inference coefficients, once per layer:
 *      scale = gamma / sqrt(var + epsilon),  shift = beta - mean * scale
 *  so that inference is y = x * scale + shift.
 *  @param[in]  gamma  C floats, or NULL for gamma = 1 (Keras scale=False)
 *  @param[in]  beta   C floats, or NULL for beta = 0 (Keras center=False)
 *  @param[in]  mean, var  C floats each (moving statistics)
 *  @param[in]  epsilon    finite, >= 0
 *  @param[out] scale, shift  C floats each; scale may equal gamma and shift may equal beta
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM (channels 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW, BNKIT_ERR_BAD_EPSILON, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_fold_f32(size_t channels, const float* gamma, const float* beta,
                                               const float* mean, const float* var, float epsilon,
                                               float* scale, float* shift);

/** Inference: y = x * scale[c] + shift[c] with folded coefficients.
 *  @param[in]  x  count floats
 *  @param[out] y  count floats; y == x (in place) is allowed
 *  @param[in]  scale, shift  C floats each, from bnkit_bn_fold_f32
 *  Any alignment works; on x86 64-byte aligned per-channel arrays (scale and shift here,
 *  saved_mean in training and backward) are fastest: channels-last tensors load them as
 *  vectors, and AVX-512 loads that split cache lines cost up to 1.4x there when C is not a
 *  multiple of 16 (bnkit_stream_bench rows/, docs/performance.md).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (desc not initialised),
 *          BNKIT_ERR_SHAPE_OVERFLOW, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_infer_f32(const bnkit_bn_desc* desc, const float* x, float* y,
                                                const float* scale, const float* shift);

/** Training forward with batch statistics:
 *      mean = sum(x)/n,  var = sum((x-mean)^2)/n  (two passes, shifted; never E[x^2]-E[x]^2)
 *      y = (x - mean) * (gamma / sqrt(var + epsilon)) + beta
 *      saved_mean = mean,  saved_invstd = 1 / sqrt(var + epsilon)
 *      moving_mean     <- update(moving_mean, mean)
 *      moving_variance <- update(moving_variance, v), v = var or var*n/(n-1) (0 when n == 1)
 *  @param[in]  x  count floats
 *  @param[out] y  count floats; y == x allowed
 *  @param[in]  gamma, beta  C floats, or NULL for 1 / 0
 *  @param[in,out] moving_mean, moving_var  C floats; both NULL to skip the moving update
 *  @param[out] saved_mean, saved_invstd  C floats: what bnkit_bn_backward_f32 needs
 *  @param[in]  workspace  at least bnkit_bn_workspace_size() bytes of scratch
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (also: only one of moving_mean/moving_var),
 *          BNKIT_ERR_BAD_ARGUMENT (desc not initialised, or an enum value out of range),
 *          BNKIT_ERR_BAD_EPSILON, BNKIT_ERR_BAD_MOMENTUM, BNKIT_ERR_BAD_ARGUMENT,
 *          BNKIT_ERR_WORKSPACE_TOO_SMALL, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_train_f32(const bnkit_bn_desc* desc, const bnkit_bn_train_params* params,
                                                const float* x, float* y, const float* gamma,
                                                const float* beta, float* moving_mean, float* moving_var,
                                                float* saved_mean, float* saved_invstd,
                                                bnkit_buffer workspace);

/** Per-channel inverse standard deviation, invstd = 1 / sqrt(var + epsilon): turns moving
 *  statistics into the `invstd` an inference-phase backward needs.
 *  @param[out] invstd  C floats; may equal var
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM, BNKIT_ERR_SHAPE_OVERFLOW,
 *          BNKIT_ERR_BAD_EPSILON, BNKIT_ERR_ALIASING (invstd overlapping var other than exactly) */
BNKIT_NODISCARD bnkit_status bnkit_bn_invstd_f32(size_t channels, const float* var, float epsilon,
                                                 float* invstd);

/** Backward pass of L(y), y = gamma * (x - mean) * invstd + beta:
 *      xhat = (x - mean) * invstd,  dbeta = sum(dy),  dgamma = sum(dy * xhat)
 *      training:  dx = gamma * invstd * (dy - dbeta/n - xhat * dgamma/n)
 *      inference: dx = gamma * invstd * dy
 *  @param[in]  phase  BNKIT_PHASE_TRAINING (mean/invstd are the forward's saved statistics)
 *                     or BNKIT_PHASE_INFERENCE (moving mean and bnkit_bn_invstd_f32 of the
 *                     moving variance)
 *  @param[in]  x, dy  count floats
 *  @param[in]  gamma  C floats, or NULL for 1
 *  @param[in]  mean, invstd  C floats
 *  @param[out] dx  count floats, or NULL to skip; dx == dy and dx == x allowed
 *  @param[out] dgamma, dbeta  C floats each, or NULL to skip
 *  @param[in]  workspace  at least bnkit_bn_workspace_size() bytes of scratch
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (phase, or desc not initialised),
 *          BNKIT_ERR_WORKSPACE_TOO_SMALL, BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_bn_backward_f32(const bnkit_bn_desc* desc, bnkit_bn_phase phase,
                                                   const float* x, const float* dy, const float* gamma,
                                                   const float* mean, const float* invstd, float* dx,
                                                   float* dgamma, float* dbeta, bnkit_buffer workspace);

/* float16 activations. The same operations with x, y, dy and dx stored as IEEE binary16
 * (bnkit_f16, bnkit/half.h); gamma, beta, scale, shift, the moving and saved statistics and
 * the workspace stay float32, and so does all arithmetic: each element is widened exactly,
 * computed exactly as the _f32 function computes it, and rounded once to binary16 (to nearest
 * even, +-inf beyond 65504, NaN propagates). Arguments, in-place rules, workspace size and
 * statuses are those of the _f32 function; tensor sizes for the aliasing checks are
 * count * 2 bytes. Tolerances: docs/numerics.md, "float16 activations". */

/** bnkit_bn_infer_f32 with float16 x and y (y == x allowed). Same statuses. */
BNKIT_NODISCARD bnkit_status bnkit_bn_infer_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                                const float* scale, const float* shift);

/** bnkit_bn_train_f32 with float16 x and y (y == x allowed); statistics float32. Same statuses. */
BNKIT_NODISCARD bnkit_status bnkit_bn_train_f16(const bnkit_bn_desc* desc, const bnkit_bn_train_params* params,
                                                const bnkit_f16* x, bnkit_f16* y, const float* gamma,
                                                const float* beta, float* moving_mean, float* moving_var,
                                                float* saved_mean, float* saved_invstd, bnkit_buffer workspace);

/** bnkit_bn_backward_f32 with float16 x, dy and dx (dx == dy and dx == x allowed); dgamma and
 *  dbeta float32. Same statuses. */
BNKIT_NODISCARD bnkit_status bnkit_bn_backward_f16(const bnkit_bn_desc* desc, bnkit_bn_phase phase,
                                                   const bnkit_f16* x, const bnkit_f16* dy, const float* gamma,
                                                   const float* mean, const float* invstd, bnkit_f16* dx,
                                                   float* dgamma, float* dbeta, bnkit_buffer workspace);

/** Inference with a fused activation: y = act(x * scale[c] + shift[c]), act applied in float32
 *  before the result is stored (bnkit_activation, types.h; docs/numerics.md "Fused activation").
 *  bnkit_bn_infer_f32 is this function with BNKIT_ACTIVATION_NONE. Same arguments and in-place
 *  rule as bnkit_bn_infer_f32.
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_ARGUMENT (desc not initialised, or
 *          activation not a bnkit_activation value), BNKIT_ERR_SHAPE_OVERFLOW, BNKIT_ERR_ALIASING;
 *          on error y is untouched */
BNKIT_NODISCARD bnkit_status bnkit_bn_infer_act_f32(const bnkit_bn_desc* desc, const float* x, float* y,
                                                    const float* scale, const float* shift,
                                                    bnkit_activation activation);

/** bnkit_bn_infer_act_f32 with float16 x and y (y == x allowed): the activation is applied in
 *  float32 and the result rounded once (clamping to 0 and 6 commutes with the monotone
 *  rounding, both being exact in binary16, so act-then-round equals round-then-act). Same
 *  statuses. */
BNKIT_NODISCARD bnkit_status bnkit_bn_infer_act_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                                    const float* scale, const float* shift,
                                                    bnkit_activation activation);

#ifdef __cplusplus
}
#endif

#endif
