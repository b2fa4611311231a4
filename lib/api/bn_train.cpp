#include "../core/channel_blocks.hpp"
#include "../core/fold.hpp"
#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// Every argument check of a training call, inlined into the entry point, which then tail-calls
// the body: the region list (108 bytes) and the kernels' frames are never on the stack
// together (stack per call on Cortex-M, docs/footprint.md).
template <class T>
bnkit_status check_train(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p, const T* x,
                                           const T* y, const float* gamma, const float* beta, const float* moving_mean,
                                           const float* moving_var, const float* saved_mean,
                                           const float* saved_invstd, const bnkit_buffer& workspace) noexcept {
    if (!desc || !p || !all_nonnull(x, y, saved_mean, saved_invstd, workspace.data)) return BNKIT_ERR_NULL_POINTER;
    if ((moving_mean == nullptr) != (moving_var == nullptr)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    if (const bnkit_status s = check_train_params(*p)) return s;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    const size_t tb = desc->count * sizeof(T), cb = C * sizeof(float);
    const region r[] = {{x, tb, false},          {y, tb, true, 0},         {gamma, cb, false},
                        {beta, cb, false},       {moving_mean, cb, true},  {moving_var, cb, true},
                        {saved_mean, cb, true},  {saved_invstd, cb, true}, {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
    return check_aliasing(r, sizeof r / sizeof r[0]);
}

// One body for float and float16 tensors (T); only the element size and the kernels differ.
// Arguments checked (check_train).
template <class T>
[[gnu::noinline]] bnkit_status train(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p, const T* x, T* y, const float* gamma,
                   const float* beta, float* moving_mean, float* moving_var, float* saved_mean, float* saved_invstd,
                   bnkit_buffer workspace) noexcept {
    const size_t C = desc->channels;

    // The batch variance goes to saved_invstd, which finish() turns into 1/sqrt(var + eps) in
    // place. workspace: the stats kernel's scratch, then reused for scale and shift, its first
    // two arrays (a block's scale and shift are written after its stats and read before the
    // next block's stats reuse the scratch).
    float* ws = workspace_floats(workspace);
    float* var = saved_invstd;
    float* scale = ws;
    float* shift = ws + workspace_stride(C);
    const view v{desc->outer, C, desc->inner};
    const size_t n = desc->outer * desc->inner;
    const float f = static_cast<float>(1.0 - p->momentum);
    // y past the caches: written with non-temporal stores, as inference does (stream_policy.hpp).
    const size_t tb = desc->count * sizeof(T);
    const bool stream = BNKIT_STREAMS(desc, tb, tb, x == y), from_memory = BNKIT_PAST_CACHES(desc, tb, tb);
    // Channels [first, end): saved and moving statistics, and the normalization's scale and
    // shift, from their batch statistics.
    const auto finish = [&](size_t first, size_t end) {
        for (size_t c = first; c < end; ++c) {
            const float g = gamma ? gamma[c] : 1.0f, v_c = var[c];
            scale[c] = fold_scale(g, v_c, p->epsilon);
            shift[c] = beta ? beta[c] : 0.0f;
            saved_invstd[c] = inverse_std(v_c, p->epsilon);
            if (moving_mean) {
                moving_mean[c] = moving_update(moving_mean[c], saved_mean[c], f, p->update);
                moving_var[c] = moving_update(moving_var[c], moving_variance_input(v_c, n, p->moving_variance), f, p->update);
            }
        }
    };
    const size_t per_block = channels_per_block(v, sizeof(T));
    if (per_block == C) {  // always on single-path targets, whose stacks stay small
        BNKIT_KERNEL_T(T, desc, stats)({v, x, saved_mean, var, ws, from_memory});
        finish(0, C);
        BNKIT_KERNEL_T(T, desc, normalize)({v, x, y, saved_mean, scale, shift, 0, stream});
        return BNKIT_OK;
    }
    // Blocks of channels (channel_blocks.hpp): statistics of the slice, then its rows, one
    // contiguous run per outer index (map_channels). The next block's run at the same outer
    // index starts where this one ends: on large tensors normalizing prefetches it
    // (prefetch_next_block), so the next statistics pass finds it in L2 and memory streams
    // while the core computes.
    const bool prefetch = prefetch_next_block(tb, desc->llc_bytes);
    const auto stats = BNKIT_KERNEL_T(T, desc, stats);
    const auto normalize = BNKIT_KERNEL_T(T, desc, normalize);
    for (size_t first = 0; first < C; first += per_block) {
        const size_t nb = C - first < per_block ? C - first : per_block;
        const view slice = channel_slice(v, first, nb);
        const size_t at = first * desc->inner;
        stats({slice, x + at, saved_mean + first, var + first, ws, from_memory});
        finish(first, first + nb);
        normalize({slice, x + at, y + at, saved_mean + first, scale + first, shift + first,
                   prefetch && first + nb < C ? nb * desc->inner : 0, stream});
    }
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_train_f32(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p, const float* x,
                                           float* y, const float* gamma, const float* beta, float* moving_mean,
                                           float* moving_var, float* saved_mean, float* saved_invstd,
                                           bnkit_buffer workspace) {
    if (const bnkit_status s = check_train(desc, p, x, y, gamma, beta, moving_mean, moving_var, saved_mean, saved_invstd, workspace)) return s;
    return train(desc, p, x, y, gamma, beta, moving_mean, moving_var, saved_mean, saved_invstd, workspace);
}

extern "C" bnkit_status bnkit_bn_train_f16(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p,
                                           const bnkit_f16* x, bnkit_f16* y, const float* gamma, const float* beta,
                                           float* moving_mean, float* moving_var, float* saved_mean,
                                           float* saved_invstd, bnkit_buffer workspace) {
    if (const bnkit_status s = check_train(desc, p, x, y, gamma, beta, moving_mean, moving_var, saved_mean, saved_invstd, workspace)) return s;
    return train(desc, p, x, y, gamma, beta, moving_mean, moving_var, saved_mean, saved_invstd, workspace);
}
