#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// One body for float and float16 tensors (T); only the element size and the kernel differ.
template <class T>
bnkit_status infer(const bnkit_bn_desc* desc, const T* x, T* y, const float* scale, const float* shift,
                   bnkit_activation activation) noexcept {
    if (!desc || !all_nonnull(x, y, scale, shift)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    if (activation != BNKIT_ACTIVATION_NONE && activation != BNKIT_ACTIVATION_RELU &&
        activation != BNKIT_ACTIVATION_RELU6)
        return BNKIT_ERR_BAD_ARGUMENT;
    const size_t tb = desc->count * sizeof(T), cb = desc->channels * sizeof(float);
    const region r[] = {{x, tb, false}, {y, tb, true, 0}, {scale, cb, false}, {shift, cb, false}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    BNKIT_KERNEL_T(T, desc, infer)({{desc->outer, desc->channels, desc->inner}, x, y, scale, shift, activation});
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_infer_f32(const bnkit_bn_desc* desc, const float* x, float* y, const float* scale,
                                           const float* shift) {
    return infer(desc, x, y, scale, shift, BNKIT_ACTIVATION_NONE);
}

extern "C" bnkit_status bnkit_bn_infer_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                           const float* scale, const float* shift) {
    return infer(desc, x, y, scale, shift, BNKIT_ACTIVATION_NONE);
}

extern "C" bnkit_status bnkit_bn_infer_act_f32(const bnkit_bn_desc* desc, const float* x, float* y,
                                               const float* scale, const float* shift, bnkit_activation activation) {
    return infer(desc, x, y, scale, shift, activation);
}

extern "C" bnkit_status bnkit_bn_infer_act_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                               const float* scale, const float* shift, bnkit_activation activation) {
    return infer(desc, x, y, scale, shift, activation);
}
