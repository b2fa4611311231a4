#include "bnkit/stats.h"

#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_stats_f32(const bnkit_bn_desc* desc, const float* x, uint64_t* count, float* mean,
                                           float* m2, bnkit_buffer workspace) {
    if (!desc || !all_nonnull(x, count, mean, m2, workspace.data)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    const size_t cb = C * sizeof(float);
    const region r[] = {{x, desc->count * sizeof(float), false}, {count, sizeof *count, true}, {mean, cb, true},
                        {m2, cb, true}, {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    // The biased variance goes to m2, scaled in place below; workspace: the stats kernel's scratch.
    BNKIT_KERNEL(desc, stats_f32)({{desc->outer, C, desc->inner}, x, mean, m2, workspace_floats(workspace),
                                   BNKIT_PAST_CACHES(desc, desc->count * sizeof(float), 0)});
    const size_t n = desc->outer * desc->inner;
    for (size_t c = 0; c < C; ++c) m2[c] = static_cast<float>(static_cast<double>(m2[c]) * static_cast<double>(n));
    *count = n;
    return BNKIT_OK;
}
