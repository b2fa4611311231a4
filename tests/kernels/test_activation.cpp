// bnkit_bn_infer_act_f32 / _f16: y = act(x * scale + shift), act = none, relu, relu6, applied
// in float32 before the store (semantics: docs/numerics.md, "Fused activation").
//
// Oracle: v = x * s + t in double, then relu(v) = v < 0 ? 0 : v and relu6(v) = min(relu(v), 6)
// with tf.nn.relu's std::max operand order (NaN stays NaN, -0.0 stays -0.0).
//  - Exact inputs: x a multiple of 1/64 (|x| <= 8, exact in float16 too), s and t with few
//    significant bits, so x * s + t is exact in float32 and every path (fused multiply-add or
//    not) computes the same float: the result is bit-equal to the oracle (float32, or the
//    oracle rounded once to float16) and to the scalar path. Channels with s = +-1, t = -0.0
//    carry the special values unchanged into the activation: NaN, +-inf, +-0, the neighbours
//    of 0 and 6, the largest finite values.
//  - Random inputs: within 1 float32 ulp of M = |x*s| + |t| of the oracle (the multiply-add's
//    error, docs/numerics.md; the clamps are 1-Lipschitz and exact); float16 within half a
//    float16 ulp of M plus that float32 error (one rounding).
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/canary.hpp"
#include "support/each_isa.hpp"
#include "support/half_oracle.hpp"

namespace {

using bnkit_test::f16_of;
using bnkit_test::f16_value;

constexpr bnkit_activation activations[] = {BNKIT_ACTIVATION_NONE, BNKIT_ACTIVATION_RELU, BNKIT_ACTIVATION_RELU6};

double act(bnkit_activation a, double v) {
    if (a == BNKIT_ACTIVATION_NONE) return v;
    const double m = v < 0.0 ? 0.0 : v;
    return a == BNKIT_ACTIVATION_RELU6 && 6.0 < m ? 6.0 : m;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
template <class T>
bool same(T a, T b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// The paths to compare: the scalar reference first, then every SIMD path available here.
std::vector<bnkit_isa> paths() {
    std::vector<bnkit_isa> out{BNKIT_ISA_SCALAR};
    bnkit_test::for_each_simd_isa([&](bnkit_isa isa) { out.push_back(isa); });
    return out;
}

// A 4-D tensor, NCHW (axis 1) or NHWC (axis 3).
struct layout {
    std::size_t n, c, hw;
    bool channels_last;
    std::size_t count() const { return n * c * hw; }
    std::size_t channel_of(std::size_t e) const { return channels_last ? e % c : e / hw % c; }
};

bnkit_bn_desc make_desc(const layout& l, bnkit_isa isa) {
    const std::size_t nchw[] = {l.n, l.c, l.hw, 1}, nhwc[] = {l.n, l.hw, 1, l.c};
    const std::int32_t axis = l.channels_last ? 3 : 1;
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, 4, l.channels_last ? nhwc : nchw, 1, &axis) == BNKIT_OK);
    REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
    return d;
}

// Shapes around each path's vector width W (and the widest, 16): odd channel counts, rows
// shorter than, equal to and longer than a vector, both layouts.
std::vector<layout> layouts() {
    std::vector<layout> out;
    for (std::size_t c : {1, 3, 5, 7, 17})
        for (std::size_t hw : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33})
            for (std::size_t n : {1, 2})
                for (bool last : {false, true}) out.push_back({n, c, hw, last});
    return out;
}

// Channel c: special channels (c % 3 == 0) pass x through exactly (s = +-1, t = -0.0, so
// -0.0 + -0.0 stays -0.0); the others have s and t with few significant bits.
float exact_scale(std::size_t c) {
    const float s[] = {1.0f, 0.5f, 2.0f, -1.0f, 0.75f, -1.25f, 1.5f};
    return c % 3 == 0 ? (c % 2 ? -1.0f : 1.0f) : s[c % 7];
}
float exact_shift(std::size_t c) {
    const float t[] = {0.25f, -2.0f, 3.0f, 5.5f, -6.0f, 6.0f, 0.0f};
    return c % 3 == 0 ? -0.0f : t[c % 7];
}

// Special values (all exact in float16 too when `half`), every one of them reaching the
// activation unchanged on a special channel.
std::vector<float> specials(bool half) {
    const float big = half ? 65504.0f : FLT_MAX;
    const float tiny = half ? 0x1p-24f : FLT_MIN;  // smallest float16 subnormal; smallest normal float
    const float below6 = half ? 6.0f - 0x1p-8f : std::nextafter(6.0f, 0.0f);
    const float above6 = half ? 6.0f + 0x1p-8f : std::nextafter(6.0f, 7.0f);
    return {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, tiny, -tiny, 6.0f, -6.0f, below6, above6, big, -big};
}

