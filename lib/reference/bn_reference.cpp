#include "bn_reference.hpp"

#include <cmath>

#include "../half/half_scalar.hpp"

namespace bnkit::detail::reference {
namespace {

// Neumaier's compensated sum: the error stays O(eps) however many terms a channel has,
// which plain float accumulation (O(n eps)) cannot promise on a 1e6-element channel.
struct compensated {
    float sum = 0.0f;
    float comp = 0.0f;
    void add(float v) noexcept {
        const float t = sum + v;
        if (std::fabs(sum) >= std::fabs(v))
            comp += (sum - t) + v;
        else
            comp += (v - t) + sum;
        sum = t;
    }
    float value() const noexcept { return sum + comp; }
};

inline std::size_t at(const view& v, std::size_t o, std::size_t c) noexcept {
    return o * v.outer_stride + c * v.inner;
}

// Tensor storage: float as is, float16 widened exactly / rounded once.
inline float get(const float* p, std::size_t i) noexcept { return p[i]; }
inline float get(const bnkit_f16* p, std::size_t i) noexcept { return half_to_float(p[i]); }
inline void put(float* p, std::size_t i, float v) noexcept { p[i] = v; }
inline void put(bnkit_f16* p, std::size_t i, float v) noexcept { p[i] = float_to_half(v); }

// The fused activations, as tf.nn.relu / relu6 on CPU (Eigen's cwiseMax(0) / cwiseMin(6),
// i.e. std::max(v, 0) = v < 0 ? 0 : v and std::min(m, 6) = 6 < m ? 6 : m): a NaN v fails
// every comparison and comes out unchanged, and so does -0.0 (-0.0 < 0 is false).
struct act_none {
    float operator()(float v) const noexcept { return v; }
};
struct act_relu {
    float operator()(float v) const noexcept { return v < 0.0f ? 0.0f : v; }
};
struct act_relu6 {
    float operator()(float v) const noexcept {
        const float m = v < 0.0f ? 0.0f : v;
        return 6.0f < m ? 6.0f : m;
    }
};

template <class T, class Act>
void infer_as(const infer_args_t<T>& a, Act act) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float s = a.scale[c], t = a.shift[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i) put(a.y, base + i, act(get(a.x, base + i) * s + t));
        }
}

// One loop per activation, chosen once per call: no per-element branch on the activation.
template <class T>
void infer(const infer_args_t<T>& a) noexcept {
    switch (a.activation) {
        case BNKIT_ACTIVATION_RELU:
            return infer_as(a, act_relu{});
        case BNKIT_ACTIVATION_RELU6:
            return infer_as(a, act_relu6{});
        default:
            return infer_as(a, act_none{});
    }
}

// Two passes in memory order with per-channel accumulators in scratch (sum, comp). The first
// pass sums x - x0 (x0 = the channel's first element), so the sum stays small when
// |mean| >> std; the second sums (x - mean)^2.
template <class T>
void stats(const stats_args_t<T>& a) noexcept {
    const view& v = a.v;
    const std::size_t C = v.channels;
    float* sum = a.scratch;
    float* comp = a.scratch + C;
    const float n = static_cast<float>(v.outer * v.inner);

    auto accumulate = [&](auto&& term) {
        for (std::size_t c = 0; c < C; ++c) sum[c] = comp[c] = 0.0f;
        for (std::size_t o = 0; o < v.outer; ++o)
            for (std::size_t c = 0; c < C; ++c) {
                compensated acc{sum[c], comp[c]};
                const T* p = a.x + at(v, o, c);
                for (std::size_t i = 0; i < v.inner; ++i) acc.add(term(get(p, i), c));
                sum[c] = acc.sum;
                comp[c] = acc.comp;
            }
    };

    accumulate([&](float x, std::size_t c) { return x - get(a.x, at(v, 0, c)); });
    for (std::size_t c = 0; c < C; ++c) a.mean[c] = get(a.x, at(v, 0, c)) + (sum[c] + comp[c]) / n;
    accumulate([&](float x, std::size_t c) {
        const float d = x - a.mean[c];
        return d * d;
    });
    for (std::size_t c = 0; c < C; ++c) a.var[c] = (sum[c] + comp[c]) / n;
}

