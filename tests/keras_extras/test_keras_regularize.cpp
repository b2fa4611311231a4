// Keras regularizers and constraints on the layer (semantics.md §7, semantics-reference §7):
// regularization_loss() (also when frozen), the regularizer gradient in backward() (checked
// against finite differences of the double oracle's sum(dy * y) plus the penalty's analytic
// gradient), apply_constraints() and sgd_step(), and bad configs with nothing modified.
// Bounds: loss 2 ulp; gradients 3 ulp of the oracle magnitudes plus the penalty's size
// (keras_case.hpp); the SGD step 2 ulp of |w| + |lr * dw| before the constraint's 2 ulp.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "keras_case.hpp"
#include "support/canary.hpp"
#include "support/ulp.hpp"

using bnkit::keras::BatchNormalization;
using bnkit::keras::Config;

namespace {

double l1_sum(bnkit::Span<const float> w) {
    double s = 0;
    for (float v : w) s += std::fabs(v);
    return s;
}
double l2_sum(bnkit::Span<const float> w) {
    double s = 0;
    for (float v : w) s += static_cast<double>(v) * v;
    return s;
}

}  // namespace

TEST_CASE("keras regularizers: loss of gamma and beta, also when frozen") {
    const float g[3] = {0.5f, -1.5f, 2.0f}, b[3] = {0.25f, 0.0f, -3.0f};
    Config cfg;
    cfg.gamma_initializer = bnkit::tensor(g, 3);
    cfg.beta_initializer = bnkit::tensor(b, 3);
    cfg.gamma_regularizer = bnkit::keras::l1(0.01f);
    cfg.beta_regularizer = bnkit::keras::l1_l2(0.003f, 0.02f);
    BatchNormalization<3> bn(cfg);
    float loss = -1;
    CHECK(bn.regularization_loss(loss) == BNKIT_ERR_NOT_BUILT);
    CHECK(loss == -1);
    REQUIRE(bn.build({2, 3}) == BNKIT_OK);
    const double expected = static_cast<double>(0.01f) * l1_sum(bn.gamma()) +
                            static_cast<double>(0.003f) * l1_sum(bn.beta()) + static_cast<double>(0.02f) * l2_sum(bn.beta());
    REQUIRE(bn.regularization_loss(loss) == BNKIT_OK);
    CHECK_ULP(loss, expected, 2);
    bn.set_trainable(false);
    float frozen = -1;
    REQUIRE(bn.regularization_loss(frozen) == BNKIT_OK);
    CHECK(frozen == loss);
    // scale=False: no gamma, so no gamma penalty.
    Config noscale = cfg;
    noscale.scale = false;
    BatchNormalization<3> ns(noscale);
    REQUIRE(ns.build({2, 3}) == BNKIT_OK);
    REQUIRE(ns.regularization_loss(loss) == BNKIT_OK);
    CHECK_ULP(loss, static_cast<double>(0.003f) * l1_sum(ns.beta()) + static_cast<double>(0.02f) * l2_sum(ns.beta()), 2);
    // No regularizer: 0.
    BatchNormalization<3> none{Config{}};
    REQUIRE(none.build({2, 3}) == BNKIT_OK);
    REQUIRE(none.regularization_loss(loss) == BNKIT_OK);
    CHECK(loss == 0.0f);
}

