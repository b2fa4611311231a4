// Non-temporal ("streaming") output stores (kernels/stream_io.hpp, dispatch/stream_policy.hpp).
//  1. Each kernel table's inference entry called directly with streaming forced on, against
//     the same entry with it off: bit-equal for every element, nothing written outside y.
//     Small odd shapes in both layouts (channels 1..5W+1 and primes, inner below, at and
//     above W, outer 1..3) with y at every float offset 0..W-1 from a vector boundary (so
//     every length of the peeled head occurs, and channels-last rows that stream, whole
//     aligned vectors, and rows that are written plainly), x at another offset, and in place. On paths without streaming stores (ARM, the reference)
//     the flag must change nothing either.
//  2. The streamed results against the scalar reference within the bound of
//     test_kernels_vs_reference.cpp: 1 ulp of M = |x*s| + |t| (one rounding of the product
//     where xsimd::fma fuses), 0 on SSE2 and the reference itself.
//  3. The decision: streaming only when x + y bytes reach 5/8 of the last-level cache size the
//     descriptor recorded, never in place; and the public call with a descriptor whose
//     recorded size is tiny (so it streams) gives the same bits as one that does not.
//  4. Training (y) and backward (dx) stream by the same rule: on every path, whole and in
//     blocks of channels (above 128 KiB of input), both layouts, y and dx at an odd offset,
//     every output bit-equal to the call that does not stream, nothing written outside them.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "dispatch/select.hpp"
#include "dispatch/stream_policy.hpp"
#include "reference/bn_reference.hpp"
#include "support/canary.hpp"
#include "support/each_isa.hpp"

namespace {

using bnkit::detail::infer_args;

constexpr std::size_t kAlign = 64;  // bytes: the widest vector (AVX-512)

// n floats at `offset` floats past a kAlign-aligned address inside a canary-filled block.
class placed {
   public:
    placed(std::size_t n, std::size_t offset) : mem_(n + offset + 2 * kAlign / sizeof(float)), n_(n) {
        bnkit_test::fill_canary(mem_.data(), mem_.size() * sizeof(float));
        const auto a = reinterpret_cast<std::uintptr_t>(mem_.data());
        const std::size_t skip = ((kAlign - a % kAlign) % kAlign) / sizeof(float);
        p_ = mem_.data() + skip + offset;
    }
    float* data() { return p_; }
    // Whether every float outside [p, p + n) still holds the canary.
    bool outside_intact() const {
        const float* b = mem_.data();
        const std::size_t before = static_cast<std::size_t>(p_ - b);
        return bnkit_test::is_canary(b, before * sizeof(float)) &&
               bnkit_test::is_canary(p_ + n_, (mem_.size() - before - n_) * sizeof(float));
    }

   private:
    std::vector<float> mem_;
    float* p_;
    std::size_t n_;
};

float next_value(std::uint32_t& s, float lo, float hi) {
    s = s * 1664525u + 1013904223u;
    return lo + (hi - lo) * static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
}

bool same_bits(const float* a, const float* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

double ulp_at(double m) {
    const float f = static_cast<float>(std::fabs(m));
    return static_cast<double>(std::nextafter(f, INFINITY)) - f;
}

struct path {
    bnkit_isa isa;
    void (*infer)(const infer_args&) noexcept;
};

// Every kernel table this build has and this CPU runs, with its own inference kernel
// (single-path builds have none: their entry points call the reference directly).
std::vector<path> paths() {
    std::vector<path> out;
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_kernel_table* t = bnkit::detail::select_kernels(static_cast<bnkit_isa>(i));
        if (t && t->infer_f32) out.push_back({static_cast<bnkit_isa>(i), t->infer_f32});
    }
    return out;
}

struct case_shape {
    std::size_t outer, channels, inner;
};

std::vector<case_shape> shapes(std::size_t W) {
    std::vector<std::size_t> channels;
    for (std::size_t c = 1; c <= 5 * W + 1; c += W > 1 ? W - 1 : 1) channels.push_back(c);
    for (std::size_t p : {3, 7, 13, 17, 31}) channels.push_back(p);
    // Whole vectors per channels-last row, with coefficient arrays off a vector boundary:
    // blocks of 2 and of 4 + 2 channel vectors (map_column_blocks).
    channels.push_back(2 * W);
    channels.push_back(6 * W);
    const std::size_t inners[] = {1, 2, 3, W - 1, W, W + 1, 2 * W + 3};
    std::vector<case_shape> out;
    for (std::size_t c : channels)
        for (std::size_t inner : inners)
            if (inner != 0)
                for (std::size_t outer = 1; outer <= 3; ++outer) out.push_back({outer, c, inner});
    return out;
}

}  // namespace

