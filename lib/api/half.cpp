#include "bnkit/half.h"

#include <cstdint>

#include "../core/validate.hpp"
#include "../dispatch/kernel_call.hpp"
#include "../half/half_scalar.hpp"

using namespace bnkit::detail;

extern "C" float bnkit_f16_to_f32(bnkit_f16 h) { return half_to_float(h); }

extern "C" bnkit_f16 bnkit_f16_from_f32(float f) { return float_to_half(f); }

namespace {

// n halves and n floats, one array read and the other written: no overlap at all.
bnkit_status check_convert(const bnkit_f16* halves, const float* floats, std::size_t n) noexcept {
    if (!halves || !floats) return BNKIT_ERR_NULL_POINTER;
    if (n > SIZE_MAX / sizeof(float)) return BNKIT_ERR_SHAPE_OVERFLOW;
    const region r[] = {{halves, n * sizeof(bnkit_f16), true}, {floats, n * sizeof(float), true}};
    return check_aliasing(r, 2);
}

}  // namespace

extern "C" bnkit_status bnkit_f16_to_f32_n(const bnkit_f16* src, float* dst, size_t n) {
    if (const bnkit_status s = check_convert(src, dst, n)) return s;
    BNKIT_KERNEL_AUTO(f16_to_f32)(src, dst, n);
    return BNKIT_OK;
}

extern "C" bnkit_status bnkit_f16_from_f32_n(const float* src, bnkit_f16* dst, size_t n) {
    if (const bnkit_status s = check_convert(dst, src, n)) return s;
    BNKIT_KERNEL_AUTO(f32_to_f16)(src, dst, n);
    return BNKIT_OK;
}
