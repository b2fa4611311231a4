// bnkit::keras::BatchNormalization against the Keras 2 rules of semantics.md
// §1-§5 and semantics-reference §3-§6 and T1, T8, T13, T14.
//
// Tolerances: printed float32 reference values (T1): fused y 2 ulp; non-fused y
// 2 ulp of
// (|x| + |mean|)*inv, because TF's non-fused order x*inv + (beta - mean*inv)
// cancels and its printed values are themselves 3 ulp of |y| away from the
// symmetric exact result; moving statistics 1 ulp. Outputs computed here from
// the double formula: the sweep's bounds (3 ulp of the inference magnitude, 4
// ulp of the training magnitude, see test_oracle_sweep.cpp). Rules (status
// codes, which weights exist, unchanged state) are exact.
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "support/oracle_double.hpp"
#include "support/ulp.hpp"

namespace {

using bnkit::keras::BatchNormalization;
using bnkit::keras::BatchNormalizationBase;
using bnkit::keras::Config;
using bnkit_test::ulp_distance;

template <class T, class = void>
struct moving_mean_callable : std::false_type {};
template <class T>
struct moving_mean_callable<
    T, std::void_t<decltype(std::declval<const T &>().moving_mean())>>
    : std::true_type {};
template <class T, class = void> struct gamma_callable : std::false_type {};
template <class T>
struct gamma_callable<T,
                      std::void_t<decltype(std::declval<const T &>().gamma())>>
    : std::true_type {};

// Expected fused decision from semantics.md §3 (or the status Keras raises).
bnkit_status build_status(int rank, int axis, std::optional<bool> fused,
                          bool &expect_fused) {
  const int a = axis < 0 ? axis + rank : axis;
  const bool listed = axis == -4 || axis == -3 || axis == -1 || axis == 1 ||
                      axis == 3 || axis == 4;
  expect_fused = false;
  if (fused == false)
    return BNKIT_OK;
  if (!listed)
    return fused == true ? BNKIT_ERR_BAD_AXIS : BNKIT_OK;
  if (rank != 4 && rank != 5)
    return fused == true ? BNKIT_ERR_BAD_RANK : BNKIT_OK;
  if (rank == 4 && a != 1 && a != 3)
    return BNKIT_ERR_BAD_AXIS;
  expect_fused = (rank == 4) || a == 1 || a == 4;
  return BNKIT_OK;
}

} // namespace

TEST_CASE(
    "keras: the weight accessors can be called on the layer type itself") {
  // BatchNormalization<N> inherits (privately) detail::LayerArrays<N>, whose
  // data members gamma, beta, moving_mean, ... hide BatchNormalizationBase's
  // accessors of the same names: `layer.moving_mean()` on a
  // BatchNormalization<N> is an ambiguous-name compile error, so users must go
  // through a BatchNormalizationBase&.
  CHECK(moving_mean_callable<BatchNormalizationBase>::value);
  CHECK(moving_mean_callable<BatchNormalization<4>>::value);
  CHECK(gamma_callable<BatchNormalization<4>>::value);
}

TEST_CASE("keras: defaults (axis -1, momentum .99, epsilon 1e-3, center/scale, "
          "initializers)") {
  const Config cfg;
  CHECK(cfg.axis.count == 1);
  CHECK(cfg.axis.v[0] == -1);
  CHECK(cfg.momentum == 0.99);
  CHECK(cfg.epsilon == 1e-3);
  CHECK(cfg.center);
  CHECK(cfg.scale);
  CHECK(cfg.trainable);
  CHECK_FALSE(cfg.fused.has_value());
  CHECK(cfg.beta_initializer.kind == bnkit::Initializer::Kind::zeros);
  CHECK(cfg.gamma_initializer.kind == bnkit::Initializer::Kind::ones);
  CHECK(cfg.moving_mean_initializer.kind == bnkit::Initializer::Kind::zeros);
  CHECK(cfg.moving_variance_initializer.kind == bnkit::Initializer::Kind::ones);
  BatchNormalization<3> layer_;
  BatchNormalizationBase &layer = layer_;
  CHECK_FALSE(layer.built());
  REQUIRE(layer.build({2, 5, 3}) == BNKIT_OK); // axis -1: 3 channels
  CHECK(layer.channels() == 3);
  CHECK_FALSE(layer.fused());
  CHECK(layer.effective_epsilon() == 1e-3f);
  for (int c = 0; c < 3; ++c) {
    CHECK(layer.gamma()[c] == 1.0f);
    CHECK(layer.beta()[c] == 0.0f);
    CHECK(layer.moving_mean()[c] == 0.0f);
    CHECK(layer.moving_variance()[c] == 1.0f);
  }
}

