#include "bnkit/stats.h"

#include "../core/validate.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_stats_merge_f32(size_t C, uint64_t na, const float* mean_a, const float* m2_a,
                                                 uint64_t nb, const float* mean_b, const float* m2_b, uint64_t* count,
                                                 float* mean, float* m2) {
    if (!all_nonnull(mean_a, m2_a, mean_b, m2_b, count, mean, m2)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_channels(C)) return s;
    if (na > UINT64_MAX - nb) return BNKIT_ERR_SHAPE_OVERFLOW;
    const size_t cb = C * sizeof(float);
    // mean may be either input mean, m2 either input M2 (indices 0/2 and 1/3).
    const region r[] = {{mean_a, cb, false}, {m2_a, cb, false},         {mean_b, cb, false},
                        {m2_b, cb, false},   {count, sizeof *count, true}, {mean, cb, true, 0, 2},
                        {m2, cb, true, 1, 3}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    const uint64_t n = na + nb;
    const double fa = static_cast<double>(na), fb = static_cast<double>(nb), fn = static_cast<double>(n);
    for (size_t c = 0; c < C; ++c) {
        // Read all four inputs before writing: the outputs may be inputs.
        const double ma = mean_a[c], mb = mean_b[c], qa = m2_a[c], qb = m2_b[c];
        if (n == 0) {
            mean[c] = 0.0f;
            m2[c] = 0.0f;
            continue;
        }
        const double d = mb - ma;
        // An empty side contributes nothing (its mean and M2 may be anything).
        mean[c] = static_cast<float>(na == 0 ? mb : nb == 0 ? ma : ma + d * (fb / fn));
        m2[c] = static_cast<float>(na == 0 ? qb : nb == 0 ? qa : qa + qb + d * d * (fa * fb / fn));
    }
    *count = n;
    return BNKIT_OK;
}
