// Backward pass (semantics.md §6, semantics-reference §9 / T12): the printed
// reference table, the double oracle against central finite differences, the
// library against the oracle and against float finite differences, in-place dx,
// and the front-ends' gradient rules.
//
// Tolerances:
//  - reference table (PyTorch float32 runs printed to 8 digits): dbeta and
//  dgamma 4 ulp
//    (sums of 4 products); dx 4 ulp of the oracle's magnitude |a|*(|dy| +
//    sum|dy|/n + |xhat|'*sum|dy*xhat|'/n) -- dx cancels (e.g. 0.25 - 0.214 for
//    the last element), so its float32 error is relative to the terms, not to
//    |dx|; the frozen rows have no cancellation: 4 ulp of |dx| (invstd from a
//    float sqrt and divide, then two products).
//  - oracle vs double central differences (h = 2^-12 on inputs that are
//  multiples of 2^-8,
//    so x +- h is exact in float): 1e-6 of the gradient's magnitude (truncation
//    h^2/6*|L'''| ~ 1e-8 for O(1) data, rounding ~ 1e-16/h).
//  - library vs float finite differences through the library's own forward
//    (h = 2^-6, 16 elements of O(1) size): 2e-3 absolute. Truncation
//    h^2/6*|L'''| ~ 5e-5 and rounding noise n*ulp(|y|)*|dy|/(2h) ~
//    16*1.2e-7/0.03 ~ 6e-5; the bound leaves a wide margin while still catching
//    any wrong term (each term of dx is O(0.1) here).
//  - library vs oracle: the sweep's bounds (4 ulp of the magnitudes).
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/batch_norm.h"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "support/oracle_double.hpp"
#include "support/ulp.hpp"

namespace {

using oracle::Dims;

struct Ws {
  std::vector<float> v;
  explicit Ws(std::size_t C) : v((BNKIT_BN_WORKSPACE_BYTES(C) + sizeof(float) - 1) / sizeof(float)) {}
  bnkit_buffer buf() { return {v.data(), v.size() * sizeof(float)}; }
};

const float tx[4] = {1, 2, 3, 4};
const float tdy[4] = {0.1f, -0.2f, 0.3f, 0.4f};
const std::vector<std::size_t> tdims{4, 1};

bnkit_bn_desc table_desc() {
  bnkit_bn_desc d;
  const int32_t a = -1;
  REQUIRE(bnkit_bn_desc_init(&d, 2, tdims.data(), 1, &a) == BNKIT_OK);
  return d;
}

} // namespace

TEST_CASE(
    "T12: training backward table, x = 1 2 3 4, dy = .1 -.2 .3 .4, gamma = 1") {
  struct Row {
    float eps;
    float dx[4];
    float dgamma, dbeta;
  };
  const Row rows[] = {{1e-5f,
                       {0.14310628f, -0.2504391f, 0.07155439f, 0.035778448f},
                       0.62609655f,
                       0.6f},
                      {1e-3f,
                       {0.14290106f, -0.25038952f, 0.0715756f, 0.035912868f},
                       0.62584877f,
                       0.6f}};
  const bnkit_bn_desc d = table_desc();
  const Dims dv = oracle::view_of(tdims, {-1});
  for (const Row &row : rows) {
    CAPTURE(row.eps);
    float y[4], sm[1], si[1], dx[4], dg[1], db[1];
    Ws ws(1);
    const bnkit_bn_train_params p{row.eps, 0.99, BNKIT_VARIANCE_BIASED,
                                  BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&d, &p, tx, y, nullptr, nullptr, nullptr,
                               nullptr, sm, si, ws.buf()) == BNKIT_OK);
    const oracle::Backward e =
        oracle::backward_training(dv, tx, tdy, nullptr, row.eps);
    for (int k = 0; k < 4; ++k) {
      // The oracle reproduces the printed table (validates the oracle).
      CHECK(oracle::err_ulps(row.dx[k], e.dx[k], e.dx_mag[k]) <= 4);
    }
    CHECK_ULP(row.dgamma, e.dgamma[0], 2);
    // Three ways: out of place, dx == dy, dx == x.
    for (int mode = 0; mode < 3; ++mode) {
      CAPTURE(mode);
      float xin[4], dyin[4];
      for (int k = 0; k < 4; ++k) {
        xin[k] = tx[k];
        dyin[k] = tdy[k];
      }
      float *out = mode == 0 ? dx : mode == 1 ? dyin : xin;
      REQUIRE(bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, xin, dyin,
                                    nullptr, sm, si, out, dg, db,
                                    ws.buf()) == BNKIT_OK);
      for (int k = 0; k < 4; ++k) {
        INFO("dx[" << k << "] = " << out[k] << " table " << row.dx[k]);
        CHECK(oracle::err_ulps(out[k], row.dx[k], e.dx_mag[k]) <= 4);
      }
      CHECK_ULP(dg[0], row.dgamma, 4);
      CHECK_ULP(db[0], row.dbeta, 4);
    }
  }
}

