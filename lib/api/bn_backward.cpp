#include "../core/fold.hpp"
#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"

using namespace bnkit::detail;

namespace {

// One body for float and float16 tensors (T); only the element size and the kernels differ.
// phase by reference: copying the caller's (possibly out-of-range) enum is an enum-typed load,
// undefined in C++ before enum_value has checked it (UBSan -fsanitize=enum, found by the fuzzer).
template <class T>
bnkit_status backward(const bnkit_bn_desc* desc, const bnkit_bn_phase& phase, const T* x, const T* dy, const float* gamma,
                      const float* mean, const float* invstd, T* dx, float* dgamma, float* dbeta,
                      bnkit_buffer workspace) noexcept {
    if (!desc || !all_nonnull(x, dy, mean, invstd, workspace.data)) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_desc(desc)) return s;
    const int32_t ph = enum_value(phase);
    if (ph != BNKIT_PHASE_TRAINING && ph != BNKIT_PHASE_INFERENCE) return BNKIT_ERR_BAD_ARGUMENT;
    const size_t C = desc->channels;
    if (workspace.size < BNKIT_BN_WORKSPACE_BYTES(C)) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    const size_t tb = desc->count * sizeof(T), cb = C * sizeof(float);
    // dx may coincide with x or with dy: each element is read before it is written.
    const region r[] = {{x, tb, false},     {dy, tb, false},     {gamma, cb, false},
                        {mean, cb, false},  {invstd, cb, false}, {dx, tb, true, 0, 1},
                        {dgamma, cb, true}, {dbeta, cb, true},   {workspace.data, BNKIT_BN_WORKSPACE_BYTES(C), true}};
    if (const bnkit_status s = check_aliasing(r, sizeof r / sizeof r[0])) return s;

    // workspace: [0, C) sum(dy), [C, 2C) sum(dy * (x - mean)), [2C, 4C) the reduce kernel's
    // scratch, then reused for the dx coefficients b and k ([0, C) becomes a).
    float* ws = workspace_floats(workspace);
    float* sum_dy = ws;
    float* sum_dy_xc = ws + C;
    const view v{desc->outer, C, desc->inner};
    BNKIT_KERNEL_T(T, desc, backward_reduce)({v, x, dy, mean, sum_dy, sum_dy_xc, ws + 2 * C});

    const float n = static_cast<float>(desc->outer * desc->inner);
    float* a = ws;
    float* b = ws + 2 * C;
    float* k = ws + 3 * C;
    for (size_t c = 0; c < C; ++c) {
        const float is = invstd[c];
        const float db = sum_dy[c], dg = sum_dy_xc[c] * is;
        if (dbeta) dbeta[c] = db;
        if (dgamma) dgamma[c] = dg;
        const dx_coefficients d = backward_dx_coefficients(gamma ? gamma[c] : 1.0f, is, db, dg, n,
                                                           phase == BNKIT_PHASE_TRAINING);
        a[c] = d.a;
        b[c] = d.b;
        k[c] = d.k;
    }
    if (dx) BNKIT_KERNEL_T(T, desc, backward_apply)({v, x, dy, mean, a, b, k, dx});
    return BNKIT_OK;
}

}  // namespace

extern "C" bnkit_status bnkit_bn_backward_f32(const bnkit_bn_desc* desc, bnkit_bn_phase phase, const float* x,
                                              const float* dy, const float* gamma, const float* mean,
                                              const float* invstd, float* dx, float* dgamma, float* dbeta,
                                              bnkit_buffer workspace) {
    return backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace);
}

extern "C" bnkit_status bnkit_bn_backward_f16(const bnkit_bn_desc* desc, bnkit_bn_phase phase, const bnkit_f16* x,
                                              const bnkit_f16* dy, const float* gamma, const float* mean,
                                              const float* invstd, bnkit_f16* dx, float* dgamma, float* dbeta,
                                              bnkit_buffer workspace) {
    return backward(desc, phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace);
}
