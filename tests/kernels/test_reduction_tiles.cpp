// Channels-last reductions walk rows in tiles: about 16 KiB of rows when the caller says the
// input comes from memory (from_memory), about 256 KiB otherwise (lib/kernels/bn_loops-inl.hpp).
// Tiles hold whole runs of rows, so the tile size must not change a bit of any sum: on every
// SIMD path, stats and backward_reduce give the same bits either way, for float and float16
// storage, rows of several tiles, row counts that are not multiples of the run, and channel
// counts that are not multiples of the vector width.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "dispatch/select.hpp"
#include "support/rounding_values.hpp"

namespace {

using namespace bnkit::detail;

using bnkit_test::stored;
using bnkit_test::rounding_values;

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <class T, class Stats, class Reduce>
void check_tiles(Stats stats, Reduce reduce, std::size_t outer, std::size_t C) {
    const view v{outer, C, 1};
    rounding_values r{static_cast<std::uint32_t>(outer * 31 + C)};
    std::vector<T> x(outer * C), dy(outer * C);
    for (std::size_t e = 0; e < x.size(); ++e) {
        x[e] = stored<T>(r.next() + 3.0f);
        dy[e] = stored<T>(r.next());
    }
    std::vector<float> dmean(C);
    for (std::size_t c = 0; c < C; ++c) dmean[c] = 3.0f + 0.01f * static_cast<float>(c);
    std::vector<float> mean[2], var[2], s1[2], s2[2];
    for (int m = 0; m < 2; ++m) {
        std::vector<float> scratch(4 * C);
        mean[m].resize(C), var[m].resize(C), s1[m].resize(C), s2[m].resize(C);
        stats({v, x.data(), mean[m].data(), var[m].data(), scratch.data(), m == 1});
        reduce({v, x.data(), dy.data(), dmean.data(), s1[m].data(), s2[m].data(), scratch.data(), m == 1});
    }
    CHECK(same_bits(mean[0], mean[1]));
    CHECK(same_bits(var[0], var[1]));
    CHECK(same_bits(s1[0], s1[1]));
    CHECK(same_bits(s2[0], s2[1]));
}

}  // namespace

TEST_CASE("channels-last reductions: the tile size (from_memory) does not change a bit of the sums") {
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_kernel_table* t = select_kernels(static_cast<bnkit_isa>(i));
        if (!t || !t->stats_f32) continue;  // single-path builds name the path only
        INFO("path " << bnkit_isa_name(static_cast<bnkit_isa>(i)));
        for (std::size_t C : {std::size_t{83}, std::size_t{300}, std::size_t{1000}})
            for (std::size_t outer : {std::size_t{1}, std::size_t{7}, std::size_t{130}, std::size_t{523}}) {
                INFO("outer " << outer << ", channels " << C);
                check_tiles<float>(t->stats_f32, t->backward_reduce_f32, outer, C);
                check_tiles<bnkit_f16>(t->stats_f16, t->backward_reduce_f16, outer, C);
            }
    }
}
