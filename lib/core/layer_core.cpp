#include "bnkit/layer_core.hpp"

#include <cstring>

#include "../extras/random_draw.hpp"

namespace bnkit::detail {
namespace {

Status check_initializer(const Initializer& init, std::size_t channels) noexcept {
    switch (init.kind) {
        case Initializer::Kind::tensor:
            if (!init.data) return BNKIT_ERR_NULL_POINTER;
            return init.size == channels ? BNKIT_OK : BNKIT_ERR_CHANNEL_MISMATCH;
        case Initializer::Kind::random_uniform: return check_uniform(init.lo, init.hi);
        case Initializer::Kind::random_normal: return check_normal(init.mean, init.stddev);
        case Initializer::Kind::truncated_normal: return check_truncated_normal(init.mean, init.stddev, init.lo, init.hi);
        default: return BNKIT_OK;
    }
}

// For an initializer check_initializer accepted, so the random fills return BNKIT_OK.
Status fill(float* dst, std::size_t channels, const Initializer& init) noexcept {
    switch (init.kind) {
        case Initializer::Kind::random_uniform: return bnkit_random_uniform_f32(&init.rng, init.lo, init.hi, dst, channels);
        case Initializer::Kind::random_normal:
            return bnkit_random_normal_f32(&init.rng, init.mean, init.stddev, dst, channels);
        case Initializer::Kind::truncated_normal:
            return bnkit_random_truncated_normal_f32(&init.rng, init.mean, init.stddev, init.lo, init.hi, dst, channels);
        default:
            for (std::size_t c = 0; c < channels; ++c)
                dst[c] = init.kind == Initializer::Kind::tensor ? init.data[c] : init.value;
            return BNKIT_OK;
    }
}

}  // namespace

Status LayerCore::init(std::size_t channels, const Initializer& gamma, const Initializer& beta,
                       const Initializer& moving_mean, const Initializer& moving_var) noexcept {
    if (channels == 0) return BNKIT_ERR_ZERO_DIM;
    if (channels > s_.capacity) return BNKIT_ERR_CAPACITY;
    for (const Initializer* i : {&gamma, &beta, &moving_mean, &moving_var})
        if (const Status s = check_initializer(*i, channels)) return s;
    const Status filled[] = {fill(s_.gamma, channels, gamma), fill(s_.beta, channels, beta),
                             fill(s_.moving_mean, channels, moving_mean), fill(s_.moving_var, channels, moving_var)};
    for (const Status s : filled)
        if (s != BNKIT_OK) return s;
    channels_ = channels;
    fold_valid_ = called_ = has_gradients_ = false;
    return BNKIT_OK;
}

Status LayerCore::forward(const bnkit_bn_desc& desc, Span<const float> x, Span<float> y,
                          const ForwardMode& m) noexcept {
    if (channels_ == 0) return BNKIT_ERR_NOT_BUILT;
    if (desc.channels != channels_) return BNKIT_ERR_CHANNEL_MISMATCH;
    if (!x.data || !y.data) return BNKIT_ERR_NULL_POINTER;
    if (x.size < desc.count || y.size < desc.count) return BNKIT_ERR_BUFFER_TOO_SMALL;
    const float* gamma = m.use_gamma ? s_.gamma : nullptr;
    const float* beta = m.use_beta ? s_.beta : nullptr;

    if (m.batch_statistics) {
        const bnkit_bn_train_params p{m.epsilon, m.momentum, m.moving_variance, m.update};
        const Status s = bnkit_bn_train_f32(&desc, &p, x.data, y.data, gamma, beta,
                                            m.update_moving ? s_.moving_mean : nullptr,
                                            m.update_moving ? s_.moving_var : nullptr, s_.saved_mean,
                                            s_.saved_invstd, {s_.workspace, workspace_bytes(s_.capacity)});
        if (s != BNKIT_OK) return s;
        if (m.update_moving) fold_valid_ = false;
    } else {
        // The fold cache is the layer's own scratch, not state: recomputing it cannot lose
        // anything even if the call below then fails.
        if (!fold_valid_ || fold_epsilon_ != m.epsilon || fold_gamma_ != m.use_gamma || fold_beta_ != m.use_beta) {
            fold_valid_ = false;
            if (const Status s = bnkit_bn_fold_f32(channels_, gamma, beta, s_.moving_mean, s_.moving_var,
                                                   m.epsilon, s_.scale, s_.shift))
                return s;
            fold_valid_ = true;
            fold_epsilon_ = m.epsilon;
            fold_gamma_ = m.use_gamma;
            fold_beta_ = m.use_beta;
        }
        if (const Status s = bnkit_bn_infer_f32(&desc, x.data, y.data, s_.scale, s_.shift)) return s;
    }
    last_ = m;
    called_ = true;
    return BNKIT_OK;
}

Status LayerCore::backward(const bnkit_bn_desc& desc, Span<const float> x, Span<const float> dy,
                           Span<float> dx) noexcept {
    if (!called_) return BNKIT_ERR_NOT_BUILT;
    if (desc.channels != channels_) return BNKIT_ERR_CHANNEL_MISMATCH;
    if (!x.data || !dy.data) return BNKIT_ERR_NULL_POINTER;
    if (x.size < desc.count || dy.size < desc.count || (dx.data && dx.size < desc.count))
        return BNKIT_ERR_BUFFER_TOO_SMALL;
    const bool training = last_.batch_statistics;
    const float* mean = training ? s_.saved_mean : s_.moving_mean;
    const float* invstd = s_.saved_invstd;
    if (!training) {
        // Frozen statistics: the inverse std of the moving variance, computed into the fold
        // cache (scratch) so the saved batch statistics stay as they were.
        fold_valid_ = false;
        if (const Status s = bnkit_bn_invstd_f32(channels_, s_.moving_var, last_.epsilon, s_.scale)) return s;
        invstd = s_.scale;
    }
    const Status s = bnkit_bn_backward_f32(&desc, training ? BNKIT_PHASE_TRAINING : BNKIT_PHASE_INFERENCE, x.data,
                                           dy.data, last_.use_gamma ? s_.gamma : nullptr, mean, invstd, dx.data,
                                           s_.dgamma, s_.dbeta, {s_.workspace, workspace_bytes(s_.capacity)});
    if (s == BNKIT_OK) has_gradients_ = true;
    return s;
}

float* LayerCore::array(Param p) const noexcept {
    switch (p) {
        case gamma_id: return s_.gamma;
        case beta_id: return s_.beta;
        case moving_mean_id: return s_.moving_mean;
        case moving_var_id: return s_.moving_var;
        case dgamma_id: return s_.dgamma;
        case dbeta_id: return s_.dbeta;
    }
    return nullptr;
}

Span<const float> LayerCore::param(Param p) const noexcept {
    if ((p == dgamma_id || p == dbeta_id) && !has_gradients_) return {};
    return {array(p), channels_};
}

Status LayerCore::set_param(Param p, Span<const float> values) noexcept {
    if (channels_ == 0) return BNKIT_ERR_NOT_BUILT;
    if (!values.data) return BNKIT_ERR_NULL_POINTER;
    if (values.size != channels_) return BNKIT_ERR_CHANNEL_MISMATCH;
    if (p == dgamma_id || p == dbeta_id) return BNKIT_ERR_BAD_ARGUMENT;
    std::memmove(array(p), values.data, channels_ * sizeof(float));  // values may overlap the array
    fold_valid_ = false;
    return BNKIT_OK;
}

}  // namespace bnkit::detail