template <class T>
void normalize(const normalize_args_t<T>& a) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float m = a.mean[c], s = a.scale[c], t = a.shift[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i) put(a.y, base + i, (get(a.x, base + i) - m) * s + t);
        }
}

template <class T>
void backward_reduce(const backward_reduce_args_t<T>& a) noexcept {
    const view& v = a.v;
    const std::size_t C = v.channels;
    float* comp_dy = a.scratch;
    float* comp_dy_xc = a.scratch + C;
    for (std::size_t c = 0; c < C; ++c) a.sum_dy[c] = a.sum_dy_xc[c] = comp_dy[c] = comp_dy_xc[c] = 0.0f;
    for (std::size_t o = 0; o < v.outer; ++o)
        for (std::size_t c = 0; c < C; ++c) {
            compensated s1{a.sum_dy[c], comp_dy[c]}, s2{a.sum_dy_xc[c], comp_dy_xc[c]};
            const float m = a.mean[c];
            const std::size_t base = at(v, o, c);
            for (std::size_t i = 0; i < v.inner; ++i) {
                const float g = get(a.dy, base + i);
                s1.add(g);
                s2.add(g * (get(a.x, base + i) - m));
            }
            a.sum_dy[c] = s1.sum;
            comp_dy[c] = s1.comp;
            a.sum_dy_xc[c] = s2.sum;
            comp_dy_xc[c] = s2.comp;
        }
    for (std::size_t c = 0; c < C; ++c) {
        a.sum_dy[c] += comp_dy[c];
        a.sum_dy_xc[c] += comp_dy_xc[c];
    }
}

template <class T>
void backward_apply(const backward_apply_args_t<T>& a) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float m = a.mean[c], ka = a.a[c], kb = a.b[c], kk = a.k[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i)
                put(a.dx, base + i, ka * get(a.dy, base + i) + (kb * (get(a.x, base + i) - m) + kk));
        }
}

}  // namespace

void infer_f32(const infer_args& a) noexcept { infer(a); }
void stats_f32(const stats_args& a) noexcept { stats(a); }
void normalize_f32(const normalize_args& a) noexcept { normalize(a); }
void backward_reduce_f32(const backward_reduce_args& a) noexcept { backward_reduce(a); }
void backward_apply_f32(const backward_apply_args& a) noexcept { backward_apply(a); }

void infer_f16(const infer_f16_args& a) noexcept { infer(a); }
void stats_f16(const stats_f16_args& a) noexcept { stats(a); }
void normalize_f16(const normalize_f16_args& a) noexcept { normalize(a); }
void backward_reduce_f16(const backward_reduce_f16_args& a) noexcept { backward_reduce(a); }
void backward_apply_f16(const backward_apply_f16_args& a) noexcept { backward_apply(a); }

void infer_plain(const infer_args& a) noexcept { infer_as(a, act_none{}); }
void infer_plain(const infer_f16_args& a) noexcept { infer_as(a, act_none{}); }

void f16_to_f32(const bnkit_f16* src, float* dst, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
}
void f32_to_f16(const float* src, bnkit_f16* dst, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) dst[i] = float_to_half(src[i]);
}

const bnkit_kernel_table table = {BNKIT_ISA_SCALAR,  infer_f32,        stats_f32,      normalize_f32,
                                  backward_reduce_f32, backward_apply_f32, infer_f16,      stats_f16,
                                  normalize_f16,     backward_reduce_f16, backward_apply_f16, f16_to_f32,
                                  f32_to_f16};

}  // namespace bnkit::detail::reference