// Element e of the exact input: on special channels every other element is a special value.
float exact_x(const layout& l, std::size_t e, bool half) {
    const std::size_t c = l.channel_of(e);
    const std::vector<float> sp = specials(half);
    if (c % 3 == 0 && e % 2 == 0) return sp[(e / 2 + c) % sp.size()];
    return static_cast<float>(static_cast<int>((e * 37 + c * 11) % 1025) - 512) / 64.0f;
}

struct lcg {
    std::uint32_t s;
    float uniform(float lo, float hi) {
        s = s * 1664525u + 1013904223u;
        return lo + (hi - lo) * static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
    }
};

// Runs bnkit_bn_infer_act_<T> on `isa`: x copied `offset` elements into a canary-guarded block,
// in place or into a separate guarded y. Returns y; checks the guards.
template <class T>
std::vector<T> run(bnkit_isa isa, const layout& l, const std::vector<T>& x, const std::vector<float>& s,
                   const std::vector<float>& t, bnkit_activation a, std::size_t offset, bool in_place) {
    const bnkit_bn_desc d = make_desc(l, isa);
    const std::size_t n = l.count();
    // A whole number of 4-byte canary words, so the tail guard starts in phase (canary.hpp).
    const std::size_t words = (offset + n + 1) / 2 * 2;
    bnkit_test::Guarded<T> xb(words), yb(words);
    for (std::size_t i = 0; i < n; ++i) xb.data()[offset + i] = x[i];  // (memcpy: a false -Wstringop-overflow on arm-none-eabi -O3)
    T* y = in_place ? xb.data() + offset : yb.data() + offset;
    const std::vector<T> before(in_place ? xb.data() : yb.data(), (in_place ? xb.data() : yb.data()) + words);
    bnkit_status st;
    if constexpr (std::is_same_v<T, float>)
        st = bnkit_bn_infer_act_f32(&d, xb.data() + offset, y, s.data(), t.data(), a);
    else
        st = bnkit_bn_infer_act_f16(&d, xb.data() + offset, y, s.data(), t.data(), a);
    REQUIRE(st == BNKIT_OK);
    CHECK(xb.guards_intact());
    CHECK(yb.guards_intact());
    // Nor the elements of the block around the tensor (the offset and the padding).
    const T* block = in_place ? xb.data() : yb.data();
    for (std::size_t i = 0; i < words; ++i)
        if (i < offset || i >= offset + n) CHECK(same(block[i], before[i]));
    return std::vector<T>(y, y + n);
}

std::string case_name(bnkit_isa isa, const layout& l, bnkit_activation a, std::size_t offset, bool in_place) {
    return std::string(bnkit_isa_name(isa)) + " [" + std::to_string(l.n) + "," + std::to_string(l.c) + "," +
           std::to_string(l.hw) + (l.channels_last ? "] NHWC" : "] NCHW") + " act " + std::to_string(a) +
           " offset " + std::to_string(offset) + (in_place ? " in place" : "");
}

template <class T>
T store_as(float v) {
    if constexpr (std::is_same_v<T, float>)
        return v;
    else
        return f16_of(v);
}
template <class T>
float value_of(T v) {
    if constexpr (std::is_same_v<T, float>)
        return v;
    else
        return f16_value(v);
}
// NaN matches any NaN (payloads are not specified); everything else bit for bit.
template <class T>
bool same_value_bits(T a, T b) {
    return (std::isnan(value_of(a)) && std::isnan(value_of(b))) || same(a, b);
}

