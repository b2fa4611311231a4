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
//    inputs must match its rank and feature dims, as Keras' InputSpec demands;
//  - regularizers, constraints, renorm and virtual_batch_size as in semantics-reference §7-§8
//    (docs/keras.md); renorm and virtual_batch_size force the non-fused path.
#pragma once

#include <optional>

#include "bnkit/layer_core.hpp"
#include "bnkit/params.h"

namespace bnkit::keras {

/// Keras regularizers (`tf.keras.regularizers`): l1(λ), l2(λ), l1_l2(a, b); none = {}.
constexpr bnkit_regularizer l1(float l) noexcept { return {l, 0.0f}; }
constexpr bnkit_regularizer l2(float l) noexcept { return {0.0f, l}; }
constexpr bnkit_regularizer l1_l2(float a, float b) noexcept { return {a, b}; }
/// Keras constraints (`tf.keras.constraints`) with Keras' defaults; none = {}.
constexpr bnkit_constraint non_neg() noexcept { return {BNKIT_CONSTRAINT_NON_NEG, 0.0f, 0.0f, 0.0f}; }
constexpr bnkit_constraint max_norm(float max_value = 2.0f) noexcept {
    return {BNKIT_CONSTRAINT_MAX_NORM, 0.0f, max_value, 0.0f};
}
constexpr bnkit_constraint min_max_norm(float min_value = 0.0f, float max_value = 1.0f, float rate = 1.0f) noexcept {
    return {BNKIT_CONSTRAINT_MIN_MAX_NORM, min_value, max_value, rate};
}
constexpr bnkit_constraint unit_norm() noexcept { return {BNKIT_CONSTRAINT_UNIT_NORM, 0.0f, 0.0f, 0.0f}; }

/// Keras `renorm_clipping`: an absent key means no clip on that side (Keras' default {}).
/// Checked on every call: rmax >= 1, 0 <= rmin <= 1, dmax >= 0, all finite, else
/// BNKIT_ERR_BAD_RENORM (Keras checks only the key names).
struct RenormClipping {
    std::optional<double> rmax, rmin, dmax;
};

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
    // Issue 8 (appended, so aggregate initializations of the fields above keep compiling).
    // Checked on every call, build and backward; a bad one gets its own status.
    bnkit_regularizer beta_regularizer{};  // none; l1(), l2(), l1_l2(). BNKIT_ERR_BAD_REGULARIZER
    bnkit_regularizer gamma_regularizer{};
    bnkit_constraint beta_constraint{};  // none; non_neg(), max_norm(), ... BNKIT_ERR_BAD_CONSTRAINT
    bnkit_constraint gamma_constraint{};
    bool renorm = false;  // with fused = true: BNKIT_ERR_BAD_RENORM (Keras' ValueError)
    RenormClipping renorm_clipping{};
    double renorm_momentum = 0.99;  // in [0, 1], else BNKIT_ERR_BAD_MOMENTUM
    // 0: None. Must divide the batch (dim 0) of every call and backward, and not be combined
    // with fused = true, else BNKIT_ERR_BAD_VIRTUAL_BATCH; the batch axis as a feature axis is
    // BNKIT_ERR_BAD_AXIS.
    std::size_t virtual_batch_size = 0;
};

/// Floats of workspace a layer with virtual_batch_size `vbs` needs for inputs of
/// `sample_elements` floats per sample (product of the dims after the batch): one ghost batch
/// of x and one of dy, gathered (for static arrays; see set_virtual_batch_workspace).
constexpr std::size_t virtual_batch_workspace_floats(std::size_t vbs, std::size_t sample_elements) noexcept {
    return 2u * vbs * sample_elements;
}

/// Keras-only per-channel arrays: the renorm variables, the renorm corrections r and d kept
/// for backward, and two scratch arrays (batch or ghost-averaged moments).
struct KerasStorage {
    float* moving_stddev;
    float* renorm_mean;
    float* renorm_stddev;
    float* r;
    float* d;
    float* scratch_a;
    float* scratch_b;
};

template <std::size_t MaxChannels>
struct KerasArrays {
    float arr_moving_stddev[MaxChannels], arr_renorm_mean[MaxChannels], arr_renorm_stddev[MaxChannels];
    float arr_r[MaxChannels], arr_d[MaxChannels], arr_scratch_a[MaxChannels], arr_scratch_b[MaxChannels];
    KerasStorage keras_storage() noexcept {
        return {arr_moving_stddev, arr_renorm_mean, arr_renorm_stddev, arr_r, arr_d, arr_scratch_a, arr_scratch_b};
    }
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

