// Definitions of bn_kernels<Arch> (bn_kernels.hpp): each op is one element-wise formula or
// one per-channel sum handed to the loop drivers of bn_loops-inl.hpp, for tensors of float
// or bnkit_f16 alike. Include this file only from the per-ISA instantiation units in
// platform/<isa>/, after the header that specializes half_io<Arch> (half_io.hpp).
//
// Rounding: the element-wise formulas use xsimd::fma where the reference has a multiply then
// an add. xsimd fuses it (one rounding) only on FMA archs (fma3<avx2>, neon64); on sse2 and,
// in xsimd 8.1, on avx512bw it is a multiply then an add, exactly the reference's rounding
// (the whole project builds with -ffp-contract=off). A fused result differs from the
// reference by at most one rounding of the product, about 1 ulp of |x*s| + |t|.
#pragma once

#include "bn_kernels.hpp"
#include "bn_loops-inl.hpp"

namespace bnkit::detail {

// The fused activation is a compile-time variant of the formula, chosen once per call. The
// clamps are compare + select, the reference's v < 0 ? 0 : v and 6 < m ? 6 : m: a NaN lane
// fails the comparison and keeps v, and -0.0 is not < 0 so it stays -0.0 (x86 max_ps would
// return its second operand for either, whichever it is).
template <class Arch>
template <class T, bnkit_activation Act>
void bn_kernels<Arch>::infer_as(const infer_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    loops<Arch>::template map_channels<1, 2>(
        a.v, {a.x}, a.y, {a.scale, a.shift}, [](const std::array<batch, 1>& x, const std::array<batch, 2>& c) {
            batch v = xsimd::fma(x[0], c[0], c[1]);
            if constexpr (Act != BNKIT_ACTIVATION_NONE) v = xsimd::select(v < batch(0.0f), batch(0.0f), v);
            if constexpr (Act == BNKIT_ACTIVATION_RELU6) v = xsimd::select(batch(6.0f) < v, batch(6.0f), v);
            return v;
        },
        a.stream);
}

template <class Arch>
template <class T>
void bn_kernels<Arch>::infer(const infer_args_t<T>& a) noexcept {
    switch (a.activation) {
        case BNKIT_ACTIVATION_RELU:
            return infer_as<T, BNKIT_ACTIVATION_RELU>(a);
        case BNKIT_ACTIVATION_RELU6:
            return infer_as<T, BNKIT_ACTIVATION_RELU6>(a);
        default:
            return infer_as<T, BNKIT_ACTIVATION_NONE>(a);
    }
}

// Shifted two-pass statistics like the reference: the first pass sums x - x0 (x0 = the
// channel's first element, so the sum stays small when |mean| >> std), the second
// (x - mean)^2. mean holds x0 and var the first pass's sums until they are finished.
template <class Arch>
template <class T>
void bn_kernels<Arch>::stats(const stats_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    const view& v = a.v;
    if (v.inner == 1 && v.outer_stride == v.channels && v.channels >= batch::size && v.outer > merged_tile_rows(v.channels))
        return stats_merged(a);
    const float n = static_cast<float>(v.outer * v.inner);
    for (std::size_t c = 0; c < v.channels; ++c) a.mean[c] = loops<Arch>::element(a.x + c * v.inner);
    loops<Arch>::template reduce_channels<1, 1>(
        v, {a.x}, a.mean, {a.var}, a.scratch,
        [](const std::array<batch, 1>& x, const batch& x0) { return std::array<batch, 1>{x[0] - x0}; }, a.from_memory);
    for (std::size_t c = 0; c < v.channels; ++c) a.mean[c] = a.mean[c] + a.var[c] / n;
    loops<Arch>::template reduce_channels<1, 1>(v, {a.x}, a.mean, {a.var}, a.scratch,
                                                [](const std::array<batch, 1>& x, const batch& mean) {
                                                    const batch d = x[0] - mean;
                                                    return std::array<batch, 1>{d * d};
                                                },
                                                a.from_memory);
    for (std::size_t c = 0; c < v.channels; ++c) a.var[c] = a.var[c] / n;
}

// Channels-last tensors of several tiles of rows (64 Ki elements, 256 KiB of float32, at
// least 64 rows): the same shifted two passes per tile, the second reading the tile from L2,
// merged by Chan's formula, so the statistics take x from memory (or L3) once instead of twice
// (docs/performance.md, "Changes of 2026-12-03 (3)"). Per channel, with n_a rows before the
// tile and n_t in it:
//  - pass 1 sums x - K over the tile (fresh chain), K the previous tile's mean (the first
//    element for the first tile): q = that sum / n_t is the tile's mean minus K;
//  - e holds the running mean minus K, so the tile's distance to the running mean,
//    d = q - e, is a difference of small numbers whatever |mean| / std;
//  - K + q is rounded to the tile's mean K' with its rounding error (two_sum), and
//    e' = err - d * n_a / (n_a + n_t), exactly the new running mean minus K';
//  - pass 2 sums (x - K')^2 into one compensated chain through all tiles, which also takes
//    each tile's d^2 n_a n_t / (n_a + n_t).
// d's error is about eps (std + |e|), about 16 eps of |d| over 64 rows, so the merge adds at
// most about 32 eps / 64 rows of the variance: within the compensated sums' error. The first
// tile is the unmerged computation (e = err, and K' + err rounds back to K'). Tiles are a
// function of the shape only, so the bits do not depend on the cache sizes or on from_memory.
// Storage: K in mean, the chain in (var, scratch), pass 1's chain and e in the rest.
template <class Arch>
template <class T>
void bn_kernels<Arch>::stats_merged(const stats_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    constexpr std::size_t W = batch::size;
    const std::size_t C = a.v.channels, outer = a.v.outer, tile = merged_tile_rows(C);
    float *k = a.mean, *m2 = a.var, *m2_comp = a.scratch, *sum = a.scratch + C, *comp = a.scratch + 2 * C,
          *e = a.scratch + 3 * C;
    for (std::size_t c = 0; c < C; ++c) {
        k[c] = loops<Arch>::element(a.x + c);
        m2[c] = m2_comp[c] = e[c] = 0.0f;
    }
    const auto shifted = [](const std::array<batch, 1>& x, const batch& k_) { return std::array<batch, 1>{x[0] - k_}; };
    const auto squared = [](const std::array<batch, 1>& x, const batch& k_) {
        const batch d = x[0] - k_;
        return std::array<batch, 1>{d * d};
    };
    for (std::size_t o = 0; o < outer; o += tile) {
        const std::size_t rows = outer - o < tile ? outer - o : tile;
        const view t{rows, C, 1};
        const T* const in[1] = {a.x + o * C};
        for (std::size_t c = 0; c < C; ++c) sum[c] = comp[c] = 0.0f;
        loops<Arch>::template accumulate_channels_last<1, 1>(t, in, k, {sum}, comp, shifted, a.from_memory);
        const float na = static_cast<float>(o), nt = static_cast<float>(rows), n = static_cast<float>(o + rows);
        const float between = na * nt / n, kept = na / n;
        // The merge of channels held in V (float, or batch: W channels with the same bits).
        const auto merge = [&](const auto& s, const auto& cp, auto& kc, auto& ec, auto& m2c, auto& m2cc) {
            using V = std::decay_t<decltype(s)>;
            const V q = (s - cp) / V(nt), d = q - ec;
            const V k1 = kc + q, from_q = k1 - kc;  // two_sum(k, q): k + q == k1 + err exactly
            const V err = (kc - (k1 - from_q)) + (q - from_q);
            if (o != 0) {  // the Kahan step of the vector chains (value = sum - comp)
                const V y = d * d * V(between) - m2cc, sm = m2c + y;
                m2cc = (sm - m2c) - y;
                m2c = sm;
            }
            ec = err - d * V(kept);
            kc = k1;
        };
        if constexpr (ieee_division) {
            // W channels at a time: per channel in scalar code, this merge took 8% of training
            // NHWC 32x512x7x7 on AVX-512 (perf).
            using L = loops<Arch>;
            for (std::size_t c = 0; c < C; c += W) {
                const std::size_t nc = C - c < W ? C - c : W;
                batch kc = L::load(k + c, nc), ec = L::load(e + c, nc), m2c = L::load(m2 + c, nc),
                      m2cc = L::load(m2_comp + c, nc);
                merge(L::load(sum + c, nc), L::load(comp + c, nc), kc, ec, m2c, m2cc);
                L::store(k + c, nc, kc);
                L::store(e + c, nc, ec);
                L::store(m2 + c, nc, m2c);
                L::store(m2_comp + c, nc, m2cc);
            }
        } else {
            for (std::size_t c = 0; c < C; ++c) merge(sum[c], comp[c], k[c], e[c], m2[c], m2_comp[c]);
        }
        loops<Arch>::template accumulate_channels_last<1, 1>(t, in, k, {m2}, m2_comp, squared, false);
    }
    const float n = static_cast<float>(outer);
    for (std::size_t c = 0; c < C; ++c) {
        a.mean[c] = k[c] + e[c];
        a.var[c] = (m2[c] - m2_comp[c]) / n;
    }
}

template <class Arch>
template <class T>
void bn_kernels<Arch>::normalize(const normalize_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    loops<Arch>::template map_channels<1, 3>(
        a.v, {a.x}, a.y, {a.mean, a.scale, a.shift},
        [](const std::array<batch, 1>& x, const std::array<batch, 3>& c) {
            return xsimd::fma(x[0] - c[0], c[1], c[2]);
        },
        a.stream, a.prefetch);
}

template <class Arch>
template <class T>
void bn_kernels<Arch>::backward_reduce(const backward_reduce_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    loops<Arch>::template reduce_channels<2, 2>(
        a.v, {a.x, a.dy}, a.mean, {a.sum_dy, a.sum_dy_xc}, a.scratch,
        [](const std::array<batch, 2>& in, const batch& mean) {
            return std::array<batch, 2>{in[1], in[1] * (in[0] - mean)};
        },
        a.from_memory);
}

template <class Arch>
template <class T>
void bn_kernels<Arch>::backward_apply(const backward_apply_args_t<T>& a) noexcept {
    using batch = xsimd::batch<float, Arch>;
    loops<Arch>::template map_channels<2, 4>(
        a.v, {a.x, a.dy}, a.dx, {a.mean, a.a, a.b, a.k},
        [](const std::array<batch, 2>& in, const std::array<batch, 4>& c) {
            return xsimd::fma(c[1], in[1], xsimd::fma(c[2], in[0] - c[0], c[3]));
        },
        a.stream, a.prefetch);
}

template <class Arch>
void bn_kernels<Arch>::infer_f32(const infer_args& a) noexcept {
    infer(a);
}

template <class Arch>
void bn_kernels<Arch>::stats_f32(const stats_args& a) noexcept {
    stats(a);
}

template <class Arch>
void bn_kernels<Arch>::normalize_f32(const normalize_args& a) noexcept {
    normalize(a);
}

template <class Arch>
void bn_kernels<Arch>::backward_reduce_f32(const backward_reduce_args& a) noexcept {
    backward_reduce(a);
}

template <class Arch>
void bn_kernels<Arch>::backward_apply_f32(const backward_apply_args& a) noexcept {
    backward_apply(a);
}

template <class Arch>
void bn_kernels<Arch>::infer_f16(const infer_f16_args& a) noexcept {
    infer(a);
}

template <class Arch>
void bn_kernels<Arch>::stats_f16(const stats_f16_args& a) noexcept {
    stats(a);
}

template <class Arch>
void bn_kernels<Arch>::normalize_f16(const normalize_f16_args& a) noexcept {
    normalize(a);
}

template <class Arch>
void bn_kernels<Arch>::backward_reduce_f16(const backward_reduce_f16_args& a) noexcept {
    backward_reduce(a);
}

template <class Arch>
void bn_kernels<Arch>::backward_apply_f16(const backward_apply_f16_args& a) noexcept {
    backward_apply(a);
}

template <class Arch>
void bn_kernels<Arch>::f16_to_f32(const bnkit_f16* src, float* dst, std::size_t n) noexcept {
    loops<Arch>::convert(src, dst, n);
}

template <class Arch>
void bn_kernels<Arch>::f32_to_f16(const float* src, bnkit_f16* dst, std::size_t n) noexcept {
    loops<Arch>::convert(src, dst, n);
}

}  // namespace bnkit::detail