template <class T>
void exact_cases() {
    constexpr bool half = !std::is_same_v<T, float>;
    const std::vector<bnkit_isa> isas = paths();
    for (const layout& l : layouts()) {
        std::vector<float> s(l.c), t(l.c);
        for (std::size_t c = 0; c < l.c; ++c) s[c] = exact_scale(c), t[c] = exact_shift(c);
        std::vector<T> x(l.count());
        for (std::size_t e = 0; e < x.size(); ++e) x[e] = store_as<T>(exact_x(l, e, half));
        for (bnkit_activation a : activations) {
            // The oracle: exact in double, exact in float32; rounded once to float16.
            std::vector<T> want(x.size());
            for (std::size_t e = 0; e < x.size(); ++e) {
                const std::size_t c = l.channel_of(e);
                const double v = static_cast<double>(value_of(x[e])) * s[c] + t[c];
                want[e] = store_as<T>(static_cast<float>(act(a, v)));
            }
            std::vector<T> scalar;
            for (bnkit_isa isa : isas)
                for (std::size_t offset : {0, 1})
                    for (bool in_place : {false, true}) {
                        const std::vector<T> got = run(isa, l, x, s, t, a, offset, in_place);
                        std::size_t bad = 0, first = 0;
                        for (std::size_t e = 0; e < got.size(); ++e)
                            if (!same_value_bits(got[e], want[e]) && bad++ == 0) first = e;
                        INFO(case_name(isa, l, a, offset, in_place) << ": " << bad << " wrong, first at " << first
                                                                    << ": x " << value_of(x[first]) << " got "
                                                                    << value_of(got[first]) << " want "
                                                                    << value_of(want[first]));
                        CHECK(bad == 0);
                        if (scalar.empty()) scalar = got;
                        // NaN payloads aside: ARMv7 NEON always returns the default NaN.
                        std::size_t differ = 0;
                        for (std::size_t e = 0; e < got.size(); ++e) differ += !same_value_bits(got[e], scalar[e]);
                        CHECK(differ == 0);
                    }
        }
    }
}

}  // namespace

TEST_CASE("fused activation: every path bit-equal to the oracle and the scalar path on exact float32 inputs") {
    exact_cases<float>();
}

TEST_CASE("fused activation: every path bit-equal to the oracle and the scalar path on exact float16 inputs") {
    exact_cases<bnkit_f16>();
}

TEST_CASE("fused activation: NaN, infinities and signed zeros as tf.nn.relu and tf.nn.relu6") {
    // One channel passing x through (s = 1, t = -0.0), so v = x exactly.
    const layout l{1, 1, 8, false};
    const float x[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 6.0f, std::nextafter(6.0f, 7.0f), -1e-30f};
    const float relu[] = {NAN, INFINITY, 0.0f, -0.0f, 0.0f, 6.0f, std::nextafter(6.0f, 7.0f), 0.0f};
    const float relu6[] = {NAN, 6.0f, 0.0f, -0.0f, 0.0f, 6.0f, 6.0f, 0.0f};
    const std::vector<float> xv(x, x + 8), s{1.0f}, t{-0.0f};
    for (bnkit_isa isa : paths()) {
        INFO(bnkit_isa_name(isa));
        const std::vector<float> r = run(isa, l, xv, s, t, BNKIT_ACTIVATION_RELU, 0, false);
        const std::vector<float> r6 = run(isa, l, xv, s, t, BNKIT_ACTIVATION_RELU6, 0, false);
        CHECK(std::isnan(r[0]));
        CHECK(std::isnan(r6[0]));
        for (std::size_t i = 1; i < 8; ++i) {
            INFO("element " << i);
            CHECK(same_bits(r[i], relu[i]));
            CHECK(same_bits(r6[i], relu6[i]));
        }
        CHECK(std::signbit(r[3]));  // relu(-0.0) = -0.0, as std::max(-0.0, 0.0)
        CHECK(std::signbit(r6[3]));
        std::vector<bnkit_f16> h(8);
        for (std::size_t i = 0; i < 8; ++i) h[i] = f16_of(x[i]);
        const std::vector<bnkit_f16> h6 = run(isa, l, h, s, t, BNKIT_ACTIVATION_RELU6, 0, true);
        CHECK(bnkit_test::f16_is_nan(h6[0]));
        CHECK(h6[1].bits == f16_of(6.0f).bits);
        CHECK(h6[2].bits == 0x0000u);
        CHECK(h6[3].bits == 0x8000u);
    }
}

