// float16 activations (bnkit_bn_*_f16) on the scalar path and every SIMD path, against the
// double oracle (tests/support/oracle_double.hpp) applied to the f16 inputs widened exactly.
//
// Tolerances, in float16 ulps of max(|exact|, the oracle's magnitude of the terms), with
// infinity counted as 65536 (support/half_oracle.hpp):
//  - inference <= 1: the float32 computation is within 3 float32 ulps of the terms
//    (docs/numerics.md), about 2^-12 of a float16 ulp, and the one rounding to float16 adds at
//    most 1/2.
//  - training y and backward dx <= 2 (float32 bounds of 4 ulps, then the same rounding).
// And exactly, on each path: every f16 result is the f32 function's result on the widened
// inputs, rounded once (bit-equal), and the float32 outputs (saved and moving statistics,
// dgamma, dbeta) are bit-equal to the f32 function's. Shapes sweep the vector width (channels
// 1, 3, W+1, 2W+1; inner 1, W-1, W+1, 4W+3; NCHW and NHWC), tensors sit at an odd element
// offset with guard elements either side, and in-place calls match out-of-place ones.
// Inference on each SIMD path is also compared with the scalar path directly: bit-equal
// without fused multiply-add, at most one f16 step apart with it.
// Special values: overflow to +-inf at the 65520 tie, NaN and inf propagation, subnormal
// inputs and outputs with ties to even.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/each_isa.hpp"
#include "support/half_oracle.hpp"
#include "support/oracle_double.hpp"

namespace {

using bnkit_test::f16_of;
using bnkit_test::f16_value;

constexpr std::size_t kGuard = 17;  // elements either side, more than one AVX-512 vector
constexpr std::uint16_t kSentinel = 0x7d5a;  // a signalling NaN no operation produces

// count halves at an odd element offset inside guard zones of kSentinel.
struct HalfBuf {
    std::vector<bnkit_f16> mem;
    std::size_t n;
    explicit HalfBuf(std::size_t count) : mem(count + 2 * kGuard + 1, bnkit_f16{kSentinel}), n(count) {}
    bnkit_f16* data() { return mem.data() + kGuard + 1; }
    bnkit_f16& operator[](std::size_t i) { return data()[i]; }
    bool guards_intact() const {
        for (std::size_t i = 0; i < mem.size(); ++i)
            if ((i < kGuard + 1 || i >= kGuard + 1 + n) && mem[i].bits != kSentinel) return false;
        return true;
    }
};

struct Ws {
    std::vector<float> v;
    explicit Ws(std::size_t C) : v((BNKIT_BN_WORKSPACE_BYTES(C) + sizeof(float) - 1) / sizeof(float)) {}
    bnkit_buffer buf() { return {v.data(), v.size() * sizeof(float)}; }
};

struct Shape {
    std::vector<std::size_t> dims;
    std::int32_t axis;
};

std::vector<Shape> shapes(std::size_t W) {
    std::vector<Shape> out;
    for (std::size_t c : {std::size_t{1}, std::size_t{3}, W + 1, 2 * W + 1})
        for (std::size_t inner : {std::size_t{1}, W > 1 ? W - 1 : 2, W + 1, 4 * W + 3}) out.push_back({{2, c, inner}, 1});
    out.push_back({{2, 5, 3, 3}, 1});  // NCHW
    out.push_back({{2, 3, 3, 5}, 3});  // NHWC
    out.push_back({{3, 2, 2, 2 * W + 1}, -1});
    // Above the 128 KiB block budget (lib/core/channel_blocks.hpp), blocked differently for
    // float16 and float32 storage (72 + 8 vs 36 + 36 + 8 channels; unblocked vs 20 + 5): the
    // statistics must still be bit-equal to the f32 function's.
    out.push_back({{3, 80, 300}, 1});
    out.push_back({{32, 25, 49}, 1});
    return out;
}

bnkit_bn_desc make_desc(const Shape& s, bnkit_isa isa) {
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, static_cast<std::uint32_t>(s.dims.size()), s.dims.data(), 1, &s.axis) == BNKIT_OK);
    REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
    return d;
}