TEST_CASE("keras regularizers: backward adds the penalty gradient, every path, training and inference") {
    using namespace keras_case;
    const Geometry geos[] = {{4, 3, 2, 2, false}, {5, 3, 1, 2, true}};
    for (const Geometry& g : geos)
        for (bool training : {true, false})
            each_path([&](bnkit_isa isa) {
                INFO("training " << training);
                const Layout L = g.layout();
                std::vector<float> gamma = channel_values(g.C, 0.5f, 1.5f, 31), beta = channel_values(g.C, -1.0f, 1.0f, 32);
                beta[1] = -beta[1];
                const std::vector<float> mm = channel_values(g.C, -0.5f, 0.5f, 33), mv = channel_values(g.C, 0.5f, 2.0f, 34);
                Config cfg;
                cfg.axis = g.channels_last ? -1 : 1;
                cfg.gamma_initializer = bnkit::tensor(gamma.data(), g.C);
                cfg.beta_initializer = bnkit::tensor(beta.data(), g.C);
                cfg.moving_mean_initializer = bnkit::tensor(mm.data(), g.C);
                cfg.moving_variance_initializer = bnkit::tensor(mv.data(), g.C);
                cfg.gamma_regularizer = bnkit::keras::l2(0.05f);
                cfg.beta_regularizer = bnkit::keras::l1_l2(0.1f, 0.2f);
                BatchNormalization<8> bn(cfg);
                REQUIRE(bn.set_isa(isa) == BNKIT_OK);
                oracle::Rng rng(41);
                std::vector<float> x(L.count()), y(L.count()), dy(L.count()), dx(L.count());
                for (auto& v : x) v = rng.uniform(-2.0f, 3.0f);
                for (auto& v : dy) v = rng.uniform(-1.0f, 1.0f);
                REQUIRE(bn.call(g.shape(), {x.data(), x.size()}, {y.data(), y.size()}, training) == BNKIT_OK);
                REQUIRE(bn.backward(g.shape(), {x.data(), x.size()}, {dy.data(), dy.size()}, {dx.data(), dx.size()}) ==
                        BNKIT_OK);
                std::vector<double> eg, eb, mg, mb;
                if (training) {
                    keras_oracle::Params p;
                    p.gamma = to_double(gamma);
                    p.beta = to_double(beta);
                    p.eps = bn.effective_epsilon();
                    keras_oracle::State s;
                    s.moving_mean = to_double(mm);
                    s.moving_var = to_double(mv);
                    const std::vector<double> xd = to_double(x), dyd = to_double(dy);
                    const keras_oracle::Gradients gr = keras_oracle::gradients(L, p, s, xd, dyd);
                    const keras_oracle::Gradients m =
                        keras_oracle::magnitudes(L, p, keras_oracle::forward(L, p, s, xd), xd, dyd);
                    eg = gr.dgamma, eb = gr.dbeta, mg = m.dgamma, mb = m.dbeta;
                } else {  // frozen statistics: dgamma = sum dy * (x - m) / sqrt(v + eps), dbeta = sum dy
                    eg.assign(g.C, 0.0), eb.assign(g.C, 0.0), mg.assign(g.C, 0.0), mb.assign(g.C, 0.0);
                    for (std::size_t e = 0; e < L.count(); ++e) {
                        const std::size_t c = L.channel(e);
                        const double inv = 1.0 / std::sqrt(static_cast<double>(mv[c]) + bn.effective_epsilon());
                        eg[c] += dy[e] * (x[e] - static_cast<double>(mm[c])) * inv;
                        mg[c] += std::fabs(dy[e]) * (std::fabs(x[e]) + std::fabs(mm[c])) * inv;
                        eb[c] += dy[e];
                        mb[c] += std::fabs(dy[e]);
                    }
                }
                for (std::size_t c = 0; c < g.C; ++c) {
                    eg[c] += 2.0 * 0.05f * gamma[c];
                    mg[c] += std::fabs(2.0 * 0.05f * gamma[c]);
                    eb[c] += 0.1f * (beta[c] > 0 ? 1.0 : -1.0) + 2.0 * 0.2f * beta[c];
                    mb[c] += 0.1f + std::fabs(2.0 * 0.2f * beta[c]);
                }
                CHECK_ARRAY_ULPS("keras extras dgamma+reg", bn.dgamma().data, eg, mg, 3);
                CHECK_ARRAY_ULPS("keras extras dbeta+reg", bn.dbeta().data, eb, mb, 3);
            });
}

TEST_CASE("keras constraints: T15 through apply_constraints, only on trained weights") {
    Config cfg;
    cfg.gamma_constraint = bnkit::keras::max_norm(1.0f);
    cfg.beta_constraint = bnkit::keras::non_neg();
    cfg.beta_initializer = bnkit::constant(-1.0f);
    BatchNormalization<2> bn(cfg);
    CHECK(bn.apply_constraints() == BNKIT_ERR_NOT_BUILT);
    REQUIRE(bn.build({1, 2}) == BNKIT_OK);  // constraints are not applied at initialization
    CHECK(bn.gamma()[0] == 1.0f);
    CHECK(bn.beta()[0] == -1.0f);
    REQUIRE(bn.apply_constraints() == BNKIT_OK);
    CHECK_ULP(bn.gamma()[0], 0.7071067f, 1);
    CHECK_ULP(bn.gamma()[1], 0.7071067f, 1);
    CHECK(bn.beta()[1] == 0.0f);
    // A frozen layer's weights are not trained, so not projected.
    Config frozen_cfg = cfg;
    frozen_cfg.trainable = false;
    BatchNormalization<2> frozen(frozen_cfg);
    REQUIRE(frozen.build({1, 2}) == BNKIT_OK);
    REQUIRE(frozen.apply_constraints() == BNKIT_OK);
    CHECK(frozen.gamma()[0] == 1.0f);
    CHECK(frozen.beta()[0] == -1.0f);
}

