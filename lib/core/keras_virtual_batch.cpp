// Keras virtual_batch_size (ghost batch norm), semantics-reference.md §8. The batch of B
// samples is reshaped to (vbs, B/vbs, ...): ghost batch j holds samples {j, j + G, j + 2G, ...},
// G = B/vbs, a stride, not a block. Each ghost batch is normalized with its own mean and biased
// variance; the moving statistics (or, with renorm, r and d and the renorm variables) get the
// MEAN of the G ghost means and of the G ghost variances (sum, then / G, as tf.reduce_mean).
//
// The C API takes dense tensors, and a ghost batch is not one: it is gathered (vbs samples of
// S floats, memcpy per sample) into the caller's workspace, run through the train / backward
// entry points as a tensor of batch vbs, and scattered back. That costs one copy in and out
// per element but needs only 2 * vbs * S floats, independent of B, and no per-ghost parameter
// arrays. The workspace is the caller's: set_virtual_batch_workspace().
#include <cstring>

#include "bnkit/keras.hpp"
#include "validate.hpp"

namespace bnkit::keras {
namespace {

// Floats per sample (product of the dims after the batch axis).
std::size_t sample_floats(const Shape& shape) noexcept {
    std::size_t s = 1;
    for (std::uint32_t k = 1; k < shape.rank && k < BNKIT_MAX_RANK; ++k) s *= shape.dims[k];
    return s;
}

// Copy the vbs samples of ghost batch j between the full tensor and a dense ghost buffer.
struct GhostLayout {
    std::size_t vbs, stride, sample;  // stride: G = B / vbs samples between members
    void gather(const float* full, std::size_t j, float* ghost) const noexcept {
        for (std::size_t i = 0; i < vbs; ++i)
            std::memcpy(ghost + i * sample, full + (i * stride + j) * sample, sample * sizeof(float));
    }
    void scatter(const float* ghost, std::size_t j, float* full) const noexcept {
        for (std::size_t i = 0; i < vbs; ++i)
            std::memcpy(full + (i * stride + j) * sample, ghost + i * sample, sample * sizeof(float));
    }
};

GhostLayout layout(const Shape& shape, std::size_t vbs) noexcept {
    return {vbs, shape.dims[0] / vbs, sample_floats(shape)};
}

void zero(float* a, std::size_t n) noexcept {
    for (std::size_t c = 0; c < n; ++c) a[c] = 0.0f;
}

}  // namespace

std::size_t BatchNormalizationBase::virtual_batch_workspace_floats(const Shape& shape) const noexcept {
    return cfg_.virtual_batch_size == 0 ? 0 : keras::virtual_batch_workspace_floats(cfg_.virtual_batch_size, sample_floats(shape));
}

// Checks of a ghost-batch call beyond the layer's own: the workspace, and the overlaps the C
// API can no longer see once the data goes through the workspace. a, b: x and y (forward) or
// x and dy (backward, c = dx, written). A tensor written may only equal its in-place partner
// (y == x, dx == dy, dx == x), as in the plain calls.
Status BatchNormalizationBase::ghost_check(const Shape& shape, const void* a, const void* b, const void* c,
                                           bool c_written, bnkit_bn_desc& ghost) const noexcept {
    const std::size_t need = virtual_batch_workspace_floats(shape);
    if (!ghost_ws_.data || ghost_ws_.size < need) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    const std::size_t bytes = shape.count() * sizeof(float);
    const detail::region r[4] = {
        {ghost_ws_.data, need * sizeof(float), true},
        {a, bytes, false},
        {b, bytes, !c_written, c_written ? static_cast<signed char>(-1) : static_cast<signed char>(1)},
        {c, bytes, true, 1, 2},
    };
    if (const Status s = detail::check_aliasing(r, c_written ? 4 : 3)) return s;
    Shape g = shape;
    g.dims[0] = cfg_.virtual_batch_size;
    if (const Status s = describe(g, cfg_.axis, ghost)) return s;
    return isa_ == BNKIT_ISA_AUTO ? BNKIT_OK : bnkit_bn_desc_set_isa(&ghost, isa_);
}

Status BatchNormalizationBase::ghost_forward(const Shape& shape, const bnkit_bn_desc& ghost, Span<const float> x,
                                             Span<float> y) noexcept {
    const detail::LayerStorage& st = core_.storage();
    const GhostLayout L = layout(shape, cfg_.virtual_batch_size);
    const std::size_t C = channels();
    float* buf = ghost_ws_.data;
    float* sum_mean = ks_.scratch_a;
    float* sum_var = ks_.scratch_b;
    float* ghost_mean = st.scale;  // fold cache, used as scratch
    float* ghost_var = st.shift;
    const bnkit_buffer ws{st.workspace, workspace_bytes(st.capacity)};
    const float eps = effective_epsilon();
    // momentum 0 from 0: the "moving" arrays receive the ghost's mean and biased variance exactly.
    const bnkit_bn_train_params moments{eps, 0.0, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
    zero(sum_mean, C);
    zero(sum_var, C);
    core_.invalidate_fold();

    // Ghost j through the workspace: its moments added to the sums when `moments_out`.
    auto run = [&](std::size_t j, const float* gamma, const float* beta, bool moments_out) -> Status {
        L.gather(x.data, j, buf);
        if (moments_out) {
            zero(ghost_mean, C);
            zero(ghost_var, C);
        }
        if (const Status s = bnkit_bn_train_f32(&ghost, &moments, buf, buf, gamma, beta,
                                                moments_out ? ghost_mean : nullptr, moments_out ? ghost_var : nullptr,
                                                st.saved_mean, st.saved_invstd, ws))
            return s;
        if (moments_out)
            for (std::size_t c = 0; c < C; ++c) {
                sum_mean[c] += ghost_mean[c];
                sum_var[c] += ghost_var[c];
            }
        return BNKIT_OK;
    };
    const auto G = static_cast<float>(L.stride);
    if (cfg_.renorm) {
        // r and d come from the averaged moments, before any ghost is normalized.
        for (std::size_t j = 0; j < L.stride; ++j)
            if (const Status s = run(j, nullptr, nullptr, true)) return s;
        for (std::size_t c = 0; c < C; ++c) {
            sum_mean[c] /= G;
            sum_var[c] /= G;
        }
        renorm_corrections(sum_mean, sum_var);
        compose_renorm(st.scale, st.shift);
        for (std::size_t j = 0; j < L.stride; ++j) {
            if (const Status s = run(j, st.scale, st.shift, false)) return s;
            L.scatter(buf, j, y.data);
        }
        renorm_update(sum_mean, sum_var);
    } else {
        for (std::size_t j = 0; j < L.stride; ++j) {
            if (const Status s = run(j, cfg_.scale ? st.gamma : nullptr, cfg_.center ? st.beta : nullptr, true))
                return s;
            L.scatter(buf, j, y.data);
        }
        for (std::size_t c = 0; c < C; ++c) {
            sum_mean[c] /= G;
            sum_var[c] /= G;
        }
        moving_update(sum_mean, sum_var);
    }
    last_call_ = LastCall::ghost;
    return BNKIT_OK;
}

Status BatchNormalizationBase::ghost_backward(const Shape& shape, const bnkit_bn_desc& ghost, Span<const float> x,
                                              Span<const float> dy, Span<float> dx) noexcept {
    const detail::LayerStorage& st = core_.storage();
    if (!x.data || !dy.data) return BNKIT_ERR_NULL_POINTER;
    const std::size_t count = shape.count();
    if (x.size < count || dy.size < count || (dx.data && dx.size < count)) return BNKIT_ERR_BUFFER_TOO_SMALL;
    const GhostLayout L = layout(shape, cfg_.virtual_batch_size);
    const std::size_t C = channels();
    float* xs = ghost_ws_.data;
    float* dys = ghost_ws_.data + ghost.count;
    float* ghost_dgamma = ks_.scratch_a;
    float* ghost_dbeta = ks_.scratch_b;
    const bnkit_buffer ws{st.workspace, workspace_bytes(st.capacity)};
    const bnkit_bn_train_params stats{effective_epsilon(), 0.0, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
    // gamma' of the forward: r * gamma with renorm.
    const float* gamma = cfg_.scale ? st.gamma : nullptr;
    if (cfg_.renorm) {
        compose_renorm(st.scale, st.shift);
        gamma = st.scale;
    }
    core_.invalidate_fold();
    zero(st.dgamma, C);
    zero(st.dbeta, C);
    for (std::size_t j = 0; j < L.stride; ++j) {
        L.gather(x.data, j, xs);
        // The ghost's statistics again (the forward keeps only the last ghost's): same data,
        // same kernel path, so bit-identical to the forward's.
        if (const Status s = bnkit_bn_train_f32(&ghost, &stats, xs, dys, nullptr, nullptr, nullptr, nullptr,
                                                st.saved_mean, st.saved_invstd, ws))
            return s;
        L.gather(dy.data, j, dys);
        if (const Status s = bnkit_bn_backward_f32(&ghost, BNKIT_PHASE_TRAINING, xs, dys, gamma, st.saved_mean,
                                                   st.saved_invstd, dx.data ? dys : nullptr, ghost_dgamma,
                                                   ghost_dbeta, ws))
            return s;
        if (dx.data) L.scatter(dys, j, dx.data);
        for (std::size_t c = 0; c < C; ++c) {
            st.dgamma[c] += ghost_dgamma[c];
            st.dbeta[c] += ghost_dbeta[c];
        }
    }
    if (cfg_.renorm)
        for (std::size_t c = 0; c < C; ++c) st.dgamma[c] = ks_.r[c] * st.dgamma[c] + ks_.d[c] * st.dbeta[c];
    core_.note_gradients();
    return BNKIT_OK;
}

}  // namespace bnkit::keras
