// Keras virtual_batch_size (ghost batch norm) against semantics-reference §8: T10's worked
// numbers (ghost batches are strided, not blocks), and the double oracle of keras_oracle.hpp on
// every path, NCHW and NHWC, alone and with renorm. Bounds: keras_case.hpp; T10 values 2 ulp.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "keras_case.hpp"
#include "support/canary.hpp"
#include "support/ulp.hpp"

using bnkit::keras::BatchNormalization;
using bnkit::keras::Config;

TEST_CASE("keras virtual batch: T10 ghost batches are {x0, x2} and {x1, x3}") {
    Config cfg;
    cfg.epsilon = 1e-3;
    cfg.virtual_batch_size = 2;
    BatchNormalization<1> bn(cfg);
    float ws[bnkit::keras::virtual_batch_workspace_floats(2, 1)];
    bn.set_virtual_batch_workspace(ws);
    CHECK(bn.virtual_batch_workspace_floats({4, 1}) == 4);
    float x[4] = {1, 10, 3, 14}, y[4];
    REQUIRE(bn.call({4, 1}, x, y, true) == BNKIT_OK);
    const float expected[4] = {-0.9995004f, -0.99987507f, 0.9995005f, 0.99987507f};
    for (int i = 0; i < 4; ++i) CHECK_ULP(y[i], expected[i], 2);
    CHECK_ULP(bn.moving_mean()[0], 0.07f, 2);
    CHECK_ULP(bn.moving_variance()[0], 1.015f, 2);
    // Inference needs no workspace and uses the moving statistics.
    bn.set_virtual_batch_workspace({});
    REQUIRE(bn.call({4, 1}, x, y, false) == BNKIT_OK);
    CHECK_ULP(y[0], (1.0 - 0.07) / std::sqrt(1.015 + 1e-3), 3);
}

TEST_CASE("keras virtual batch: oracle on every path, NCHW and NHWC, with and without renorm") {
    using namespace keras_case;
    const Geometry geos[] = {{6, 3, 1, 1, false}, {8, 3, 2, 3, false}, {6, 5, 3, 1, true}, {4, 7, 1, 3, true}};
    const std::size_t vbs[] = {3, 4, 2, 2};
    int k = 0;
    for (const Geometry& g : geos) {
        for (int variant = 0; variant < 3; ++variant) {
            Run run;
            run.g = g;
            run.p.vbs = vbs[k];
            run.p.renorm = variant > 0;
            run.p.eps = 1e-3;
            run.p.momentum = 0.9;
            run.p.renorm_momentum = 0.8;
            run.moving_mean = channel_values(g.C, -1.0f, 1.0f, 21 + k);
            run.moving_var = channel_values(g.C, 0.5f, 3.0f, 22 + k);
            run.gamma = channel_values(g.C, 0.5f, 1.5f, 23 + k);
            if (variant != 1) run.beta = channel_values(g.C, -0.5f, 0.5f, 24 + k);
            if (variant == 2) {
                run.clipping = {1.1, 0.95, 0.2};
                run.p.rmax = static_cast<double>(1.1f);
                run.p.rmin = static_cast<double>(0.95f);
                run.p.dmax = static_cast<double>(0.2f);
            }
            INFO("geometry " << k << " variant " << variant);
            each_path([&](bnkit_isa isa) {
                check_run(run, isa, false, 200 + k);
                check_run(run, isa, true, 200 + k);
            });
        }
        ++k;
    }
}

TEST_CASE("keras virtual batch: vbs equal to the batch is plain batch norm") {
    Config ghost_cfg, plain_cfg;
    ghost_cfg.virtual_batch_size = 4;
    BatchNormalization<2> ghost(ghost_cfg), plain(plain_cfg);
    float ws[bnkit::keras::virtual_batch_workspace_floats(4, 2)];
    ghost.set_virtual_batch_workspace(ws);
    float x[8] = {1, -2, 3, 5, 0.5f, 7, -1, 2}, y1[8], y2[8];
    REQUIRE(ghost.call({4, 2}, x, y1, true) == BNKIT_OK);
    REQUIRE(plain.call({4, 2}, x, y2, true) == BNKIT_OK);
    for (int i = 0; i < 8; ++i) CHECK(y1[i] == y2[i]);
    CHECK(ghost.moving_variance()[1] == plain.moving_variance()[1]);
}

