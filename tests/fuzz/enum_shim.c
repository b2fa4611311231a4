/* See enum_shim.h: C converts the int32 to the enum parameter without undefined behaviour. */
#include "enum_shim.h"

bnkit_status fuzz_desc_set_isa(bnkit_bn_desc* desc, int32_t isa) { return bnkit_bn_desc_set_isa(desc, (bnkit_isa)isa); }

int fuzz_isa_available(int32_t isa) { return bnkit_isa_available((bnkit_isa)isa); }

const char* fuzz_isa_name(int32_t isa) { return bnkit_isa_name((bnkit_isa)isa); }

const char* fuzz_status_str(int32_t status) { return bnkit_status_str((bnkit_status)status); }

bnkit_status fuzz_backward(const bnkit_bn_desc* desc, int32_t phase, const float* x, const float* dy,
                           const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                           float* dbeta, bnkit_buffer workspace) {
    return bnkit_bn_backward_f32(desc, (bnkit_bn_phase)phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, workspace);
}

bnkit_status fuzz_backward_f16(const bnkit_bn_desc* desc, int32_t phase, const bnkit_f16* x, const bnkit_f16* dy,
                               const float* gamma, const float* mean, const float* invstd, bnkit_f16* dx,
                               float* dgamma, float* dbeta, bnkit_buffer workspace) {
    return bnkit_bn_backward_f16(desc, (bnkit_bn_phase)phase, x, dy, gamma, mean, invstd, dx, dgamma, dbeta,
                                 workspace);
}