TEST_CASE(
    "keras: the fused selection rule (rank, axis, fused None/True/False)") {
  for (int rank = 2; rank <= 5; ++rank)
    for (int axis = -rank; axis < rank; ++axis)
      for (int f = 0; f < 3; ++f) {
        const std::optional<bool> fused =
            f == 0 ? std::nullopt : std::optional<bool>(f == 1);
        CAPTURE(rank);
        CAPTURE(axis);
        CAPTURE(f);
        Config cfg;
        cfg.axis = axis;
        cfg.fused = fused;
        cfg.epsilon = 1e-6;
        BatchNormalization<8> layer_(cfg);
        BatchNormalizationBase &layer = layer_;
        std::vector<std::size_t> dims(static_cast<std::size_t>(rank), 2);
        bool expect_fused = false;
        const bnkit_status expected =
            build_status(rank, axis, fused, expect_fused);
        REQUIRE(layer.build(bnkit::Shape(static_cast<uint32_t>(rank),
                                         dims.data())) == expected);
        if (expected != BNKIT_OK) {
          CHECK_FALSE(layer.built());
          continue;
        }
        CHECK(layer.fused() == expect_fused);
        // The fused path floors epsilon at 1.001e-5; the non-fused path keeps
        // it.
        CHECK(layer.effective_epsilon() ==
              static_cast<float>(expect_fused ? 1.001e-5 : 1e-6));
      }
  // The cases the brief names explicitly.
  bool fz = false;
  CHECK(build_status(4, 3, std::nullopt, fz) == BNKIT_OK);
  CHECK(fz);
  CHECK(build_status(5, 2, std::nullopt, fz) == BNKIT_OK);
  CHECK_FALSE(fz);
  CHECK(build_status(3, -1, true, fz) == BNKIT_ERR_BAD_RANK);
  CHECK(build_status(4, 2, true, fz) == BNKIT_ERR_BAD_AXIS);
  CHECK(build_status(4, -4, std::nullopt, fz) == BNKIT_ERR_BAD_AXIS); // T14
}

TEST_CASE("keras: the fused path is also decided by the first call, and a "
          "failed first call leaves the layer unbuilt") {
  Config cfg;
  cfg.axis = -4;
  BatchNormalization<4> layer_(cfg);
  BatchNormalizationBase &layer = layer_;
  const float x[16] = {};
  float y[16];
  CHECK(layer.call({2, 2, 2, 2}, {x, 16}, {y, 16}, true) ==
        BNKIT_ERR_BAD_AXIS); // T14 at the first call
  CHECK_FALSE(layer.built());
}

