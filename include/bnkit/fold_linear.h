/* Folding an inference-mode batch norm into the dense or convolution layer before it, C API
 * (C99 and C++), for deployment without a separate batch norm:
 *
 *     BN(z)[c] = (z[c] - mean[c]) * s[c] + beta[c],   s[c] = gamma[c] / sqrt(var[c] + epsilon)
 *     z = linear(x) = W x + b            (W: per output channel c, the weights producing z[c])
 *  => BN(linear(x)) = W' x + b',   W'[c, ...] = W[c, ...] * s[c],   b'[c] = (b[c] - mean[c]) * s[c] + beta[c]
 *
 * s is bnkit_bn_fold_f32's scale, rounded the same way. Works for any layer that is linear per
 * output channel: Dense, ConvNd, transposed and depthwise convolutions, given where the output
 * channel sits in the weight array. */
#ifndef BNKIT_FOLD_LINEAR_H
#define BNKIT_FOLD_LINEAR_H

#include "bnkit/status.h"
#include "bnkit/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where the output channel is in a weight array of out_channels * per_channel floats. */
typedef enum bnkit_weight_layout {
    /** [out, ...]: weight (o, k) at o * per_channel + k. PyTorch / MindSpore Conv OIHW,
     *  MindSpore nn.Dense and PyTorch Linear weights [out, in]. */
    BNKIT_WEIGHTS_OUT_FIRST = 0,
    /** [..., out]: weight (k, o) at k * out_channels + o. Keras Conv HWIO, Dense kernel
     *  [in, out], DepthwiseConv2D [kh, kw, in, multiplier] (out = in * multiplier). */
    BNKIT_WEIGHTS_OUT_LAST = 1,
    BNKIT_WEIGHTS_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_weight_layout;

/** Fold batch norm parameters into the preceding linear layer's weights and bias.
 *  @param[in]  out_channels  the linear layer's output channels = the batch norm's channels C
 *  @param[in]  per_channel   weights per output channel (in_channels * kernel size; Dense: in)
 *  @param[in]  layout        where the output channel is in `weights`
 *  @param[in]  weights       out_channels * per_channel floats
 *  @param[in]  bias          C floats, or NULL for a layer without bias (use_bias=False)
 *  @param[in]  gamma, beta   C floats each, or NULL for 1 / 0
 *  @param[in]  mean, var     C floats each: the moving statistics
 *  @param[in]  epsilon       finite, >= 0
 *  @param[out] folded_weights  out_channels * per_channel floats; may equal weights
 *  @param[out] folded_bias     C floats (always written: the folded layer needs a bias); may
 *                              equal bias
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM (out_channels or per_channel 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW (the weights' bytes overflow size_t), BNKIT_ERR_BAD_EPSILON,
 *          BNKIT_ERR_BAD_ARGUMENT (layout), BNKIT_ERR_ALIASING */
BNKIT_NODISCARD bnkit_status bnkit_fold_into_linear_f32(size_t out_channels, size_t per_channel,
                                                        bnkit_weight_layout layout, const float* weights,
                                                        const float* bias, const float* gamma, const float* beta,
                                                        const float* mean, const float* var, float epsilon,
                                                        float* folded_weights, float* folded_bias);

#ifdef __cplusplus
}
#endif

#endif