TEST_CASE("T12: frozen (inference) backward table, m=0.5, v=2") {
  struct Row {
    float eps;
    float dx[4];
    float dgamma;
  };
  const Row rows[] = {
      {1e-5f, {0.0707105f, -0.141421f, 0.2121315f, 0.282842f}, 1.3434995f},
      {1e-3f,
       {0.07069301f, -0.14138602f, 0.21207902f, 0.28277203f},
       1.3431672f}};
  const bnkit_bn_desc d = table_desc();
  const float m[1] = {0.5f}, v[1] = {2.0f};
  for (const Row &row : rows) {
    CAPTURE(row.eps);
    float inv[1], dx[4], dg[1], db[1];
    Ws ws(1);
    REQUIRE(bnkit_bn_invstd_f32(1, v, row.eps, inv) == BNKIT_OK);
    CHECK_ULP(inv[0], 1.0 / std::sqrt(2.0 + static_cast<double>(row.eps)), 1);
    REQUIRE(bnkit_bn_backward_f32(&d, BNKIT_PHASE_INFERENCE, tx, tdy, nullptr,
                                  m, inv, dx, dg, db, ws.buf()) == BNKIT_OK);
    // The table's dx is printed to 6-8 digits; compare with the exact formula
    // and with the table at the table's own precision.
    for (int k = 0; k < 4; ++k) {
      CHECK_ULP(dx[k],
                static_cast<double>(tdy[k]) /
                    std::sqrt(2.0 + static_cast<double>(row.eps)),
                3);
      CHECK(std::fabs(dx[k] - row.dx[k]) <= 1e-6 * std::fabs(row.dx[k]) + 5e-7);
    }
    CHECK_ULP(dg[0], row.dgamma, 4);
    CHECK_ULP(db[0], 0.6f, 4);
  }
}