TEST_CASE("keras virtual batch: a failed call keeps the previous call's backward") {
    Config cfg;
    cfg.virtual_batch_size = 2;
    BatchNormalization<2> a(cfg), b(cfg);
    float ws_a[bnkit::keras::virtual_batch_workspace_floats(2, 2)], ws_b[bnkit::keras::virtual_batch_workspace_floats(2, 2)];
    a.set_virtual_batch_workspace(ws_a);
    b.set_virtual_batch_workspace(ws_b);
    float x[8] = {1, -2, 3, 5, 0.5f, 7, -1, 2}, y[8], dy[8] = {1, -1, 2, 0, 0.5f, 1, -2, 1}, dxa[8], dxb[8];
    REQUIRE(a.call({4, 2}, x, y, true) == BNKIT_OK);
    REQUIRE(b.call({4, 2}, x, y, true) == BNKIT_OK);
    float big[9] = {};
    CHECK(b.call({4, 2}, {big, 8}, {big + 1, 8}, false) == BNKIT_ERR_ALIASING);  // fails inside the inference path
    REQUIRE(a.backward({4, 2}, x, dy, dxa) == BNKIT_OK);
    REQUIRE(b.backward({4, 2}, x, dy, dxb) == BNKIT_OK);
    for (int i = 0; i < 8; ++i) CHECK(dxa[i] == dxb[i]);
    CHECK(a.dgamma()[1] == b.dgamma()[1]);
}

TEST_CASE("keras virtual batch: bad calls get their status, nothing modified") {
    Config cfg;
    cfg.virtual_batch_size = 2;
    BatchNormalization<2> bn(cfg);
    float ws[bnkit::keras::virtual_batch_workspace_floats(2, 2)];
    bn.set_virtual_batch_workspace(ws);
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
    REQUIRE(bn.call({4, 2}, x, y, true) == BNKIT_OK);
    const float mm = bn.moving_mean()[0], mv = bn.moving_variance()[1];
    auto unchanged = [&] {
        CHECK(bnkit_test::is_canary(y, sizeof y));
        CHECK(bn.moving_mean()[0] == mm);
        CHECK(bn.moving_variance()[1] == mv);
    };
    bnkit_test::fill_canary(y, sizeof y);
    // Batch 3 not divisible by vbs 2, training or not (Keras' reshape fails either way).
    CHECK(bn.call({3, 2}, x, y, true) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    CHECK(bn.call({3, 2}, x, y, false) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    CHECK(bn.call({1, 2}, x, y, true) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    unchanged();
    // Workspace missing, short, or overlapping x / y.
    bn.set_virtual_batch_workspace({});
    CHECK(bn.call({4, 2}, x, y, true) == BNKIT_ERR_WORKSPACE_TOO_SMALL);
    bn.set_virtual_batch_workspace({ws, 7});
    CHECK(bn.call({4, 2}, x, y, true) == BNKIT_ERR_WORKSPACE_TOO_SMALL);
    float big[24];
    bn.set_virtual_batch_workspace({big, 8});
    CHECK(bn.call({4, 2}, {big + 7, 8}, y, true) == BNKIT_ERR_ALIASING);
    unchanged();
    // x and y overlapping partly.
    bn.set_virtual_batch_workspace(ws);
    for (int i = 0; i < 8; ++i) big[8 + i] = static_cast<float>(i);
    const bnkit_test::Snapshot snap(big, sizeof big);
    CHECK(bn.call({4, 2}, {big + 8, 8}, {big + 9, 8}, true) == BNKIT_ERR_ALIASING);
    CHECK(snap.unchanged());
    unchanged();
    // Backward: dx overlapping the workspace; batch not divisible.
    float dy[8] = {1, -1, 2, 0, 0.5f, 1, -2, 1}, dx[8];
    REQUIRE(bn.call({4, 2}, x, y, true) == BNKIT_OK);
    bnkit_test::fill_canary(dx, sizeof dx);
    CHECK(bn.backward({3, 2}, x, dy, dx) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    bn.set_virtual_batch_workspace({dx, 8});
    CHECK(bn.backward({4, 2}, x, dy, {dx, 8}) == BNKIT_ERR_ALIASING);
    CHECK(bnkit_test::is_canary(dx, sizeof dx));
    CHECK(bn.dgamma().size == 0);
    // The batch axis cannot be a feature axis; fused=True is Keras' error.
    Config axis0 = cfg;
    axis0.axis = 0;
    BatchNormalization<4> b0(axis0);
    CHECK(b0.build({4, 2}) == BNKIT_ERR_BAD_AXIS);
    Config fused = cfg;
    fused.axis = 3;
    fused.fused = true;
    BatchNormalization<2> bf(fused);
    CHECK(bf.build({2, 1, 1, 2}) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    float x4[4] = {1, 2, 3, 4}, y4[4];
    bnkit_test::fill_canary(y4, sizeof y4);
    CHECK(bf.call({2, 1, 1, 2}, x4, y4, true) == BNKIT_ERR_BAD_VIRTUAL_BATCH);
    CHECK(bnkit_test::is_canary(y4, sizeof y4));
    CHECK_FALSE(bf.built());
    fused.fused.reset();
    BatchNormalization<2> bn4(fused);
    REQUIRE(bn4.build({2, 1, 1, 2}) == BNKIT_OK);
    CHECK_FALSE(bn4.fused());
}