TEST_CASE("nontemporal: streamed inference is bit-equal to plain stores, any alignment, in place") {
    for (const path& p : paths()) {
        INFO("isa " << std::string(bnkit_isa_name(p.isa)));
        const std::size_t W = bnkit_test::lanes(p.isa) > 1 ? bnkit_test::lanes(p.isa) : 4;
        std::uint32_t seed = 12345u;
        std::size_t case_index = 0;
        for (const case_shape& s : shapes(W)) {
            const std::size_t n = s.outer * s.channels * s.inner;
            std::vector<float> scale(s.channels), shift(s.channels);
            for (std::size_t c = 0; c < s.channels; ++c) {
                scale[c] = next_value(seed, -2.0f, 2.0f);
                shift[c] = next_value(seed, -1.0f, 1.0f);
            }
            for (std::size_t y_off = 0; y_off < W; ++y_off) {
                const std::size_t x_off = (y_off * 3 + 1) % W;
                const auto act = static_cast<bnkit_activation>(case_index++ % 3);  // NONE, RELU, RELU6
                INFO("outer " << s.outer << " C " << s.channels << " inner " << s.inner << " y offset " << y_off
                              << " x offset " << x_off << " activation " << static_cast<int>(act));
                placed x(n, x_off), plain(n, y_off), streamed(n, y_off), in_place(n, y_off);
                for (std::size_t i = 0; i < n; ++i) x.data()[i] = next_value(seed, -8.0f, 8.0f);
                std::memcpy(in_place.data(), x.data(), n * sizeof(float));
                const bnkit::detail::view v{s.outer, s.channels, s.inner};
                p.infer({v, x.data(), plain.data(), scale.data(), shift.data(), act, false});
                p.infer({v, x.data(), streamed.data(), scale.data(), shift.data(), act, true});
                p.infer({v, in_place.data(), in_place.data(), scale.data(), shift.data(), act, true});
                REQUIRE(same_bits(streamed.data(), plain.data(), n));
                REQUIRE(same_bits(in_place.data(), plain.data(), n));
                REQUIRE(streamed.outside_intact());
                REQUIRE(in_place.outside_intact());

                std::vector<float> ref(n);
                bnkit::detail::reference::infer_f32({v, x.data(), ref.data(), scale.data(), shift.data(), act, false});
                const bool exact = p.isa == BNKIT_ISA_SCALAR || p.isa == BNKIT_ISA_SSE2;
                std::size_t bad = n;  // the first element outside the bound
                for (std::size_t i = 0; i < n && bad == n; ++i) {
                    const std::size_t c = i / s.inner % s.channels;
                    const double m = std::fabs(static_cast<double>(x.data()[i]) * scale[c]) + std::fabs(shift[c]);
                    const double err = std::fabs(static_cast<double>(streamed.data()[i]) - ref[i]);
                    if (!(err <= (exact ? 0.0 : ulp_at(m)))) bad = i;
                }
                INFO("first element off: " << bad);
                REQUIRE(bad == n);
            }
        }
    }
}

