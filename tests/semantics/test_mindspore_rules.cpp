// bnkit::mindspore::BatchNorm1d/2d/3d against MindSpore's rules (semantics.md
// §1-§5, semantics-reference §3-§5, T1, T9, T13).
//
// Tolerances: printed float32 reference values (T1 moving statistics) 1 ulp;
// outputs computed here from the double formula: the sweep's bounds (3 ulp of
// the inference magnitude |x*s| + |beta| + |mean*s|, 4 ulp of the training
// magnitude, 4 ulp of the backward magnitudes; see test_oracle_sweep.cpp).
// Rules (status codes, unchanged state, which gradients exist) are exact.
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/mindspore.hpp"
#include "support/oracle_double.hpp"
#include "support/ulp.hpp"

namespace {

namespace ms = bnkit::mindspore;
using bnkit_test::ulp_distance;
using oracle::Dims;

template <class T, class = void> struct accessors_callable : std::false_type {};
template <class T>
struct accessors_callable<
    T, std::void_t<decltype(std::declval<T &>().moving_mean()),
                   decltype(std::declval<T &>().gamma()),
                   decltype(std::declval<T &>().dgamma())>> : std::true_type {};

std::vector<float> vec(bnkit::Span<const float> s) {
  return {s.begin(), s.end()};
}

const float x8[16] = {1, 2, 3, 4, 0.5f, -1, 2, 8, 1, 2, 3, 4, 0.5f, -1, 2, 8};

} // namespace

TEST_CASE("mindspore: the accessors can be called on the cell type itself") {
  CHECK(accessors_callable<ms::BatchNormBase>::value);
  CHECK(accessors_callable<ms::BatchNorm2d<4>>::value);
}

TEST_CASE("mindspore: defaults") {
  const ms::Config cfg;
  CHECK(cfg.eps == 1e-5);
  CHECK(cfg.momentum == 0.9);
  CHECK(cfg.affine);
  CHECK(cfg.gamma_init.kind == bnkit::Initializer::Kind::ones);
  CHECK(cfg.beta_init.kind == bnkit::Initializer::Kind::zeros);
  CHECK(cfg.moving_mean_init.kind == bnkit::Initializer::Kind::zeros);
  CHECK(cfg.moving_var_init.kind == bnkit::Initializer::Kind::ones);
  CHECK_FALSE(cfg.use_batch_statistics.has_value());
  CHECK(cfg.data_format == ms::DataFormat::NCHW);
  CHECK(cfg.moving_variance ==
        ms::MovingVariance::unbiased); // GPU/Ascend (documented default)
  ms::BatchNorm2d<3> cell_(3);
  ms::BatchNormBase &cell = cell_;
  CHECK(cell.init_status() == BNKIT_OK);
  CHECK(cell.num_features() == 3);
  CHECK_FALSE(cell.training());
  for (int c = 0; c < 3; ++c) {
    CHECK(cell.gamma()[c] == 1.0f);
    CHECK(cell.beta()[c] == 0.0f);
    CHECK(cell.moving_mean()[c] == 0.0f);
    CHECK(cell.moving_variance()[c] == 1.0f);
  }
}

TEST_CASE("mindspore: T1 moving variance, biased (CPU) 1.025 vs unbiased "
          "(GPU/Ascend, default) 1.0666666") {
  const float x[4] = {1, 2, 3, 4};
  for (int k = 0; k < 3; ++k) {
    ms::Config cfg;
    if (k == 1)
      cfg.moving_variance = ms::MovingVariance::biased;
    if (k == 2)
      cfg.moving_variance = ms::MovingVariance::unbiased;
    ms::BatchNorm1d<1> cell_(1, cfg);
    ms::BatchNormBase &cell = cell_;
    cell.set_train(true);
    float y[4];
    REQUIRE(cell.call({4, 1}, {x, 4}, {y, 4}) == BNKIT_OK);
    CHECK(ulp_distance(cell.moving_mean()[0], 0.25f) <= 1);
    CHECK(ulp_distance(cell.moving_variance()[0],
                       k == 1 ? 1.025f : 1.0666666f) <= 1);
    // Normalization uses the biased variance either way (PyTorch's printed y,
    // same eps).
    const float ey[4] = {-1.3416353f, -0.44721174f, 0.44721186f, 1.3416355f};
    for (int i = 0; i < 4; ++i)
      CHECK(oracle::err_ulps(y[i], ey[i], (x[i] + 2.5) / std::sqrt(1.25)) <= 2);
  }
}