oracle::Dims dims_of(const bnkit_bn_desc& d) {
    oracle::Dims r;
    r.outer = d.outer;
    r.C = d.channels;
    r.inner = d.inner;
    return r;
}

// Activations: per channel an offset in [-2, 2] plus values in [-3, 3], rounded to float16.
void fill_x(HalfBuf& x, const bnkit_bn_desc& d, oracle::Rng& rng) {
    for (std::size_t o = 0; o < d.outer; ++o)
        for (std::size_t c = 0; c < d.channels; ++c) {
            const float offset = static_cast<float>(static_cast<int>(c % 5) - 2);
            for (std::size_t i = 0; i < d.inner; ++i)
                x[(o * d.channels + c) * d.inner + i] = f16_of(offset + rng.uniform(-3.0f, 3.0f));
        }
}

std::vector<float> widen(HalfBuf& h) {
    std::vector<float> f(h.n);
    for (std::size_t i = 0; i < h.n; ++i) f[i] = f16_value(h[i]);
    return f;
}

std::vector<float> random_floats(std::size_t n, oracle::Rng& rng, float lo, float hi) {
    std::vector<float> v(n);
    for (float& f : v) f = rng.uniform(lo, hi);
    return v;
}

// Each half equal to the float32 result rounded once.
bool rounds_of(HalfBuf& h, const std::vector<float>& f) {
    for (std::size_t i = 0; i < h.n; ++i)
        if (h[i].bits != f16_of(f[i]).bits) return false;
    return true;
}

bool same_halves(HalfBuf& a, HalfBuf& b) { return std::memcmp(a.data(), b.data(), a.n * sizeof(bnkit_f16)) == 0; }

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <class F>
void for_each_path(F&& body) {
    {
        INFO("isa scalar");
        body(BNKIT_ISA_SCALAR);
    }
    bnkit_test::for_each_simd_isa(body);
}

constexpr float kEps = 1e-3f;

}  // namespace