TEST_CASE("keras: T1, x = 1 2 3 4 non-fused (4,1) and fused (1,2,2,1), "
          "defaults, training=True") {
  const float x[4] = {1, 2, 3, 4};
  {
    BatchNormalization<1> layer_;
    BatchNormalizationBase &layer = layer_;
    float y[4];
    REQUIRE(layer.call({4, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
    CHECK_FALSE(layer.fused());
    // TF's non-fused order x*inv + (0 - mean*inv) cancels: its printed values
    // are asymmetric by up to 3 ulp of |y| (-0.44703472 vs 0.44703484), so
    // compare within 2 ulp of the terms' magnitude (|x| + |mean|)*inv.
    const float ey[4] = {-1.3411043f, -0.44703472f, 0.44703484f, 1.3411045f};
    for (int k = 0; k < 4; ++k) {
      const double mag = (x[k] + 2.5) / std::sqrt(1.25 + 1e-3);
      INFO("y " << y[k] << " printed " << ey[k]);
      CHECK(oracle::err_ulps(y[k], ey[k], mag) <= 2);
    }
    CHECK(ulp_distance(layer.moving_mean()[0], 0.024999999f) <= 1);
    CHECK(ulp_distance(layer.moving_variance()[0], 1.0025f) <= 1);
  }
  {
    BatchNormalization<1> layer_;
    BatchNormalizationBase &layer = layer_;
    float y[4];
    REQUIRE(layer.call({1, 2, 2, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
    CHECK(layer.fused());
    const float ey[4] = {-1.3411044f, -0.4470348f, 0.4470348f, 1.3411044f};
    for (int k = 0; k < 4; ++k)
      CHECK(ulp_distance(y[k], ey[k]) <= 2);
    CHECK(ulp_distance(layer.moving_mean()[0], 0.024999999f) <= 1);
    CHECK(ulp_distance(layer.moving_variance()[0], 1.0066667f) <= 1);
  }
  { // fused=False on the same 4-D input: biased variance, like the 2-D path
    Config cfg;
    cfg.fused = false;
    BatchNormalization<1> layer_(cfg);
    BatchNormalizationBase &layer = layer_;
    float y[4];
    REQUIRE(layer.call({1, 2, 2, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
    CHECK_FALSE(layer.fused());
    CHECK(ulp_distance(layer.moving_variance()[0], 1.0025f) <= 1);
  }
}

TEST_CASE("keras: T8, trainable=False with training=True is inference, and "
          "nothing is updated") {
  const float x[4] = {1, 2, 3, 4};
  Config cfg;
  cfg.trainable = false;
  BatchNormalization<1> layer_(cfg);
  BatchNormalizationBase &layer = layer_;
  REQUIRE(layer.build({4, 1}) == BNKIT_OK);
  const float g[1] = {1}, b[1] = {0}, m[1] = {0.5f}, v[1] = {2.0f};
  const bnkit::Span<const float> w[4] = {{g, 1}, {b, 1}, {m, 1}, {v, 1}};
  REQUIRE(layer.set_weights(w, 4) == BNKIT_OK);
  float y[4];
  REQUIRE(layer.call({4, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
  const oracle::Infer e = oracle::infer(oracle::view_of({4, 1}, {-1}), x, g, b,
                                        m, v, static_cast<double>(1e-3f));
  CHECK_ARRAY_ULPS("frozen y", y, e.y, e.mag, 3);
  CHECK(layer.moving_mean()[0] == 0.5f);
  CHECK(layer.moving_variance()[0] == 2.0f);
  // set_trainable(true) turns training=True back into batch statistics.
  layer.set_trainable(true);
  REQUIRE(layer.call({4, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
  CHECK(layer.moving_mean()[0] != 0.5f);
  CHECK(std::fabs(y[0] - (-1.3411043f)) < 1e-6f);
}

TEST_CASE("keras: training None and False use the moving statistics and update "
          "nothing") {
  const float x[6] = {1, -2, 3, 4, 0.5f, 8};
  for (int mode = 0; mode < 2; ++mode) {
    Config cfg;
    cfg.moving_mean_initializer = bnkit::constant(0.25f);
    cfg.moving_variance_initializer = bnkit::constant(3.0f);
    BatchNormalization<2> layer_(cfg);
    BatchNormalizationBase &layer = layer_;
    float y[6];
    const std::optional<bool> training =
        mode == 0 ? std::nullopt : std::optional<bool>(false);
    REQUIRE(layer.call({3, 2}, {x, 6}, {y, 6}, training) == BNKIT_OK);
    const float m[2] = {0.25f, 0.25f}, v[2] = {3, 3};
    const oracle::Infer e =
        oracle::infer(oracle::view_of({3, 2}, {-1}), x, nullptr, nullptr, m, v,
                      static_cast<double>(1e-3f));
    CHECK_ARRAY_ULPS("inference y", y, e.y, e.mag, 3);
    CHECK(layer.moving_mean()[1] == 0.25f);
    CHECK(layer.moving_variance()[0] == 3.0f);
  }
}

TEST_CASE("keras: InputSpec checks after build (rank and feature dims)") {
  BatchNormalization<4> layer_;
  BatchNormalizationBase &layer = layer_;
  REQUIRE(layer.build({2, 3}) == BNKIT_OK);
  CHECK(layer.build({7, 3}) == BNKIT_OK); // another batch size is fine
  const float x[24] = {};
  float y[24];
  CHECK(layer.call({2, 3, 1}, {x, 6}, {y, 6}) == BNKIT_ERR_BAD_RANK);
  CHECK(layer.call({2, 4}, {x, 8}, {y, 8}) == BNKIT_ERR_CHANNEL_MISMATCH);
  CHECK(layer.call({8, 3}, {x, 24}, {y, 24}) == BNKIT_OK);
  CHECK(layer.channels() == 3);

  Config cfg;
  cfg.axis = {1, 2};
  BatchNormalization<16> l2_(cfg);
  BatchNormalizationBase &l2 = l2_;
  REQUIRE(l2.build({2, 3, 4}) == BNKIT_OK);
  CHECK(l2.channels() == 12);
  CHECK(l2.call({2, 4, 3}, {x, 24}, {y, 24}) ==
        BNKIT_ERR_CHANNEL_MISMATCH); // same product, other dims
  CHECK(l2.call({1, 3, 4}, {x, 12}, {y, 12}) == BNKIT_OK);
}

TEST_CASE("keras: get/set_weights order gamma?, beta?, moving_mean, "
          "moving_variance") {
  for (int v = 0; v < 4; ++v) {
    CAPTURE(v);
    Config cfg;
    cfg.scale = !(v & 1);
    cfg.center = !(v & 2);
    BatchNormalization<2> layer_(cfg);
    BatchNormalizationBase &layer = layer_;
    REQUIRE(layer.build({1, 2}) == BNKIT_OK);
    const std::size_t n = 2u + cfg.scale + cfg.center;
    CHECK(layer.num_weights() == n);
    float vals[4][2] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
    bnkit::Span<const float> w[5] = {
        {vals[0], 2}, {vals[1], 2}, {vals[2], 2}, {vals[3], 2}, {vals[3], 2}};
    CHECK(layer.set_weights(w, n + 1) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(layer.set_weights(w, n - 1) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(layer.moving_mean()[0] == 0.0f); // a rejected call writes nothing
    REQUIRE(layer.set_weights(w, n) == BNKIT_OK);
    std::size_t k = 0;
    if (cfg.scale)
      CHECK(layer.gamma()[1] == vals[k++][1]);
    else
      CHECK(layer.gamma().size == 0);
    if (cfg.center)
      CHECK(layer.beta()[1] == vals[k++][1]);
    else
      CHECK(layer.beta().size == 0);
    CHECK(layer.moving_mean()[0] == vals[k++][0]);
    CHECK(layer.moving_variance()[1] == vals[k++][1]);
    float out[4][2] = {};
    bnkit::Span<float> o[5] = {
        {out[0], 2}, {out[1], 2}, {out[2], 2}, {out[3], 2}, {out[3], 2}};
    CHECK(layer.get_weights(o, n + 1) == BNKIT_ERR_BAD_ARGUMENT);
    REQUIRE(layer.get_weights(o, n) == BNKIT_OK);
    for (std::size_t j = 0; j < n; ++j) {
      CHECK(out[j][0] == vals[j][0]);
      CHECK(out[j][1] == vals[j][1]);
    }
    const float short1[1] = {9};
    w[0] = {short1, 1};
    CHECK(layer.set_weights(w, n) == BNKIT_ERR_CHANNEL_MISMATCH);
  }
}

TEST_CASE("keras: constant initializers, applied at build") {
  Config cfg;
  cfg.gamma_initializer = bnkit::constant(2.0f);
  cfg.beta_initializer = bnkit::constant(-1.0f);
  cfg.moving_mean_initializer = bnkit::constant(0.5f);
  cfg.moving_variance_initializer = bnkit::constant(4.0f);
  BatchNormalization<3> layer_(cfg);
  BatchNormalizationBase &layer = layer_;
  const float x[6] = {1, 2, 3, -4, 5, 6};
  float y[6];
  REQUIRE(layer.call({2, 3}, {x, 6}, {y, 6}, false) == BNKIT_OK);
  for (int c = 0; c < 3; ++c) {
    CHECK(layer.gamma()[c] == 2.0f);
    CHECK(layer.beta()[c] == -1.0f);
    CHECK(layer.moving_mean()[c] == 0.5f);
    CHECK(layer.moving_variance()[c] == 4.0f);
  }
  for (int k = 0; k < 6; ++k)
    CHECK_ULP(y[k],
              2.0 * (x[k] - 0.5) / std::sqrt(4.0 + static_cast<double>(1e-3f)) -
                  1.0,
              3);
}

TEST_CASE("keras: T13, scale=False ignores gamma_initializer (output xhat), "
          "center=False ignores beta") {
  Config cfg;
  cfg.scale = false;
  cfg.center = false;
  cfg.gamma_initializer = bnkit::constant(2.0f);
  cfg.beta_initializer = bnkit::constant(5.0f);
  BatchNormalization<1> layer_(cfg);
  BatchNormalizationBase &layer = layer_;
  const float x[4] = {1, 2, 3, 4};
  float y[4];
  REQUIRE(layer.call({4, 1}, {x, 4}, {y, 4}, true) == BNKIT_OK);
  CHECK(layer.gamma().size == 0);
  CHECK(layer.beta().size == 0);
  const oracle::Train t =
      oracle::train(oracle::view_of({4, 1}, {-1}), x, nullptr, nullptr, nullptr,
                    nullptr, static_cast<double>(1e-3f), 0.99,
                    oracle::Correction::biased, oracle::Form::assign_sub);
  CHECK_ARRAY_ULPS("xhat", y, t.y, t.mag, 4);
  CHECK(std::fabs(y[3] - 1.3411045f) < 1e-6f);
}
