// Keras Batch Renormalization (renorm=True), semantics-reference.md §8, in float32 as Keras
// evaluates it. With sigma_B = sqrt(var + eps) and rs = max(renorm_stddev, sqrt(eps)):
//   r = clip(sigma_B / rs, rmin, rmax),  d = clip((mean - renorm_mean) / rs, -dmax, dmax)
//   y = xhat * (r * gamma) + (d * gamma + beta)          (r, d: stop-gradient)
// then, in this order: renorm_mean, renorm_stddev move toward mean, sigma_B with
// renorm_momentum; moving_mean toward mean and moving_stddev toward sigma_B with momentum;
// moving_variance := max(moving_stddev^2 - eps, 0). All moving averages in Keras' assign_sub
// form v -= (v - value) * (1 - momentum). Inference is plain batch norm.
//
// Built on the C API: a training call with gamma = 1, beta = 0 gives xhat in y and the batch
// moments (read exactly through a moving average with momentum 0 from zero); an inference
// call then applies r * gamma and d * gamma + beta in place.
#include <cmath>

#include "bnkit/keras.hpp"

namespace bnkit::keras {
namespace {

void assign_moving_average(float& var, float value, float decay) noexcept { var -= (var - value) * decay; }

float decay_of(double momentum) noexcept { return static_cast<float>(1.0 - momentum); }

}  // namespace

void BatchNormalizationBase::init_renorm() noexcept {
    const detail::LayerStorage& st = core_.storage();
    // Keras: moving_stddev and renorm_stddev start at sqrt(moving_variance_initializer),
    // renorm_mean at moving_mean_initializer.
    for (std::size_t c = 0; c < channels(); ++c) {
        ks_.moving_stddev[c] = ks_.renorm_stddev[c] = std::sqrt(st.moving_var[c]);
        ks_.renorm_mean[c] = st.moving_mean[c];
    }
}

void BatchNormalizationBase::renorm_corrections(const float* mean, const float* var) noexcept {
    const float eps = effective_epsilon();
    const float min_stddev = std::sqrt(eps);  // avoids dividing by 0 early in training
    const RenormClipping& k = cfg_.renorm_clipping;
    for (std::size_t c = 0; c < channels(); ++c) {
        const float stddev = std::sqrt(var[c] + eps);
        const float rs = std::fmax(ks_.renorm_stddev[c], min_stddev);
        float r = stddev / rs;
        float d = (mean[c] - ks_.renorm_mean[c]) / rs;
        if (k.rmin) r = std::fmax(r, static_cast<float>(*k.rmin));
        if (k.rmax) r = std::fmin(r, static_cast<float>(*k.rmax));
        if (k.dmax) {
            d = std::fmax(d, -static_cast<float>(*k.dmax));
            d = std::fmin(d, static_cast<float>(*k.dmax));
        }
        ks_.r[c] = r;
        ks_.d[c] = d;
    }
}

// Keras' _compose_transforms: scale = r * gamma, offset = d * gamma + beta (absent gamma: 1,
// absent beta: nothing added).
void BatchNormalizationBase::compose_renorm(float* scale, float* shift) const noexcept {
    const detail::LayerStorage& st = core_.storage();
    for (std::size_t c = 0; c < channels(); ++c) {
        scale[c] = cfg_.scale ? ks_.r[c] * st.gamma[c] : ks_.r[c];
        shift[c] = cfg_.scale ? ks_.d[c] * st.gamma[c] : ks_.d[c];
        if (cfg_.center) shift[c] += st.beta[c];
    }
}

void BatchNormalizationBase::renorm_update(const float* mean, const float* var) noexcept {
    const detail::LayerStorage& st = core_.storage();
    const float eps = effective_epsilon();
    const float renorm_decay = decay_of(cfg_.renorm_momentum), decay = decay_of(cfg_.momentum);
    for (std::size_t c = 0; c < channels(); ++c) {
        const float stddev = std::sqrt(var[c] + eps);
        assign_moving_average(ks_.renorm_mean[c], mean[c], renorm_decay);
        assign_moving_average(ks_.renorm_stddev[c], stddev, renorm_decay);
        assign_moving_average(st.moving_mean[c], mean[c], decay);
        assign_moving_average(ks_.moving_stddev[c], stddev, decay);
        const float v = ks_.moving_stddev[c] * ks_.moving_stddev[c] - eps;
        st.moving_var[c] = v > 0.0f ? v : 0.0f;  // Keras' relu against rounding below 0
    }
}

void BatchNormalizationBase::moving_update(const float* mean, const float* var) noexcept {
    const detail::LayerStorage& st = core_.storage();
    const float decay = decay_of(cfg_.momentum);
    for (std::size_t c = 0; c < channels(); ++c) {
        assign_moving_average(st.moving_mean[c], mean[c], decay);
        assign_moving_average(st.moving_var[c], var[c], decay);
    }
}

Status BatchNormalizationBase::renorm_forward(const bnkit_bn_desc& desc, Span<const float> x, Span<float> y) noexcept {
    const detail::LayerStorage& st = core_.storage();
    float* mean = ks_.scratch_a;
    float* var = ks_.scratch_b;
    for (std::size_t c = 0; c < channels(); ++c) mean[c] = var[c] = 0.0f;
    // momentum 0 from 0: the "moving" arrays receive the batch mean and biased variance exactly.
    const bnkit_bn_train_params p{effective_epsilon(), 0.0, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
    if (const Status s = bnkit_bn_train_f32(&desc, &p, x.data, y.data, nullptr, nullptr, mean, var, st.saved_mean,
                                            st.saved_invstd, {st.workspace, workspace_bytes(st.capacity)}))
        return s;
    renorm_corrections(mean, var);  // before the renorm variables move
    compose_renorm(st.scale, st.shift);
    if (const Status s = bnkit_bn_infer_f32(&desc, y.data, y.data, st.scale, st.shift)) return s;
    renorm_update(mean, var);
    last_call_ = LastCall::renorm;
    return BNKIT_OK;
}

Status BatchNormalizationBase::renorm_backward(const bnkit_bn_desc& desc, Span<const float> x, Span<const float> dy,
                                               Span<float> dx) noexcept {
    const detail::LayerStorage& st = core_.storage();
    if (!x.data || !dy.data) return BNKIT_ERR_NULL_POINTER;
    if (x.size < desc.count || dy.size < desc.count || (dx.data && dx.size < desc.count))
        return BNKIT_ERR_BUFFER_TOO_SMALL;
    // dL/dx is batch norm's with gamma' = r * gamma; dL/dgamma = sum dy * (r * xhat + d).
    compose_renorm(st.scale, st.shift);
    core_.invalidate_fold();
    if (const Status s = bnkit_bn_backward_f32(&desc, BNKIT_PHASE_TRAINING, x.data, dy.data, st.scale, st.saved_mean,
                                               st.saved_invstd, dx.data, st.dgamma, st.dbeta,
                                               {st.workspace, workspace_bytes(st.capacity)}))
        return s;
    for (std::size_t c = 0; c < channels(); ++c) st.dgamma[c] = ks_.r[c] * st.dgamma[c] + ks_.d[c] * st.dbeta[c];
    core_.note_gradients();
    return BNKIT_OK;
}

}  // namespace bnkit::keras
