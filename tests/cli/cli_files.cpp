// bnkit-run's output files: multi-step naming, --dy outputs present or absent by the rule,
// gradient values, accepted input versions, --out creation, --help.
#include "cli_support.hpp"

using namespace cli_test;

namespace {

using Names = std::vector<std::string>;

struct BackwardRef {
    std::vector<double> dx, dgamma, dbeta;
};

// Training-mode gradients of L = sum(y * dy) for one feature axis.
BackwardRef backward_train(const std::vector<float>& x, const std::vector<float>& dy, const View& v,
                           const std::vector<double>& gamma, double eps) {
    const BatchStats b = batch_stats(x, v);
    BackwardRef r{std::vector<double>(x.size()), std::vector<double>(v.channels), std::vector<double>(v.channels)};
    const double n = static_cast<double>(v.n());
    for (std::size_t c = 0; c < v.channels; ++c) {
        const double invstd = 1.0 / std::sqrt(b.var[c] + eps);
        for (std::size_t o = 0; o < v.outer; ++o)
            for (std::size_t i = 0; i < v.inner; ++i) {
                const std::size_t k = v.index(o, c, i);
                r.dbeta[c] += dy[k];
                r.dgamma[c] += dy[k] * (x[k] - b.mean[c]) * invstd;
            }
        for (std::size_t o = 0; o < v.outer; ++o)
            for (std::size_t i = 0; i < v.inner; ++i) {
                const std::size_t k = v.index(o, c, i);
                const double xhat = (x[k] - b.mean[c]) * invstd;
                r.dx[k] = gamma[c] * invstd / n * (n * dy[k] - r.dbeta[c] - xhat * r.dgamma[c]);
            }
    }
    return r;
}

}  // namespace

TEST_CASE("files: several --x give per-step files and carry the state across calls") {
    const Scratch s("files_multi_step");
    const std::vector<float> x0 = {1, 2, 3, 4}, x1 = {10, 20, 30, 40};
    run_ok(s, {"keras", "--training", "true", "--momentum", "0.5", "--x", s.input("x0.npy", {4, 1}, x0), "--x",
               s.input("x1.npy", {4, 1}, x1), "--out", s / "out"});
    CHECK(listing(s.dir / "out") == Names{"moving_mean_step0.npy", "moving_mean_step1.npy",
                                          "moving_variance_step0.npy", "moving_variance_step1.npy", "y_step0.npy",
                                          "y_step1.npy"});
    const float m0 = read_npy(s / "out/moving_mean_step0.npy").data.at(0);
    const float m1 = read_npy(s / "out/moving_mean_step1.npy").data.at(0);
    CHECK_ULP(m0, 0.5 * 2.5, 1);
    CHECK_ULP(m1, 0.5 * 1.25 + 0.5 * 25.0, 1);
    const float v1 = read_npy(s / "out/moving_variance_step1.npy").data.at(0);
    CHECK_ULP(v1, 0.5 * (0.5 + 0.5 * 1.25) + 0.5 * 125.0, 1);
    CHECK(read_npy(s / "out/y_step1.npy").shape == std::vector<std::size_t>{4, 1});
}

TEST_CASE("files: keras --dy in training writes dx, dgamma, dbeta matching the formulas") {
    const Scratch s("files_keras_dy");
    const std::vector<std::size_t> shape = {4, 2};
    const std::vector<float> x = {1, -1, 2, 0.5f, 3, 4, 6, -2};
    const std::vector<float> dy = {0.5f, 1, -1, 2, 0.25f, -0.5f, 3, 1};
    const std::vector<float> gamma = {2, -0.5f};
    run_ok(s, {"keras", "--training", "true", "--x", s.input("x.npy", shape, x), "--dy", s.input("dy.npy", shape, dy),
               "--gamma", s.input("g.npy", {2}, gamma), "--out", s / "out"});
    CHECK(listing(s.dir / "out") ==
          Names{"dbeta.npy", "dgamma.npy", "dx.npy", "moving_mean.npy", "moving_variance.npy", "y.npy"});
    const BackwardRef ref = backward_train(x, dy, view_of(shape, 1), to_double(gamma), 1e-3);
    const Npy dx = read_npy(s / "out/dx.npy");
    CHECK(dx.shape == shape);
    check_close(dx.data, ref.dx, 16, 8.0);
    check_close(read_npy(s / "out/dgamma.npy").data, ref.dgamma, 16, 8.0);
    check_close(read_npy(s / "out/dbeta.npy").data, ref.dbeta, 4, 4.0);
    CHECK(read_npy(s / "out/dgamma.npy").shape == std::vector<std::size_t>{2});
}

