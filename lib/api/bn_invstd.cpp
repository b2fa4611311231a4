#include "../core/fold.hpp"
#include "../core/validate.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_invstd_f32(size_t channels, const float* var, float epsilon, float* invstd) {
    if (!all_nonnull(var, invstd)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_channels(channels)) return s;
    if (const bnkit_status s = check_epsilon(epsilon)) return s;
    const size_t bytes = channels * sizeof(float);
    const region r[] = {{var, bytes, false}, {invstd, bytes, true, 0}};
    if (const bnkit_status s = check_aliasing(r, 2)) return s;
    for (size_t c = 0; c < channels; ++c) invstd[c] = inverse_std(var[c], epsilon);
    return BNKIT_OK;
}