TEST_CASE("mindspore: T9 use_batch_statistics truth table (and backward with "
          "the statistics used)") {
  const std::vector<std::size_t> dims{2, 2, 2, 2};
  const Dims dv = oracle::view_of(dims, {1});
  const float m0[2] = {0.5f, -0.5f}, v0[2] = {2.0f, 0.5f};
  const float dy[16] = {0.1f,  -0.2f, 0.3f, 0.4f, 1,    -1,    0.5f, 0.25f,
                        -0.3f, 0.2f,  0.1f, 0,    0.7f, -0.6f, 0.5f, 0.4f};
  struct Row {
    std::optional<bool> ubs;
    bool train;
    bool batch;
  };
  const Row rows[] = {{std::nullopt, true, true}, {std::nullopt, false, false},
                      {true, false, true},        {true, true, true},
                      {false, true, false},       {false, false, false}};
  for (const Row &row : rows) {
    CAPTURE(row.ubs.has_value());
    CAPTURE(row.ubs.value_or(false));
    CAPTURE(row.train);
    ms::Config cfg;
    cfg.use_batch_statistics = row.ubs;
    ms::BatchNorm2d<2> cell_(2, cfg);
    ms::BatchNormBase &cell = cell_;
    REQUIRE(cell.load_parameter("moving_mean", {m0, 2}) == BNKIT_OK);
    REQUIRE(cell.load_parameter("moving_variance", {v0, 2}) == BNKIT_OK);
    cell.set_train(row.train);
    float y[16], dx[16];
    REQUIRE(cell.call({2, 2, 2, 2}, {x8, 16}, {y, 16}) == BNKIT_OK);
    const double eps = static_cast<double>(1e-5f);
    if (row.batch) {
      const oracle::Train t =
          oracle::train(dv, x8, nullptr, nullptr, m0, v0, eps, 0.9,
                        oracle::Correction::unbiased, oracle::Form::lerp);
      CHECK_ARRAY_ULPS("batch-statistics y", y, t.y, t.mag, 4);
      CHECK_ARRAY_ULPS("updated moving mean", cell.moving_mean().data, t.new_mm,
                       t.mm_mag, 4);
      CHECK_ARRAY_ULPS("updated moving variance", cell.moving_variance().data,
                       t.new_mv, t.mv_mag, 4);
    } else {
      const oracle::Infer e =
          oracle::infer(dv, x8, nullptr, nullptr, m0, v0, eps);
      CHECK_ARRAY_ULPS("moving-statistics y", y, e.y, e.mag, 3);
      CHECK(vec(cell.moving_mean()) == std::vector<float>(m0, m0 + 2));
      CHECK(vec(cell.moving_variance()) == std::vector<float>(v0, v0 + 2));
    }
    REQUIRE(cell.backward({2, 2, 2, 2}, {x8, 16}, {dy, 16}, {dx, 16}) ==
            BNKIT_OK);
    const oracle::Backward b =
        row.batch
            ? oracle::backward_training(dv, x8, dy, nullptr, eps)
            : oracle::backward_inference(dv, x8, dy, nullptr, m0, v0, eps);
    CHECK_ARRAY_ULPS("dx", dx, b.dx, b.dx_mag, 4);
    CHECK_ARRAY_ULPS("dgamma", cell.dgamma().data, b.dgamma, b.dgamma_mag, 4);
    CHECK_ARRAY_ULPS("dbeta", cell.dbeta().data, b.dbeta, b.dbeta_mag, 4);
  }
}