TEST_CASE("the double oracle's backward equals central finite differences of L "
          "= sum(y*dy)") {
  oracle::Rng r(21);
  const std::vector<std::size_t> dims{3, 2, 5};
  const Dims dv = oracle::view_of(dims, {1});
  const std::size_t N = dv.count();
  std::vector<float> x(N), dy(N);
  for (auto &v : x)
    v = std::ldexp(static_cast<float>(static_cast<int>(r.below(2048)) - 1024),
                   -8); // [-4, 4) / 2^-8
  for (auto &v : dy)
    v = r.uniform(-1, 1);
  float gamma[2] = {1.5f, -0.75f}, beta[2] = {0.25f, -1.0f};
  const float mm[2] = {0.3f, -0.2f}, mv[2] = {1.7f, 0.6f};
  const double eps = 1e-3, h = std::ldexp(1.0, -12);
  auto loss_train = [&](const std::vector<float> &xx) {
    const oracle::Train t =
        oracle::train(dv, xx.data(), gamma, beta, nullptr, nullptr, eps, 0.9,
                      oracle::Correction::biased, oracle::Form::lerp);
    double L = 0;
    for (std::size_t k = 0; k < N; ++k)
      L += t.y[k] * dy[k];
    return L;
  };
  auto loss_infer = [&](const std::vector<float> &xx) {
    const oracle::Infer t =
        oracle::infer(dv, xx.data(), gamma, beta, mm, mv, eps);
    double L = 0;
    for (std::size_t k = 0; k < N; ++k)
      L += t.y[k] * dy[k];
    return L;
  };
  const oracle::Backward bt =
      oracle::backward_training(dv, x.data(), dy.data(), gamma, eps);
  const oracle::Backward bi =
      oracle::backward_inference(dv, x.data(), dy.data(), gamma, mm, mv, eps);
  for (std::size_t k = 0; k < N; ++k) {
    std::vector<float> xp = x, xm = x;
    xp[k] = static_cast<float>(x[k] + h);
    xm[k] = static_cast<float>(x[k] - h);
    REQUIRE(static_cast<double>(xp[k]) - xm[k] == 2 * h);
    const double fdt = (loss_train(xp) - loss_train(xm)) / (2 * h);
    const double fdi = (loss_infer(xp) - loss_infer(xm)) / (2 * h);
    INFO("element " << k << " training fd " << fdt << " oracle " << bt.dx[k]);
    CHECK(std::fabs(fdt - bt.dx[k]) <= 1e-6 * bt.dx_mag[k]);
    CHECK(std::fabs(fdi - bi.dx[k]) <= 1e-6 * bi.dx_mag[k] + 1e-12);
  }
  // dgamma, dbeta: L is linear in gamma and beta, so a float-exact step gives
  // them exactly.
  const float hg = std::ldexp(1.0f, -10);
  for (std::size_t c = 0; c < 2; ++c) {
    const float g0 = gamma[c], b0 = beta[c];
    gamma[c] = g0 + hg;
    const double lp = loss_train(x), lpi = loss_infer(x);
    gamma[c] = g0 - hg;
    const double lm = loss_train(x), lmi = loss_infer(x);
    gamma[c] = g0;
    CHECK(std::fabs((lp - lm) / (2 * hg) - bt.dgamma[c]) <=
          1e-9 * bt.dgamma_mag[c]);
    CHECK(std::fabs((lpi - lmi) / (2 * hg) - bi.dgamma[c]) <=
          1e-9 * bi.dgamma_mag[c]);
    beta[c] = b0 + hg;
    const double bp = loss_train(x);
    beta[c] = b0 - hg;
    const double bm = loss_train(x);
    beta[c] = b0;
    CHECK(std::fabs((bp - bm) / (2 * hg) - bt.dbeta[c]) <=
          1e-9 * bt.dbeta_mag[c]);
  }
}

TEST_CASE("library backward: oracle and float finite differences through the "
          "library's forward") {
  oracle::Rng r(22);
  const std::vector<std::size_t> dims{2, 3, 8}; // 3 channels of 16
  const Dims dv = oracle::view_of(dims, {-2});
  bnkit_bn_desc d;
  const int32_t a = -2;
  REQUIRE(bnkit_bn_desc_init(&d, 3, dims.data(), 1, &a) == BNKIT_OK);
  const std::size_t N = dv.count();
  std::vector<float> x(N), dy(N);
  for (auto &v : x)
    v = std::ldexp(static_cast<float>(static_cast<int>(r.below(1024)) - 512),
                   -8);
  for (auto &v : dy)
    v = r.uniform(-1, 1);
  const float gamma[3] = {1.25f, -0.5f, 2.0f}, beta[3] = {0.0f, 1.0f, -2.0f};
  const float eps = 1e-3f;
  Ws ws(3);
  auto lib_loss = [&](const std::vector<float> &xx) {
    std::vector<float> y(N);
    float sm[3], si[3];
    const bnkit_bn_train_params p{eps, 0.9, BNKIT_VARIANCE_BIASED,
                                  BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&d, &p, xx.data(), y.data(), gamma, beta,
                               nullptr, nullptr, sm, si, ws.buf()) == BNKIT_OK);
    double L = 0;
    for (std::size_t k = 0; k < N; ++k)
      L += static_cast<double>(y[k]) * dy[k];
    return L;
  };
  std::vector<float> y(N), dx(N);
  float sm[3], si[3], dg[3], db[3];
  const bnkit_bn_train_params p{eps, 0.9, BNKIT_VARIANCE_BIASED,
                                BNKIT_UPDATE_LERP};
  REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), gamma, beta, nullptr,
                             nullptr, sm, si, ws.buf()) == BNKIT_OK);
  REQUIRE(bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, x.data(), dy.data(),
                                gamma, sm, si, dx.data(), dg, db,
                                ws.buf()) == BNKIT_OK);
  const oracle::Backward e =
      oracle::backward_training(dv, x.data(), dy.data(), gamma, eps);
  CHECK_ARRAY_ULPS("dx", dx.data(), e.dx, e.dx_mag, 4);
  CHECK_ARRAY_ULPS("dgamma", dg, e.dgamma, e.dgamma_mag, 4);
  CHECK_ARRAY_ULPS("dbeta", db, e.dbeta, e.dbeta_mag, 4);
  const float h = std::ldexp(1.0f, -6);
  for (std::size_t k = 0; k < N; ++k) {
    std::vector<float> xp = x, xm = x;
    xp[k] += h;
    xm[k] -= h;
    const double fd = (lib_loss(xp) - lib_loss(xm)) / (2.0 * h);
    INFO("element " << k << " float fd " << fd << " dx " << dx[k]);
    CHECK(std::fabs(fd - dx[k]) <= 2e-3);
  }
}

