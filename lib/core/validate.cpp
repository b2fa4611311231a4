#include "validate.hpp"

#include <cmath>

#include "../dispatch/select.hpp"

namespace bnkit::detail {

bnkit_status check_aliasing(const region* r, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t j = i + 1; j < count; ++j)
            if (conflict(r, i, j)) return BNKIT_ERR_ALIASING;
    return BNKIT_OK;
}

bnkit_status check_epsilon(float eps) noexcept {
    return std::isfinite(eps) && eps >= 0.0f ? BNKIT_OK : BNKIT_ERR_BAD_EPSILON;
}

bnkit_status check_momentum(double momentum) noexcept {
    return momentum >= 0.0 && momentum <= 1.0 ? BNKIT_OK : BNKIT_ERR_BAD_MOMENTUM;
}

bnkit_status check_train_params(const bnkit_bn_train_params& p) noexcept {
    if (const bnkit_status s = check_epsilon(p.epsilon)) return s;
    if (const bnkit_status s = check_momentum(p.momentum)) return s;
    const std::int32_t corr = enum_value(p.moving_variance), form = enum_value(p.update);
    if ((corr != BNKIT_VARIANCE_BIASED && corr != BNKIT_VARIANCE_UNBIASED) ||
        (form != BNKIT_UPDATE_LERP && form != BNKIT_UPDATE_ASSIGN_SUB))
        return BNKIT_ERR_BAD_ARGUMENT;
    return BNKIT_OK;
}

bnkit_status check_channels(std::size_t channels) noexcept {
    if (channels == 0) return BNKIT_ERR_ZERO_DIM;
    // The largest count whose BNKIT_BN_WORKSPACE_BYTES (channels rounded up to 16) fits size_t.
    constexpr std::size_t max_channels = (SIZE_MAX - 64u) / (4u * sizeof(float)) / 16u * 16u;
    return channels <= max_channels ? BNKIT_OK : BNKIT_ERR_SHAPE_OVERFLOW;
}

bnkit_status check_desc_shape(const bnkit_bn_desc* d) noexcept {
    if (!d) return BNKIT_ERR_NULL_POINTER;
    // A zeroed or garbage descriptor must not reach a kernel.
    if (d->outer == 0 || d->channels == 0 || d->inner == 0) return BNKIT_ERR_BAD_ARGUMENT;
    // Overflow-checked products, not divisions: three 64-bit divides cost about 5 ns of a small
    // inference call (1x16x8x8 NCHW: 52-54 -> 47-49 ns).
    std::size_t oc, count;
    if (__builtin_mul_overflow(d->outer, d->channels, &oc) || __builtin_mul_overflow(oc, d->inner, &count) ||
        count != d->count || count > SIZE_MAX / sizeof(float))
        return BNKIT_ERR_BAD_ARGUMENT;
    // Only a consistent descriptor can be "too many channels"; garbage is BAD_ARGUMENT above.
    if (check_channels(d->channels) != BNKIT_OK) return BNKIT_ERR_SHAPE_OVERFLOW;
    return BNKIT_OK;
}

bnkit_status check_desc(const bnkit_bn_desc* d) noexcept {
    if (const bnkit_status s = check_desc_shape(d)) return s;
    return is_kernel_table(d->kernels) ? BNKIT_OK : BNKIT_ERR_BAD_ARGUMENT;
}

}  // namespace bnkit::detail