TEST_CASE("mindspore: T13 affine=False keeps gamma_init (output 2*xhat) and "
          "reports no gradients") {
  ms::Config cfg;
  cfg.affine = false;
  cfg.gamma_init = bnkit::constant(2.0f);
  cfg.beta_init = bnkit::constant(0.5f);
  ms::BatchNorm1d<2> cell_(2, cfg);
  ms::BatchNormBase &cell = cell_;
  cell.set_train(true);
  const float x[8] = {1, 2, 3, 4, -1, 0.5f, 2, 7};
  float y[8], dx[8];
  REQUIRE(cell.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
  CHECK(cell.gamma()[0] == 2.0f);
  const Dims dv = oracle::view_of({4, 2}, {1});
  const float g[2] = {2, 2}, b[2] = {0.5f, 0.5f};
  const oracle::Train t =
      oracle::train(dv, x, g, b, nullptr, nullptr, static_cast<double>(1e-5f),
                    0.9, oracle::Correction::unbiased, oracle::Form::lerp);
  CHECK_ARRAY_ULPS("2*xhat + 0.5", y, t.y, t.mag, 4);
  REQUIRE(cell.backward({4, 2}, {x, 8}, {y, 8}, {dx, 8}) == BNKIT_OK);
  CHECK(cell.dgamma().size == 0);
  CHECK(cell.dbeta().size == 0);
  const oracle::Backward e =
      oracle::backward_training(dv, x, y, g, static_cast<double>(1e-5f));
  CHECK_ARRAY_ULPS("dx with the fixed gamma 2", dx, e.dx, e.dx_mag, 4);
}

TEST_CASE("mindspore: rank checks (1d: 2-D or 3-D, 2d: 4-D, 3d: 5-D) and "
          "num_features") {
  const float x[64] = {};
  float y[64];
  ms::BatchNorm1d<4> b1_(2);
  ms::BatchNormBase &b1 = b1_;
  CHECK(b1.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
  CHECK(b1.call({4, 2, 3}, {x, 24}, {y, 24}) == BNKIT_OK);
  CHECK(b1.call({4, 2, 3, 1}, {x, 24}, {y, 24}) == BNKIT_ERR_BAD_RANK);
  CHECK(b1.call({8}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_RANK);
  CHECK(b1.call({4, 3}, {x, 12}, {y, 12}) == BNKIT_ERR_CHANNEL_MISMATCH);
  ms::BatchNorm2d<4> b2_(2);
  ms::BatchNormBase &b2 = b2_;
  CHECK(b2.call({1, 2, 2, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
  CHECK(b2.call({2, 2, 2}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_RANK);
  CHECK(b2.call({1, 2, 2, 2, 1}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_RANK);
  CHECK(b2.call({1, 3, 2, 2}, {x, 12}, {y, 12}) == BNKIT_ERR_CHANNEL_MISMATCH);
  CHECK(b2.call({1, 2, 2, 3}, {x, 12}, {y, 12}) ==
        BNKIT_OK); // NCHW: channel is dim 1
  ms::BatchNorm3d<4> b3_(2);
  ms::BatchNormBase &b3 = b3_;
  CHECK(b3.call({1, 2, 2, 2, 2}, {x, 16}, {y, 16}) == BNKIT_OK);
  CHECK(b3.call({1, 2, 2, 2}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_RANK);
  CHECK(b3.call({1, 4, 2, 2, 2}, {x, 32}, {y, 32}) ==
        BNKIT_ERR_CHANNEL_MISMATCH);
  // Rejected calls of a training cell touch nothing.
  b2.set_train(true);
  const std::vector<float> mm = vec(b2.moving_mean());
  CHECK(b2.call({1, 3, 2, 2}, {x, 12}, {y, 12}) == BNKIT_ERR_CHANNEL_MISMATCH);
  CHECK(vec(b2.moving_mean()) == mm);
}

TEST_CASE("mindspore: NHWC data_format takes the channel from the last dim") {
  ms::Config cfg;
  cfg.data_format = ms::DataFormat::NHWC;
  ms::BatchNorm2d<3> cell_(3, cfg);
  ms::BatchNormBase &cell = cell_;
  REQUIRE(cell.init_status() == BNKIT_OK);
  cell.set_train(true);
  oracle::Rng r(31);
  std::vector<float> x(2 * 5 * 7 * 3), y(x.size());
  for (auto &v : x)
    v = r.uniform(-3, 3);
  REQUIRE(cell.call({2, 5, 7, 3}, {x.data(), x.size()}, {y.data(), y.size()}) ==
          BNKIT_OK);
  const Dims dv = oracle::view_of({2, 5, 7, 3}, {3});
  const float m0[3] = {0, 0, 0}, v0[3] = {1, 1, 1};
  const oracle::Train t = oracle::train(
      dv, x.data(), nullptr, nullptr, m0, v0, static_cast<double>(1e-5f), 0.9,
      oracle::Correction::unbiased, oracle::Form::lerp);
  CHECK_ARRAY_ULPS("NHWC y", y.data(), t.y, t.mag, 4);
  CHECK_ARRAY_ULPS("NHWC moving mean", cell.moving_mean().data, t.new_mm,
                   t.mm_mag, 4);
  CHECK(cell.call({2, 3, 5, 7}, {x.data(), x.size()}, {y.data(), y.size()}) ==
        BNKIT_ERR_CHANNEL_MISMATCH);
  ms::BatchNorm3d<3> b3_(3, cfg); // BatchNorm3d is NCDHW only
  CHECK(b3_.init_status() != BNKIT_OK);
}

TEST_CASE("mindspore: eps must lie in 0 < eps <= 1 and momentum in 0..1, "
          "checked at init and by every call") {
  const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float y[8] = {}, dx[8];
  for (const double eps :
       {0.0, 1.5, -1e-5, std::numeric_limits<double>::quiet_NaN()}) {
    CAPTURE(eps);
    ms::Config cfg;
    cfg.eps = eps;
    ms::BatchNorm1d<2> cell_(2, cfg);
    ms::BatchNormBase &cell = cell_;
    CHECK(cell.init_status() == BNKIT_ERR_BAD_EPSILON);
    CHECK(cell.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_EPSILON);
    cell.set_train(true);
    CHECK(cell.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_EPSILON);
    CHECK(cell.backward({4, 2}, {x, 8}, {x, 8}, {dx, 8}) ==
          BNKIT_ERR_BAD_EPSILON);
    const float v[2] = {1, 1};
    CHECK(cell.load_parameter("gamma", {v, 2}) == BNKIT_ERR_BAD_EPSILON);
    CHECK(y[0] == 0.0f);
  }
  {
    ms::Config cfg;
    cfg.eps = 1.0; // the upper end is allowed
    ms::BatchNorm1d<2> cell(2, cfg);
    CHECK(cell.init_status() == BNKIT_OK);
  }
  for (const double m : {1.5, -0.1}) {
    ms::Config cfg;
    cfg.momentum = m;
    ms::BatchNorm1d<2> cell_(2, cfg);
    ms::BatchNormBase &cell = cell_;
    CHECK(cell.init_status() == BNKIT_ERR_BAD_MOMENTUM);
    CHECK(cell.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_ERR_BAD_MOMENTUM);
  }
  for (const double m : {0.0, 1.0}) {
    ms::Config cfg;
    cfg.momentum = m;
    ms::BatchNorm1d<2> cell(2, cfg);
    CHECK(cell.init_status() == BNKIT_OK);
  }
}

TEST_CASE("mindspore: capacity and zero features") {
  ms::BatchNorm2d<4> big(5);
  CHECK(big.init_status() == BNKIT_ERR_CAPACITY);
  const float x[20] = {};
  float y[20];
  CHECK(big.call({1, 5, 2, 2}, {x, 20}, {y, 20}) == BNKIT_ERR_CAPACITY);
  ms::BatchNorm2d<4> exact(4);
  CHECK(exact.init_status() == BNKIT_OK);
  ms::BatchNorm2d<4> zero(0);
  CHECK(zero.init_status() == BNKIT_ERR_ZERO_DIM);
}

TEST_CASE("mindspore: load_parameter by checkpoint name") {
  ms::BatchNorm2d<2> cell_(2);
  ms::BatchNormBase &cell = cell_;
  const float g[2] = {3, 4}, v[2] = {2, 8}, m[2] = {1, -1},
              b[2] = {0.5f, -0.5f}, bad[3] = {1, 2, 3};
  CHECK(cell.load_parameter("bn1.gamma", {g, 2}) == BNKIT_OK);
  CHECK(vec(cell.gamma()) == std::vector<float>(g, g + 2));
  CHECK(cell.load_parameter("moving_variance", {v, 2}) == BNKIT_OK);
  CHECK(vec(cell.moving_variance()) == std::vector<float>(v, v + 2));
  CHECK(cell.load_parameter("backbone.layer1.0.bn1.moving_mean", {m, 2}) ==
        BNKIT_OK);
  CHECK(cell.load_parameter("beta", {b, 2}) == BNKIT_OK);
  CHECK(vec(cell.moving_mean()) == std::vector<float>(m, m + 2));
  CHECK(cell.load_parameter("bn1.weight", {g, 2}) == BNKIT_ERR_BAD_ARGUMENT);
  CHECK(cell.load_parameter("moving_var", {g, 2}) == BNKIT_ERR_BAD_ARGUMENT);
  CHECK(cell.load_parameter("gamma", {bad, 3}) == BNKIT_ERR_CHANNEL_MISMATCH);
  CHECK(vec(cell.gamma()) == std::vector<float>(g, g + 2)); // unchanged
  // The loaded parameters are what inference uses (the fold cache is
  // refreshed).
  const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float y[8];
  REQUIRE(cell.call({1, 2, 2, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
  const oracle::Infer e = oracle::infer(oracle::view_of({1, 2, 2, 2}, {1}), x,
                                        g, b, m, v, static_cast<double>(1e-5f));
  CHECK_ARRAY_ULPS("y with loaded parameters", y, e.y, e.mag, 3);
  const float g2[2] = {-1, 1};
  REQUIRE(cell.load_parameter("gamma", {g2, 2}) == BNKIT_OK);
  REQUIRE(cell.call({1, 2, 2, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
  const oracle::Infer e2 =
      oracle::infer(oracle::view_of({1, 2, 2, 2}, {1}), x, g2, b, m, v,
                    static_cast<double>(1e-5f));
  CHECK_ARRAY_ULPS("y after reloading gamma", y, e2.y, e2.mag, 3);
}
