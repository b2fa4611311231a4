#include "../core/channel_blocks.hpp"
#include "../core/fold.hpp"
#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// Every argument check of a backward call, inlined into the entry point, which then tail-calls
// the body: the region list (108 bytes) and the kernels' frames are never on the stack
// together (stack per call on Cortex-M, docs/footprint.md).
// phase by reference: copying the caller's (possibly out-of-range) enum is an enum-typed load,
// undefined in C++ before enum_value has checked it (UBSan -fsanitize=enum, found by the fuzzer).
template <class T>
bnkit_status check_backward(const bnkit_bn_desc* desc, const bnkit_bn_phase& phase, const T* x,
                                              const T* dy, const float* gamma, const float* mean,
                                              const float* invstd, const T* dx, const float* dgamma,
                                              const float* dbeta, const bnkit_buffer& workspace) noexcept {
    if (!desc || !all_nonnull(x, dy, mean, invstd, workspace.data)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const int32_t ph = enum_value(phase);
    if (ph != BNKIT_PHASE_TRAINING && ph != BNKIT_PHASE_INFERENCE) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    const size_t tb = desc->count * sizeof(T), cb = C * sizeof(float);
    // dx may coincide with x or with dy: each element is read before it is written.
    const region r[] = {{x, tb, false},     {dy, tb, false},     {gamma, cb, false},
                        {mean, cb, false},  {invstd, cb, false}, {dx, tb, true, 0, 1},
                        {dgamma, cb, true}, {dbeta, cb, true},   {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
    return check_aliasing(r, sizeof r / sizeof r[0]);
}

// One body for float and float16 tensors (T); only the element size and the kernels differ.
// Arguments checked (check_backward).
template <class T>
[[gnu::noinline]] bnkit_status backward(const bnkit_bn_desc* desc, bnkit_bn_phase phase, const T* x, const T* dy, const float* gamma,
                      const float* mean, const float* invstd, T* dx, float* dgamma, float* dbeta,
                      bnkit_buffer workspace) noexcept {
    const size_t C = desc->channels;

    // workspace, four arrays S floats apart: sum(dy), sum(dy * (x - mean)), then the reduce
    // kernel's scratch (2C floats), reused for the dx coefficients b and k (the first array
    // becomes a); in blocks (channel_blocks.hpp) a block's coefficients are dead before the
    // next block's reduce.
    float* ws = workspace_floats(workspace);
    const size_t S = workspace_stride(C);
    float* sum_dy = ws;
    float* sum_dy_xc = ws + S;
    const view v{desc->outer, C, desc->inner};
    const float n = static_cast<float>(desc->outer * desc->inner);
    float* a = ws;
    float* b = ws + 2 * S;
    float* k = ws + 3 * S;
    // Channels [first, end): dgamma, dbeta and the dx coefficients from their sums.
    const auto finish = [&](size_t first, size_t end) {
        for (size_t c = first; c < end; ++c) {
            const float is = invstd[c];
            const float db = sum_dy[c], dg = sum_dy_xc[c] * is;
            if (dbeta) dbeta[c] = db;
            if (dgamma) dgamma[c] = dg;
            const dx_coefficients d = backward_dx_coefficients(gamma ? gamma[c] : 1.0f, is, db, dg, n,
                                                               phase == BNKIT_PHASE_TRAINING);
            a[c] = d.a;
            b[c] = d.b;
            k[c] = d.k;
        }
    };
    // dx past the caches: written with non-temporal stores, as inference does (stream_policy.hpp).
    const size_t tb = desc->count * sizeof(T);
    const bool stream = dx && BNKIT_STREAMS(desc, 2 * tb, tb, dx == x || dx == dy);
    const bool from_memory = BNKIT_PAST_CACHES(desc, 2 * tb, dx ? tb : 0);
    const size_t per_block = channels_per_block(v, 2 * sizeof(T));
    if (per_block == C) {  // always on single-path targets, whose stacks stay small
        BNKIT_KERNEL_T(T, desc, backward_reduce)({v, x, dy, mean, sum_dy, sum_dy_xc, ws + 2 * S, from_memory});
        finish(0, C);
        if (dx) BNKIT_KERNEL_T(T, desc, backward_apply)({v, x, dy, mean, a, b, k, dx, 0, stream});
        return BNKIT_OK;
    }
    // Blocks of channels (channel_blocks.hpp): sums of the slice, then its rows, on large
    // tensors prefetching the next block's (as in training).
    const bool prefetch = prefetch_next_block(2 * tb, desc->llc_bytes);
    const auto reduce = BNKIT_KERNEL_T(T, desc, backward_reduce);
    const auto apply = BNKIT_KERNEL_T(T, desc, backward_apply);
    for (size_t first = 0; first < C; first += per_block) {
        const size_t nb = C - first < per_block ? C - first : per_block, at = first * desc->inner;
        const view slice = channel_slice(v, first, nb);
        reduce({slice, x + at, dy + at, mean + first, sum_dy + first, sum_dy_xc + first, ws + 2 * S, from_memory});
        finish(first, first + nb);
        if (dx)
            apply({slice, x + at, dy + at, mean + first, a + first, b + first, k + first, dx + at,
                   prefetch && first + nb < C ? nb * desc->inner : 0, stream});
    }
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_backward_f32(const bnkit_bn_desc* desc, bnkit_bn_phase phase, const float* x,
                                              const float* dy, const float* gamma, const float* mean,
                                              const float* invstd, float* dx, float* dgamma, float* dbeta,
                                              bnkit_buffer workspace) {
    if (const bnkit_status s = check_backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace)) return s;
    return backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace);
}

extern "C" bnkit_status bnkit_bn_backward_f16(const bnkit_bn_desc* desc, bnkit_bn_phase phase, const bnkit_f16* x,
                                              const bnkit_f16* dy, const float* gamma, const float* mean,
                                              const float* invstd, bnkit_f16* dx, float* dgamma, float* dbeta,
                                              bnkit_buffer workspace) {
    if (const bnkit_status s = check_backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace)) return s;
    return backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace);
}
