// Slices of channels (lib/core/channel_blocks.hpp): the training and backward entry points
// reduce large channels-first tensors a block of channels at a time. A channel's sums must not
// depend on that: on every path (each kernel table, and the reference kernels the single-path
// builds call directly), stats and backward_reduce over any slice give bit for bit the whole
// view's results for the slice's channels, for float and float16 storage, rows of any length
// (odd, below and above the vector width times the unroll), and slices at the tensor's end.
// The element-wise kernels (normalize, backward_apply) take the same slices: they must write
// bit for bit the whole view's outputs for the slice's channels and nothing else, streaming or
// not, prefetching or not. The API-level results of blocked shapes are checked against the
// scalar path and the double oracle in test_kernels_vs_reference.cpp (the sweep's large shapes).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "core/channel_blocks.hpp"
#include "dispatch/select.hpp"
#include "reference/bn_reference.hpp"
#include "support/rounding_values.hpp"

namespace {

using namespace bnkit::detail;

struct kernels {
    std::string name;
    void (*stats_f32)(const stats_args&) noexcept;
    void (*reduce_f32)(const backward_reduce_args&) noexcept;
    void (*stats_f16)(const stats_f16_args&) noexcept;
    void (*reduce_f16)(const backward_reduce_f16_args&) noexcept;
    void (*normalize_f32)(const normalize_args&) noexcept;
    void (*apply_f32)(const backward_apply_args&) noexcept;
    void (*normalize_f16)(const normalize_f16_args&) noexcept;
    void (*apply_f16)(const backward_apply_f16_args&) noexcept;
};

std::vector<kernels> every_path() {
    std::vector<kernels> out{{"reference", reference::stats_f32, reference::backward_reduce_f32, reference::stats_f16,
                              reference::backward_reduce_f16, reference::normalize_f32, reference::backward_apply_f32,
                              reference::normalize_f16, reference::backward_apply_f16}};
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_kernel_table* t = select_kernels(static_cast<bnkit_isa>(i));
        if (!t || !t->stats_f32) continue;  // single-path builds name the path only
        out.push_back({bnkit_isa_name(static_cast<bnkit_isa>(i)), t->stats_f32, t->backward_reduce_f32, t->stats_f16,
                       t->backward_reduce_f16, t->normalize_f32, t->backward_apply_f32, t->normalize_f16,
                       t->backward_apply_f16});
    }
    return out;
}

using bnkit_test::stored;
using bnkit_test::rounding_values;

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Channels [first, first + n) of the whole view, reduced on their own, against the whole
// view's results.
template <class T, class Stats, class Reduce>
void check_slices(Stats stats, Reduce reduce, const view& v) {
    const std::size_t C = v.channels, count = v.outer * C * v.inner;
    rounding_values r{static_cast<std::uint32_t>(count + C)};
    std::vector<T> x(count), dy(count);
    std::vector<float> mean(C), var(C), dmean(C), sum_dy(C), sum_dy_xc(C), scratch(4 * C);
    for (std::size_t e = 0; e < count; ++e) {
        x[e] = stored<T>(r.next() + 10.0f);
        dy[e] = stored<T>(r.next());
    }
    stats({v, x.data(), mean.data(), var.data(), scratch.data()});
    for (std::size_t c = 0; c < C; ++c) dmean[c] = 10.0f + 0.01f * static_cast<float>(c);
    reduce({v, x.data(), dy.data(), dmean.data(), sum_dy.data(), sum_dy_xc.data(), scratch.data()});
    for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, C}) {
        for (std::size_t first = 0; first < C; first += n) {
            const std::size_t nb = C - first < n ? C - first : n, at = first * v.inner;
            const view s = channel_slice(v, first, nb);
            std::vector<float> m(nb), va(nb), s1(nb), s2(nb), scr(2 * nb);
            stats({s, x.data() + at, m.data(), va.data(), scr.data()});
            reduce({s, x.data() + at, dy.data() + at, dmean.data() + first, s1.data(), s2.data(), scr.data()});
            for (std::size_t c = 0; c < nb; ++c) {
                INFO("slice of " << n << ", channel " << first + c);
                CHECK(same_bits(m[c], mean[first + c]));
                CHECK(same_bits(va[c], var[first + c]));
                CHECK(same_bits(s1[c], sum_dy[first + c]));
                CHECK(same_bits(s2[c], sum_dy_xc[first + c]));
            }
        }
    }
}

