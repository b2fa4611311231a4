#include "bnkit/mindspore.hpp"

#include <cstring>

namespace bnkit::mindspore {
namespace {

Status check_config(Kind kind, const Config& cfg) noexcept {
    if (!(cfg.eps > 0.0 && cfg.eps <= 1.0)) return BNKIT_ERR_BAD_EPSILON;
    if (!(cfg.momentum >= 0.0 && cfg.momentum <= 1.0)) return BNKIT_ERR_BAD_MOMENTUM;
    if (cfg.data_format != DataFormat::NCHW && cfg.data_format != DataFormat::NHWC) return BNKIT_ERR_BAD_ARGUMENT;
    if (kind == Kind::bn3d && cfg.data_format != DataFormat::NCHW) return BNKIT_ERR_BAD_ARGUMENT;
    if (cfg.moving_variance != MovingVariance::unbiased && cfg.moving_variance != MovingVariance::biased)
        return BNKIT_ERR_BAD_ARGUMENT;
    return BNKIT_OK;
}

}  // namespace

BatchNormBase::BatchNormBase(Kind kind, std::size_t num_features, const Config& cfg,
                             const detail::LayerStorage& s) noexcept
    : kind_(kind), cfg_(cfg), core_(s), init_status_(check_config(kind, cfg)) {
    if (init_status_ == BNKIT_OK)
        init_status_ = core_.init(num_features, cfg.gamma_init, cfg.beta_init, cfg.moving_mean_init, cfg.moving_var_init);
}

Status BatchNormBase::describe_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept {
    const bool rank_ok = kind_ == Kind::bn1d ? shape.rank == 2 || shape.rank == 3
                                             : shape.rank == (kind_ == Kind::bn2d ? 4u : 5u);
    if (!rank_ok) return BNKIT_ERR_BAD_RANK;
    const int32_t axis = cfg_.data_format == DataFormat::NHWC ? -1 : 1;
    if (const Status s = describe(shape, axis, desc)) return s;
    return desc.channels == core_.channels() ? BNKIT_OK : BNKIT_ERR_CHANNEL_MISMATCH;
}

Status BatchNormBase::call(const Shape& shape, Span<const float> x, Span<float> y) noexcept {
    if (init_status_ != BNKIT_OK) return init_status_;
    bnkit_bn_desc desc;
    if (const Status s = describe_input(shape, desc)) return s;
    const bool batch = cfg_.use_batch_statistics.value_or(training_);
    const detail::ForwardMode mode{batch,
                                   batch,
                                   true,
                                   true,
                                   static_cast<float>(cfg_.eps),
                                   cfg_.momentum,
                                   cfg_.moving_variance == MovingVariance::biased ? BNKIT_VARIANCE_BIASED
                                                                                  : BNKIT_VARIANCE_UNBIASED,
                                   BNKIT_UPDATE_LERP};
    return core_.forward(desc, x, y, mode);
}

Status BatchNormBase::backward(const Shape& shape, Span<const float> x, Span<const float> dy, Span<float> dx) noexcept {
    if (init_status_ != BNKIT_OK) return init_status_;
    bnkit_bn_desc desc;
    if (const Status s = describe_input(shape, desc)) return s;
    return core_.backward(desc, x, dy, dx);
}

Status BatchNormBase::load_parameter(const char* name, Span<const float> values) noexcept {
    if (init_status_ != BNKIT_OK) return init_status_;
    if (!name) return BNKIT_ERR_NULL_POINTER;
    const char* dot = std::strrchr(name, '.');
    const char* leaf = dot ? dot + 1 : name;
    static constexpr struct {
        const char* name;
        detail::LayerCore::Param id;
    } params[] = {{"gamma", detail::LayerCore::gamma_id},
                  {"beta", detail::LayerCore::beta_id},
                  {"moving_mean", detail::LayerCore::moving_mean_id},
                  {"moving_variance", detail::LayerCore::moving_var_id}};
    for (const auto& p : params)
        if (std::strcmp(leaf, p.name) == 0) return core_.set_param(p.id, values);
    return BNKIT_ERR_BAD_ARGUMENT;
}

Span<const float> BatchNormBase::dgamma() const noexcept {
    return cfg_.affine ? core_.param(detail::LayerCore::dgamma_id) : Span<const float>{};
}
Span<const float> BatchNormBase::dbeta() const noexcept {
    return cfg_.affine ? core_.param(detail::LayerCore::dbeta_id) : Span<const float>{};
}

}  // namespace bnkit::mindspore
