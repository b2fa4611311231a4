// Per-channel math shared by every path: folding, inverse std and the moving-average update.
// It lives in one ISA-free place so the rounding order is decided once (docs/numerics.md).
#pragma once

#include <cmath>
#include <cstddef>

#include "bnkit/types.h"

namespace bnkit::detail {

// gamma / sqrt(var + eps): a correctly rounded sqrt and divide (MindSpore CPU's order;
// TF's rsqrt(v + eps) * gamma is equal for gamma = 1 and within 1 ulp otherwise).
inline float fold_scale(float gamma, float var, float eps) noexcept { return gamma / std::sqrt(var + eps); }

inline float inverse_std(float var, float eps) noexcept { return 1.0f / std::sqrt(var + eps); }

// One moving-average step; f = 1 - momentum is the weight of the new value.
inline float moving_update(float old, float batch, float f, bnkit_update_form form) noexcept {
    return form == BNKIT_UPDATE_ASSIGN_SUB ? old - (old - batch) * f : (1.0f - f) * old + f * batch;
}

// The variance fed to the moving average from the biased batch variance over n elements.
// n == 1 feeds 0 under either correction (TF's CPU kernel and Ascend; cuDNN's NaN is a bug).
inline float moving_variance_input(float var_b, std::size_t n, bnkit_variance_correction corr) noexcept {
    if (corr == BNKIT_VARIANCE_BIASED) return var_b;
    if (n <= 1) return 0.0f;
    const float nf = static_cast<float>(n);
    return var_b * (nf / (nf - 1.0f));
}

// The backward's dx = a * dy + (b * (x - mean) + k) per channel, from the sums over n elements
// (sum_dy = dbeta, sum_dy_xhat = dgamma). Training: dx = a * (dy - mean(dy) - xhat *
// mean(dy * xhat)), xhat = (x - mean) * invstd; inference (frozen statistics): dx = a * dy.
struct dx_coefficients {
    float a, b, k;
};
inline dx_coefficients backward_dx_coefficients(float gamma, float invstd, float sum_dy, float sum_dy_xhat, float n,
                                                bool training) noexcept {
    const float a = gamma * invstd;
    if (!training) return {a, 0.0f, 0.0f};
    return {a, -a * invstd * (sum_dy_xhat / n), -a * (sum_dy / n)};
}

}  // namespace bnkit::detail
