#include "bnkit/stats.h"

#include "../core/fold.hpp"
#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// The work after the argument checks, tail-called from the entry point so that the checks' region
// list and the kernel's frame are never on the stack together (<= 256 B per call on Cortex-M,
// docs/footprint.md; as bn_train.cpp).
[[gnu::noinline]] bnkit_status body(const bnkit_bn_desc* desc, uint64_t count, const float* x,
                                    const float* dy, const float* gamma, const float* mean,
                                    const float* invstd, const float* sum_dy,
                                    const float* sum_dy_xhat, float* dx, bnkit_buffer workspace) noexcept {
    const size_t C = desc->channels;
    // workspace: the dx coefficients a, b, k in its first three arrays.
    float* a = workspace_floats(workspace);
    float* b = a + workspace_stride(C);
    float* k = b + workspace_stride(C);
    const float n = static_cast<float>(count);
    for (size_t c = 0; c < C; ++c) {
        const dx_coefficients d =
            backward_dx_coefficients(gamma ? gamma[c] : 1.0f, invstd[c], sum_dy[c], sum_dy_xhat[c], n, true);
        a[c] = d.a;
        b[c] = d.b;
        k[c] = d.k;
    }
    BNKIT_KERNEL(desc, backward_apply_f32)({{desc->outer, C, desc->inner}, x, dy, mean, a, b, k, dx});
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_backward_apply_sums_f32(const bnkit_bn_desc* desc, uint64_t count, const float* x,
                                                         const float* dy, const float* gamma, const float* mean,
                                                         const float* invstd, const float* sum_dy,
                                                         const float* sum_dy_xhat, float* dx, bnkit_buffer workspace) {
    if (!desc || !all_nonnull(x, dy, mean, invstd, sum_dy, sum_dy_xhat, dx, workspace.data))
        return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    if (count == 0) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    {  // a scope of its own: the region list is dead at the tail call below
        const size_t tb = desc->count * sizeof(float), cb = C * sizeof(float);
        // dx may coincide with x or with dy: each element is read before it is written.
        const region r[] = {{x, tb, false},           {dy, tb, false},          {gamma, cb, false},
                            {mean, cb, false},        {invstd, cb, false},      {sum_dy, cb, false},
                            {sum_dy_xhat, cb, false}, {dx, tb, true, 0, 1},     {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
        if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;
    }

    return body(desc, count, x, dy, gamma, mean, invstd, sum_dy, sum_dy_xhat, dx, workspace);
}