// normalize and backward_apply over slices of n channels, each into a copy of the whole view's
// outputs with the slice's elements replaced by a sentinel: after the call the copy must equal
// the whole view's outputs again (every slice element written as in the whole view, nothing
// else touched), and the same in place. stream and prefetch as the training and backward entry
// points pass them.
template <class T, class Normalize, class Apply>
void check_element_wise_slices(Normalize normalize, Apply apply, const view& v, bool stream) {
    const std::size_t C = v.channels, count = v.outer * C * v.inner;
    rounding_values r{static_cast<std::uint32_t>(count + 3 * C)};
    std::vector<T> x(count), dy(count), y(count), dx(count);
    std::vector<float> mean(C), scale(C), shift(C), a(C), b(C), k(C);
    for (std::size_t e = 0; e < count; ++e) {
        x[e] = stored<T>(r.next());
        dy[e] = stored<T>(r.next());
    }
    for (std::size_t c = 0; c < C; ++c) {
        mean[c] = r.next();
        scale[c] = r.next();
        shift[c] = r.next();
        a[c] = r.next();
        b[c] = r.next();
        k[c] = r.next();
    }
    normalize({v, x.data(), y.data(), mean.data(), scale.data(), shift.data()});
    apply({v, x.data(), dy.data(), mean.data(), a.data(), b.data(), k.data(), dx.data()});
    // Slices of 6 channels of rows of 13 (SSE2, NEON), 31 (AVX2) or 49 (AVX-512) elements are
    // runs of several chunks of map_columns (8 vectors, bn_loops-inl.hpp).
    for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{6}}) {
        for (std::size_t first = 0; first < C; first += n) {
            INFO("slice of " << n << " from channel " << first << (stream ? ", streaming" : ""));
            const std::size_t nb = C - first < n ? C - first : n, at = first * v.inner;
            const std::size_t prefetch = first + nb < C ? nb * v.inner : 0;
            const view s = channel_slice(v, first, nb);
            // Out of place the slice's outputs start as a sentinel; in place (y over x, dx over
            // dy, as the entry points allow) the slice's elements must become the whole view's
            // outputs and every other element keep its input.
            std::vector<T> ys = y, dxs = dx, xi = x, dyi = dy, y_in_place = x, dx_in_place = dy;
            for (std::size_t o = 0; o < v.outer; ++o)
                for (std::size_t e = o * C * v.inner + at; e < o * C * v.inner + at + nb * v.inner; ++e) {
                    ys[e] = dxs[e] = stored<T>(-99.0f);
                    y_in_place[e] = y[e];
                    dx_in_place[e] = dx[e];
                }
            normalize({s, x.data() + at, ys.data() + at, mean.data() + first, scale.data() + first, shift.data() + first,
                       prefetch, stream});
            apply({s, x.data() + at, dy.data() + at, mean.data() + first, a.data() + first, b.data() + first,
                   k.data() + first, dxs.data() + at, prefetch, stream});
            CHECK(same_bits(ys, y));
            CHECK(same_bits(dxs, dx));
            normalize({s, xi.data() + at, xi.data() + at, mean.data() + first, scale.data() + first,
                       shift.data() + first, prefetch, stream});
            apply({s, x.data() + at, dyi.data() + at, mean.data() + first, a.data() + first, b.data() + first,
                   k.data() + first, dyi.data() + at, prefetch, stream});
            CHECK(same_bits(xi, y_in_place));
            CHECK(same_bits(dyi, dx_in_place));
        }
    }
}

}  // namespace

TEST_CASE("channel blocks: normalize and backward_apply over a slice write just its channels, as the whole view does") {
    const std::size_t inners[] = {5, 13, 16, 17, 31, 49, 64, 65};
    for (const kernels& k : every_path()) {
        INFO("path " << k.name);
        for (std::size_t inner : inners)
            for (std::size_t outer : {std::size_t{1}, std::size_t{5}})
                for (bool stream : {false, true}) {
                    const view v{outer, 7, inner};
                    INFO("outer " << outer << ", channels 7, inner " << inner);
                    check_element_wise_slices<float>(k.normalize_f32, k.apply_f32, v, stream);
                    check_element_wise_slices<bnkit_f16>(k.normalize_f16, k.apply_f16, v, stream);
                }
    }
}

TEST_CASE("channel blocks: a slice of channels reduces bit for bit like the whole tensor") {
    const std::size_t inners[] = {16, 17, 49, 63, 64, 65, 300};
    for (const kernels& k : every_path()) {
        INFO("path " << k.name);
        for (std::size_t inner : inners)
            for (std::size_t outer : {std::size_t{1}, std::size_t{5}}) {
                const view v{outer, 7, inner};
                INFO("outer " << outer << ", channels 7, inner " << inner);
                check_slices<float>(k.stats_f32, k.reduce_f32, v);
                check_slices<bnkit_f16>(k.stats_f16, k.reduce_f16, v);
            }
    }
}

TEST_CASE("channel blocks: blocking starts above the budget, on rows of 16 or more") {
    const std::size_t per_channel_f32 = 4 * 1024 * 4;  // outer 4, inner 1024 floats: 16 KiB
    // Within the budget: one block of every channel.
    CHECK(channels_per_block({4, block_input_bytes / per_channel_f32, 1024}, 4) == block_input_bytes / per_channel_f32);
    // Above it: as many channels as fit, at least one.
    CHECK(channels_per_block({4, 100, 1024}, 4) == block_input_bytes / (4 * 1024 * 4));
    CHECK(channels_per_block({4, 100, 1024}, 8) == block_input_bytes / (4 * 1024 * 8));
    CHECK(channels_per_block({1000, 3, 1024}, 4) == 1);
    // Short rows and channels-last tensors are never sliced.
    CHECK(channels_per_block({100000, 64, 15}, 4) == 64);
    CHECK(channels_per_block({100000, 64, 1}, 4) == 64);
}

TEST_CASE("channel blocks: the next block is prefetched once the inputs fill an eighth of the LLC") {
    const std::size_t llc = std::size_t{32} << 20;
    CHECK_FALSE(prefetch_next_block(llc / 8 - 1, llc));  // still in L3: the hardware prefetchers keep up
    CHECK(prefetch_next_block(llc / 8, llc));
    CHECK(prefetch_next_block(3 * llc, llc));
    CHECK(prefetch_next_block(1, SIZE_MAX));  // the CPU did not report its LLC: prefetch, as before
}
