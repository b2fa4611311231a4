// bnkit_fold_into_linear_f32: a dense or convolution layer followed by an inference-mode batch
// norm, computed in double, against the folded layer (float weights and bias) computed in double.
//
// Tolerance: the folded weight w*s and bias (b - mean)*s + beta carry a few roundings each
// (var + eps, sqrt, divide, multiply; one more add for the bias) that partly cancel, so an
// output of the folded layer is within 2 ulp of its magnitude sum(|w' x|) + |(b - mean) s| +
// |beta| (measured worst 0.58 ulp on x86-64: BNKIT_ORACLE_REPORT=1 bnkit_tests -tc="fold_linear:*").
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/batch_norm.h"
#include "bnkit/fold_linear.h"
#include "support/canary.hpp"
#include "support/oracle_double.hpp"

namespace {

constexpr double tolerance_ulps = 2.0;
constexpr double float_ulp = 1.0 / 16777216.0;  // 2^-24: half an ulp relative, so 1 ulp <= 2 * this * |v|

struct Bn {
    std::vector<float> gamma, beta, mean, var;
    float eps = 1e-3f;
};

Bn random_bn(std::size_t C, oracle::Rng& rng) {
    Bn p;
    for (std::size_t c = 0; c < C; ++c) {
        p.gamma.push_back(rng.uniform(0.5f, 2.0f) * (rng.below(2) ? 1.0f : -1.0f));
        p.beta.push_back(rng.uniform(-1.0f, 1.0f));
        p.mean.push_back(rng.uniform(-3.0f, 3.0f));
        p.var.push_back(rng.uniform(0.01f, 4.0f));
    }
    return p;
}

std::vector<float> random_vec(std::size_t n, oracle::Rng& rng, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& f : v) f = rng.uniform(lo, hi);
    return v;
}

// Conv2d, valid padding, stride 1, on one NHWC image; weights either HWIO (out last, Keras) or
// OIHW (out first, MindSpore/PyTorch): returns out[oh][ow][o] in double, and its magnitude.
struct Conv {
    std::size_t H, W, I, O, KH, KW;
    std::size_t OH() const { return H - KH + 1; }
    std::size_t OW() const { return W - KW + 1; }
    std::size_t widx(bnkit_weight_layout l, std::size_t kh, std::size_t kw, std::size_t i, std::size_t o) const {
        return l == BNKIT_WEIGHTS_OUT_LAST ? ((kh * KW + kw) * I + i) * O + o : ((o * I + i) * KH + kh) * KW + kw;
    }
    void run(bnkit_weight_layout l, const float* x, const float* w, const float* b, std::vector<double>& out,
             std::vector<double>& mag) const {
        out.assign(OH() * OW() * O, 0.0);
        mag.assign(out.size(), 0.0);
        for (std::size_t oh = 0; oh < OH(); ++oh)
            for (std::size_t ow = 0; ow < OW(); ++ow)
                for (std::size_t o = 0; o < O; ++o) {
                    double s = b ? b[o] : 0.0, m = b ? std::fabs(b[o]) : 0.0;
                    for (std::size_t kh = 0; kh < KH; ++kh)
                        for (std::size_t kw = 0; kw < KW; ++kw)
                            for (std::size_t i = 0; i < I; ++i) {
                                const double t = static_cast<double>(x[((oh + kh) * W + ow + kw) * I + i]) *
                                                 w[widx(l, kh, kw, i, o)];
                                s += t;
                                m += std::fabs(t);
                            }
                    out[(oh * OW() + ow) * O + o] = s;
                    mag[(oh * OW() + ow) * O + o] = m;
                }
    }
};

// BN in double on the channel-last output of a convolution.
std::vector<double> bn_double(const std::vector<double>& z, const Bn& p, bool with_gamma, bool with_beta) {
    std::vector<double> y(z.size());
    const std::size_t C = p.mean.size();
    for (std::size_t k = 0; k < z.size(); ++k) {
        const std::size_t c = k % C;
        const double g = with_gamma ? p.gamma[c] : 1.0, b = with_beta ? p.beta[c] : 0.0;
        y[k] = (z[k] - p.mean[c]) * g / std::sqrt(static_cast<double>(p.var[c]) + p.eps) + b;
    }
    return y;
}

