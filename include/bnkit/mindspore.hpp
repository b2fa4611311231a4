// bnkit::mindspore::BatchNorm1d / BatchNorm2d / BatchNorm3d: mindspore.nn.BatchNorm*d (r2.x),
// with their names, defaults and rules:
//  - momentum is the weight of the old moving value (the layer passes 1 - momentum to its
//    primitive, whose convention is PyTorch's; the net rule is Keras');
//  - use_batch_statistics: None follows set_train(); true always uses batch statistics and
//    updates the moving statistics (even in eval mode); false never does (even in training);
//  - affine=false keeps gamma and beta at their initial values, still applied, not trained;
//  - eps must lie in (0, 1] and momentum in [0, 1] (the primitive's checks); num_features
//    and the input rank are checked on every call (1d: 2-D or 3-D, 2d: 4-D, 3d: 5-D);
//  - the variance fed to the moving average depends on the backend MindSpore trained on:
//    unbiased on GPU and Ascend, biased on CPU. bnkit's default is unbiased (see
//    docs/numerics.md: MindSpore is trained on Ascend and GPU far more often than on CPU,
//    and the seed's own MindSpore numbers come from a GPU).
#pragma once

#include <optional>

#include "bnkit/layer_core.hpp"

namespace bnkit::mindspore {

enum class DataFormat { NCHW, NHWC };  // BatchNorm3d: NCHW means NCDHW, NHWC is rejected
enum class MovingVariance { unbiased, biased };

struct Config {
    double eps = 1e-5;
    double momentum = 0.9;
    bool affine = true;
    Initializer gamma_init = ones();
    Initializer beta_init = zeros();
    Initializer moving_mean_init = zeros();
    Initializer moving_var_init = ones();
    std::optional<bool> use_batch_statistics;
    DataFormat data_format = DataFormat::NCHW;
    MovingVariance moving_variance = MovingVariance::unbiased;  // GPU/Ascend; biased = CPU
};

enum class Kind { bn1d, bn2d, bn3d };

class BatchNormBase {
public:
    BatchNormBase(const BatchNormBase&) = delete;
    BatchNormBase& operator=(const BatchNormBase&) = delete;

    /// The constructor's verdict on num_features and the config; every call returns it too:
    /// BNKIT_ERR_BAD_EPSILON, BNKIT_ERR_BAD_MOMENTUM, BNKIT_ERR_BAD_ARGUMENT (data_format,
    /// moving_variance), BNKIT_ERR_ZERO_DIM, BNKIT_ERR_CAPACITY, and from the initializers
    /// BNKIT_ERR_BAD_DISTRIBUTION (random parameters), BNKIT_ERR_CHANNEL_MISMATCH /
    /// BNKIT_ERR_NULL_POINTER (tensor()). docs/status.md lists every row.
    Status init_status() const noexcept { return init_status_; }
    const Config& config() const noexcept { return cfg_; }
    std::size_t num_features() const noexcept { return core_.channels(); }

    /// Cell.set_train(mode): training mode uses batch statistics when use_batch_statistics is None.
    void set_train(bool mode = true) noexcept { training_ = mode; }
    bool training() const noexcept { return training_; }

    /// `y = cell(x)`. y may equal x.
    [[nodiscard]] Status call(const Shape& shape, Span<const float> x, Span<float> y) noexcept;

    /// Gradients for dL/dy = dy of the most recent call (same shape): dx (empty span: skip),
    /// and dgamma()/dbeta() when affine.
    [[nodiscard]] Status backward(const Shape& shape, Span<const float> x, Span<const float> dy,
                                  Span<float> dx) noexcept;

    /// Load a checkpoint parameter by name: "gamma", "beta", "moving_mean", "moving_variance",
    /// optionally with the cell's prefix ("bn1.gamma"). Unknown names: BNKIT_ERR_BAD_ARGUMENT;
    /// a size other than num_features: BNKIT_ERR_CHANNEL_MISMATCH.
    [[nodiscard]] Status load_parameter(const char* name, Span<const float> values) noexcept;

    Span<const float> gamma() const noexcept { return core_.param(detail::LayerCore::gamma_id); }
    Span<const float> beta() const noexcept { return core_.param(detail::LayerCore::beta_id); }
    Span<const float> moving_mean() const noexcept { return core_.param(detail::LayerCore::moving_mean_id); }
    Span<const float> moving_variance() const noexcept { return core_.param(detail::LayerCore::moving_var_id); }
    /// Gradients of the last backward(); empty unless affine.
    Span<const float> dgamma() const noexcept;
    Span<const float> dbeta() const noexcept;

protected:
    BatchNormBase(Kind kind, std::size_t num_features, const Config& cfg, const detail::LayerStorage& s) noexcept;

private:
    Status describe_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept;

    Kind kind_;
    Config cfg_;
    detail::LayerCore core_;
    Status init_status_;
    bool training_ = false;
};

template <Kind K, std::size_t MaxChannels>
class BatchNorm : private detail::LayerArrays<MaxChannels>, public BatchNormBase {
public:
    explicit BatchNorm(std::size_t num_features, const Config& cfg = Config{}) noexcept
        : BatchNormBase(K, num_features, cfg, detail::LayerArrays<MaxChannels>::storage()) {}
};

/// Fixed-capacity layers: at most MaxChannels features, all storage inline.
template <std::size_t MaxChannels>
using BatchNorm1d = BatchNorm<Kind::bn1d, MaxChannels>;
template <std::size_t MaxChannels>
using BatchNorm2d = BatchNorm<Kind::bn2d, MaxChannels>;
template <std::size_t MaxChannels>
using BatchNorm3d = BatchNorm<Kind::bn3d, MaxChannels>;

}  // namespace bnkit::mindspore
