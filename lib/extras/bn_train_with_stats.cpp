#include <cstdint>

#include "bnkit/stats.h"

#include "../core/fold.hpp"
#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// The work after the argument checks, tail-called from the entry point so that the checks' region
// list and the kernel's frame are never on the stack together (<= 256 B per call on Cortex-M,
// docs/footprint.md; as bn_train.cpp).
[[gnu::noinline]] bnkit_status body(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p,
                                    uint64_t count, const float* mean, const float* var,
                                    const float* x, float* y, const float* gamma, const float* beta,
                                    float* moving_mean, float* moving_var, float* saved_mean,
                                    float* saved_invstd, bnkit_buffer workspace) noexcept {
    const size_t C = desc->channels;
    // workspace: scale and shift in its first two arrays.
    float* scale = workspace_floats(workspace);
    float* shift = scale + workspace_stride(C);
    // A count beyond size_t (32-bit targets) has the float factor n/(n-1) == 1, as SIZE_MAX has.
    const size_t n = count > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(count);
    const float f = static_cast<float>(1.0 - p->momentum);
    for (size_t c = 0; c < C; ++c) {
        const float m = mean[c], v = var[c];
        scale[c] = fold_scale(gamma ? gamma[c] : 1.0f, v, p->epsilon);
        shift[c] = beta ? beta[c] : 0.0f;
        saved_mean[c] = m;
        saved_invstd[c] = inverse_std(v, p->epsilon);
        if (moving_mean) {
            moving_mean[c] = moving_update(moving_mean[c], m, f, p->update);
            moving_var[c] = moving_update(moving_var[c], moving_variance_input(v, n, p->moving_variance), f, p->update);
        }
    }
    BNKIT_KERNEL(desc, normalize_f32)({{desc->outer, C, desc->inner}, x, y, saved_mean, scale, shift});
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_train_with_stats_f32(const bnkit_bn_desc* desc, const bnkit_bn_train_params* p,
                                                      uint64_t count, const float* mean, const float* var,
                                                      const float* x, float* y, const float* gamma, const float* beta,
                                                      float* moving_mean, float* moving_var, float* saved_mean,
                                                      float* saved_invstd, bnkit_buffer workspace) {
    if (!desc || !p || !all_nonnull(mean, var, x, y, saved_mean, saved_invstd, workspace.data))
        return BNKIT_ERR_NULL_POINTER;
    if ((moving_mean == nullptr) != (moving_var == nullptr)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    if (const bnkit_status s = check_train_params(*p)) return s;
    if (count == 0) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    {  // a scope of its own: the region list is dead at the tail call below
        const size_t tb = desc->count * sizeof(float), cb = C * sizeof(float);
        const region r[] = {{x, tb, false},          {y, tb, true, 0},         {gamma, cb, false},
                            {beta, cb, false},       {moving_mean, cb, true},  {moving_var, cb, true},
                            {saved_mean, cb, true},  {saved_invstd, cb, true}, {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true},
                            {mean, cb, false},       {var, cb, false}};
        if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;
    }

    return body(desc, p, count, mean, var, x, y, gamma, beta, moving_mean, moving_var, saved_mean, saved_invstd, workspace);
}
