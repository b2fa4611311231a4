/* The C API's enum parameters called with any int32, as C code may: in C an enum argument
 * is just an int, while in C++ converting an out-of-range int to the enum (and UBSan's
 * -fsanitize=enum) would make the fuzzer's own call undefined. Implemented in C. */
#ifndef BNKIT_FUZZ_ENUM_SHIM_H
#define BNKIT_FUZZ_ENUM_SHIM_H

#include "bnkit/bnkit.h"

#ifdef __cplusplus
extern "C" {
#endif

bnkit_status fuzz_desc_set_isa(bnkit_bn_desc* desc, int32_t isa);
int fuzz_isa_available(int32_t isa);
const char* fuzz_isa_name(int32_t isa);
const char* fuzz_status_str(int32_t status);
bnkit_status fuzz_backward(const bnkit_bn_desc* desc, int32_t phase, const float* x, const float* dy,
                           const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                           float* dbeta, bnkit_buffer workspace);
bnkit_status fuzz_backward_f16(const bnkit_bn_desc* desc, int32_t phase, const bnkit_f16* x, const bnkit_f16* dy,
                               const float* gamma, const float* mean, const float* invstd, bnkit_f16* dx,
                               float* dgamma, float* dbeta, bnkit_buffer workspace);

#ifdef __cplusplus
}
#endif

#endif
