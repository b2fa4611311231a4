// Keras regularizers and constraints on one per-channel weight vector (include/bnkit/params.h).
#include "bnkit/params.h"

#include <cmath>
#include <cstdint>

#include "../core/validate.hpp"

namespace {

using bnkit::detail::enum_value;

// Keras' backend.epsilon(), added in float32 to the norm in every norm constraint.
constexpr float keras_epsilon = 1e-7f;

bool penalty_ok(float p) noexcept { return std::isfinite(p) && p >= 0.0f; }

bnkit_status check_vector(std::size_t n, const void* w) noexcept {
    if (!w) return BNKIT_ERR_NULL_POINTER;
    if (n == 0) return BNKIT_ERR_ZERO_DIM;
    return n <= SIZE_MAX / sizeof(float) ? BNKIT_OK : BNKIT_ERR_SHAPE_OVERFLOW;
}

// sqrt(sum w^2), summed in double so the norm is the correctly rounded one for any length.
float l2_norm(std::size_t n, const float* w) noexcept {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(w[i]) * w[i];
    return static_cast<float>(std::sqrt(s));
}

float clip(float v, float lo, float hi) noexcept { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace

extern "C" bnkit_status bnkit_regularizer_check(const bnkit_regularizer* reg) {
    if (!reg) return BNKIT_ERR_NULL_POINTER;
    return penalty_ok(reg->l1) && penalty_ok(reg->l2) ? BNKIT_OK : BNKIT_ERR_BAD_REGULARIZER;
}

extern "C" bnkit_status bnkit_constraint_check(const bnkit_constraint* c) {
    if (!c) return BNKIT_ERR_NULL_POINTER;
    switch (enum_value(c->kind)) {
        case BNKIT_CONSTRAINT_NONE:
        case BNKIT_CONSTRAINT_NON_NEG:
        case BNKIT_CONSTRAINT_UNIT_NORM: return BNKIT_OK;
        case BNKIT_CONSTRAINT_MAX_NORM: return penalty_ok(c->max_value) ? BNKIT_OK : BNKIT_ERR_BAD_CONSTRAINT;
        case BNKIT_CONSTRAINT_MIN_MAX_NORM:
            return penalty_ok(c->min_value) && penalty_ok(c->max_value) && c->min_value <= c->max_value &&
                           c->rate >= 0.0f && c->rate <= 1.0f
                       ? BNKIT_OK
                       : BNKIT_ERR_BAD_CONSTRAINT;
    }
    return BNKIT_ERR_BAD_CONSTRAINT;  // kind not a bnkit_constraint_kind
}

extern "C" bnkit_status bnkit_regularization_loss_f32(const bnkit_regularizer* reg, size_t n, const float* w,
                                                      float* loss) {
    if (!reg || !loss) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_vector(n, w)) return s;
    if (const bnkit_status s = bnkit_regularizer_check(reg)) return s;
    double abs_sum = 0.0, sq_sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        abs_sum += std::fabs(static_cast<double>(w[i]));
        sq_sum += static_cast<double>(w[i]) * w[i];
    }
    // Keras adds the terms it has: L1L2 starts from 0 and skips a zero penalty.
    float total = 0.0f;
    if (reg->l1 != 0.0f) total += reg->l1 * static_cast<float>(abs_sum);
    if (reg->l2 != 0.0f) total += reg->l2 * static_cast<float>(sq_sum);
    *loss = total;
    return BNKIT_OK;
}

extern "C" bnkit_status bnkit_regularizer_grad_add_f32(const bnkit_regularizer* reg, size_t n, const float* w,
                                                       float* grad) {
    if (!reg || !grad) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_vector(n, w)) return s;
    if (const bnkit_status s = bnkit_regularizer_check(reg)) return s;
    const bnkit::detail::region r[2] = {{w, n * sizeof(float), false}, {grad, n * sizeof(float), true}};
    if (const bnkit_status s = bnkit::detail::check_aliasing(r, 2)) return s;
    for (std::size_t i = 0; i < n; ++i) {
        const float sign = w[i] > 0.0f ? 1.0f : (w[i] < 0.0f ? -1.0f : 0.0f);
        grad[i] += reg->l1 * sign + reg->l2 * (2.0f * w[i]);
    }
    return BNKIT_OK;
}

extern "C" bnkit_status bnkit_constraint_apply_f32(const bnkit_constraint* c, size_t n, float* w) {
    if (!c) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_vector(n, w)) return s;
    if (const bnkit_status s = bnkit_constraint_check(c)) return s;
    const std::int32_t kind = enum_value(c->kind);
    if (kind == BNKIT_CONSTRAINT_NONE) return BNKIT_OK;
    if (kind == BNKIT_CONSTRAINT_NON_NEG) {
        for (std::size_t i = 0; i < n; ++i) w[i] *= w[i] >= 0.0f ? 1.0f : 0.0f;  // Keras' w * cast(w >= 0)
        return BNKIT_OK;
    }
    const float norm = l2_norm(n, w);
    if (kind == BNKIT_CONSTRAINT_UNIT_NORM) {
        const float denom = keras_epsilon + norm;
        for (std::size_t i = 0; i < n; ++i) w[i] /= denom;
        return BNKIT_OK;
    }
    float desired;
    if (kind == BNKIT_CONSTRAINT_MAX_NORM) {
        desired = clip(norm, 0.0f, c->max_value);
    } else {
        // Keras: rate * clip(n, lo, hi) + (1 - rate) * n, with 1 - rate taken in Python (double).
        const auto keep = static_cast<float>(1.0 - static_cast<double>(c->rate));
        desired = c->rate * clip(norm, c->min_value, c->max_value) + keep * norm;
    }
    const float factor = desired / (keras_epsilon + norm);
    for (std::size_t i = 0; i < n; ++i) w[i] *= factor;
    return BNKIT_OK;
}