TEST_CASE("files: dgamma/dbeta only where that parameter is trained") {
    const std::vector<float> x = {1, 2, 3, 4}, dy = {1, -1, 2, 0.5f};
    struct Case {
        const char* name;
        std::vector<std::string> args;
        Names expected;
    };
    const Names dx_only = {"dx.npy", "moving_mean.npy", "moving_variance.npy", "y.npy"};
    const Case cases[] = {
        {"keras_no_scale", {"keras", "--no-scale"}, {"dbeta.npy", "dx.npy", "moving_mean.npy", "moving_variance.npy", "y.npy"}},
        {"keras_no_center", {"keras", "--no-center"}, {"dgamma.npy", "dx.npy", "moving_mean.npy", "moving_variance.npy", "y.npy"}},
        {"keras_frozen", {"keras", "--trainable", "false"}, dx_only},
        {"ms_affine", {"mindspore", "--num-features", "1"}, {"dbeta.npy", "dgamma.npy", "dx.npy", "moving_mean.npy", "moving_variance.npy", "y.npy"}},
        {"ms_no_affine", {"mindspore", "--num-features", "1", "--no-affine"}, dx_only},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const Scratch s(std::string("files_dy_rule_") + c.name);
        std::vector<std::string> args = c.args;
        args.insert(args.end(), {"--x", s.input("x.npy", {4, 1}, x), "--dy", s.input("dy.npy", {4, 1}, dy), "--out",
                                 s / "out"});
        run_ok(s, args);
        CHECK(listing(s.dir / "out") == c.expected);
    }
    // Inference-mode dx = dy * gamma / sqrt(moving_variance + eps).
    const Scratch s("files_dy_inference");
    run_ok(s, {"mindspore", "--num-features", "1", "--x", s.input("x.npy", {4, 1}, x), "--dy",
               s.input("dy.npy", {4, 1}, dy), "--gamma", s.input("g.npy", {1}, {3}), "--moving-variance-in",
               s.input("mv.npy", {1}, {4}), "--out", s / "out"});
    const Npy dx = read_npy(s / "out/dx.npy");
    for (std::size_t k = 0; k < 4; ++k) CHECK_ULP(dx.data[k], dy[k] * 3.0 / std::sqrt(4.0 + 1e-5), 2);
}

TEST_CASE("files: .npy versions 2.0 and 3.0 are read like 1.0") {
    const std::vector<float> x = {1, 2, 3, 4, 5, 6};
    std::vector<float> y1;
    for (const int major : {1, 2, 3}) {
        CAPTURE(major);
        const Scratch s("files_version_" + std::to_string(major));
        WriteOptions w;
        w.major = major;
        run_ok(s, {"keras", "--training", "true", "--x", s.input("x.npy", {3, 2}, x, w), "--out", s / "out"});
        const Npy y = read_npy(s / "out/y.npy");
        if (major == 1) y1 = y.data;
        CHECK(y.data == y1);
    }
}

TEST_CASE("files: --out is created when missing and unrelated files are left alone") {
    const Scratch s("files_out_dir");
    run_ok(s, {"keras", "--x", s.input("x.npy", {2, 2}, {1, 2, 3, 4}), "--out", s / "a/b/c"});
    CHECK(listing(s.dir / "a/b/c") == Names{"moving_mean.npy", "moving_variance.npy", "y.npy"});
    write_raw(s / "a/b/c/keep.txt", "keep");
    run_ok(s, {"keras", "--x", s / "x.npy", "--out", s / "a/b/c"});
    CHECK(listing(s.dir / "a/b/c") == Names{"keep.txt", "moving_mean.npy", "moving_variance.npy", "y.npy"});
}

TEST_CASE("files: --help prints the usage on stdout and exits 0") {
    const Scratch s("files_help");
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"keras", "--help"}}) {
        const RunResult r = run(s, args);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("usage:") != std::string::npos);
        CHECK(r.out.find("--num-features") != std::string::npos);
        CHECK(r.err.empty());
    }
}
