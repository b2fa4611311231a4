// Edge cases of semantics.md §9 and semantics-reference §11/§14 (T5, T6, T7),
// plus the inference accuracy contract of semantics.md §2 at mean = 0, beta =
// 0.
//
// Tolerances:
//  - printed reference numbers (T5, T6, T7): 1 ulp (they are float32 results
//  printed to 8
//    significant digits).
//  - n = 1 and constant channels: y = beta. The float32 mean of a constant
//  channel may be
//    off by an ulp of the constant c (n*c/n), which the normalization scales by
//    gamma*invstd: |y - beta| <= 1 ulp(beta) + |gamma|*invstd*ulp(c). For n = 1
//    the mean is the element itself: y == beta exactly.
//  - mean 1e4, std 1, 12000 elements: batch variance relative error <= 1e-4
//  (semantics.md
//    §3); y within ulp(mean)*invstd (the float32 mean itself is only known to
//    1/2 ulp of 1e4 ~ 5e-4, which becomes an absolute error of y) + 4 ulp of
//    |y|.
//  - the other channels next to a NaN channel: the sweep's bounds (4 ulp of the
//  oracle's
//    magnitudes, see test_oracle_sweep.cpp).
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/batch_norm.h"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "support/oracle_double.hpp"
#include "support/ulp.hpp"

namespace {

using bnkit_test::ulp_distance;
using oracle::Correction;
using oracle::Dims;
using oracle::Form;

struct Ws {
  std::vector<float> v;
  explicit Ws(std::size_t C) : v((BNKIT_BN_WORKSPACE_BYTES(C) + sizeof(float) - 1) / sizeof(float)) {}
  bnkit_buffer buf() { return {v.data(), v.size() * sizeof(float)}; }
};

bnkit_bn_desc desc_of(std::vector<std::size_t> dims, int axis) {
  bnkit_bn_desc d;
  const int32_t a = axis;
  REQUIRE(bnkit_bn_desc_init(&d, static_cast<uint32_t>(dims.size()),
                             dims.data(), 1, &a) == BNKIT_OK);
  return d;
}

} // namespace

TEST_CASE("n = 1 in training: y = beta, the variance fed to the moving average "
          "is 0 under both corrections") {
  const bnkit_bn_desc d = desc_of({1, 3, 1, 1}, 1);
  const float x[3] = {5.0f, -2.5f, 1e6f};
  const float gamma[3] = {2.0f, -1.0f, 0.5f}, beta[3] = {0.7f, -3.0f, 0.0f};
  for (const auto corr : {BNKIT_VARIANCE_BIASED, BNKIT_VARIANCE_UNBIASED})
    for (const auto form : {BNKIT_UPDATE_LERP, BNKIT_UPDATE_ASSIGN_SUB}) {
      CAPTURE(corr);
      CAPTURE(form);
      float y[3], mm[3] = {0, 1, 2}, mv[3] = {1, 2, 4}, sm[3], si[3];
      Ws ws(3);
      const bnkit_bn_train_params p{1e-3f, 0.9, corr, form};
      REQUIRE(bnkit_bn_train_f32(&d, &p, x, y, gamma, beta, mm, mv, sm, si,
                                 ws.buf()) == BNKIT_OK);
      const float f = static_cast<float>(1.0 - 0.9);
      for (int c = 0; c < 3; ++c) {
        CHECK(y[c] == beta[c]);
        CHECK(sm[c] == x[c]);
        CHECK_ULP(si[c], 1.0 / std::sqrt(static_cast<double>(1e-3f)), 2);
        const double old_v[3] = {1, 2, 4}, old_m[3] = {0, 1, 2};
        // v fed = 0: moving_var = (1-f)*old, never NaN (cuDNN's NaN is not
        // followed).
        CHECK_ULP(mv[c], (1.0 - f) * old_v[c], 2);
        CHECK_ULP(mm[c], (1.0 - f) * old_m[c] + f * static_cast<double>(x[c]),
                  2);
      }
    }
}