    /// Statuses of build, call and backward (checked in this order; docs/status.md has every
    /// row): BNKIT_ERR_BAD_MOMENTUM (momentum, renorm_momentum), BNKIT_ERR_BAD_EPSILON,
    /// BNKIT_ERR_BAD_REGULARIZER, BNKIT_ERR_BAD_CONSTRAINT, BNKIT_ERR_BAD_VIRTUAL_BATCH /
    /// BNKIT_ERR_BAD_RENORM (with fused = true; renorm_clipping), the shape statuses of
    /// bnkit_bn_desc_init, BNKIT_ERR_BAD_RANK / BNKIT_ERR_CHANNEL_MISMATCH (not the built
    /// shape), BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BUFFER_TOO_SMALL, BNKIT_ERR_BAD_VIRTUAL_BATCH
    /// (batch not divisible), BNKIT_ERR_WORKSPACE_TOO_SMALL / BNKIT_ERR_ALIASING (ghost
    /// workspace), at build BNKIT_ERR_BAD_AXIS / BNKIT_ERR_BAD_RANK (fused), BNKIT_ERR_CAPACITY and the
    /// initializers' BNKIT_ERR_BAD_DISTRIBUTION / BNKIT_ERR_CHANNEL_MISMATCH /
    /// BNKIT_ERR_NULL_POINTER; BNKIT_ERR_ALIASING (y over x, dx over x or dy);
    /// BNKIT_ERR_NOT_BUILT (backward before a call).
    ///
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
    /// skip), and dgamma()/dbeta() where that weight is trained. dgamma()/dbeta() include the
    /// regularizers' gradients (the gradient of L + regularization_loss()).
    [[nodiscard]] Status backward(const Shape& shape, Span<const float> x, Span<const float> dy,
                                  Span<float> dx) noexcept;

    /// Keras `sum(layer.losses)`: the gamma and beta regularizers' penalties (0 without
    /// regularizers), also for a frozen layer. BNKIT_ERR_NOT_BUILT before build.
    [[nodiscard]] Status regularization_loss(float& loss) const noexcept;
    /// Project the trained weights onto their constraints, as Keras' optimizer does after each
    /// update (a frozen layer's weights are not trained, so not projected). BNKIT_ERR_NOT_BUILT.
    [[nodiscard]] Status apply_constraints() noexcept;
    /// Plain SGD on the trained weights, w -= lr * dw (dgamma()/dbeta() of the last backward),
    /// then apply_constraints(). BNKIT_ERR_NOT_BUILT without a backward, BNKIT_ERR_BAD_ARGUMENT
    /// for lr negative or not finite.
    [[nodiscard]] Status sgd_step(float lr) noexcept;

    /// virtual_batch_size: the caller's workspace for gathering ghost batches, needed by
    /// training calls and their backward. It must hold virtual_batch_workspace_floats(shape)
    /// floats (else BNKIT_ERR_WORKSPACE_TOO_SMALL at the call) and not overlap x, y, dy, dx
    /// (BNKIT_ERR_ALIASING). The layer keeps the pointer; the memory is the caller's.
    void set_virtual_batch_workspace(Span<float> ws) noexcept { ghost_ws_ = ws; }
    /// 2 * virtual_batch_size * (floats per sample of `shape`); 0 without virtual_batch_size.
    std::size_t virtual_batch_workspace_floats(const Shape& shape) const noexcept;

    /// Force a kernel path for every call (tests, benchmarks); BNKIT_ISA_AUTO picks the best.
    /// BNKIT_ERR_BAD_ARGUMENT (not a bnkit_isa), BNKIT_ERR_UNSUPPORTED_ISA (not available).
    [[nodiscard]] Status set_isa(bnkit_isa isa) noexcept;

    /// `layer.get_weights()` / `set_weights()`: [gamma?, beta?, moving_mean, moving_variance]
    /// and with renorm [..., moving_stddev, renorm_mean, renorm_stddev] (Keras' creation order),
    /// gamma only with scale, beta only with center. Counts must match exactly
    /// (BNKIT_ERR_BAD_ARGUMENT), sizes must equal channels() (BNKIT_ERR_CHANNEL_MISMATCH).
    std::size_t num_weights() const noexcept { return 2u + cfg_.scale + cfg_.center + 3u * cfg_.renorm; }
    [[nodiscard]] Status set_weights(const Span<const float>* weights, std::size_t count) noexcept;
    [[nodiscard]] Status get_weights(const Span<float>* out, std::size_t count) const noexcept;

