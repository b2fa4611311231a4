// bnkit-run keras with the issue 8 flags: regularizers (regularization_loss.npy, gradients),
// constraints after --sgd-step (gamma.npy / beta.npy), --renorm (T11 and its variables),
// --renorm-clipping, --virtual-batch-size (T10), and their bad values. References are the worked
// numbers of semantics-reference §8 and T15, or double formulas written here.
#include "cli_support.hpp"

using namespace cli_test;

TEST_CASE("keras extras: regularization loss and regularized gradients") {
    const Scratch s("keras_regularizers");
    const std::vector<float> x = {1, 2, 3, 4}, dy = {0.1f, -0.2f, 0.3f, 0.4f}, gamma = {1.5f}, beta = {-0.5f};
    run_ok(s, {"keras", "--training", "true", "--gamma-regularizer", "l2:0.01", "--beta-regularizer", "l1_l2:0.1,0.2",
               "--x", s.input("x.npy", {4, 1}, x), "--dy", s.input("dy.npy", {4, 1}, dy), "--gamma",
               s.input("g.npy", {1}, gamma), "--beta", s.input("b.npy", {1}, beta), "--out", s / "out"});
    CHECK(listing(s.dir / "out") == std::vector<std::string>{"dbeta.npy", "dgamma.npy", "dx.npy", "moving_mean.npy",
                                                             "moving_variance.npy", "regularization_loss.npy", "y.npy"});
    const Npy loss = read_npy(s / "out/regularization_loss.npy");
    CHECK(loss.shape == std::vector<std::size_t>{1});
    CHECK_ULP(loss.data[0], 0.01f * 2.25 + 0.1f * 0.5 + 0.2f * 0.25, 2);
    // dbeta = sum dy + l1 sign(beta) + 2 l2 beta = 0.6 - 0.1 - 0.2; dgamma = sum dy xhat + 2 * 0.01 * 1.5.
    CHECK_ULP(read_npy(s / "out/dbeta.npy").data[0], 0.6 - 0.1f - 2 * 0.2f * 0.5, 2);
    const BatchStats b = batch_stats(x, view_of({4, 1}, 1));
    double dg = 0;
    for (int i = 0; i < 4; ++i) dg += dy[i] * (x[i] - b.mean[0]) / std::sqrt(b.var[0] + static_cast<double>(1e-3f));
    CHECK_ULP(read_npy(s / "out/dgamma.npy").data[0], dg + 2 * 0.01f * 1.5, 4);
}

TEST_CASE("keras extras: --sgd-step writes the constrained weights (T15 max_norm)") {
    const Scratch s("keras_sgd_constraint");
    // Zero gradient: the step leaves gamma = [1, 1], then max_norm(1) gives 1/(1e-7 + sqrt 2) each.
    const std::vector<float> x = {1, 2, 3, 4}, dy = {0, 0, 0, 0};
    run_ok(s, {"keras", "--training", "true", "--gamma-constraint", "max_norm:1", "--beta-constraint", "non_neg",
               "--sgd-step", "0.5", "--x", s.input("x.npy", {2, 2}, x), "--dy", s.input("dy.npy", {2, 2}, dy),
               "--beta", s.input("b.npy", {2}, {-1.0f, 2.0f}), "--out", s / "out"});
    const Npy g = read_npy(s / "out/gamma.npy"), b = read_npy(s / "out/beta.npy");
    REQUIRE(g.data.size() == 2);
    CHECK_ULP(g.data[0], 0.7071067f, 1);
    CHECK_ULP(g.data[1], 0.7071067f, 1);
    CHECK(b.data == std::vector<float>{0.0f, 2.0f});
}