TEST_CASE("fused activation: random inputs within the multiply-add error of the double oracle") {
    const std::vector<bnkit_isa> isas = paths();
    lcg rng{12345u};
    for (const layout& l : {layout{3, 5, 37, false}, layout{2, 19, 7, true}, layout{1, 3, 100, true}}) {
        std::vector<float> s(l.c), t(l.c), x(l.count());
        for (std::size_t c = 0; c < l.c; ++c) s[c] = rng.uniform(-3.0f, 3.0f), t[c] = rng.uniform(-8.0f, 8.0f);
        for (float& v : x) v = rng.uniform(-10.0f, 10.0f);
        std::vector<bnkit_f16> xh(x.size());
        for (std::size_t e = 0; e < x.size(); ++e) xh[e] = f16_of(x[e]);
        for (bnkit_activation a : activations)
            for (bnkit_isa isa : isas) {
                INFO(case_name(isa, l, a, 1, false));
                const std::vector<float> y = run(isa, l, x, s, t, a, 1, false);
                const std::vector<bnkit_f16> yh = run(isa, l, xh, s, t, a, 1, false);
                std::size_t bad = 0, bad_half = 0;
                for (std::size_t e = 0; e < x.size(); ++e) {
                    const std::size_t c = l.channel_of(e);
                    const double xs = static_cast<double>(x[e]) * s[c];
                    const double m = std::fabs(xs) + std::fabs(t[c]);
                    const double ulp = std::nextafter(static_cast<float>(m), INFINITY) - static_cast<float>(m);
                    bad += std::fabs(y[e] - act(a, xs + t[c])) > ulp;
                    const double xhs = static_cast<double>(f16_value(xh[e])) * s[c];
                    const double mh = std::fabs(xhs) + std::fabs(t[c]);
                    // Half a float16 ulp (the one rounding) plus the float32 error (2^-13 of it).
                    bad_half += bnkit_test::f16_err(yh[e], act(a, xhs + t[c]), mh) > 0.5 + 0x1p-12;
                }
                CHECK(bad == 0);
                CHECK(bad_half == 0);
            }
    }
}

TEST_CASE("fused activation: a value outside bnkit_activation is BNKIT_ERR_BAD_ARGUMENT and writes nothing") {
    const layout l{2, 3, 5, false};
    const std::vector<float> s(3, 2.0f), t(3, 1.0f);
    for (bnkit_isa isa : paths()) {
        const bnkit_bn_desc d = make_desc(l, isa);
        for (int bad : {3, -1, 0x7fffffff}) {
            INFO(bnkit_isa_name(isa) << " activation " << bad);
            const bnkit_activation a = static_cast<bnkit_activation>(bad);
            bnkit_test::Guarded<float> x(l.count()), y(l.count());
            for (std::size_t e = 0; e < l.count(); ++e) x.data()[e] = static_cast<float>(e);
            const bnkit_test::Snapshot xs(x.data(), l.count() * sizeof(float));
            CHECK(bnkit_bn_infer_act_f32(&d, x.data(), y.data(), s.data(), t.data(), a) == BNKIT_ERR_BAD_ARGUMENT);
            CHECK(bnkit_test::is_canary(y.data(), l.count() * sizeof(float)));
            CHECK(bnkit_bn_infer_act_f32(&d, x.data(), x.data(), s.data(), t.data(), a) == BNKIT_ERR_BAD_ARGUMENT);
            CHECK(xs.unchanged());
            bnkit_test::Guarded<bnkit_f16> xh(l.count()), yh(l.count());
            const bnkit_test::Snapshot xhs(xh.data(), l.count() * sizeof(bnkit_f16));
            CHECK(bnkit_bn_infer_act_f16(&d, xh.data(), yh.data(), s.data(), t.data(), a) == BNKIT_ERR_BAD_ARGUMENT);
            CHECK(bnkit_test::is_canary(yh.data(), l.count() * sizeof(bnkit_f16)));
            CHECK(bnkit_bn_infer_act_f16(&d, xh.data(), xh.data(), s.data(), t.data(), a) == BNKIT_ERR_BAD_ARGUMENT);
            CHECK(xhs.unchanged());
            CHECK(x.guards_intact());
            CHECK(y.guards_intact());
        }
    }
}

TEST_CASE("fused activation: NONE is bnkit_bn_infer_f32 / _f16 bit for bit") {
    const layout l{2, 5, 9, true};
    lcg rng{777u};
    std::vector<float> s(l.c), t(l.c), x(l.count());
    for (std::size_t c = 0; c < l.c; ++c) s[c] = rng.uniform(-3.0f, 3.0f), t[c] = rng.uniform(-8.0f, 8.0f);
    for (float& v : x) v = rng.uniform(-10.0f, 10.0f);
    for (bnkit_isa isa : paths()) {
        INFO(bnkit_isa_name(isa));
        const bnkit_bn_desc d = make_desc(l, isa);
        std::vector<float> y(x.size());
        REQUIRE(bnkit_bn_infer_f32(&d, x.data(), y.data(), s.data(), t.data()) == BNKIT_OK);
        const std::vector<float> ya = run(isa, l, x, s, t, BNKIT_ACTIVATION_NONE, 0, false);
        CHECK(std::memcmp(y.data(), ya.data(), y.size() * sizeof(float)) == 0);
    }
}
