#include "bn_reference.hpp"

#include <cmath>

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
    return (o * v.channels + c) * v.inner;
}

}  // namespace

void infer_f32(const infer_args& a) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float s = a.scale[c], t = a.shift[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i) a.y[base + i] = a.x[base + i] * s + t;
        }
}

// Two passes in memory order with per-channel accumulators in scratch (sum, comp). The first
// pass sums x - x0 (x0 = the channel's first element), so the sum stays small when
// |mean| >> std; the second sums (x - mean)^2.
void stats_f32(const stats_args& a) noexcept {
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
                const float* p = a.x + at(v, o, c);
                for (std::size_t i = 0; i < v.inner; ++i) acc.add(term(p[i], c));
                sum[c] = acc.sum;
                comp[c] = acc.comp;
            }
    };

    accumulate([&](float x, std::size_t c) { return x - a.x[at(v, 0, c)]; });
    for (std::size_t c = 0; c < C; ++c) a.mean[c] = a.x[at(v, 0, c)] + (sum[c] + comp[c]) / n;
    accumulate([&](float x, std::size_t c) {
        const float d = x - a.mean[c];
        return d * d;
    });
    for (std::size_t c = 0; c < C; ++c) a.var[c] = (sum[c] + comp[c]) / n;
}

void normalize_f32(const normalize_args& a) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float m = a.mean[c], s = a.scale[c], t = a.shift[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i) a.y[base + i] = (a.x[base + i] - m) * s + t;
        }
}

void backward_reduce_f32(const backward_reduce_args& a) noexcept {
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
                const float g = a.dy[base + i];
                s1.add(g);
                s2.add(g * (a.x[base + i] - m));
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

void backward_apply_f32(const backward_apply_args& a) noexcept {
    for (std::size_t o = 0; o < a.v.outer; ++o)
        for (std::size_t c = 0; c < a.v.channels; ++c) {
            const float m = a.mean[c], ka = a.a[c], kb = a.b[c], kk = a.k[c];
            const std::size_t base = at(a.v, o, c);
            for (std::size_t i = 0; i < a.v.inner; ++i)
                a.dx[base + i] = ka * a.dy[base + i] + (kb * (a.x[base + i] - m) + kk);
        }
}

const bnkit_kernel_table table = {BNKIT_ISA_SCALAR, infer_f32, stats_f32, normalize_f32, backward_reduce_f32,
                                  backward_apply_f32};

}  // namespace bnkit::detail::reference