void check_conv_fold(const Conv& cv, bnkit_weight_layout layout, bool use_bias, bool with_gamma, bool with_beta,
                     bool in_place, std::uint64_t seed) {
    INFO("layout " << layout << " bias " << use_bias << " gamma " << with_gamma << " beta " << with_beta
                   << " in place " << in_place << " O " << cv.O);
    oracle::Rng rng(seed);
    const std::size_t K = cv.KH * cv.KW * cv.I;
    const Bn p = random_bn(cv.O, rng);
    std::vector<float> w = random_vec(K * cv.O, rng), b = random_vec(cv.O, rng), x = random_vec(cv.H * cv.W * cv.I, rng);
    std::vector<double> z, zmag;
    const std::vector<float> b0 = b;  // b itself may be folded in place
    cv.run(layout, x.data(), w.data(), use_bias ? b.data() : nullptr, z, zmag);
    const std::vector<double> ref = bn_double(z, p, with_gamma, with_beta);

    bnkit_test::Guarded<float> fw(K * cv.O), fb(cv.O);
    float* out_w = in_place ? w.data() : fw.data();
    float* out_b = in_place && use_bias ? b.data() : fb.data();
    REQUIRE(bnkit_fold_into_linear_f32(cv.O, K, layout, w.data(), use_bias ? b.data() : nullptr,
                                       with_gamma ? p.gamma.data() : nullptr, with_beta ? p.beta.data() : nullptr,
                                       p.mean.data(), p.var.data(), p.eps, out_w, out_b) == BNKIT_OK);
    if (!in_place) CHECK((fw.guards_intact() && fb.guards_intact()));

    std::vector<double> y, ymag;
    cv.run(layout, x.data(), out_w, out_b, y, ymag);
    double worst = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
        const std::size_t c = k % cv.O;
        const double s = std::fabs((with_gamma ? p.gamma[c] : 1.0) / std::sqrt(static_cast<double>(p.var[c]) + p.eps));
        const double mag = ymag[k] + std::fabs((use_bias ? b0[c] : 0.0) - p.mean[c]) * s +
                           (with_beta ? std::fabs(p.beta[c]) : 0.0);
        const double err = std::fabs(y[k] - ref[k]) / (2.0 * float_ulp * mag);
        worst = err > worst ? err : worst;
    }
    INFO("worst error " << worst << " ulp of the magnitude");
    oracle::record("fold into linear", worst);
    CHECK(worst <= tolerance_ulps);
}

}  // namespace

TEST_CASE("fold_linear: conv2d HWIO (Keras) and OIHW (MindSpore) then BN equals the folded conv") {
    std::uint64_t seed = 100;
    for (std::size_t O : {1u, 3u, 8u, 17u})
        for (const bnkit_weight_layout l : {BNKIT_WEIGHTS_OUT_LAST, BNKIT_WEIGHTS_OUT_FIRST})
            for (int variant = 0; variant < 4; ++variant) {
                const Conv cv{6, 5, 3, O, 3, 2};
                check_conv_fold(cv, l, variant != 1, variant != 2, variant != 3, variant == 0, ++seed);
            }
}

TEST_CASE("fold_linear: dense [in, out] and [out, in] then BN equals the folded dense") {
    // A dense layer is a 1x1 convolution on a 1x1 image: per_channel = in.
    std::uint64_t seed = 200;
    for (std::size_t in : {1u, 7u, 64u})
        for (const bnkit_weight_layout l : {BNKIT_WEIGHTS_OUT_LAST, BNKIT_WEIGHTS_OUT_FIRST})
            check_conv_fold(Conv{1, 1, in, 5, 1, 1}, l, true, true, true, false, ++seed);
}

TEST_CASE("fold_linear: unit weights and zero bias give bnkit_bn_fold_f32's scale and shift bit for bit") {
    oracle::Rng rng(7);
    const std::size_t C = 9;
    const Bn p = random_bn(C, rng);
    std::vector<float> ones(C, 1.0f), zeros(C, 0.0f), fw(C), fb(C), scale(C), shift(C);
    REQUIRE(bnkit_fold_into_linear_f32(C, 1, BNKIT_WEIGHTS_OUT_FIRST, ones.data(), zeros.data(), p.gamma.data(),
                                       p.beta.data(), p.mean.data(), p.var.data(), p.eps, fw.data(),
                                       fb.data()) == BNKIT_OK);
    REQUIRE(bnkit_bn_fold_f32(C, p.gamma.data(), p.beta.data(), p.mean.data(), p.var.data(), p.eps, scale.data(),
                              shift.data()) == BNKIT_OK);
    CHECK(bnkit_test::same_bits(fw.data(), scale.data(), C));
    CHECK(bnkit_test::same_bits(fb.data(), shift.data(), C));
}

