// float16 <-> float32 conversion on every path, bit for bit.
//  1. The portable conversion (lib/half/half_soft.hpp) against the IEEE definitions computed
//     in double: every half's value, and round-to-nearest-even with overflow to inf over the
//     float sweep below. It is then the oracle for:
//  2. every other path: the public scalar functions (the FPU's __fp16 conversions where the
//     core has them), the public bulk functions (the best path for this CPU), and the bulk
//     conversion of each kernel table this build has (SSE2 integer SIMD, F16C, AVX-512F,
//     NEON): all 65,536 half patterns f16 -> f32, and f32 -> f16 over every half's
//     neighbourhood (the half itself, the float just below and above it, the tie half-way to
//     the next half and the floats either side of the tie), subnormals, the overflow threshold
//     65520, infinities, NaNs with assorted payloads and signs, float subnormals, and 65,536
//     pseudo-random float patterns. Conversions run in chunks of odd length at an odd
//     element offset, so vector bodies, tails and unaligned pointers all take part.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <ios>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "dispatch/select.hpp"
#include "support/half_oracle.hpp"

namespace {

using bnkit::detail::soft_half::from_f32;
using bnkit::detail::soft_half::to_f32;

std::uint32_t bits_of(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float float_of(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// The binary16 nearest to finite f by the definition (ties to even), as a signed value,
// +-inf when |f| >= 65520; computed in double, where every step here is exact.
double round_to_f16(float f) {
    const double v = f;
    const double a = std::fabs(v);
    if (a >= 65520.0) return v < 0 ? -INFINITY : INFINITY;
    double ulp = 0x1p-24;
    if (a >= 0x1p-14) {
        int e;
        std::frexp(a, &e);
        ulp = std::ldexp(1.0, e - 11);
    }
    const double r = std::nearbyint(v / ulp) * ulp;  // default rounding mode: to nearest even
    return r == 0.0 ? std::copysign(0.0, v) : r;
}

constexpr std::size_t kChunk = 1021;  // odd: every path ends on a partial vector
constexpr std::size_t kOffset = 1;    // elements: pointers off every vector alignment

// The floats the f32 -> f16 direction is checked on (see the file comment), handed to
// `chunk(const float*, n)` kChunk at a time: the whole sweep (about 400,000 floats) would not
// fit the Cortex-M boards' RAM.
template <class F>
void for_each_sweep_chunk(F&& chunk) {
    std::vector<float> buf;
    buf.reserve(kChunk + 16);
    auto put = [&](std::initializer_list<float> fs) {
        buf.insert(buf.end(), fs);
        if (buf.size() >= kChunk) {
            chunk(buf.data(), buf.size());
            buf.clear();
        }
    };
    for (std::uint32_t h = 0; h < 0x7c00u; ++h)
        for (std::uint32_t sign : {0u, 0x8000u}) {
            const float v = to_f32(static_cast<std::uint16_t>(h | sign));
            const float next = h == 0x7bffu ? (sign ? -65536.0f : 65536.0f) : to_f32(static_cast<std::uint16_t>((h + 1) | sign));
            const float tie = (v + next) / 2;  // exact: one bit more than a half
            for (float f : {v, tie}) put({f, std::nextafter(f, -INFINITY), std::nextafter(f, INFINITY)});
        }
    for (float f : {65504.0f, 65519.0f, 65520.0f, 65536.0f, 1e10f, 3.4e38f, INFINITY, 0x1p-25f, 0x1p-26f, 0x1p-126f,
                    0x1p-149f, 0x1.8p-25f})
        put({f, -f, std::nextafter(f, 0.0f), -std::nextafter(f, 0.0f)});
    for (std::uint32_t nan : {0x7f800001u, 0x7fc00000u, 0x7fffffffu, 0x7f802000u, 0x7f801fffu, 0x7fa00000u, 0x7fbfe000u,
                              0x7fc01234u, 0x7f8fffffu})
        put({float_of(nan), float_of(nan | 0x80000000u)});
    std::uint32_t s = 12345;
    for (int i = 0; i < 65536; ++i) {
        s = s * 1664525u + 1013904223u;
        put({float_of(s)});
    }
    if (!buf.empty()) chunk(buf.data(), buf.size());
}

struct Path {
    std::string name;
    void (*to32)(const bnkit_f16*, float*, std::size_t);
    void (*to16)(const float*, bnkit_f16*, std::size_t);
};

std::vector<Path> paths() {
    std::vector<Path> out = {
        {"public scalar",
         [](const bnkit_f16* s, float* d, std::size_t n) {
             for (std::size_t i = 0; i < n; ++i) d[i] = bnkit_f16_to_f32(s[i]);
         },
         [](const float* s, bnkit_f16* d, std::size_t n) {
             for (std::size_t i = 0; i < n; ++i) d[i] = bnkit_f16_from_f32(s[i]);
         }},
        {"public bulk",
         [](const bnkit_f16* s, float* d, std::size_t n) { REQUIRE(bnkit_f16_to_f32_n(s, d, n) == BNKIT_OK); },
         [](const float* s, bnkit_f16* d, std::size_t n) { REQUIRE(bnkit_f16_from_f32_n(s, d, n) == BNKIT_OK); }},
    };
    // Each table's own conversion (single-path builds have none: the public bulk functions
    // call the reference directly there).
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_kernel_table* t = bnkit::detail::select_kernels(static_cast<bnkit_isa>(i));
        if (!t || !t->f16_to_f32) continue;
        out.push_back({std::string("table ") + bnkit_isa_name(static_cast<bnkit_isa>(i)), t->f16_to_f32, t->f32_to_f16});
    }
    return out;
}

}  // namespace

TEST_CASE("f16 convert: the portable conversion widens every half pattern to its IEEE value") {
    for (std::uint32_t h = 0; h < 0x10000u; ++h) {
        const float f = to_f32(static_cast<std::uint16_t>(h));
        const std::uint32_t u = bits_of(f);
        INFO("half 0x" << std::hex << h << " -> float 0x" << u);
        if (bnkit_test::f16_is_nan({static_cast<std::uint16_t>(h)})) {
            // quiet NaN, same sign, the 10 payload bits at the top of the float's payload
            REQUIRE((u & 0x7fc00000u) == 0x7fc00000u);
            REQUIRE((u >> 31) == (h >> 15));
            REQUIRE(((u >> 13) & 0x1ffu) == (h & 0x1ffu));
            REQUIRE((u & 0x1fffu) == 0u);
        } else {
            REQUIRE(static_cast<double>(f) == bnkit_test::f16_exact(static_cast<std::uint16_t>(h)));
            REQUIRE(std::signbit(f) == ((h & 0x8000u) != 0));
        }
    }
}

TEST_CASE("f16 convert: the portable conversion rounds to nearest even, overflows to inf and keeps NaN payloads") {
    std::size_t ties = 0, wrong = 0;
    for_each_sweep_chunk([&](const float* fs, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) {
            const float f = fs[k];
            const std::uint16_t h = from_f32(f);
            bool ok;
            if (std::isnan(f))  // quiet NaN, same sign, the top 9 payload bits
                ok = (h & 0x7e00u) == 0x7e00u && (h >> 15) == (bits_of(f) >> 31) &&
                     (h & 0x1ffu) == ((bits_of(f) >> 13) & 0x1ffu);
            else
                ok = static_cast<double>(to_f32(h)) == round_to_f16(f) && std::signbit(to_f32(h)) == std::signbit(f);
            if (!ok && wrong++ == 0) {
                INFO("float 0x" << std::hex << bits_of(f) << " -> half 0x" << h);
                CHECK(ok);
            }
            ties += !std::isnan(f) && round_to_f16(f) != round_to_f16(std::nextafter(f, 0.0f)) && std::fabs(f) < 65504.0f;
        }
    });
    CHECK(wrong == 0);
    CHECK(ties > 60000);  // the sweep does cross every rounding boundary
}

