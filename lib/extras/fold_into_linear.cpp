#include "bnkit/fold_linear.h"

#include "../core/fold.hpp"
#include "../core/validate.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_fold_into_linear_f32(size_t C, size_t K, bnkit_weight_layout layout, const float* weights,
                                                   const float* bias, const float* gamma, const float* beta,
                                                   const float* mean, const float* var, float epsilon,
                                                   float* folded_weights, float* folded_bias) {
    if (!all_nonnull(weights, mean, var, folded_weights, folded_bias)) return BNKIT_ERR_NULL_POINTER;
    if (C == 0 || K == 0) return BNKIT_ERR_ZERO_DIM;
    if (C > SIZE_MAX / sizeof(float) || K > SIZE_MAX / sizeof(float) / C) return BNKIT_ERR_SHAPE_OVERFLOW;
    if (const bnkit_status s = check_epsilon(epsilon)) return s;
    const int32_t lay = enum_value(layout);
    if (lay != BNKIT_WEIGHTS_OUT_FIRST && lay != BNKIT_WEIGHTS_OUT_LAST) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t wb = C * K * sizeof(float), cb = C * sizeof(float);
    const region r[] = {{weights, wb, false}, {bias, cb, false},  {gamma, cb, false},
                        {beta, cb, false},    {mean, cb, false},  {var, cb, false},
                        {folded_weights, wb, true, 0}, {folded_bias, cb, true, 1}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    // The scale is recomputed where needed rather than stored: no workspace, same value each time.
    const auto scale = [&](size_t c) { return fold_scale(gamma ? gamma[c] : 1.0f, var[c], epsilon); };
    if (lay == BNKIT_WEIGHTS_OUT_FIRST) {
        for (size_t c = 0; c < C; ++c) {
            const float s = scale(c);
            for (size_t k = 0; k < K; ++k) folded_weights[c * K + k] = weights[c * K + k] * s;
        }
    } else {
        for (size_t k = 0; k < K; ++k)
            for (size_t c = 0; c < C; ++c) folded_weights[k * C + c] = weights[k * C + c] * scale(c);
    }
    for (size_t c = 0; c < C; ++c) folded_bias[c] = ((bias ? bias[c] : 0.0f) - mean[c]) * scale(c) + (beta ? beta[c] : 0.0f);
    return BNKIT_OK;
}
