#include "../core/fold.hpp"
#include "../core/validate.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_fold_f32(size_t channels, const float* gamma, const float* beta, const float* mean,
                                          const float* var, float epsilon, float* scale, float* shift) {
    if (!all_nonnull(mean, var, scale, shift)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_channels(channels)) return s;
    if (const bnkit_status s = check_epsilon(epsilon)) return s;
    const size_t bytes = channels * sizeof(float);
    const region r[] = {{gamma, bytes, false}, {beta, bytes, false}, {mean, bytes, false},
                        {var, bytes, false},   {scale, bytes, true, 0}, {shift, bytes, true, 1}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    for (size_t c = 0; c < channels; ++c) {
        // Read everything first: scale may be gamma and shift may be beta.
        const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f, m = mean[c], v = var[c];
        const float s = fold_scale(g, v, epsilon);
        scale[c] = s;
        shift[c] = b - m * s;
    }
    return BNKIT_OK;
}