TEST_CASE("f16 convert: every path widens all 65536 half patterns bit-equal to the oracle") {
    std::vector<bnkit_f16> src(0x10000 + kOffset);
    std::vector<std::uint32_t> want(0x10000);
    for (std::uint32_t h = 0; h < 0x10000u; ++h) {
        src[kOffset + h].bits = static_cast<std::uint16_t>(h);
        want[h] = bits_of(to_f32(static_cast<std::uint16_t>(h)));
    }
    for (const Path& p : paths()) {
        INFO("path " << p.name);
        std::vector<float> dst(0x10000 + kOffset + 1, 0.0f);
        for (std::size_t at = 0; at < 0x10000; at += kChunk) {
            const std::size_t n = 0x10000 - at < kChunk ? 0x10000 - at : kChunk;
            p.to32(src.data() + kOffset + at, dst.data() + kOffset + at, n);
        }
        std::size_t bad = 0, first = 0;
        for (std::uint32_t h = 0; h < 0x10000u; ++h)
            if (bits_of(dst[kOffset + h]) != want[h] && bad++ == 0) first = h;
        INFO("first mismatch: half 0x" << std::hex << first << " -> 0x" << bits_of(dst[kOffset + first]) << ", want 0x"
                                       << want[first]);
        CHECK(bad == 0);
        CHECK(bits_of(dst[0]) == 0u);  // nothing written before or after
        CHECK(bits_of(dst[0x10000 + kOffset]) == 0u);
    }
}

TEST_CASE("f16 convert: every path narrows the float sweep bit-equal to the oracle") {
    for (const Path& p : paths()) {
        INFO("path " << p.name);
        std::vector<float> src(kChunk + 16 + kOffset);  // a chunk may run 2 past kChunk
        std::vector<bnkit_f16> dst(kChunk + 16 + kOffset + 1);
        std::size_t bad = 0, guards_hit = 0;
        for_each_sweep_chunk([&](const float* fs, std::size_t n) {
            std::copy(fs, fs + n, src.begin() + kOffset);
            std::fill(dst.begin(), dst.end(), bnkit_f16{0x5a5a});
            p.to16(src.data() + kOffset, dst.data() + kOffset, n);
            guards_hit += dst[0].bits != 0x5a5a || dst[n + kOffset].bits != 0x5a5a;
            for (std::size_t k = 0; k < n; ++k)
                if (dst[kOffset + k].bits != from_f32(fs[k]) && bad++ == 0) {
                    INFO("first mismatch: float 0x" << std::hex << bits_of(fs[k]) << " -> 0x" << dst[kOffset + k].bits
                                                    << ", want 0x" << from_f32(fs[k]));
                    CHECK(false);
                }
        });
        CHECK(bad == 0);
        CHECK(guards_hit == 0);  // nothing written before or after
    }
}