TEST_CASE("front-ends: which gradients exist (Keras scale/center/trainable, "
          "MindSpore affine)") {
  const float x[8] = {1, 2, 3, 4, -1, 0.5f, 2, 7};
  const float dy[8] = {0.1f, -0.2f, 0.3f, 0.4f, 1, -1, 0.5f, 0.25f};
  const Dims dv = oracle::view_of({4, 2}, {-1});
  for (int variant = 0; variant < 4; ++variant) {
    CAPTURE(variant);
    bnkit::keras::Config cfg;
    cfg.scale = variant != 1;
    cfg.center = variant != 2;
    cfg.trainable = variant != 3;
    bnkit::keras::BatchNormalization<2> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[8], dx[8];
    REQUIRE(layer.call({4, 2}, {x, 8}, {y, 8}, true) == BNKIT_OK);
    CHECK(layer.dgamma().size == 0); // no backward yet
    REQUIRE(layer.backward({4, 2}, {x, 8}, {dy, 8}, {dx, 8}) == BNKIT_OK);
    CHECK(layer.dgamma().size == (cfg.scale && cfg.trainable ? 2u : 0u));
    CHECK(layer.dbeta().size == (cfg.center && cfg.trainable ? 2u : 0u));
    if (cfg.trainable) {
      const oracle::Backward e = oracle::backward_training(
          dv, x, dy, nullptr, static_cast<double>(static_cast<float>(1e-3)));
      CHECK_ARRAY_ULPS("keras dx", dx, e.dx, e.dx_mag, 4);
      if (cfg.scale)
        CHECK_ARRAY_ULPS("keras dgamma", layer.dgamma().data, e.dgamma,
                         e.dgamma_mag, 4);
      if (cfg.center)
        CHECK_ARRAY_ULPS("keras dbeta", layer.dbeta().data, e.dbeta,
                         e.dbeta_mag, 4);
    } else {
      // Frozen layer: inference behaviour, so the backward uses the moving
      // statistics (0 and 1 here): dx = dy / sqrt(1 + eps).
      const float mm[2] = {0, 0}, mv[2] = {1, 1};
      const oracle::Backward e = oracle::backward_inference(
          dv, x, dy, nullptr, mm, mv,
          static_cast<double>(static_cast<float>(1e-3)));
      CHECK_ARRAY_ULPS("frozen keras dx", dx, e.dx, e.dx_mag, 4);
    }
  }
  for (const bool affine : {true, false}) {
    CAPTURE(affine);
    bnkit::mindspore::Config cfg;
    cfg.affine = affine;
    bnkit::mindspore::BatchNorm1d<2> cell_(2, cfg);
    bnkit::mindspore::BatchNormBase &cell = cell_;
    cell.set_train(true);
    float y[8], dx[8];
    REQUIRE(cell.call({4, 2}, {x, 8}, {y, 8}) == BNKIT_OK);
    REQUIRE(cell.backward({4, 2}, {x, 8}, {dy, 8}, {dx, 8}) == BNKIT_OK);
    CHECK(cell.dgamma().size == (affine ? 2u : 0u));
    CHECK(cell.dbeta().size == (affine ? 2u : 0u));
    const Dims dm = oracle::view_of({4, 2}, {1});
    const oracle::Backward e = oracle::backward_training(
        dm, x, dy, nullptr, static_cast<double>(1e-5f));
    CHECK_ARRAY_ULPS("ms dx", dx, e.dx, e.dx_mag, 4);
    if (affine)
      CHECK_ARRAY_ULPS("ms dgamma", cell.dgamma().data, e.dgamma, e.dgamma_mag,
                       4);
  }
}
