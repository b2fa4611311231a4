// Channels-last statistics over more than one tile of rows (about 64 Ki elements, at least 64
// rows) are computed per tile and merged with Chan's formula (stats_merged in
// lib/kernels/bn_kernels-inl.hpp). On every SIMD path, float32 and float16 storage, for channel
// counts around the vector widths and past 1024 (64-row tiles) and row counts that end in a
// partial tile:
//  - data whose tile means drift many standard deviations apart, with |mean| >> std in some
//    channels: mean within 3 ulp of T = |x0| + mean(|x - x0|) and var within 3 ulp of var
//    plus ulp(max |x|)^2 (each tile's second pass is centred on its rounded mean, which adds
//    at most that square) of the double oracle: the bounds of the unmerged paths
//    (test_kernels_vs_reference.cpp), which the scalar reference meets on the same data;
//  - exact inputs (per channel m +- d in adjacent rows, d a small multiple of 1/8): every
//    partial sum is exact, so mean and var are bit-equal to the scalar reference's;
//  - a NaN or an infinity in a later tile stays in its channel.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "dispatch/select.hpp"
#include "support/each_isa.hpp"
#include "support/half_oracle.hpp"
#include "support/rounding_values.hpp"

namespace {

using namespace bnkit::detail;
using bnkit_test::stored;

double ulp_at(double m) {
    const float f = static_cast<float>(std::fabs(m));
    return static_cast<double>(std::nextafter(f, INFINITY)) - f;
}

float value_of(float v) { return v; }
float value_of(bnkit_f16 v) { return bnkit_test::f16_value(v); }

// Rows for about three tiles of C channels and a partial fourth (even, for the exact pairs).
std::size_t rows_for(std::size_t C) {
    const std::size_t tile = C >= 1024 ? 64 : 65536 / C;
    return (3 * tile + 7) / 2 * 2;
}

struct stats_out {
    std::vector<float> mean, var;
};

template <class T>
stats_out run(bnkit_isa isa, const std::vector<T>& x, std::size_t outer, std::size_t C) {
    const bnkit_kernel_table* t = select_kernels(isa);
    REQUIRE(t != nullptr);
    stats_out r{std::vector<float>(C), std::vector<float>(C)};
    std::vector<float> scratch(4 * C);
    const view v{outer, C, 1};
    if constexpr (std::is_same_v<T, float>)
        t->stats_f32({v, x.data(), r.mean.data(), r.var.data(), scratch.data(), false});
    else
        t->stats_f16({v, x.data(), r.mean.data(), r.var.data(), scratch.data(), false});
    return r;
}

const std::size_t channel_counts[] = {19, 67, 256, 1100};

template <class T>
void check_drift(bnkit_isa isa) {
    for (const std::size_t C : channel_counts) {
        const std::size_t outer = rows_for(C);
        INFO("channels " << C << ", rows " << outer);
        bnkit_test::rounding_values r{static_cast<std::uint32_t>(C)};
        const float centers[] = {0.0f, 10.0f, -50.0f, 1000.0f};
        std::vector<T> x(outer * C);
        for (std::size_t o = 0; o < outer; ++o)
            for (std::size_t c = 0; c < C; ++c)
                x[o * C + c] = stored<T>(centers[c % 4] + 40.0f * static_cast<float>(o) / static_cast<float>(outer) +
                                         0.25f * r.next());
        std::vector<double> mean(C, 0.0), var(C, 0.0), abs_dev(C, 0.0), max_abs(C, 0.0);
        const double n = static_cast<double>(outer);
        for (std::size_t e = 0; e < x.size(); ++e) mean[e % C] += value_of(x[e]) / n;
        for (std::size_t e = 0; e < x.size(); ++e) {
            const std::size_t c = e % C;
            const double v = value_of(x[e]);
            var[c] += (v - mean[c]) * (v - mean[c]) / n;
            abs_dev[c] += std::fabs(v - value_of(x[c])) / n;
            max_abs[c] = std::fmax(max_abs[c], std::fabs(v));
        }
        for (const bnkit_isa path : {BNKIT_ISA_SCALAR, isa}) {
            INFO("checked path " << bnkit_isa_name(path));
            const stats_out s = run(path, x, outer, C);
            for (std::size_t c = 0; c < C; ++c) {
                INFO("channel " << c);
                CHECK(std::fabs(s.mean[c] - mean[c]) <= 3 * ulp_at(std::fabs(value_of(x[c])) + abs_dev[c]));
                CHECK(std::fabs(s.var[c] - var[c]) <= 3 * ulp_at(var[c]) + ulp_at(max_abs[c]) * ulp_at(max_abs[c]));
            }
        }
    }
}

template <class T>
void check_exact(bnkit_isa isa) {
    for (const std::size_t C : channel_counts) {
        const std::size_t outer = rows_for(C);
        INFO("channels " << C << ", rows " << outer);
        std::vector<T> x(outer * C);
        for (std::size_t o = 0; o < outer; o += 2)
            for (std::size_t c = 0; c < C; ++c) {
                const float m = 1.0f + static_cast<float>(c % 16) * 0.5f;
                const float d = static_cast<float>(1 + (o / 2 + 3 * c) % 8) * 0.125f;
                x[o * C + c] = stored<T>(m + d);
                x[(o + 1) * C + c] = stored<T>(m - d);
            }
        const stats_out ref = run(BNKIT_ISA_SCALAR, x, outer, C), s = run(isa, x, outer, C);
        CHECK(std::memcmp(s.mean.data(), ref.mean.data(), C * sizeof(float)) == 0);
        CHECK(std::memcmp(s.var.data(), ref.var.data(), C * sizeof(float)) == 0);
    }
}

}  // namespace

TEST_CASE("merged channels-last statistics: drifting tiles within the unmerged bounds") {
    bnkit_test::for_each_simd_isa([](bnkit_isa isa) {
        check_drift<float>(isa);
        check_drift<bnkit_f16>(isa);
    });
}

TEST_CASE("merged channels-last statistics: exact inputs bit-equal to the scalar path") {
    bnkit_test::for_each_simd_isa([](bnkit_isa isa) {
        check_exact<float>(isa);
        check_exact<bnkit_f16>(isa);
    });
}

TEST_CASE("merged channels-last statistics: a NaN or an infinity in a later tile stays in its channel") {
    bnkit_test::for_each_simd_isa([](bnkit_isa isa) {
        const std::size_t C = 67, outer = rows_for(C);
        for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            INFO("bad value " << bad);
            bnkit_test::rounding_values r{5u};
            std::vector<float> x(outer * C);
            for (float& v : x) v = r.next();
            x[(outer - 10) * C + 7] = bad;  // in the last tile
            const stats_out ref = run(BNKIT_ISA_SCALAR, x, outer, C), s = run(isa, x, outer, C);
            CHECK(!std::isfinite(s.mean[7]));
            CHECK(std::isnan(s.var[7]));
            for (std::size_t c = 0; c < C; ++c) {
                if (c == 7) continue;
                INFO("channel " << c);
                CHECK(std::isfinite(s.mean[c]));
                CHECK(std::fabs(s.mean[c] - ref.mean[c]) <= 6 * ulp_at(4.0));
                CHECK(std::fabs(s.var[c] - ref.var[c]) <= 6 * ulp_at(ref.var[c]));
            }
        }
    });
}
