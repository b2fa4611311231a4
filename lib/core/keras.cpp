#include "bnkit/keras.hpp"

#include <limits>

namespace bnkit::keras {
namespace {

int32_t resolve(int32_t axis, uint32_t rank) noexcept { return axis < 0 ? axis + static_cast<int32_t>(rank) : axis; }

// Keras 2's decision, in its own two steps. Constructor: a single axis in
// (-4, -3, -1, 1, 3, 4) may fuse; otherwise fused=True is an error and None means False.
// Build: None fuses for rank 4 or 5; rank 4 must then have axis 1 or 3 (even with None:
// axis=-4 on a 4-D input is Keras' "Unsupported axis" error), rank 5 without axis 1 or 4
// silently falls back to non-fused.
Status decide_fused(const Config& cfg, uint32_t rank, bool& fused) noexcept {
    const int32_t a0 = cfg.axis.v[0];
    const bool listed = cfg.axis.count == 1 && (a0 == -4 || a0 == -3 || a0 == -1 || a0 == 1 || a0 == 3 || a0 == 4);
    if (!listed) {
        if (cfg.fused.value_or(false)) return BNKIT_ERR_BAD_AXIS;
        fused = false;
        return BNKIT_OK;
    }
    if (cfg.fused.has_value() && !*cfg.fused) {
        fused = false;
        return BNKIT_OK;
    }
    if (rank != 4 && rank != 5) {
        if (cfg.fused.has_value()) return BNKIT_ERR_BAD_RANK;
        fused = false;
        return BNKIT_OK;
    }
    const int32_t a = resolve(a0, rank);
    if (rank == 4) {
        if (a != 1 && a != 3) return BNKIT_ERR_BAD_AXIS;
        fused = true;
    } else {
        fused = a == 1 || a == 4;
    }
    return BNKIT_OK;
}

}  // namespace

float BatchNormalizationBase::effective_epsilon() const noexcept {
    const double e = fused_ && !(cfg_.epsilon > fused_min_epsilon) ? fused_min_epsilon : cfg_.epsilon;
    return static_cast<float>(e);
}

Status BatchNormalizationBase::check_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept {
    // Keras itself never checks these; bnkit rejects them on every call, training or not, so
    // a bad config cannot hide until the first training step.
    if (!(cfg_.momentum >= 0.0 && cfg_.momentum <= 1.0)) return BNKIT_ERR_BAD_MOMENTUM;
    if (!(cfg_.epsilon >= 0.0 && cfg_.epsilon <= static_cast<double>(std::numeric_limits<float>::max()))) return BNKIT_ERR_BAD_EPSILON;
    if (const Status s = describe(shape, cfg_.axis, desc)) return s;
    if (!built()) return BNKIT_OK;
    if (shape.rank != rank_) return BNKIT_ERR_BAD_RANK;
    for (uint32_t k = 0; k < cfg_.axis.count; ++k) {
        const auto a = static_cast<uint32_t>(resolve(cfg_.axis.v[k], rank_));
        if (shape.dims[a] != axis_dims_[a]) return BNKIT_ERR_CHANNEL_MISMATCH;
    }
    return BNKIT_OK;
}

Status BatchNormalizationBase::build(const Shape& input_shape) noexcept {
    bnkit_bn_desc desc;
    if (const Status s = check_input(input_shape, desc)) return s;
    if (built()) return BNKIT_OK;
    bool fused = false;
    if (const Status s = decide_fused(cfg_, input_shape.rank, fused)) return s;
    if (const Status s = core_.init(desc.channels, cfg_.gamma_initializer, cfg_.beta_initializer,
                                    cfg_.moving_mean_initializer, cfg_.moving_variance_initializer))
        return s;
    fused_ = fused;
    rank_ = input_shape.rank;
    for (uint32_t k = 0; k < cfg_.axis.count; ++k) {
        const auto a = static_cast<uint32_t>(resolve(cfg_.axis.v[k], rank_));
        axis_dims_[a] = input_shape.dims[a];
    }
    return BNKIT_OK;
}

Status BatchNormalizationBase::call(const Shape& shape, Span<const float> x, Span<float> y,
                                    std::optional<bool> training) noexcept {
    bnkit_bn_desc desc;
    if (const Status s = check_input(shape, desc)) return s;
    // Validate the whole call before build() fills any weight.
    if (!x.data || !y.data) return BNKIT_ERR_NULL_POINTER;
    if (x.size < desc.count || y.size < desc.count) return BNKIT_ERR_BUFFER_TOO_SMALL;
    const bool was_built = built();
    if (const Status s = build(shape)) return s;
    const bool batch = training.value_or(false) && cfg_.trainable;
    const detail::ForwardMode mode{batch,
                                   batch,
                                   cfg_.scale,
                                   cfg_.center,
                                   effective_epsilon(),
                                   cfg_.momentum,
                                   fused_ ? BNKIT_VARIANCE_UNBIASED : BNKIT_VARIANCE_BIASED,
                                   fused_ ? BNKIT_UPDATE_LERP : BNKIT_UPDATE_ASSIGN_SUB};
    const Status s = core_.forward(desc, x, y, mode);
    if (s != BNKIT_OK && !was_built) {
        core_.reset();  // a failed first call leaves the layer unbuilt, as it found it
        fused_ = false;
        rank_ = 0;
    }
    return s;
}

Status BatchNormalizationBase::backward(const Shape& shape, Span<const float> x, Span<const float> dy,
                                        Span<float> dx) noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    bnkit_bn_desc desc;
    if (const Status s = check_input(shape, desc)) return s;
    return core_.backward(desc, x, dy, dx);
}

