#include "bnkit/keras.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "validate.hpp"

namespace bnkit::keras {
namespace {

int32_t resolve(int32_t axis, uint32_t rank) noexcept { return axis < 0 ? axis + static_cast<int32_t>(rank) : axis; }

// Keras 2's decision, in its own two steps. Constructor: a single axis in
// (-4, -3, -1, 1, 3, 4) may fuse; otherwise fused=True is an error and None means False.
// Build: None fuses for rank 4 or 5; rank 4 must then have axis 1 or 3 (even with None:
// axis=-4 on a 4-D input is Keras' "Unsupported axis" error), rank 5 without axis 1 or 4
// silently falls back to non-fused.
// renorm and virtual_batch_size need the non-fused path: None falls back to it (True is
// Keras' ValueError, rejected by check_config).
Status decide_fused(const Config& cfg, uint32_t rank, bool& fused) noexcept {
    if (cfg.renorm || cfg.virtual_batch_size != 0) {
        fused = false;
        return BNKIT_OK;
    }
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

namespace {
bool finite(const std::optional<double>& v) noexcept { return !v || std::isfinite(*v); }
}  // namespace

Status BatchNormalizationBase::check_config() const noexcept {
    // Keras itself checks none of these; bnkit rejects them on every call, training or not, so
    // a bad config cannot hide until the first training step.
    if (!(cfg_.momentum >= 0.0 && cfg_.momentum <= 1.0)) return BNKIT_ERR_BAD_MOMENTUM;
    if (!(cfg_.epsilon >= 0.0 && cfg_.epsilon <= static_cast<double>(std::numeric_limits<float>::max()))) return BNKIT_ERR_BAD_EPSILON;
    for (const bnkit_regularizer* r : {&cfg_.gamma_regularizer, &cfg_.beta_regularizer})
        if (const Status s = bnkit_regularizer_check(r)) return s;
    for (const bnkit_constraint* c : {&cfg_.gamma_constraint, &cfg_.beta_constraint})
        if (const Status s = bnkit_constraint_check(c)) return s;
    const bool fused_true = cfg_.fused.value_or(false);  // Keras' ValueError with renorm / virtual batches
    if (cfg_.virtual_batch_size != 0 && fused_true && !cfg_.renorm) return BNKIT_ERR_BAD_VIRTUAL_BATCH;
    if (!cfg_.renorm) return BNKIT_OK;
    if (fused_true) return BNKIT_ERR_BAD_RENORM;
    if (!(cfg_.renorm_momentum >= 0.0 && cfg_.renorm_momentum <= 1.0)) return BNKIT_ERR_BAD_MOMENTUM;
    const RenormClipping& k = cfg_.renorm_clipping;
    if (!finite(k.rmax) || !finite(k.rmin) || !finite(k.dmax)) return BNKIT_ERR_BAD_RENORM;
    if ((k.rmax && *k.rmax < 1.0) || (k.rmin && (*k.rmin < 0.0 || *k.rmin > 1.0)) || (k.dmax && *k.dmax < 0.0))
        return BNKIT_ERR_BAD_RENORM;
    return BNKIT_OK;
}

// Keras reshapes the batch into (virtual_batch_size, -1, ...) on every call, training or not.
Status BatchNormalizationBase::check_batch(const Shape& shape) const noexcept {
    const std::size_t vbs = cfg_.virtual_batch_size;
    return vbs == 0 || shape.dims[0] % vbs == 0 ? BNKIT_OK : BNKIT_ERR_BAD_VIRTUAL_BATCH;
}

Status BatchNormalizationBase::set_isa(bnkit_isa isa) noexcept {
    const int32_t v = detail::enum_value(isa);
    if (v < BNKIT_ISA_AUTO || v > BNKIT_ISA_NEON64_FP16) return BNKIT_ERR_BAD_ARGUMENT;
    if (!bnkit_isa_available(isa)) return BNKIT_ERR_UNSUPPORTED_ISA;
    isa_ = isa;
    return BNKIT_OK;
}

Status BatchNormalizationBase::check_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept {
    if (const Status s = check_config()) return s;
    if (const Status s = describe(shape, cfg_.axis, desc)) return s;
    if (isa_ != BNKIT_ISA_AUTO)
        if (const Status s = bnkit_bn_desc_set_isa(&desc, isa_)) return s;
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
    if (cfg_.virtual_batch_size != 0)  // Keras: the batch axis cannot be a feature axis
        for (uint32_t k = 0; k < cfg_.axis.count; ++k)
            if (resolve(cfg_.axis.v[k], input_shape.rank) == 0) return BNKIT_ERR_BAD_AXIS;
    if (const Status s = core_.init(desc.channels, cfg_.gamma_initializer, cfg_.beta_initializer,
                                    cfg_.moving_mean_initializer, cfg_.moving_variance_initializer))
        return s;
    if (cfg_.renorm) init_renorm();
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
    if (const Status s = check_batch(shape)) return s;
    const bool batch = training.value_or(false) && cfg_.trainable;
    bnkit_bn_desc ghost;
    if (batch && cfg_.virtual_batch_size != 0)
        if (const Status s = ghost_check(shape, x.data, y.data, nullptr, false, ghost)) return s;
    const bool was_built = built();
    if (const Status s = build(shape)) return s;
    const detail::ForwardMode mode{batch,
                                   batch,
                                   cfg_.scale,
                                   cfg_.center,
                                   effective_epsilon(),
                                   cfg_.momentum,
                                   fused_ ? BNKIT_VARIANCE_UNBIASED : BNKIT_VARIANCE_BIASED,
                                   fused_ ? BNKIT_UPDATE_LERP : BNKIT_UPDATE_ASSIGN_SUB};
    Status s;
    if (batch && cfg_.virtual_batch_size != 0) {
        s = ghost_forward(shape, ghost, x, y);
    } else if (batch && cfg_.renorm) {
        s = renorm_forward(desc, x, y);
    } else {
        s = core_.forward(desc, x, y, mode);
        if (s == BNKIT_OK) last_call_ = LastCall::plain;  // a failed call keeps the last one's backward
    }
    if (s == BNKIT_OK && last_call_ != LastCall::plain) core_.note_forward(mode);
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
    if (const Status s = check_batch(shape)) return s;
    Status s;
    if (last_call_ == LastCall::ghost) {
        bnkit_bn_desc ghost;
        s = ghost_check(shape, x.data, dy.data, dx.data, true, ghost);
        if (s == BNKIT_OK) s = ghost_backward(shape, ghost, x, dy, dx);
    } else if (last_call_ == LastCall::renorm) {
        s = renorm_backward(desc, x, dy, dx);
    } else {
        s = core_.backward(desc, x, dy, dx);
    }
    if (s != BNKIT_OK) return s;
    return add_regularizer_gradients();
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
// Keras' weight order (creation order in build), minus the absent weights.
std::size_t weight_arrays(const Config& cfg, const detail::LayerStorage& st, const KerasStorage& ks,
                          float** arrays) noexcept {
    std::size_t n = 0;
    if (cfg.scale) arrays[n++] = st.gamma;
    if (cfg.center) arrays[n++] = st.beta;
    arrays[n++] = st.moving_mean;
    arrays[n++] = st.moving_var;
    if (cfg.renorm) {
        arrays[n++] = ks.moving_stddev;
        arrays[n++] = ks.renorm_mean;
        arrays[n++] = ks.renorm_stddev;
    }
    return n;
}
constexpr std::size_t max_weights = 7;
}  // namespace

Status BatchNormalizationBase::set_weights(const Span<const float>* w, std::size_t count) noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (!w) return BNKIT_ERR_NULL_POINTER;
    float* arrays[max_weights];
    const std::size_t n = weight_arrays(cfg_, core_.storage(), ks_, arrays);
    if (count != n) return BNKIT_ERR_BAD_ARGUMENT;
    for (std::size_t k = 0; k < n; ++k) {  // all checks before the first write
        if (!w[k].data) return BNKIT_ERR_NULL_POINTER;
        if (w[k].size != channels()) return BNKIT_ERR_CHANNEL_MISMATCH;
    }
    for (std::size_t k = 0; k < n; ++k)  // memmove: a value span may be one of the layer's arrays
        std::memmove(arrays[k], w[k].data, channels() * sizeof(float));
    core_.invalidate_fold();
    return BNKIT_OK;
}

Status BatchNormalizationBase::get_weights(const Span<float>* out, std::size_t count) const noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (!out) return BNKIT_ERR_NULL_POINTER;
    float* arrays[max_weights];
    const std::size_t n = weight_arrays(cfg_, core_.storage(), ks_, arrays);
    if (count != n) return BNKIT_ERR_BAD_ARGUMENT;
    for (std::size_t k = 0; k < n; ++k) {
        if (!out[k].data) return BNKIT_ERR_NULL_POINTER;
        if (out[k].size < channels()) return BNKIT_ERR_BUFFER_TOO_SMALL;
    }
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t c = 0; c < channels(); ++c) out[k].data[c] = arrays[k][c];
    return BNKIT_OK;
}

}  // namespace bnkit::keras