    /// Read access; an absent weight (scale/center false, not built) is an empty span.
    Span<const float> gamma() const noexcept;
    Span<const float> beta() const noexcept;
    Span<const float> moving_mean() const noexcept { return core_.param(detail::LayerCore::moving_mean_id); }
    Span<const float> moving_variance() const noexcept { return core_.param(detail::LayerCore::moving_var_id); }
    /// renorm variables (empty without renorm or before build).
    Span<const float> moving_stddev() const noexcept { return renorm_param(ks_.moving_stddev); }
    Span<const float> renorm_mean() const noexcept { return renorm_param(ks_.renorm_mean); }
    Span<const float> renorm_stddev() const noexcept { return renorm_param(ks_.renorm_stddev); }
    /// Gradients of the last backward(); empty when that weight is absent or not trained.
    Span<const float> dgamma() const noexcept;
    Span<const float> dbeta() const noexcept;

protected:
    BatchNormalizationBase(const Config& cfg, const detail::LayerStorage& s, const KerasStorage& ks) noexcept
        : cfg_(cfg), core_(s), ks_(ks) {}

private:
    // How the last forward call ran, which decides how backward() differentiates it.
    enum class LastCall { plain, renorm, ghost };
    Status check_input(const Shape& shape, bnkit_bn_desc& desc) const noexcept;
    Status check_config() const noexcept;
    Status check_batch(const Shape& shape) const noexcept;
    bool trains_gamma() const noexcept { return cfg_.scale && cfg_.trainable; }
    bool trains_beta() const noexcept { return cfg_.center && cfg_.trainable; }
    Span<const float> renorm_param(const float* a) const noexcept {
        return cfg_.renorm && built() ? Span<const float>{a, channels()} : Span<const float>{};
    }
    // keras_regularize.cpp
    Status add_regularizer_gradients() noexcept;
    // keras_renorm.cpp
    void init_renorm() noexcept;
    void renorm_corrections(const float* mean, const float* var) noexcept;
    void renorm_update(const float* mean, const float* var) noexcept;
    void moving_update(const float* mean, const float* var) noexcept;
    void compose_renorm(float* scale, float* shift) const noexcept;
    Status renorm_forward(const bnkit_bn_desc& desc, Span<const float> x, Span<float> y) noexcept;
    Status renorm_backward(const bnkit_bn_desc& desc, Span<const float> x, Span<const float> dy,
                           Span<float> dx) noexcept;
    // keras_virtual_batch.cpp
    Status ghost_check(const Shape& shape, const void* a, const void* b, const void* c, bool c_written,
                       bnkit_bn_desc& ghost) const noexcept;
    Status ghost_forward(const Shape& shape, const bnkit_bn_desc& ghost, Span<const float> x, Span<float> y) noexcept;
    Status ghost_backward(const Shape& shape, const bnkit_bn_desc& ghost, Span<const float> x, Span<const float> dy,
                          Span<float> dx) noexcept;

    Config cfg_;
    detail::LayerCore core_;
    KerasStorage ks_;
    Span<float> ghost_ws_{};
    bnkit_isa isa_ = BNKIT_ISA_AUTO;
    LastCall last_call_ = LastCall::plain;
    bool fused_ = false;
    std::uint32_t rank_ = 0;
    std::size_t axis_dims_[BNKIT_MAX_RANK] = {};
};

/// A Keras BatchNormalization layer for at most MaxChannels channels; all storage inline
/// (17 floats per channel plus the kernel workspace, 84 bytes per channel: docs/footprint.md).
template <std::size_t MaxChannels>
class BatchNormalization : private detail::LayerArrays<MaxChannels>,
                           private KerasArrays<MaxChannels>,
                           public BatchNormalizationBase {
public:
    explicit BatchNormalization(const Config& cfg = Config{}) noexcept
        : BatchNormalizationBase(cfg, detail::LayerArrays<MaxChannels>::storage(),
                                 KerasArrays<MaxChannels>::keras_storage()) {}
};

}  // namespace bnkit::keras