Span<const float> BatchNormalizationBase::gamma() const noexcept {
    return cfg_.scale ? core_.param(detail::LayerCore::gamma_id) : Span<const float>{};
}
Span<const float> BatchNormalizationBase::beta() const noexcept {
    return cfg_.center ? core_.param(detail::LayerCore::beta_id) : Span<const float>{};
}
Span<const float> BatchNormalizationBase::dgamma() const noexcept {
    return trains_gamma() ? core_.param(detail::LayerCore::dgamma_id) : Span<const float>{};
}
Span<const float> BatchNormalizationBase::dbeta() const noexcept {
    return trains_beta() ? core_.param(detail::LayerCore::dbeta_id) : Span<const float>{};
}

namespace {
// Keras' weight order, minus the absent weights.
std::size_t weight_ids(const Config& cfg, detail::LayerCore::Param* ids) noexcept {
    std::size_t n = 0;
    if (cfg.scale) ids[n++] = detail::LayerCore::gamma_id;
    if (cfg.center) ids[n++] = detail::LayerCore::beta_id;
    ids[n++] = detail::LayerCore::moving_mean_id;
    ids[n++] = detail::LayerCore::moving_var_id;
    return n;
}
}  // namespace

Status BatchNormalizationBase::set_weights(const Span<const float>* w, std::size_t count) noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (!w) return BNKIT_ERR_NULL_POINTER;
    detail::LayerCore::Param ids[4];
    const std::size_t n = weight_ids(cfg_, ids);
    if (count != n) return BNKIT_ERR_BAD_ARGUMENT;
    for (std::size_t k = 0; k < n; ++k) {  // all checks before the first write
        if (!w[k].data) return BNKIT_ERR_NULL_POINTER;
        if (w[k].size != channels()) return BNKIT_ERR_CHANNEL_MISMATCH;
    }
    for (std::size_t k = 0; k < n; ++k)
        if (const Status s = core_.set_param(ids[k], w[k])) return s;
    return BNKIT_OK;
}

Status BatchNormalizationBase::get_weights(const Span<float>* out, std::size_t count) const noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (!out) return BNKIT_ERR_NULL_POINTER;
    detail::LayerCore::Param ids[4];
    const std::size_t n = weight_ids(cfg_, ids);
    if (count != n) return BNKIT_ERR_BAD_ARGUMENT;
    for (std::size_t k = 0; k < n; ++k) {
        if (!out[k].data) return BNKIT_ERR_NULL_POINTER;
        if (out[k].size < channels()) return BNKIT_ERR_BUFFER_TOO_SMALL;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const Span<const float> p = core_.param(ids[k]);
        for (std::size_t c = 0; c < p.size; ++c) out[k].data[c] = p.data[c];
    }
    return BNKIT_OK;
}

}  // namespace bnkit::keras