TEST_CASE("T6: n = 1 training through the front-ends (Keras both paths m=.99, "
          "MindSpore both variances m=.9)") {
  const float x[1] = {5.0f};
  for (const bool fused : {true, false}) {
    CAPTURE(fused);
    bnkit::keras::Config cfg;
    cfg.fused = fused;
    bnkit::keras::BatchNormalization<1> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[1] = {-1};
    REQUIRE(layer.call({1, 1, 1, 1}, {x, 1}, {y, 1}, true) == BNKIT_OK);
    CHECK(layer.fused() == fused);
    CHECK(y[0] == 0.0f);
    CHECK(ulp_distance(layer.moving_mean()[0], 0.049999997f) <= 1);
    CHECK(ulp_distance(layer.moving_variance()[0], 0.99f) <= 1);
  }
  for (const auto mvar : {bnkit::mindspore::MovingVariance::biased,
                          bnkit::mindspore::MovingVariance::unbiased}) {
    bnkit::mindspore::Config cfg;
    cfg.moving_variance = mvar;
    bnkit::mindspore::BatchNorm2d<1> cell_(1, cfg);
    bnkit::mindspore::BatchNormBase &cell = cell_;
    cell.set_train(true);
    float y[1] = {-1};
    REQUIRE(cell.call({1, 1, 1, 1}, {x, 1}, {y, 1}) == BNKIT_OK);
    CHECK(y[0] == 0.0f);
    CHECK(ulp_distance(cell.moving_mean()[0], 0.5f) <= 1);
    CHECK(ulp_distance(cell.moving_variance()[0], 0.9f) <= 1);
  }
}

TEST_CASE("a constant channel normalizes to beta") {
  for (const float c0 : {3.0f, 0.1f, -1234.5678f}) {
    CAPTURE(c0);
    const std::size_t n = 7 * 13;
    const bnkit_bn_desc d = desc_of({7, 2, 13}, 1);
    std::vector<float> x(2 * n), y(2 * n);
    oracle::Rng r(11);
    for (std::size_t o = 0; o < 7; ++o)
      for (std::size_t i = 0; i < 13; ++i) {
        x[(o * 2 + 0) * 13 + i] = c0;
        x[(o * 2 + 1) * 13 + i] = r.uniform(-1, 1);
      }
    const float gamma[2] = {1.5f, 1.0f}, beta[2] = {0.25f, 0.0f};
    float sm[2], si[2], mm[2] = {0, 0}, mv[2] = {1, 1};
    Ws ws(2);
    const bnkit_bn_train_params p{1e-3f, 0.0, BNKIT_VARIANCE_UNBIASED,
                                  BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), gamma, beta, mm, mv,
                               sm, si, ws.buf()) == BNKIT_OK);
    CHECK(ulp_distance(sm[0], c0) <= 1);
    CHECK(mv[0] <= 4 * std::ldexp(std::fabs(c0), -23) *
                       std::fabs(c0)); // ~0 (momentum 0: v fed)
    const double inv = 1.0 / std::sqrt(static_cast<double>(1e-3f));
    const double bound =
        oracle::ulp_at(beta[0]) + gamma[0] * inv * oracle::ulp_at(c0);
    for (std::size_t o = 0; o < 7; ++o)
      for (std::size_t i = 0; i < 13; ++i) {
        const float v = y[(o * 2 + 0) * 13 + i];
        INFO("y " << v);
        CHECK(std::fabs(static_cast<double>(v) - beta[0]) <= bound);
      }
    if (c0 == 3.0f)
      CHECK(y[0] == beta[0]); // an exactly representable mean: exact
  }
}

TEST_CASE("NaN or inf in one channel stays in that channel") {
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity()}) {
    CAPTURE(bad);
    const std::vector<std::size_t> dims{5, 3, 7};
    const Dims dv = oracle::view_of(dims, {1});
    const bnkit_bn_desc d = desc_of(dims, 1);
    oracle::Rng r(12);
    std::vector<float> x(dv.count()), y(dv.count());
    for (auto &v : x)
      v = r.uniform(-2, 2);
    x[dv.idx(2, 1, 4)] = bad;
    const float gamma[3] = {1.0f, 2.0f, -0.5f}, beta[3] = {0.1f, 0.2f, 0.3f};
    float sm[3], si[3], mm[3] = {0.5f, 0.5f, 0.5f}, mv[3] = {2, 2, 2};
    const float mm0[3] = {0.5f, 0.5f, 0.5f}, mv0[3] = {2, 2, 2};
    Ws ws(3);
    const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_BIASED,
                                  BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), gamma, beta, mm, mv,
                               sm, si, ws.buf()) == BNKIT_OK);
    const oracle::Train t = oracle::train(dv, x.data(), gamma, beta, mm0, mv0,
                                          static_cast<double>(1e-3f), 0.9,
                                          Correction::biased, Form::lerp);
    for (std::size_t o = 0; o < dv.outer; ++o)
      for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t i = 0; i < dv.inner; ++i) {
          const std::size_t k = dv.idx(o, c, i);
          if (c == 1) {
            CHECK(std::isnan(y[k]));
          } else {
            INFO("element " << k << " y " << y[k] << " expected " << t.y[k]);
            CHECK(oracle::err_ulps(y[k], t.y[k], t.mag[k]) <= 4);
          }
        }
    CHECK(std::isnan(mv[1]));
    CHECK(!std::isfinite(mm[1]));
    CHECK(!std::isfinite(sm[1]));
    for (const std::size_t c : {std::size_t{0}, std::size_t{2}}) {
      CHECK(oracle::err_ulps(sm[c], t.st.mean[c], t.st.mean_mag[c]) <= 2);
      CHECK(oracle::err_ulps(si[c], t.st.invstd[c], 0) <= 4);
      CHECK(oracle::err_ulps(mm[c], t.new_mm[c], t.mm_mag[c]) <= 4);
      CHECK(oracle::err_ulps(mv[c], t.new_mv[c], t.mv_mag[c]) <= 4);
    }
  }
}

