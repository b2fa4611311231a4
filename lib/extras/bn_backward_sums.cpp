#include "bnkit/stats.h"

#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// The work after the argument checks, tail-called from the entry point so that the checks' region
// list and the kernel's frame are never on the stack together (<= 256 B per call on Cortex-M,
// docs/footprint.md; as bn_train.cpp).
[[gnu::noinline]] bnkit_status body(const bnkit_bn_desc* desc, const float* x, const float* dy, const float* mean,
                                    const float* invstd, float* sum_dy, float* sum_dy_xhat,
                                    bnkit_buffer workspace) noexcept {
    const size_t C = desc->channels;
    // workspace: sum(dy * (x - mean)) in its first array, the reduce kernel's scratch from the second on.
    float* sum_dy_xc = workspace_floats(workspace);
    BNKIT_KERNEL(desc, backward_reduce_f32)({{desc->outer, C, desc->inner}, x, dy, mean, sum_dy, sum_dy_xc,
                                             sum_dy_xc + workspace_stride(C), BNKIT_PAST_CACHES(desc, 2 * desc->count * sizeof(float), 0)});
    // The same product bnkit_bn_backward_f32 forms for dgamma, so one part reproduces it exactly.
    for (size_t c = 0; c < C; ++c) sum_dy_xhat[c] = sum_dy_xc[c] * invstd[c];
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_backward_sums_f32(const bnkit_bn_desc* desc, const float* x, const float* dy,
                                                   const float* mean, const float* invstd, float* sum_dy,
                                                   float* sum_dy_xhat, bnkit_buffer workspace) {
    if (!desc || !all_nonnull(x, dy, mean, invstd, sum_dy, sum_dy_xhat, workspace.data)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    {  // a scope of its own: the region list is dead at the tail call below
        const size_t tb = desc->count * sizeof(float), cb = C * sizeof(float);
        const region r[] = {{x, tb, false},          {dy, tb, false},          {mean, cb, false},
                            {invstd, cb, false},     {sum_dy, cb, true},       {sum_dy_xhat, cb, true},
                            {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
        if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;
    }

    return body(desc, x, dy, mean, invstd, sum_dy, sum_dy_xhat, workspace);
}