TEST_CASE("keras extras: --renorm T11 and its variables") {
    const Scratch s("keras_renorm");
    run_ok(s, {"keras", "--training", "true", "--renorm", "--renorm-momentum", "0.99", "--x",
               s.input("x.npy", {4, 1}, {1, 2, 3, 4}), "--out", s / "out"});
    CHECK(listing(s.dir / "out") == std::vector<std::string>{"moving_mean.npy", "moving_stddev.npy", "moving_variance.npy",
                                                             "renorm_mean.npy", "renorm_stddev.npy", "y.npy"});
    const Npy y = read_npy(s / "out/y.npy");
    for (int i = 0; i < 4; ++i) CHECK_ULP(y.data[i], i + 1.0, 2);
    CHECK_ULP(read_npy(s / "out/moving_variance.npy").data[0], 1.001371f, 2);
    CHECK_ULP(read_npy(s / "out/renorm_stddev.npy").data[0], 1.0011848f, 2);
    CHECK_ULP(read_npy(s / "out/renorm_mean.npy").data[0], 0.024999999f, 2);
    CHECK_ULP(read_npy(s / "out/moving_stddev.npy").data[0], 1.0011848f, 2);
}

TEST_CASE("keras extras: --renorm-clipping clips r and d") {
    const Scratch s("keras_renorm_clip");
    // Step 1 of T11 with rmax 1.05 and dmax 0.5: y = xhat * 1.05 + 0.5.
    run_ok(s, {"keras", "--training", "true", "--renorm", "--renorm-clipping", "rmax=1.05,dmax=0.5", "--x",
               s.input("x.npy", {4, 1}, {1, 2, 3, 4}), "--out", s / "out"});
    const Npy y = read_npy(s / "out/y.npy");
    const double sd = std::sqrt(1.25 + static_cast<double>(1e-3f));
    std::vector<double> expected;
    for (int i = 0; i < 4; ++i) expected.push_back((i + 1 - 2.5) / sd * 1.05f + 0.5);
    check_close(y.data, expected, 4, 2.0);  // |xhat r| + |d| < 2: the sum cancels near x = 2
}

TEST_CASE("keras extras: --virtual-batch-size T10") {
    const Scratch s("keras_vbs");
    run_ok(s, {"keras", "--training", "true", "--virtual-batch-size", "2", "--x",
               s.input("x.npy", {4, 1}, {1, 10, 3, 14}), "--out", s / "out"});
    const Npy y = read_npy(s / "out/y.npy");
    const float expected[4] = {-0.9995004f, -0.99987507f, 0.9995005f, 0.99987507f};
    for (int i = 0; i < 4; ++i) CHECK_ULP(y.data[i], expected[i], 2);
    CHECK_ULP(read_npy(s / "out/moving_mean.npy").data[0], 0.07f, 2);
    CHECK_ULP(read_npy(s / "out/moving_variance.npy").data[0], 1.015f, 2);
}

TEST_CASE("keras extras: bad values") {
    const Scratch s("keras_extras_errors");
    const std::string x = s.input("x.npy", {4, 1}, {1, 2, 3, 4});
    expect_error(s, {"keras", "--x", x, "--gamma-regularizer", "l3:1"}, "--gamma-regularizer");
    expect_error(s, {"keras", "--x", x, "--beta-regularizer", "l1_l2:0.1"}, "two penalties");
    expect_error(s, {"keras", "--x", x, "--beta-regularizer", "l2:-1"}, "bad regularizer");
    expect_error(s, {"keras", "--x", x, "--gamma-constraint", "max_norm:a"}, "--gamma-constraint");
    expect_error(s, {"keras", "--x", x, "--gamma-constraint", "min_max_norm:1,2"}, "3 comma-separated");
    expect_error(s, {"keras", "--x", x, "--gamma-constraint", "min_max_norm:2,1,1"}, "bad constraint");
    expect_error(s, {"keras", "--x", x, "--renorm", "--renorm-clipping", "rmax=3,foo=1"}, "unknown key 'foo'");
    expect_error(s, {"keras", "--x", x, "--renorm", "--renorm-clipping", "rmax=0.5"}, "bad renorm configuration");
    expect_error(s, {"keras", "--x", x, "--renorm", "--renorm-momentum", "2"}, "bad momentum");
    expect_error(s, {"keras", "--x", x, "--virtual-batch-size", "0"}, "must be > 0");
    expect_error(s, {"keras", "--x", x, "--training", "true", "--virtual-batch-size", "3"}, "bad virtual batch size");
    expect_error(s, {"keras", "--x", x, "--sgd-step", "0.1"}, "--sgd-step needs --dy");
}
