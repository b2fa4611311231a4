// Keras regularizers and constraints on gamma and beta, and the plain SGD step the examples
// use: the layer-level wrappers of include/bnkit/params.h.
#include <cmath>

#include "bnkit/keras.hpp"

namespace bnkit::keras {

Status BatchNormalizationBase::regularization_loss(float& loss) const noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (const Status s = check_config()) return s;
    const detail::LayerStorage& st = core_.storage();
    // Keras creates a regularizer's loss with the weight, trainable or not; absent weights
    // (scale/center false) have none.
    float g = 0.0f, b = 0.0f;
    if (cfg_.scale)
        if (const Status s = bnkit_regularization_loss_f32(&cfg_.gamma_regularizer, channels(), st.gamma, &g)) return s;
    if (cfg_.center)
        if (const Status s = bnkit_regularization_loss_f32(&cfg_.beta_regularizer, channels(), st.beta, &b)) return s;
    loss = g + b;
    return BNKIT_OK;
}

// After a successful backward, which checked the config: cannot fail.
Status BatchNormalizationBase::add_regularizer_gradients() noexcept {
    const detail::LayerStorage& st = core_.storage();
    if (trains_gamma())
        if (const Status s = bnkit_regularizer_grad_add_f32(&cfg_.gamma_regularizer, channels(), st.gamma, st.dgamma))
            return s;
    if (trains_beta()) return bnkit_regularizer_grad_add_f32(&cfg_.beta_regularizer, channels(), st.beta, st.dbeta);
    return BNKIT_OK;
}

Status BatchNormalizationBase::apply_constraints() noexcept {
    if (!built()) return BNKIT_ERR_NOT_BUILT;
    if (const Status s = check_config()) return s;
    const detail::LayerStorage& st = core_.storage();
    core_.invalidate_fold();
    if (trains_gamma())
        if (const Status s = bnkit_constraint_apply_f32(&cfg_.gamma_constraint, channels(), st.gamma)) return s;
    if (trains_beta()) return bnkit_constraint_apply_f32(&cfg_.beta_constraint, channels(), st.beta);
    return BNKIT_OK;
}

Status BatchNormalizationBase::sgd_step(float lr) noexcept {
    if (!built() || !core_.has_gradients()) return BNKIT_ERR_NOT_BUILT;
    if (!(std::isfinite(lr) && lr >= 0.0f)) return BNKIT_ERR_BAD_ARGUMENT;
    if (const Status s = check_config()) return s;
    const detail::LayerStorage& st = core_.storage();
    // TF's ApplyGradientDescent: var -= lr * grad.
    for (std::size_t c = 0; c < channels(); ++c) {
        if (trains_gamma()) st.gamma[c] -= lr * st.dgamma[c];
        if (trains_beta()) st.beta[c] -= lr * st.dbeta[c];
    }
    return apply_constraints();
}

}  // namespace bnkit::keras
