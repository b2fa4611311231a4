// bnkit::keras::BatchNormalization: tf.keras.layers.BatchNormalization (TF 2.x, Keras 2),
// with its names, defaults and rules:
//  - call(training): batch statistics and a moving update only when training is true and
//    the layer is trainable (TF 2: a frozen layer always behaves as in inference);
//  - fused: None chooses Keras 2's fused kernel exactly when Keras would (rank 4 with axis 1
//    or 3, rank 5 with axis 1 or 4). The fused kernel feeds the UNBIASED batch variance to
//    the moving average and raises epsilon to at least 1.001e-5; the non-fused path feeds the
//    biased variance and uses epsilon as given;
//  - center / scale false remove beta / gamma (no weight, no gradient);
//  - momentum outside [0, 1] and negative or non-finite epsilon are rejected on every call
//    (Keras checks neither);
//  - the layer is built (channel count fixed) by build() or by its first call, and later
//    inputs must match its rank and feature dims, as Keras' InputSpec demands.
#pragma once

#include <optional>

#include "bnkit/layer_core.hpp"

namespace bnkit::keras {

struct Config {
    Axes axis = -1;
    double momentum = 0.99;
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    Initializer beta_initializer = zeros();
    Initializer gamma_initializer = ones();
    Initializer moving_mean_initializer = zeros();
    Initializer moving_variance_initializer = ones();
    bool trainable = true;
    std::optional<bool> fused;  // None / True / False
};

/// The fused kernel's epsilon floor (cuDNN's old minimum, kept by TF's CPU kernel too).
inline constexpr double fused_min_epsilon = 1.001e-5;

class BatchNormalizationBase {
public:
    BatchNormalizationBase(const BatchNormalizationBase&) = delete;
    BatchNormalizationBase& operator=(const BatchNormalizationBase&) = delete;

    const Config& config() const noexcept { return cfg_; }
    /// Keras `layer.trainable = ...` (frozen layers run in inference mode and train nothing).
    void set_trainable(bool trainable) noexcept { cfg_.trainable = trainable; }

    /// Keras `layer.build(input_shape)`: fixes the channel count and fills the weights from
    /// the initializers. Building again with a compatible shape does nothing.
    [[nodiscard]] Status build(const Shape& input_shape) noexcept;
    bool built() const noexcept { return core_.channels() != 0; }
    std::size_t channels() const noexcept { return core_.channels(); }
    /// Whether the built layer runs Keras' fused kernel (false before build).
    bool fused() const noexcept { return fused_; }
    /// The epsilon the math uses: the fused path's floor applied.
    float effective_epsilon() const noexcept;

    /// `y = layer(x, training=training)`. y may equal x. training None means false.
    [[nodiscard]] Status call(const Shape& shape, Span<const float> x, Span<float> y,
                              std::optional<bool> training = std::nullopt) noexcept;

    /// Gradients of L with dL/dy = dy for the most recent call (same shape): dx (empty span:
    /// skip), and dgamma()/dbeta() where that weight is trained.
    [[nodiscard]] Status backward(const Shape& shape, Span<const float> x, Span<const float> dy,
                                  Span<float> dx) noexcept;

    /// `layer.get_weights()` / `set_weights()`: [gamma?, beta?, moving_mean, moving_variance],
    /// gamma only with scale, beta only with center. Counts must match exactly
    /// (BNKIT_ERR_BAD_ARGUMENT), sizes must equal channels() (BNKIT_ERR_CHANNEL_MISMATCH).
    std::size_t num_weights() const noexcept { return 2u + cfg_.scale + cfg_.center; }
    [[nodiscard]] Status set_weights(const Span<const float>* weights, std::size_t count) noexcept;
    [[nodiscard]] Status get_weights(const Span<float>* out, std::size_t count) const noexcept;

    /// Read access; an absent weight (scale/center false, not built) is an empty span.
    Span<const float> gamma() const noexcept;
    Span<const float> beta() const noexcept;
    Span<const float> moving_mean() const noexcept { return core_.param(detail::LayerCore::moving_mean_id); }
    Span<const float> moving_variance() const noexcept { return core_.param(detail::LayerCore::moving_var_id); }
    /// Gradients of the last backward(); empty when that weight is absent or not trained.
    Span<const float> dgamma() const noexcept;
    Span<const float> dbeta() const noexcept;

protected:
    BatchNormalizationBase(const Config& cfg, const detail::LayerStorage& s) noexcept : cfg_(cfg), core_(s) {}

private:
    Status check_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept;
    bool trains_gamma() const noexcept { return cfg_.scale && cfg_.trainable; }
    bool trains_beta() const noexcept { return cfg_.center && cfg_.trainable; }

    Config cfg_;
    detail::LayerCore core_;
    bool fused_ = false;
    std::uint32_t rank_ = 0;
    std::size_t axis_dims_[BNKIT_MAX_RANK] = {};
};

/// A Keras BatchNormalization layer for at most MaxChannels channels; all storage inline.
template <std::size_t MaxChannels>
class BatchNormalization : private detail::LayerArrays<MaxChannels>, public BatchNormalizationBase {
public:
    explicit BatchNormalization(const Config& cfg = Config{}) noexcept
        : BatchNormalizationBase(cfg, detail::LayerArrays<MaxChannels>::storage()) {}
};

}  // namespace bnkit::keras
