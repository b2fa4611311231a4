#include "bnkit/stats.h"

#include "../core/validate.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_stats_finalize_f32(size_t C, uint64_t count, const float* m2, float* var) {
    if (!all_nonnull(m2, var)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_channels(C)) return s;
    if (count == 0) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t cb = C * sizeof(float);
    const region r[] = {{m2, cb, false}, {var, cb, true, 0}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;
    const double n = static_cast<double>(count);
    for (size_t c = 0; c < C; ++c) var[c] = static_cast<float>(static_cast<double>(m2[c]) / n);
    return BNKIT_OK;
}