TEST_CASE("f16 ops: inference within 1 f16 ulp of the double oracle, equal to the rounded f32 result") {
    for_each_path([](bnkit_isa isa) {
        for (const Shape& s : shapes(bnkit_test::lanes(isa))) {
            const bnkit_bn_desc d = make_desc(s, isa);
            INFO("outer " << d.outer << " C " << d.channels << " inner " << d.inner);
            oracle::Rng rng(d.count * 31 + d.channels);
            const std::size_t C = d.channels;
            HalfBuf x(d.count), y(d.count);
            fill_x(x, d, rng);
            const std::vector<float> gamma = random_floats(C, rng, -2, 2), beta = random_floats(C, rng, -1, 1),
                                     mean = random_floats(C, rng, -2, 2), var = random_floats(C, rng, 0.1f, 4);
            std::vector<float> scale(C), shift(C);
            REQUIRE(bnkit_bn_fold_f32(C, gamma.data(), beta.data(), mean.data(), var.data(), kEps, scale.data(),
                                      shift.data()) == BNKIT_OK);
            REQUIRE(bnkit_bn_infer_f16(&d, x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
            CHECK(y.guards_intact());

            const std::vector<float> xf = widen(x);
            const oracle::Infer want = oracle::infer(dims_of(d), xf.data(), gamma.data(), beta.data(), mean.data(),
                                                     var.data(), kEps);
            CHECK_F16_ULPS("infer y", y.data(), want.y, want.mag, 1);

            std::vector<float> yf(d.count);
            REQUIRE(bnkit_bn_infer_f32(&d, xf.data(), yf.data(), scale.data(), shift.data()) == BNKIT_OK);
            CHECK(rounds_of(y, yf));

            HalfBuf z(d.count);
            std::memcpy(z.data(), x.data(), d.count * sizeof(bnkit_f16));
            REQUIRE(bnkit_bn_infer_f16(&d, z.data(), z.data(), scale.data(), shift.data()) == BNKIT_OK);
            CHECK(same_halves(z, y));
            CHECK(z.guards_intact());

            // Against the scalar reference on the same inputs: bit-equal where the path
            // multiplies then adds like the reference (SSE2, xsimd 8.1's AVX-512), else at most
            // one f16 step apart (a fused multiply-add moves the float32 result by one rounding,
            // which can cross a float16 rounding boundary).
            bnkit_bn_desc ds = d;
            REQUIRE(bnkit_bn_desc_set_isa(&ds, BNKIT_ISA_SCALAR) == BNKIT_OK);
            HalfBuf r(d.count);
            REQUIRE(bnkit_bn_infer_f16(&ds, x.data(), r.data(), scale.data(), shift.data()) == BNKIT_OK);
            const bool fused = isa == BNKIT_ISA_AVX2 || isa == BNKIT_ISA_NEON64 || isa == BNKIT_ISA_NEON;
            // Position on the ordered line of halves (+0 and -0 both 0), so a step is one ulp.
            const auto key = [](bnkit_f16 h) { return (h.bits & 0x8000u) ? -int(h.bits & 0x7fffu) : int(h.bits); };
            std::size_t apart = 0;
            for (std::size_t i = 0; i < d.count; ++i) {
                const int gap = key(y[i]) - key(r[i]);
                apart += fused ? (gap > 1 || gap < -1) : y[i].bits != r[i].bits;
            }
            CHECK(apart == 0);
        }
    });
}

TEST_CASE("f16 ops: training forward within 2 f16 ulp, statistics bit-equal to the f32 function's") {
    for_each_path([](bnkit_isa isa) {
        for (const Shape& s : shapes(bnkit_test::lanes(isa))) {
            const bnkit_bn_desc d = make_desc(s, isa);
            INFO("outer " << d.outer << " C " << d.channels << " inner " << d.inner);
            oracle::Rng rng(d.count * 17 + d.channels);
            const std::size_t C = d.channels;
            HalfBuf x(d.count), y(d.count);
            fill_x(x, d, rng);
            const std::vector<float> gamma = random_floats(C, rng, -2, 2), beta = random_floats(C, rng, -1, 1),
                                     mm0 = random_floats(C, rng, -1, 1), mv0 = random_floats(C, rng, 0.5f, 2);
            const bnkit_bn_train_params p{kEps, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
            std::vector<float> mm = mm0, mv = mv0, sm(C), si(C);
            Ws ws(C);
            REQUIRE(bnkit_bn_train_f16(&d, &p, x.data(), y.data(), gamma.data(), beta.data(), mm.data(), mv.data(),
                                       sm.data(), si.data(), ws.buf()) == BNKIT_OK);
            CHECK(y.guards_intact());

            const std::vector<float> xf = widen(x);
            const oracle::Train want = oracle::train(dims_of(d), xf.data(), gamma.data(), beta.data(), mm0.data(),
                                                     mv0.data(), kEps, 0.9, oracle::Correction::unbiased,
                                                     oracle::Form::lerp);
            CHECK_F16_ULPS("train y", y.data(), want.y, want.mag, 2);

            std::vector<float> yf(d.count), mm32 = mm0, mv32 = mv0, sm32(C), si32(C);
            REQUIRE(bnkit_bn_train_f32(&d, &p, xf.data(), yf.data(), gamma.data(), beta.data(), mm32.data(),
                                       mv32.data(), sm32.data(), si32.data(), ws.buf()) == BNKIT_OK);
            CHECK(rounds_of(y, yf));
            CHECK(same_floats(mm, mm32));
            CHECK(same_floats(mv, mv32));
            CHECK(same_floats(sm, sm32));
            CHECK(same_floats(si, si32));

            HalfBuf z(d.count);
            std::memcpy(z.data(), x.data(), d.count * sizeof(bnkit_f16));
            std::vector<float> mm2 = mm0, mv2 = mv0;
            REQUIRE(bnkit_bn_train_f16(&d, &p, z.data(), z.data(), gamma.data(), beta.data(), mm2.data(), mv2.data(),
                                       sm.data(), si.data(), ws.buf()) == BNKIT_OK);
            CHECK(same_halves(z, y));
        }
    });
}

TEST_CASE("f16 ops: backward in both phases within 2 f16 ulp, dgamma and dbeta bit-equal to the f32 function's") {
    for_each_path([](bnkit_isa isa) {
        for (const Shape& s : shapes(bnkit_test::lanes(isa)))
            for (const bnkit_bn_phase phase : {BNKIT_PHASE_TRAINING, BNKIT_PHASE_INFERENCE}) {
                const bnkit_bn_desc d = make_desc(s, isa);
                INFO("outer " << d.outer << " C " << d.channels << " inner " << d.inner << " phase " << int(phase));
                oracle::Rng rng(d.count * 7 + d.channels + phase);
                const std::size_t C = d.channels;
                HalfBuf x(d.count), dy(d.count), dx(d.count);
                fill_x(x, d, rng);
                for (std::size_t i = 0; i < d.count; ++i) dy[i] = f16_of(rng.uniform(-1.0f, 1.0f));
                const std::vector<float> gamma = random_floats(C, rng, -2, 2);
                std::vector<float> mean(C), invstd(C);
                Ws ws(C);
                if (phase == BNKIT_PHASE_TRAINING) {  // the forward's saved statistics
                    HalfBuf y(d.count);
                    const bnkit_bn_train_params p{kEps, 0.9, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
                    REQUIRE(bnkit_bn_train_f16(&d, &p, x.data(), y.data(), gamma.data(), nullptr, nullptr, nullptr,
                                               mean.data(), invstd.data(), ws.buf()) == BNKIT_OK);
                } else {  // moving statistics
                    mean = random_floats(C, rng, -1, 1);
                    const std::vector<float> var = random_floats(C, rng, 0.5f, 2);
                    REQUIRE(bnkit_bn_invstd_f32(C, var.data(), kEps, invstd.data()) == BNKIT_OK);
                }
                std::vector<float> dgamma(C), dbeta(C);
                REQUIRE(bnkit_bn_backward_f16(&d, phase, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                                              dx.data(), dgamma.data(), dbeta.data(), ws.buf()) == BNKIT_OK);
                CHECK(dx.guards_intact());

                const std::vector<float> xf = widen(x), dyf = widen(dy);
                const oracle::Backward want = oracle::backward(
                    dims_of(d), phase == BNKIT_PHASE_TRAINING ? oracle::Phase::training : oracle::Phase::inference,
                    xf.data(), dyf.data(), gamma.data(), std::vector<double>(mean.begin(), mean.end()),
                    std::vector<double>(invstd.begin(), invstd.end()));
                CHECK_F16_ULPS("backward dx", dx.data(), want.dx, want.dx_mag, 2);

                std::vector<float> dxf(d.count), dg32(C), db32(C);
                REQUIRE(bnkit_bn_backward_f32(&d, phase, xf.data(), dyf.data(), gamma.data(), mean.data(),
                                              invstd.data(), dxf.data(), dg32.data(), db32.data(), ws.buf()) == BNKIT_OK);
                CHECK(rounds_of(dx, dxf));
                CHECK(same_floats(dgamma, dg32));
                CHECK(same_floats(dbeta, db32));

                // dx == dy and dx == x in place
                for (int which = 0; which < 2; ++which) {
                    HalfBuf z(d.count);
                    std::memcpy(z.data(), (which ? x : dy).data(), d.count * sizeof(bnkit_f16));
                    REQUIRE(bnkit_bn_backward_f16(&d, phase, which ? z.data() : x.data(), which ? dy.data() : z.data(),
                                                  gamma.data(), mean.data(), invstd.data(), z.data(), nullptr, nullptr,
                                                  ws.buf()) == BNKIT_OK);
                    CHECK(same_halves(z, dx));
                }
            }
    });
}

TEST_CASE("f16 ops: overflow to inf at the 65520 tie, NaN and inf propagate, subnormals round to even") {
    struct Row {
        std::uint16_t x;
        float scale, shift;
        std::uint16_t y;  // from the IEEE binary16 definition
        const char* what;
    };
    const Row rows[] = {
        {0x0000, 1, 65504, 0x7bff, "65504 stays"},
        {0x0000, 1, 65519, 0x7bff, "65519 rounds down to 65504"},
        {0x0000, 1, 65520, 0x7c00, "65520 is the tie: to even, +inf"},
        {0x0000, 1, -65520, 0xfc00, "-65520: -inf"},
        {0x63d0, 100, 0, 0x7c00, "1000 * 100: +inf"},
        {0xe3d0, 100, 0, 0xfc00, "-1000 * 100: -inf"},
        {0x7c00, 2, 1, 0x7c00, "inf * 2 + 1: inf"},
        {0x7c00, 0, 1, 0x7e00, "inf * 0: NaN"},
        {0x7e00, 1, 0, 0x7e00, "quiet NaN propagates"},
        {0x0001, 1, 0, 0x0001, "smallest subnormal kept"},
        {0x83ff, 1, 0, 0x83ff, "largest negative subnormal kept"},
        {0x0003, 0.5f, 0, 0x0002, "1.5 * 2^-24: tie to even 2^-23"},
        {0x0001, 0.5f, 0, 0x0000, "2^-25: tie to even +0"},
        {0x8001, 0.5f, 0, 0x8000, "-2^-25: -0"},
        {0x0400, 0.5f, 0, 0x0200, "2^-14 / 2: subnormal result"},
        {0x0001, 1024, 0, 0x0400, "subnormal to normal"},
    };
    const std::size_t n = sizeof rows / sizeof rows[0];
    for_each_path([&](bnkit_isa isa) {
        // One channel per row, several vectors long, so bodies and tails see every value.
        const std::size_t inner = 3 * bnkit_test::lanes(isa) + 1;
        const Shape s{{n, inner}, 0};
        const bnkit_bn_desc d = make_desc(s, isa);
        HalfBuf x(d.count), y(d.count);
        std::vector<float> scale(n), shift(n);
        for (std::size_t c = 0; c < n; ++c) {
            scale[c] = rows[c].scale;
            shift[c] = rows[c].shift;
            for (std::size_t i = 0; i < inner; ++i) x[c * inner + i].bits = rows[c].x;
        }
        REQUIRE(bnkit_bn_infer_f16(&d, x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
        for (std::size_t c = 0; c < n; ++c)
            for (std::size_t i = 0; i < inner; ++i) {
                const std::uint16_t got = y[c * inner + i].bits;
                INFO(rows[c].what << " at " << i << ": got " << got << " want " << rows[c].y);
                if (rows[c].y == 0x7e00)
                    CHECK(bnkit_test::f16_is_nan(y[c * inner + i]));
                else
                    CHECK(got == rows[c].y);
            }
    });
}

TEST_CASE("f16 ops: a NaN in one channel's input makes that channel's training output NaN, not the others'") {
    for_each_path([](bnkit_isa isa) {
        const std::size_t inner = 2 * bnkit_test::lanes(isa) + 1;
        const Shape s{{2, 3, inner}, 1};
        const bnkit_bn_desc d = make_desc(s, isa);
        oracle::Rng rng(5);
        HalfBuf x(d.count), y(d.count), dx(d.count);
        fill_x(x, d, rng);
        x[inner + 2].bits = 0xfe01;  // channel 1, outer 0: a negative NaN with a payload
        std::vector<float> sm(3), si(3);
        Ws ws(3);
        const bnkit_bn_train_params p{kEps, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
        REQUIRE(bnkit_bn_train_f16(&d, &p, x.data(), y.data(), nullptr, nullptr, nullptr, nullptr, sm.data(), si.data(),
                                   ws.buf()) == BNKIT_OK);
        for (std::size_t o = 0; o < 2; ++o)
            for (std::size_t c = 0; c < 3; ++c)
                for (std::size_t i = 0; i < inner; ++i) {
                    const bnkit_f16 v = y[(o * 3 + c) * inner + i];
                    INFO("outer " << o << " channel " << c << " at " << i);
                    CHECK(bnkit_test::f16_is_nan(v) == (c == 1));
                }
        CHECK(std::isnan(sm[1]));
        CHECK(!std::isnan(sm[0]));
        CHECK(!std::isnan(sm[2]));
    });
}
