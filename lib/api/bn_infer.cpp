#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// One body for float and float16 tensors (T); only the element size and the kernel differ.
// Plain: the entry points without an activation (activation is NONE).
// activation by reference, read through enum_value until checked: a C caller may pass any int,
// and an enum-typed copy of an out-of-range value is undefined in C++ (as phase in backward).
template <class T, bool Plain>
bnkit_status infer(const bnkit_bn_desc* desc, const T* x, T* y, const float* scale, const float* shift,
                   const bnkit_activation& activation) noexcept {
    if (!desc || !all_nonnull(x, y, scale, shift)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const int32_t act = enum_value(activation);
    if (!Plain && act != BNKIT_ACTIVATION_NONE && act != BNKIT_ACTIVATION_RELU && act != BNKIT_ACTIVATION_RELU6)
        return BNKIT_ERR_BAD_ARGUMENT;
    const size_t tb = desc->count * sizeof(T), cb = desc->channels * sizeof(float);
    const region r[] = {{x, tb, false}, {y, tb, true, 0}, {scale, cb, false}, {shift, cb, false}};
    if (const bnkit_status s = check_aliasing(r)) return s;

    const bool stream = BNKIT_STREAMS(desc, tb, tb, x == y);
    const infer_args_t<T> args{{desc->outer, desc->channels, desc->inner}, x, y, scale, shift, activation, stream};
#if BNKIT_SINGLE_PATH
    // A firmware that never asks for an activation links only the activation-free loop.
    if constexpr (Plain)
        reference::infer_plain(args);
    else
#endif
        BNKIT_KERNEL_T(T, desc, infer)(args);
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_infer_f32(const bnkit_bn_desc* desc, const float* x, float* y, const float* scale,
                                           const float* shift) {
    return infer<float, true>(desc, x, y, scale, shift, BNKIT_ACTIVATION_NONE);
}

extern "C" bnkit_status bnkit_bn_infer_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                           const float* scale, const float* shift) {
    return infer<bnkit_f16, true>(desc, x, y, scale, shift, BNKIT_ACTIVATION_NONE);
}

extern "C" bnkit_status bnkit_bn_infer_act_f32(const bnkit_bn_desc* desc, const float* x, float* y,
                                               const float* scale, const float* shift, bnkit_activation activation) {
    return infer<float, false>(desc, x, y, scale, shift, activation);
}

extern "C" bnkit_status bnkit_bn_infer_act_f16(const bnkit_bn_desc* desc, const bnkit_f16* x, bnkit_f16* y,
                                               const float* scale, const float* shift, bnkit_activation activation) {
    return infer<bnkit_f16, false>(desc, x, y, scale, shift, activation);
}