TEST_CASE("keras constraints: sgd_step is w -= lr * dw, then the constraint") {
    const float g0[3] = {1.0f, 2.0f, -0.5f};
    Config cfg;
    cfg.gamma_initializer = bnkit::tensor(g0, 3);
    cfg.gamma_constraint = bnkit::keras::unit_norm();
    cfg.beta_constraint = bnkit::keras::min_max_norm(0.0f, 0.5f, 0.5f);
    cfg.beta_regularizer = bnkit::keras::l2(0.1f);
    BatchNormalization<3> bn(cfg);
    float x[6] = {1, 2, 3, -1, 0.5f, 2}, y[6], dy[6] = {0.3f, -1, 2, 0.5f, 1, -0.25f};
    CHECK(bn.sgd_step(0.1f) == BNKIT_ERR_NOT_BUILT);
    REQUIRE(bn.call({2, 3}, x, y, true) == BNKIT_OK);
    CHECK(bn.sgd_step(0.1f) == BNKIT_ERR_NOT_BUILT);  // no backward yet
    REQUIRE(bn.backward({2, 3}, x, dy, {}) == BNKIT_OK);
    std::vector<double> gamma, beta;
    for (int c = 0; c < 3; ++c) {
        gamma.push_back(static_cast<double>(bn.gamma()[c]) - 0.1f * static_cast<double>(bn.dgamma()[c]));
        beta.push_back(static_cast<double>(bn.beta()[c]) - 0.1f * static_cast<double>(bn.dbeta()[c]));
    }
    const float gbefore = bn.gamma()[0];
    CHECK(bn.sgd_step(-0.1f) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bn.sgd_step(NAN) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bn.gamma()[0] == gbefore);
    REQUIRE(bn.sgd_step(0.1f) == BNKIT_OK);
    auto norm = [](const std::vector<double>& w) { return std::sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]); };
    const double ng = norm(gamma), nb = norm(beta);
    const double fb = (0.5 * std::min(std::max(nb, 0.0), 0.5) + 0.5 * nb) / (1e-7 + nb);
    for (int c = 0; c < 3; ++c) {
        CHECK_ULP(bn.gamma()[c], gamma[c] / (1e-7 + ng), 4);
        CHECK_ULP(bn.beta()[c], beta[c] * fb, 4);
    }
}

TEST_CASE("keras regularizers and constraints: bad configs get their status, nothing modified") {
    std::vector<Config> bad(6);
    bad[0].gamma_regularizer = bnkit::keras::l2(-0.01f);
    bad[1].beta_regularizer = bnkit::keras::l1(NAN);
    bad[2].beta_regularizer = bnkit::keras::l1_l2(0.1f, INFINITY);
    bad[3].gamma_constraint = bnkit::keras::max_norm(-1.0f);
    bad[4].beta_constraint = bnkit::keras::min_max_norm(1.0f, 0.5f);
    bad[5].gamma_constraint.kind = static_cast<bnkit_constraint_kind>(9);
    for (std::size_t k = 0; k < bad.size(); ++k) {
        const bnkit_status want = k < 3 ? BNKIT_ERR_BAD_REGULARIZER : BNKIT_ERR_BAD_CONSTRAINT;
        BatchNormalization<2> bn(bad[k]);
        float x[4] = {1, 2, 3, 4}, y[4];
        bnkit_test::fill_canary(y, sizeof y);
        CHECK(bn.call({2, 2}, x, y, true) == want);
        CHECK(bn.call({2, 2}, x, y, false) == want);
        CHECK(bn.build({2, 2}) == want);
        CHECK(bnkit_test::is_canary(y, sizeof y));
        CHECK_FALSE(bn.built());
        float loss = -1;
        CHECK(bn.regularization_loss(loss) == BNKIT_ERR_NOT_BUILT);
        CHECK(loss == -1);
    }
}
