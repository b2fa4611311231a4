// The ARMv8.2-A FP16-arithmetic f16 inference kernel (infer_fp16_arith.hpp). The only file
// compiled with -march=armv8.2-a+fp16 (platform/arm/CMakeLists.txt). It includes only
// arm_neon.h (always-inline intrinsics) and plain declarations, so no inline function or
// template instantiated here with FP16 instructions can be merged into code that runs on a
// CPU without them.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "infer_fp16_arith.hpp"

namespace bnkit::detail {
namespace {

// Channels whose f16 scale and shift are held on the stack at once (1 KiB).
constexpr std::size_t channel_block = 256;
constexpr float f16_max = 65504.0f;
constexpr float f16_min_normal = 6.103515625e-05f;  // 2^-14

float magnitude(float v) noexcept { return v < 0.0f ? -v : v; }

// Finite values beyond binary16, and nonzero scales below its normal range, would round to
// inf or lose relative precision; infinities and NaN convert as they are and give the same
// inf/NaN results as float32 arithmetic.
bool fits(float scale, float shift) noexcept {
    const float s = magnitude(scale), t = magnitude(shift), inf = __builtin_inff();
    if (s > f16_max && s < inf) return false;
    if (t > f16_max && t < inf) return false;
    return !(s != 0.0f && s < f16_min_normal);
}

const std::uint16_t* bits(const bnkit_f16* p) noexcept { return &p->bits; }
std::uint16_t* bits(bnkit_f16* p) noexcept { return &p->bits; }

// y[0..n) = x * s + t, n <= 8, through a full vector so the tail needs no scalar FP16 code.
void fma_tail(const std::uint16_t* x, std::uint16_t* y, std::size_t n, float16x8_t s, float16x8_t t) noexcept {
    std::uint16_t buf[8] = {};
    for (std::size_t i = 0; i < n; ++i) buf[i] = x[i];
    const float16x8_t v = vfmaq_f16(t, vreinterpretq_f16_u16(vld1q_u16(buf)), s);
    vst1q_u16(buf, vreinterpretq_u16_f16(v));
    for (std::size_t i = 0; i < n; ++i) y[i] = buf[i];
}

// One contiguous run: y = x * s + t with the same s and t (NCHW planes).
void run_broadcast(const std::uint16_t* x, std::uint16_t* y, std::size_t n, float16x8_t s, float16x8_t t) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        vst1q_u16(y + i, vreinterpretq_u16_f16(vfmaq_f16(t, vreinterpretq_f16_u16(vld1q_u16(x + i)), s)));
    if (i < n) fma_tail(x + i, y + i, n - i, s, t);
}

// One row of channels: y[k] = x[k] * sh[k] + th[k] (NHWC, inner == 1).
void run_channels(const std::uint16_t* x, std::uint16_t* y, std::size_t n, const std::uint16_t* sh,
                  const std::uint16_t* th) noexcept {
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        const float16x8_t s = vreinterpretq_f16_u16(vld1q_u16(sh + k)), t = vreinterpretq_f16_u16(vld1q_u16(th + k));
        vst1q_u16(y + k, vreinterpretq_u16_f16(vfmaq_f16(t, vreinterpretq_f16_u16(vld1q_u16(x + k)), s)));
    }
    for (; k < n; ++k)  // at most 7 channels, each its own broadcast
        fma_tail(x + k, y + k, 1, vreinterpretq_f16_u16(vdupq_n_u16(sh[k])),
                 vreinterpretq_f16_u16(vdupq_n_u16(th[k])));
}

// Round n floats to binary16 bits (vcvt: round to nearest even).
void to_half(const float* src, std::uint16_t* dst, std::size_t n) noexcept {
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4) vst1_u16(dst + k, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + k))));
    for (; k < n; ++k) vst1_lane_u16(dst + k, vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(src[k]))), 0);
}

}  // namespace

bool infer_f16_fp16_arith(const infer_f16_args& a) noexcept {
    // Fused activations run in the neon64 kernel (the fallback), which applies them in float32.
    if (a.activation != BNKIT_ACTIVATION_NONE) return false;
    const view v = a.v;
    for (std::size_t c = 0; c < v.channels; ++c)
        if (!fits(a.scale[c], a.shift[c])) return false;

    const std::uint16_t* x = bits(a.x);
    std::uint16_t* y = bits(a.y);
    std::uint16_t sh[channel_block], th[channel_block];
    for (std::size_t c0 = 0; c0 < v.channels; c0 += channel_block) {
        const std::size_t nc = v.channels - c0 < channel_block ? v.channels - c0 : channel_block;
        to_half(a.scale + c0, sh, nc);  // once per call for each channel
        to_half(a.shift + c0, th, nc);
        for (std::size_t o = 0; o < v.outer; ++o) {
            const std::size_t row = (o * v.channels + c0) * v.inner;
            if (v.inner == 1) {
                run_channels(x + row, y + row, nc, sh, th);
                continue;
            }
            for (std::size_t c = 0; c < nc; ++c)
                run_broadcast(x + row + c * v.inner, y + row + c * v.inner, v.inner,
                              vreinterpretq_f16_u16(vdupq_n_u16(sh[c])), vreinterpretq_f16_u16(vdupq_n_u16(th[c])));
        }
    }
    return true;
}

}  // namespace bnkit::detail
