// The engine both framework front-ends share: parameter and statistics storage (the
// caller's, fixed capacity), the fold cache, and forward/backward over the C API. The
// front-ends (keras.hpp, mindspore.hpp) only translate their framework's rules into calls
// of this class; none of it is framework-specific.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bnkit/batch_norm.hpp"

namespace bnkit::detail {

/// Pointers into a layer's fixed-capacity arrays: each per-channel array holds `capacity`
/// floats, `workspace` holds workspace_bytes(capacity) bytes.
struct LayerStorage {
    std::size_t capacity;
    float* gamma;
    float* beta;
    float* moving_mean;
    float* moving_var;
    float* scale;  // fold cache
    float* shift;
    float* saved_mean;
    float* saved_invstd;
    float* dgamma;
    float* dbeta;
    void* workspace;
};

/// Alignment of a layer's per-channel arrays. The SIMD paths load them as vectors (scale,
/// shift and the saved mean are the channels-last loops' coefficients), and an AVX-512 load
/// that splits two cache lines made channels-last training 1.5x slower (docs/performance.md,
/// "Changes of 2026-12-03 (3)"); targets without such paths keep float alignment, so a
/// firmware's RAM carries no padding.
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(__ARM_NEON)
inline constexpr std::size_t coefficient_alignment = 64;
#else
inline constexpr std::size_t coefficient_alignment = alignof(float);
#endif

/// Array storage for a layer of at most MaxChannels channels (10 floats per channel plus
/// workspace_bytes(MaxChannels)). The members carry a prefix so they never hide the
/// front-ends' accessors (gamma(), ...).
template <std::size_t MaxChannels>
struct LayerArrays {
    static_assert(MaxChannels >= 1, "a layer needs at least one channel");
    alignas(coefficient_alignment) float arr_gamma[MaxChannels];
    alignas(coefficient_alignment) float arr_beta[MaxChannels];
    alignas(coefficient_alignment) float arr_moving_mean[MaxChannels];
    alignas(coefficient_alignment) float arr_moving_var[MaxChannels];
    alignas(coefficient_alignment) float arr_scale[MaxChannels];
    alignas(coefficient_alignment) float arr_shift[MaxChannels];
    alignas(coefficient_alignment) float arr_saved_mean[MaxChannels];
    alignas(coefficient_alignment) float arr_saved_invstd[MaxChannels];
    alignas(coefficient_alignment) float arr_dgamma[MaxChannels];
    alignas(coefficient_alignment) float arr_dbeta[MaxChannels];
    unsigned char arr_workspace[workspace_bytes(MaxChannels)];
    LayerStorage storage() noexcept {
        return {MaxChannels,     arr_gamma,        arr_beta,   arr_moving_mean, arr_moving_var, arr_scale,
                arr_shift,       arr_saved_mean,   arr_saved_invstd, arr_dgamma, arr_dbeta, arr_workspace};
    }
};

/// What one forward call does, decided by a front-end from its framework's rules.
struct ForwardMode {
    bool batch_statistics;  // normalize with batch statistics (else moving statistics)
    bool update_moving;     // update the moving statistics (only with batch statistics)
    bool use_gamma;         // false: gamma = 1 (Keras scale=False)
    bool use_beta;          // false: beta = 0 (Keras center=False)
    float epsilon;
    double momentum;
    bnkit_variance_correction moving_variance;
    bnkit_update_form update;
};

class LayerCore {
public:
    explicit LayerCore(const LayerStorage& s) noexcept : s_(s) {}
    LayerCore(const LayerCore&) = delete;  // storage_ points into the owning object
    LayerCore& operator=(const LayerCore&) = delete;

    std::size_t channels() const noexcept { return channels_; }
    std::size_t capacity() const noexcept { return s_.capacity; }

    /// Set the channel count and fill the four per-channel arrays from initializers.
    /// BNKIT_ERR_ZERO_DIM, BNKIT_ERR_CAPACITY, BNKIT_ERR_CHANNEL_MISMATCH (a tensor
    /// initializer of another size), BNKIT_ERR_NULL_POINTER (a tensor initializer without data),
    /// BNKIT_ERR_BAD_ARGUMENT (a random initializer's parameters, as bnkit/random.h checks them).
    [[nodiscard]] Status init(std::size_t channels, const Initializer& gamma, const Initializer& beta,
                              const Initializer& moving_mean, const Initializer& moving_var) noexcept;

    /// Forget the channel count (back to the state before init()).
    void reset() noexcept { channels_ = 0; fold_valid_ = called_ = has_gradients_ = false; }

    /// Run one forward call on a tensor already described by `desc` (desc.channels must equal
    /// channels()). Records the mode and the statistics backward() needs.
    [[nodiscard]] Status forward(const bnkit_bn_desc& desc, Span<const float> x, Span<float> y,
                                 const ForwardMode& mode) noexcept;

    /// Gradients of the most recent forward call (same tensor shape): dx (may be empty to
    /// skip), and dgamma/dbeta into the layer's arrays. BNKIT_ERR_NOT_BUILT before any call.
    [[nodiscard]] Status backward(const bnkit_bn_desc& desc, Span<const float> x, Span<const float> dy,
                                  Span<float> dx) noexcept;

    enum Param { gamma_id, beta_id, moving_mean_id, moving_var_id, dgamma_id, dbeta_id };
    Span<const float> param(Param p) const noexcept;
    /// Replace one parameter; BNKIT_ERR_CHANNEL_MISMATCH unless values.size == channels().
    [[nodiscard]] Status set_param(Param p, Span<const float> values) noexcept;
    /// Whether a backward pass has produced dgamma/dbeta.
    bool has_gradients() const noexcept { return has_gradients_; }

    /// For front-end features built directly on the C API (Keras renorm, virtual batches):
    /// the arrays, and what such a feature must report after writing them itself.
    const LayerStorage& storage() const noexcept { return s_; }
    /// Parameters or the fold cache arrays were written: the fold cache is stale.
    void invalidate_fold() noexcept { fold_valid_ = false; }
    /// A forward call ran outside forward() with mode m (backward() then follows m).
    void note_forward(const ForwardMode& m) noexcept {
        last_ = m;
        called_ = true;
        fold_valid_ = false;
    }
    /// dgamma/dbeta were written outside backward().
    void note_gradients() noexcept { has_gradients_ = true; }

private:
    float* array(Param p) const noexcept;

    LayerStorage s_;
    std::size_t channels_ = 0;
    bool fold_valid_ = false;
    float fold_epsilon_ = 0.0f;
    bool fold_gamma_ = true, fold_beta_ = true;
    bool called_ = false, has_gradients_ = false;
    ForwardMode last_{};
};

}  // namespace bnkit::detail
