// Keras renorm=True (Batch Renormalization) against semantics-reference §8: T11's worked
// numbers, and the double oracle of keras_oracle.hpp (forward, moving and renorm updates,
// finite-difference gradients with r, d stop-gradient) on every path, NCHW and NHWC, with and
// without clipping, scale and center. Bounds: keras_case.hpp; T11 values 2 ulp (printed
// float32 results of a different float evaluation order).
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "keras_case.hpp"
#include "support/canary.hpp"
#include "support/ulp.hpp"

using bnkit::keras::BatchNormalization;
using bnkit::keras::Config;

TEST_CASE("keras renorm: T11 step 1 undoes the normalization") {
    Config cfg;
    cfg.epsilon = 1e-3;
    cfg.renorm = true;
    BatchNormalization<1> bn(cfg);
    float x[4] = {1, 2, 3, 4}, y[4];
    REQUIRE(bn.call({4, 1}, x, y, true) == BNKIT_OK);
    for (int i = 0; i < 4; ++i) CHECK_ULP(y[i], x[i], 2);
    CHECK_ULP(bn.renorm_mean()[0], 0.024999999f, 2);
    CHECK_ULP(bn.renorm_stddev()[0], 1.0011848f, 2);
    CHECK_ULP(bn.moving_stddev()[0], 1.0011848f, 2);
    CHECK_ULP(bn.moving_variance()[0], 1.001371f, 2);
    CHECK_ULP(bn.moving_mean()[0], 0.025f, 2);
    // r = 1.1184812 and d = 2.5: dL/dgamma = sum dy * (r xhat + d) for dy = 1 is 4 d.
    float dy[4] = {1, 1, 1, 1}, dx[4];
    REQUIRE(bn.backward({4, 1}, x, dy, dx) == BNKIT_OK);
    CHECK_ULP(bn.dgamma()[0], 10.0f, 2);
    CHECK(bn.dbeta()[0] == 4.0f);
}

TEST_CASE("keras renorm: weights are Keras' seven, renorm variables from the initializers") {
    Config cfg;
    cfg.renorm = true;
    cfg.moving_variance_initializer = bnkit::constant(4.0f);
    cfg.moving_mean_initializer = bnkit::constant(0.5f);
    BatchNormalization<2> bn(cfg);
    REQUIRE(bn.build({3, 2}) == BNKIT_OK);
    CHECK(bn.num_weights() == 7);
    CHECK(bn.moving_stddev()[1] == 2.0f);
    CHECK(bn.renorm_stddev()[0] == 2.0f);
    CHECK(bn.renorm_mean()[0] == 0.5f);
    float w[7][2];
    bnkit::Span<float> out[7];
    for (int k = 0; k < 7; ++k) out[k] = w[k];
    REQUIRE(bn.get_weights(out, 7) == BNKIT_OK);
    CHECK(w[4][0] == 2.0f);  // moving_stddev
    CHECK(w[5][0] == 0.5f);  // renorm_mean
    CHECK(w[6][0] == 2.0f);  // renorm_stddev
    w[6][1] = 3.0f;
    bnkit::Span<const float> in[7];
    for (int k = 0; k < 7; ++k) in[k] = {w[k], 2};
    REQUIRE(bn.set_weights(in, 7) == BNKIT_OK);
    CHECK(bn.renorm_stddev()[1] == 3.0f);
    CHECK(bn.set_weights(in, 4) == BNKIT_ERR_BAD_ARGUMENT);
    Config plain;
    BatchNormalization<2> no_renorm(plain);
    REQUIRE(no_renorm.build({3, 2}) == BNKIT_OK);
    CHECK(no_renorm.moving_stddev().size == 0);
    CHECK(no_renorm.num_weights() == 4);
}

TEST_CASE("keras renorm: inference is plain batch norm with the moving statistics") {
    Config cfg;
    cfg.renorm = true;
    cfg.moving_mean_initializer = bnkit::constant(0.5f);
    cfg.moving_variance_initializer = bnkit::constant(2.0f);
    BatchNormalization<1> bn(cfg);
    float x[3] = {1, 2, 3}, y[3];
    REQUIRE(bn.call({3, 1}, x, y, false) == BNKIT_OK);
    for (int i = 0; i < 3; ++i) CHECK_ULP(y[i], (x[i] - 0.5) / std::sqrt(2.0 + static_cast<double>(1e-3f)), 3);
    CHECK(bn.renorm_mean()[0] == 0.5f);  // nothing moved
    CHECK(bn.moving_variance()[0] == 2.0f);
}

