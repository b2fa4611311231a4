#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_bn_infer_f32(const bnkit_bn_desc* desc, const float* x, float* y, const float* scale,
                                           const float* shift) {
    if (!desc || !all_nonnull(x, y, scale, shift)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const size_t tb = desc->count * sizeof(float), cb = desc->channels * sizeof(float);
    const region r[] = {{x, tb, false}, {y, tb, true, 0}, {scale, cb, false}, {shift, cb, false}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    BNKIT_KERNEL(desc, infer_f32)({{desc->outer, desc->channels, desc->inner}, x, y, scale, shift});
    return BNKIT_OK;
}