TEST_CASE("nontemporal: the API streams only when x plus y reach 5/8 of the last-level cache, never in place") {
    using bnkit::detail::stream_output;
    constexpr std::size_t MiB = std::size_t{1} << 20;
    // The shapes against the benchmark machine's 32 MiB L3 (also the fallback).
    const std::size_t big = std::size_t{8} * 256 * 56 * 56 * sizeof(float);  // 24.5 MiB
    const std::size_t small = std::size_t{32} * 512 * 7 * 7 * sizeof(float);  // 3.1 MiB
    CHECK(bnkit::detail::fallback_llc_bytes == 32 * MiB);
    CHECK(stream_output(big, big, false, 32 * MiB));
    CHECK_FALSE(stream_output(small, small, false, 32 * MiB));
    CHECK_FALSE(stream_output(big, big, true, 32 * MiB));  // in place
    CHECK(stream_output(small, small, false, 8 * MiB));     // 6.1 MiB of an 8 MiB cache
    // The boundary: x + y == 5/8 llc streams, one byte less does not (20 MiB of 32 MiB).
    CHECK(stream_output(8 * MiB, 12 * MiB, false, 32 * MiB));
    CHECK_FALSE(stream_output(8 * MiB, 12 * MiB - 1, false, 32 * MiB));
    CHECK(stream_output(0, 20 * MiB, false, 32 * MiB));
    CHECK(stream_output(21 * MiB, 0, false, 32 * MiB));
    CHECK_FALSE(stream_output(8 * MiB, 8 * MiB, false, 32 * MiB));
    // No overflow: sizes whose sum wraps size_t still count as large; SIZE_MAX never streams.
    CHECK(stream_output(SIZE_MAX / 2 + 2, SIZE_MAX / 2 + 2, false, 32 * MiB));
    CHECK_FALSE(stream_output(small, small, false, SIZE_MAX));
    CHECK_FALSE(stream_output(0, 0, false, SIZE_MAX));

    // What bnkit_bn_desc_init records: a plausible cache size where x86 paths exist (CPUID, or
    // the fallback when it does not say), SIZE_MAX (never stream) where no path streams.
    const std::size_t dims[] = {2, 3, 4};
    const std::int32_t axis[] = {1};
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, 3, dims, 1, axis) == BNKIT_OK);
    MESSAGE("recorded last-level cache: " << d.llc_bytes << " bytes");
    if (bnkit_isa_available(BNKIT_ISA_SSE2)) {
        CHECK(d.llc_bytes >= 256 * 1024);
        CHECK(d.llc_bytes <= std::size_t{4096} * MiB);
    } else {
        CHECK(d.llc_bytes == SIZE_MAX);
    }
}

TEST_CASE("nontemporal: a public call that streams gives the same bits as one that does not") {
    // 2x37x45 NCHW and 90x37 NHWC floats at an odd offset; the descriptor's recorded cache
    // size set to 64 bytes makes every out-of-place call stream (on paths that can).
    for (const bool channels_last : {false, true}) {
        const std::size_t dims_nchw[] = {2, 37, 45}, dims_nhwc[] = {90, 37};
        const std::int32_t axis_nchw[] = {1}, axis_nhwc[] = {-1};
        bnkit_bn_desc plain_desc{};
        REQUIRE(bnkit_bn_desc_init(&plain_desc, channels_last ? 2 : 3, channels_last ? dims_nhwc : dims_nchw, 1,
                                   channels_last ? axis_nhwc : axis_nchw) == BNKIT_OK);
        plain_desc.llc_bytes = SIZE_MAX;
        bnkit_bn_desc stream_desc = plain_desc;
        stream_desc.llc_bytes = 64;
        const std::size_t n = plain_desc.count;
        std::uint32_t seed = 777u;
        std::vector<float> scale(37), shift(37);
        for (std::size_t c = 0; c < 37; ++c) {
            scale[c] = next_value(seed, -2.0f, 2.0f);
            shift[c] = next_value(seed, -1.0f, 1.0f);
        }
        placed x(n, 1), a(n, 3), b(n, 3);
        for (std::size_t i = 0; i < n; ++i) x.data()[i] = next_value(seed, -8.0f, 8.0f);
        REQUIRE(bnkit_bn_infer_act_f32(&plain_desc, x.data(), a.data(), scale.data(), shift.data(),
                                       BNKIT_ACTIVATION_RELU6) == BNKIT_OK);
        REQUIRE(bnkit_bn_infer_act_f32(&stream_desc, x.data(), b.data(), scale.data(), shift.data(),
                                       BNKIT_ACTIVATION_RELU6) == BNKIT_OK);
        CHECK(same_bits(a.data(), b.data(), n));
        CHECK(b.outside_intact());
    }
}

