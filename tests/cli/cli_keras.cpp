// bnkit-run keras: the seed example, inference with loaded weights, training (T1, fused and
// non-fused), multi-axis parameter shapes, frozen layers, center/scale off.
#include "cli_support.hpp"

using namespace cli_test;

namespace {

const std::vector<float> seed_x = {1, 2, 2, 1, 3, 4, 4, 3, 5, 6, 6, 5, 7, 8, 8, 7};
const std::vector<std::size_t> seed_shape = {2, 2, 2, 2};

}  // namespace

TEST_CASE("keras: seed example matches the TF table within 1 ulp") {
    const Scratch s("keras_seed");
    const std::string x = s.input("x.npy", seed_shape, seed_x);
    run_ok(s, {"keras", "--axis", "3", "--momentum", "0.1", "--epsilon", "1e-5", "--x", x, "--out", s / "out"});
    CHECK(listing(s.dir / "out") == std::vector<std::string>{"moving_mean.npy", "moving_variance.npy", "y.npy"});

    const Npy y = read_npy(s / "out/y.npy");
    CHECK(y.shape == seed_shape);
    const float tf[] = {0.999995f, 1.99999f,  1.99999f,  0.999995f, 2.999985f, 3.99998f,  3.99998f,  2.999985f,
                        4.999975f, 5.99997f,  5.99997f,  4.999975f, 6.9999647f, 7.99996f, 7.99996f, 6.9999647f};
    REQUIRE(y.data.size() == 16);
    for (std::size_t k = 0; k < 16; ++k) CHECK_ULP(y.data[k], tf[k], 1);
    // rank 4, axis 3: Keras' fused path, epsilon raised to 1.001e-5; mean 0, var 1, gamma 1, beta 0.
    for (std::size_t k = 0; k < 16; ++k) CHECK_ULP(y.data[k], seed_x[k] / std::sqrt(1.0 + 1.001e-5), 1);

    const Npy mm = read_npy(s / "out/moving_mean.npy"), mv = read_npy(s / "out/moving_variance.npy");
    CHECK(mm.shape == std::vector<std::size_t>{2});
    CHECK(mm.data == std::vector<float>{0, 0});
    CHECK(mv.data == std::vector<float>{1, 1});
}

TEST_CASE("keras: inference with gamma, beta and moving statistics loaded") {
    const Scratch s("keras_infer_weights");
    const std::vector<std::size_t> shape = {2, 3, 2};  // axis 1: rank 3, non-fused, epsilon as given
    const std::vector<float> x = {0.5f, -1.25f, 3.0f, 2.5f, -0.75f, 10.0f, 1.5f, 0.0f, -2.0f, 4.0f, 6.5f, -3.5f};
    const std::vector<float> gamma = {1.5f, -0.5f, 2.0f}, beta = {0.25f, 1.0f, -3.0f};
    const std::vector<float> mm = {0.1f, 1.0f, 5.0f}, mv = {2.0f, 0.5f, 9.0f};
    run_ok(s, {"keras", "--axis", "1", "--epsilon", "0.01", "--x", s.input("x.npy", shape, x), "--gamma",
               s.input("g.npy", {3}, gamma), "--beta", s.input("b.npy", {3}, beta), "--moving-mean",
               s.input("mm.npy", {3}, mm), "--moving-variance-in", s.input("mv.npy", {3}, mv), "--out", s / "out"});
    const Npy y = read_npy(s / "out/y.npy");
    CHECK(y.shape == shape);
    const View v = view_of(shape, 1);
    const auto ref = normalize(x, v, to_double(mm), to_double(mv), to_double(gamma), to_double(beta), 0.01);
    check_close(y.data, ref, 2, 40.0);  // |x*s| + |t| stays below 40 here
    // Inference leaves the moving statistics as loaded.
    CHECK(read_npy(s / "out/moving_mean.npy").data == mm);
    CHECK(read_npy(s / "out/moving_variance.npy").data == mv);
}

TEST_CASE("keras: T1 training on (4,1) updates the moving statistics (non-fused, biased)") {
    const Scratch s("keras_t1");
    const std::vector<float> x = {1, 2, 3, 4};
    run_ok(s, {"keras", "--training", "true", "--x", s.input("x.npy", {4, 1}, x), "--out", s / "out"});
    const Npy mm = read_npy(s / "out/moving_mean.npy"), mv = read_npy(s / "out/moving_variance.npy");
    REQUIRE(mm.data.size() == 1);
    CHECK_ULP(mm.data[0], 0.024999999f, 1);
    CHECK_ULP(mv.data[0], 1.0025f, 1);
    CHECK_ULP(mm.data[0], 0.01 * 2.5, 1);
    CHECK_ULP(mv.data[0], 0.99 + 0.01 * 1.25, 1);
    const View v = view_of({4, 1}, 1);
    const BatchStats b = batch_stats(x, v);
    check_close(read_npy(s / "out/y.npy").data, normalize(x, v, b.mean, b.var, {1.0}, {0.0}, 1e-3), 4, 2.0);
}