TEST_CASE(
    "mean 1e4, std 1 over 12000 elements: stable variance and accurate y") {
  const std::size_t n = 12000;
  const std::vector<std::size_t> dims{n, 2};
  const Dims dv = oracle::view_of(dims, {-1});
  const bnkit_bn_desc d = desc_of(dims, -1);
  oracle::Rng r(13);
  std::vector<float> x(2 * n), y(2 * n);
  for (std::size_t k = 0; k < n; ++k) {
    x[2 * k] = 1e4f + r.uniform(-1.7320508f, 1.7320508f); // std 1
    x[2 * k + 1] = r.uniform(-1, 1);
  }
  for (const auto corr : {BNKIT_VARIANCE_BIASED, BNKIT_VARIANCE_UNBIASED}) {
    CAPTURE(corr);
    float sm[2], si[2], mm[2] = {0, 0}, mv[2] = {1, 1};
    Ws ws(2);
    // momentum 0 with LERP: the moving variance becomes exactly the variance
    // fed.
    const bnkit_bn_train_params p{1e-3f, 0.0, corr, BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), nullptr, nullptr, mm,
                               mv, sm, si, ws.buf()) == BNKIT_OK);
    const oracle::Train t = oracle::train(
        dv, x.data(), nullptr, nullptr, nullptr, nullptr,
        static_cast<double>(1e-3f), 0.0, Correction::biased, Form::lerp);
    const double vb = t.st.var[0];
    const double v_fed =
        corr == BNKIT_VARIANCE_UNBIASED ? vb * n / (n - 1.0) : vb;
    INFO("variance " << mv[0] << " expected " << v_fed);
    CHECK(std::fabs(mv[0] - v_fed) <= 1e-4 * v_fed);
    CHECK(std::fabs(1.0 / (static_cast<double>(si[0]) * si[0]) - 1e-3f - vb) <=
          1e-4 * vb);
    CHECK(std::fabs(sm[0] - t.st.mean[0]) <= oracle::ulp_at(1e4));
    double worst = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double bound =
          oracle::ulp_at(1e4) * t.st.invstd[0] + 4 * oracle::ulp_at(t.y[2 * k]);
      worst = std::fmax(worst, std::fabs(y[2 * k] - t.y[2 * k]) / bound);
    }
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("T5: Keras epsilon floor, inference x=1, m=0, v=0, eps=1e-6") {
  const float one[1] = {1.0f}, zero[1] = {0.0f};
  { // fused (4-D, axis -1): eps -> 1.001e-5
    bnkit::keras::Config cfg;
    cfg.epsilon = 1e-6;
    bnkit::keras::BatchNormalization<1> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    REQUIRE(layer.build({1, 1, 1, 1}) == BNKIT_OK);
    const bnkit::Span<const float> w[4] = {
        {one, 1}, {zero, 1}, {zero, 1}, {zero, 1}};
    REQUIRE(layer.set_weights(w, 4) == BNKIT_OK);
    float y[1];
    REQUIRE(layer.call({1, 1, 1, 1}, {one, 1}, {y, 1}, false) == BNKIT_OK);
    CHECK(layer.fused());
    CHECK(ulp_distance(y[0], 316.0698f) <= 1);
  }
  { // non-fused (2-D): eps as given
    bnkit::keras::Config cfg;
    cfg.epsilon = 1e-6;
    bnkit::keras::BatchNormalization<1> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    REQUIRE(layer.build({1, 1}) == BNKIT_OK);
    const bnkit::Span<const float> w[4] = {
        {one, 1}, {zero, 1}, {zero, 1}, {zero, 1}};
    REQUIRE(layer.set_weights(w, 4) == BNKIT_OK);
    float y[1];
    REQUIRE(layer.call({1, 1}, {one, 1}, {y, 1}, false) == BNKIT_OK);
    CHECK_FALSE(layer.fused());
    CHECK(ulp_distance(y[0], 999.99994f) <= 1);
  }
}

