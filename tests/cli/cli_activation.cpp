// bnkit-run --activation none|relu|relu6: the activation applied to inference outputs
// (docs/bnkit-run.md), checked against act(double reference); refused with training calls,
// with --dy, and for unknown names.
#include "cli_support.hpp"

using namespace cli_test;

namespace {

// tf.nn.relu / relu6 on the double reference.
std::vector<double> activate(std::vector<double> y, const std::string& act) {
    for (double& v : y) {
        if (act == "none") continue;
        v = v < 0.0 ? 0.0 : v;
        if (act == "relu6" && 6.0 < v) v = 6.0;
    }
    return y;
}

}  // namespace

TEST_CASE("activation: keras inference with relu and relu6, values on both sides of 0 and 6") {
    const std::vector<float> x = {-3, -0.5f, 0.25f, 1, 2.5f, 4, 7, 12};
    const std::vector<float> gamma = {1.5f, 2.0f}, beta = {0.5f, -1.0f}, mm = {0.5f, 1.0f}, mv = {1.0f, 2.0f};
    for (const char* act : {"none", "relu", "relu6"}) {
        CAPTURE(act);
        const Scratch s(std::string("act_keras_") + act);
        run_ok(s, {"keras", "--activation", act, "--x", s.input("x.npy", {4, 2}, x), "--gamma",
                   s.input("g.npy", {2}, gamma), "--beta", s.input("b.npy", {2}, beta), "--moving-mean",
                   s.input("mm.npy", {2}, mm), "--moving-variance-in", s.input("mv.npy", {2}, mv), "--out", s / "out"});
        const std::vector<double> ref =
            normalize(x, view_of({4, 2}, 1), {0.5, 1.0}, {1.0, 2.0}, {1.5, 2.0}, {0.5, -1.0}, static_cast<double>(1e-3f));
        const std::vector<double> want = activate(ref, act);
        check_close(read_npy(s / "out/y.npy").data, want, 4, 8.0);
        // Clamped elements are exactly 0 and 6.
        const std::vector<float> y = read_npy(s / "out/y.npy").data;
        for (std::size_t k = 0; k < y.size(); ++k)
            if (want[k] == 0.0 || want[k] == 6.0) CHECK(y[k] == static_cast<float>(want[k]));
    }
}

TEST_CASE("activation: mindspore eval-mode relu6") {
    const Scratch s("act_mindspore");
    const std::vector<float> x = {-2, 1, 5, 9, 0.5f, -7, 3, 8};
    run_ok(s, {"mindspore", "--num-features", "2", "--activation", "relu6", "--x", s.input("x.npy", {4, 2}, x),
               "--gamma", s.input("g.npy", {2}, {1.0f, 2.0f}), "--out", s / "out"});
    const std::vector<double> ref = normalize(x, view_of({4, 2}, 1), {0, 0}, {1, 1}, {1, 2}, {0, 0}, static_cast<double>(1e-5f));
    check_close(read_npy(s / "out/y.npy").data, activate(ref, "relu6"), 4, 8.0);
}

TEST_CASE("activation: refused with training calls, --dy and unknown names") {
    const Scratch s("act_errors");
    const std::string x = s.input("x.npy", {4, 1}, {1, 2, 3, 4});
    expect_error(s, {"keras", "--activation", "gelu", "--x", x}, "--activation: expected none, relu or relu6");
    expect_error(s, {"keras", "--training", "true", "--activation", "relu", "--x", x}, "this call trains");
    expect_error(s, {"mindspore", "--num-features", "1", "--train", "--activation", "relu", "--x", x}, "this call trains");
    expect_error(s, {"keras", "--activation", "relu", "--x", x, "--dy", x}, "--dy");
    // A frozen layer called with training=True runs inference: allowed.
    run_ok(s, {"keras", "--trainable", "false", "--training", "true", "--activation", "relu", "--x", x, "--out", s / "ok"});
}