TEST_CASE("fold_linear: in place equals out of place bit for bit, both layouts") {
    oracle::Rng rng(8);
    const std::size_t C = 6, K = 10;
    const Bn p = random_bn(C, rng);
    for (const bnkit_weight_layout l : {BNKIT_WEIGHTS_OUT_LAST, BNKIT_WEIGHTS_OUT_FIRST}) {
        std::vector<float> w = random_vec(C * K, rng), b = random_vec(C, rng), fw(C * K), fb(C);
        REQUIRE(bnkit_fold_into_linear_f32(C, K, l, w.data(), b.data(), p.gamma.data(), p.beta.data(), p.mean.data(),
                                           p.var.data(), p.eps, fw.data(), fb.data()) == BNKIT_OK);
        REQUIRE(bnkit_fold_into_linear_f32(C, K, l, w.data(), b.data(), p.gamma.data(), p.beta.data(), p.mean.data(),
                                           p.var.data(), p.eps, w.data(), b.data()) == BNKIT_OK);
        CHECK(bnkit_test::same_bits(w.data(), fw.data(), C * K));
        CHECK(bnkit_test::same_bits(b.data(), fb.data(), C));
    }
}

TEST_CASE("fold_linear: bad input returns a status and writes nothing") {
    const std::size_t C = 4, K = 3;
    bnkit_test::Arena a(64);
    // Inputs at [0, 12) weights, [12, 16) bias, [16, 20) gamma, [20, 24) beta, [24, 28) mean,
    // [28, 32) var; outputs at [32, 44) and [44, 48).
    for (std::size_t i = 0; i < 32; ++i) *a.at(i) = 0.5f + 0.01f * static_cast<float>(i);
    float *w = a.at(0), *b = a.at(12), *g = a.at(16), *be = a.at(20), *m = a.at(24), *v = a.at(28), *fw = a.at(32),
          *fb = a.at(44);
    const auto call = [&](size_t c, size_t k, bnkit_weight_layout l, const float* wi, float eps, float* ow, float* ob) {
        const bnkit_test::Snapshot before = a.snapshot();
        const bnkit_status s = bnkit_fold_into_linear_f32(c, k, l, wi, b, g, be, m, v, eps, ow, ob);
        CHECK(before.unchanged());
        return s;
    };
    const auto L = BNKIT_WEIGHTS_OUT_LAST;
    CHECK(call(C, K, L, nullptr, 1e-3f, fw, fb) == BNKIT_ERR_NULL_POINTER);
    CHECK(call(C, K, L, w, 1e-3f, nullptr, fb) == BNKIT_ERR_NULL_POINTER);
    CHECK(call(C, K, L, w, 1e-3f, fw, nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_fold_into_linear_f32(C, K, L, w, b, g, be, nullptr, v, 1e-3f, fw, fb) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_fold_into_linear_f32(C, K, L, w, b, g, be, m, nullptr, 1e-3f, fw, fb) == BNKIT_ERR_NULL_POINTER);
    CHECK(call(0, K, L, w, 1e-3f, fw, fb) == BNKIT_ERR_ZERO_DIM);
    CHECK(call(C, 0, L, w, 1e-3f, fw, fb) == BNKIT_ERR_ZERO_DIM);
    CHECK(call(SIZE_MAX / 8, 3, L, w, 1e-3f, fw, fb) == BNKIT_ERR_SHAPE_OVERFLOW);
    CHECK(call(C, K, L, w, -1.0f, fw, fb) == BNKIT_ERR_BAD_EPSILON);
    CHECK(call(C, K, L, w, std::nanf(""), fw, fb) == BNKIT_ERR_BAD_EPSILON);
    CHECK(call(C, K, static_cast<bnkit_weight_layout>(2), w, 1e-3f, fw, fb) == BNKIT_ERR_BAD_ARGUMENT);
    // Outputs overlapping inputs other than their own in-place partner.
    CHECK(call(C, K, L, w, 1e-3f, a.at(1), fb) == BNKIT_ERR_ALIASING);   // shifted weights
    CHECK(call(C, K, L, w, 1e-3f, fw, g) == BNKIT_ERR_ALIASING);         // bias into gamma
    CHECK(call(C, K, L, w, 1e-3f, fw, a.at(42)) == BNKIT_ERR_ALIASING);  // the two outputs overlap
    CHECK(call(C, K, L, w, 1e-3f, a.at(10), fb) == BNKIT_ERR_ALIASING);  // weights over the bias
    CHECK(a.guards_intact());
    CHECK(bnkit_test::is_canary(fw, 16 * sizeof(float)));
}