TEST_CASE("keras: fused training feeds the unbiased variance, fused=false the biased one") {
    // (2,1,1,2) axis -1: rank 4, fused by default; epsilon 1e-6 is raised to 1.001e-5.
    const std::vector<float> x = {1, 10, 3, 20};
    const std::vector<std::size_t> shape = {2, 1, 1, 2};
    const View v = view_of(shape, 3);
    const BatchStats b = batch_stats(x, v);
    for (const bool fused : {true, false}) {
        CAPTURE(fused);
        const Scratch s(fused ? "keras_fused" : "keras_nonfused");
        run_ok(s, {"keras", "--training", "true", "--epsilon", "1e-6", "--momentum", "0.5", "--fused",
                   fused ? "auto" : "false", "--x", s.input("x.npy", shape, x), "--out", s / "out"});
        const Npy mv = read_npy(s / "out/moving_variance.npy"), mm = read_npy(s / "out/moving_mean.npy");
        for (std::size_t c = 0; c < 2; ++c) {
            const double var_in = fused ? b.var[c] * 2.0 : b.var[c];
            CHECK_ULP(mv.data[c], 0.5 + 0.5 * var_in, 1);
            CHECK_ULP(mm.data[c], 0.5 * b.mean[c], 1);
        }
        const double eps = fused ? 1.001e-5 : 1e-6;
        check_close(read_npy(s / "out/y.npy").data, normalize(x, v, b.mean, b.var, {1, 1}, {0, 0}, eps), 4, 2.0);
    }
}

TEST_CASE("keras: --axis 1,2 gives Keras' (1,H,W,1) parameter shape and per-(h,w) statistics") {
    const Scratch s("keras_multi_axis");
    const std::vector<std::size_t> shape = {2, 2, 3, 2};
    std::vector<float> x(24);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>((k * 7) % 11) - 3.0f;
    run_ok(s, {"keras", "--axis", "1,2", "--training", "true", "--momentum", "0", "--x", s.input("x.npy", shape, x),
               "--out", s / "out"});
    const Npy mm = read_npy(s / "out/moving_mean.npy");
    CHECK(mm.shape == std::vector<std::size_t>{1, 2, 3, 1});
    // Axes 1 and 2 flatten to one feature axis of 6 channels over (N=2) x (inner=2).
    const std::vector<std::size_t> flat = {2, 6, 2};
    const BatchStats b = batch_stats(x, view_of(flat, 1));
    REQUIRE(mm.data.size() == 6);
    for (std::size_t c = 0; c < 6; ++c) CHECK_ULP(mm.data[c], b.mean[c], 1);  // momentum 0: the batch mean

    // The (1,2,3,1) file loads back as weights, as does a flat (6,) one.
    const Scratch s2("keras_multi_axis_load");
    const std::string xin = s2.input("x.npy", shape, x);
    run_ok(s2, {"keras", "--axis", "1,2", "--x", xin, "--moving-mean", s / "out/moving_mean.npy", "--out", s2 / "a"});
    CHECK(read_npy(s2 / "a/moving_mean.npy").data == mm.data);
    run_ok(s2, {"keras", "--axis", "1,2", "--x", xin, "--moving-mean", s2.input("mm6.npy", {6}, mm.data), "--out",
                s2 / "b"});
    CHECK(read_npy(s2 / "b/y.npy").data == read_npy(s2 / "a/y.npy").data);
}

TEST_CASE("keras: a frozen layer (trainable false) runs inference even with training true") {
    const Scratch s("keras_frozen");
    const std::vector<float> x = {1, 2, 3, 4};
    run_ok(s, {"keras", "--trainable", "false", "--training", "true", "--x", s.input("x.npy", {4, 1}, x), "--out",
               s / "out"});
    CHECK(read_npy(s / "out/moving_mean.npy").data == std::vector<float>{0});
    CHECK(read_npy(s / "out/moving_variance.npy").data == std::vector<float>{1});
    const Npy y = read_npy(s / "out/y.npy");
    for (std::size_t k = 0; k < 4; ++k) CHECK_ULP(y.data[k], x[k] / std::sqrt(1.0 + 1e-3), 1);
}

TEST_CASE("keras: --no-center --no-scale normalize with the moving statistics only") {
    const Scratch s("keras_no_affine");
    const std::vector<float> x = {1, -2, 3, 8};
    run_ok(s, {"keras", "--no-center", "--no-scale", "--x", s.input("x.npy", {2, 2}, x), "--moving-mean",
               s.input("mm.npy", {2}, {1, 2}), "--moving-variance-in", s.input("mv.npy", {2}, {4, 0.25f}), "--out",
               s / "out"});
    const auto ref = normalize(x, view_of({2, 2}, 1), {1, 2}, {4, 0.25}, {1, 1}, {0, 0}, 1e-3);
    check_close(read_npy(s / "out/y.npy").data, ref, 2, 20.0);
}