TEST_CASE("nontemporal: training and backward that stream give the same bits as calls that do not, every path") {
    struct case_dims {
        std::vector<std::size_t> dims;
        std::int32_t axis;
        std::size_t channels;
    };
    // NCHW small, NCHW above the 128 KiB block budget (3 x 80 x 300 floats: blocks of 36
    // channels in training, 18 in backward, which reads x and dy), NHWC small and long.
    const case_dims cases[] = {{{2, 37, 45}, 1, 37}, {{3, 80, 300}, 1, 80}, {{90, 37}, -1, 37}, {{700, 67}, -1, 67}};
    bnkit_test::for_each_simd_isa([&](bnkit_isa isa) {
        for (const case_dims& k : cases) {
            INFO("dims[0] " << k.dims[0] << ", channels " << k.channels);
            bnkit_bn_desc plain_desc{};
            REQUIRE(bnkit_bn_desc_init(&plain_desc, static_cast<std::uint32_t>(k.dims.size()), k.dims.data(), 1,
                                       &k.axis) == BNKIT_OK);
            REQUIRE(bnkit_bn_desc_set_isa(&plain_desc, isa) == BNKIT_OK);
            plain_desc.llc_bytes = SIZE_MAX;
            bnkit_bn_desc stream_desc = plain_desc;
            stream_desc.llc_bytes = 64;
            const std::size_t n = plain_desc.count, C = k.channels;
            std::uint32_t seed = 4242u;
            std::vector<float> gamma(C), beta(C);
            for (std::size_t c = 0; c < C; ++c) {
                gamma[c] = next_value(seed, 0.5f, 2.0f);
                beta[c] = next_value(seed, -1.0f, 1.0f);
            }
            placed x(n, 1), dy(n, 2);
            for (std::size_t i = 0; i < n; ++i) {
                x.data()[i] = next_value(seed, -8.0f, 8.0f);
                dy.data()[i] = next_value(seed, -1.0f, 1.0f);
            }
            std::vector<float> ws(BNKIT_BN_WORKSPACE_BYTES(C) / sizeof(float) + 1);
            const bnkit_buffer workspace{ws.data(), ws.size() * sizeof(float)};
            const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
            struct outputs {
                placed y, dx;
                std::vector<float> mm, mv, sm, si, dg, db;
                outputs(std::size_t n, std::size_t C)
                    : y(n, 3), dx(n, 3), mm(C, 0.25f), mv(C, 2.0f), sm(C), si(C), dg(C), db(C) {}
            };
            outputs plain(n, C), streamed(n, C);
            for (auto [d, o] : {std::pair{&plain_desc, &plain}, std::pair{&stream_desc, &streamed}}) {
                REQUIRE(bnkit_bn_train_f32(d, &p, x.data(), o->y.data(), gamma.data(), beta.data(), o->mm.data(),
                                           o->mv.data(), o->sm.data(), o->si.data(), workspace) == BNKIT_OK);
                REQUIRE(bnkit_bn_backward_f32(d, BNKIT_PHASE_TRAINING, x.data(), dy.data(), gamma.data(), o->sm.data(),
                                              o->si.data(), o->dx.data(), o->dg.data(), o->db.data(),
                                              workspace) == BNKIT_OK);
            }
            CHECK(same_bits(plain.y.data(), streamed.y.data(), n));
            CHECK(same_bits(plain.dx.data(), streamed.dx.data(), n));
            CHECK(same_bits(plain.mm.data(), streamed.mm.data(), C));
            CHECK(same_bits(plain.mv.data(), streamed.mv.data(), C));
            CHECK(same_bits(plain.sm.data(), streamed.sm.data(), C));
            CHECK(same_bits(plain.si.data(), streamed.si.data(), C));
            CHECK(same_bits(plain.dg.data(), streamed.dg.data(), C));
            CHECK(same_bits(plain.db.data(), streamed.db.data(), C));
            CHECK(streamed.y.outside_intact());
            CHECK(streamed.dx.outside_intact());
        }
    });
}