TEST_CASE(
    "T7: n = 2, x = 1 3, momentum .99: non-fused v = 1.0, fused v = 1.01") {
  const float x[2] = {1.0f, 3.0f};
  {
    bnkit::keras::BatchNormalization<1> layer_;
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[2];
    REQUIRE(layer.call({2, 1}, {x, 2}, {y, 2}, true) == BNKIT_OK);
    CHECK_FALSE(layer.fused());
    CHECK(ulp_distance(layer.moving_variance()[0], 1.0f) <= 1);
  }
  {
    bnkit::keras::BatchNormalization<1> layer_;
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[2];
    REQUIRE(layer.call({1, 2, 1, 1}, {x, 2}, {y, 2}, true) == BNKIT_OK);
    CHECK(layer.fused());
    CHECK(ulp_distance(layer.moving_variance()[0], 1.01f) <= 1);
  }
}

TEST_CASE("moving-average update forms are the documented float32 expressions "
          "(LERP vs ASSIGN_SUB)") {
  // With exactly representable batch statistics (x = c + 1..4: mean c + 2.5,
  // biased var 1.25) the update is fully determined by its float32 expression
  // (docs/numerics.md): LERP (1 - f)*old + f*b, ASSIGN_SUB old - (old - b)*f, f
  // = (float)(1 - momentum). The two differ in the last bit for some old
  // values; the test requires that it saw such a case.
  const std::size_t C = 64;
  const std::vector<std::size_t> dims{4, C};
  const bnkit_bn_desc d = desc_of(dims, -1);
  std::vector<float> x(4 * C), y(4 * C);
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t c = 0; c < C; ++c)
      x[k * C + c] = static_cast<float>(c % 8) + static_cast<float>(k + 1);
  oracle::Rng r(15);
  std::vector<float> old_m(C), old_v(C);
  for (std::size_t c = 0; c < C; ++c) {
    old_m[c] = r.uniform(-10, 10);
    old_v[c] = r.uniform(0, 10);
  }
  for (const double momentum : {0.99, 0.9, 0.7}) {
    CAPTURE(momentum);
    const float f = static_cast<float>(1.0 - momentum);
    std::vector<float> m_lerp = old_m, v_lerp = old_v, m_sub = old_m,
                       v_sub = old_v, sm(C), si(C);
    Ws ws(C);
    const bnkit_bn_train_params pl{1e-3f, momentum, BNKIT_VARIANCE_BIASED,
                                   BNKIT_UPDATE_LERP};
    const bnkit_bn_train_params ps{1e-3f, momentum, BNKIT_VARIANCE_BIASED,
                                   BNKIT_UPDATE_ASSIGN_SUB};
    REQUIRE(bnkit_bn_train_f32(&d, &pl, x.data(), y.data(), nullptr, nullptr,
                               m_lerp.data(), v_lerp.data(), sm.data(),
                               si.data(), ws.buf()) == BNKIT_OK);
    REQUIRE(bnkit_bn_train_f32(&d, &ps, x.data(), y.data(), nullptr, nullptr,
                               m_sub.data(), v_sub.data(), sm.data(), si.data(),
                               ws.buf()) == BNKIT_OK);
    int differ = 0;
    for (std::size_t c = 0; c < C; ++c) {
      const float bm = static_cast<float>(c % 8) + 2.5f, bv = 1.25f;
      REQUIRE(sm[c] == bm);
      const float el_m = (1.0f - f) * old_m[c] + f * bm,
                  el_v = (1.0f - f) * old_v[c] + f * bv;
      const float es_m = old_m[c] - (old_m[c] - bm) * f,
                  es_v = old_v[c] - (old_v[c] - bv) * f;
      CHECK(m_lerp[c] == el_m);
      CHECK(v_lerp[c] == el_v);
      CHECK(m_sub[c] == es_m);
      CHECK(v_sub[c] == es_v);
      differ += (el_m != es_m) + (el_v != es_v);
    }
    CHECK(differ > 0);
  }
}