TEST_CASE("keras renorm: oracle on every path, NCHW and NHWC") {
    using namespace keras_case;
    const Geometry geos[] = {{6, 3, 1, 1, false}, {4, 3, 2, 3, false}, {3, 5, 3, 1, true}, {2, 7, 1, 3, true}};
    int k = 0;
    for (const Geometry& g : geos) {
        for (int variant = 0; variant < 4; ++variant) {
            Run run;
            run.g = g;
            run.p.renorm = true;
            run.p.eps = 1e-3;
            run.p.momentum = 0.9;
            run.p.renorm_momentum = 0.8;
            // Start the renorm statistics away from the batch's, so r and d matter.
            run.moving_mean = channel_values(g.C, -1.0f, 1.0f, 11 + k);
            run.moving_var = channel_values(g.C, 0.5f, 3.0f, 12 + k);
            if (variant != 1) run.gamma = channel_values(g.C, 0.5f, 1.5f, 13 + k);
            if (variant != 2) run.beta = channel_values(g.C, -0.5f, 0.5f, 14 + k);
            if (variant == 3) {  // clipping that bites
                run.clipping = {1.2, 0.9, 0.3};
                run.p.rmax = static_cast<double>(1.2f);
                run.p.rmin = static_cast<double>(0.9f);
                run.p.dmax = static_cast<double>(0.3f);
            }
            INFO("geometry " << k << " variant " << variant);
            each_path([&](bnkit_isa isa) {
                check_run(run, isa, false, 100 + k);
                check_run(run, isa, true, 100 + k);
            });
        }
        ++k;
    }
}

TEST_CASE("keras renorm: bad configs get their status, nothing modified") {
    struct Bad {
        Config cfg;
        bnkit_status expected;
    };
    std::vector<Bad> bad;
    auto add = [&](auto edit, bnkit_status s) {
        Config c;
        c.renorm = true;
        edit(c);
        bad.push_back({c, s});
    };
    add([](Config& c) { c.renorm_momentum = 1.5; }, BNKIT_ERR_BAD_MOMENTUM);
    add([](Config& c) { c.renorm_momentum = -0.1; }, BNKIT_ERR_BAD_MOMENTUM);
    add([](Config& c) { c.renorm_momentum = NAN; }, BNKIT_ERR_BAD_MOMENTUM);
    add([](Config& c) { c.renorm_clipping.rmax = 0.5; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.renorm_clipping.rmin = 1.5; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.renorm_clipping.rmin = -0.5; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.renorm_clipping.dmax = -1.0; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.renorm_clipping.dmax = INFINITY; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.renorm_clipping.rmax = NAN; }, BNKIT_ERR_BAD_RENORM);
    add([](Config& c) { c.fused = true; c.axis = 3; }, BNKIT_ERR_BAD_RENORM);  // Keras: fused with renorm
    for (const Bad& b : bad) {
        BatchNormalization<2> bn(b.cfg);
        float x[16], y[16];
        for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
        bnkit_test::fill_canary(y, sizeof y);
        CHECK(bn.call({2, 2, 2, 2}, x, y, true) == b.expected);
        CHECK(bnkit_test::is_canary(y, sizeof y));
        CHECK_FALSE(bn.built());
    }
    // A built renorm layer: a training call that fails (y partly over x) moves nothing.
    Config c;
    c.renorm = true;
    BatchNormalization<2> bn(c);
    float x[4] = {1, 2, 3, 4}, y[4];
    REQUIRE(bn.call({2, 2}, x, y, true) == BNKIT_OK);
    const float rm = bn.renorm_mean()[0], rs = bn.renorm_stddev()[1], ms = bn.moving_stddev()[0],
                mv = bn.moving_variance()[0];
    float big[5] = {1, 2, 3, 4, 5};
    const bnkit_test::Snapshot snap(big, sizeof big);
    CHECK(bn.call({2, 2}, {big, 4}, {big + 1, 4}, true) == BNKIT_ERR_ALIASING);
    CHECK(snap.unchanged());
    CHECK(bn.renorm_mean()[0] == rm);
    CHECK(bn.renorm_stddev()[1] == rs);
    CHECK(bn.moving_stddev()[0] == ms);
    CHECK(bn.moving_variance()[0] == mv);
    // fused=None with renorm on a 4-D input stays non-fused.
    Config four;
    four.renorm = true;
    BatchNormalization<2> bn4(four);
    float x4[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y4[8];
    REQUIRE(bn4.call({2, 1, 2, 2}, x4, y4, true) == BNKIT_OK);
    CHECK_FALSE(bn4.fused());
}
