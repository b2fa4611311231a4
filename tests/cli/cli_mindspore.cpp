// bnkit-run mindspore: T1 (unbiased default, biased option), inference in NCHW and NHWC with
// loaded parameters, use_batch_statistics overriding the cell mode, BatchNorm1d on 3-D input.
#include "cli_support.hpp"

using namespace cli_test;

TEST_CASE("mindspore: T1 training on (4,1), unbiased by default, biased on request") {
    const std::vector<float> x = {1, 2, 3, 4};
    for (const char* mode : {"default", "unbiased", "biased"}) {
        CAPTURE(mode);
        const Scratch s(std::string("ms_t1_") + mode);
        std::vector<std::string> args = {"mindspore", "--num-features", "1", "--train", "--x",
                                         s.input("x.npy", {4, 1}, x), "--out", s / "out"};
        if (std::string(mode) != "default") args.insert(args.end(), {"--moving-variance", mode});
        run_ok(s, args);
        const Npy mm = read_npy(s / "out/moving_mean.npy"), mv = read_npy(s / "out/moving_variance.npy");
        REQUIRE(mv.data.size() == 1);
        CHECK_ULP(mm.data[0], 0.25f, 1);
        if (std::string(mode) == "biased") {
            CHECK_ULP(mv.data[0], 1.025f, 1);
        } else {
            CHECK_ULP(mv.data[0], 1.0666666f, 1);
            CHECK_ULP(mv.data[0], 0.9 + 0.1 * 5.0 / 3.0, 1);
        }
        const View v = view_of({4, 1}, 1);
        const BatchStats b = batch_stats(x, v);
        check_close(read_npy(s / "out/y.npy").data, normalize(x, v, b.mean, b.var, {1}, {0}, 1e-5), 4, 2.0);
    }
}

TEST_CASE("mindspore: eval-mode inference with loaded parameters, NCHW and NHWC") {
    const std::vector<std::size_t> shape = {2, 3, 2, 2};
    std::vector<float> x(24);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(k % 7) * 0.75f - 2.0f;
    const std::vector<float> gamma = {0.5f, 2.0f, -1.0f}, beta = {1.0f, 0.0f, 0.5f};
    const std::vector<float> mm = {0.25f, -1.0f, 2.0f}, mv = {1.5f, 0.2f, 3.0f};
    for (const char* fmt : {"NCHW", "NHWC"}) {
        CAPTURE(fmt);
        const Scratch s(std::string("ms_infer_") + fmt);
        const std::vector<std::size_t> xs = std::string(fmt) == "NCHW" ? shape : std::vector<std::size_t>{2, 2, 2, 3};
        run_ok(s, {"mindspore", "--num-features", "3", "--data-format", fmt, "--eps", "0.001", "--x",
                   s.input("x.npy", xs, x), "--gamma", s.input("g.npy", {3}, gamma), "--beta",
                   s.input("b.npy", {3}, beta), "--moving-mean", s.input("mm.npy", {3}, mm),
                   "--moving-variance-in", s.input("mv.npy", {3}, mv), "--out", s / "out"});
        const Npy y = read_npy(s / "out/y.npy");
        CHECK(y.shape == xs);
        const View v = view_of(xs, std::string(fmt) == "NCHW" ? 1 : 3);
        check_close(y.data, normalize(x, v, to_double(mm), to_double(mv), to_double(gamma), to_double(beta), 0.001),
                    2, 20.0);
        CHECK(read_npy(s / "out/moving_mean.npy").data == mm);
        CHECK(read_npy(s / "out/moving_variance.npy").shape == std::vector<std::size_t>{3});
    }
}

TEST_CASE("mindspore: use_batch_statistics overrides the cell mode") {
    const std::vector<float> x = {1, 2, 3, 4, 5, 6};  // (3,2): BatchNorm1d, 2 features
    {
        const Scratch s("ms_ubs_true_eval");
        run_ok(s, {"mindspore", "--num-features", "2", "--use-batch-statistics", "true", "--eval", "--momentum",
                   "0.5", "--x", s.input("x.npy", {3, 2}, x), "--out", s / "out"});
        const Npy mm = read_npy(s / "out/moving_mean.npy");
        CHECK_ULP(mm.data[0], 0.5 * 3.0, 1);
        CHECK_ULP(mm.data[1], 0.5 * 4.0, 1);
    }
    {
        const Scratch s("ms_ubs_false_train");
        run_ok(s, {"mindspore", "--num-features", "2", "--use-batch-statistics", "false", "--train", "--x",
                   s.input("x.npy", {3, 2}, x), "--out", s / "out"});
        CHECK(read_npy(s / "out/moving_mean.npy").data == std::vector<float>{0, 0});
        const Npy y = read_npy(s / "out/y.npy");
        for (std::size_t k = 0; k < 6; ++k) CHECK_ULP(y.data[k], x[k] / std::sqrt(1.0 + 1e-5), 1);
    }
}

TEST_CASE("mindspore: BatchNorm1d on a 3-D (N,C,L) input in training") {
    const Scratch s("ms_bn1d_3d");
    const std::vector<std::size_t> shape = {2, 2, 3};
    const std::vector<float> x = {1, 4, 2, -1, 0, 1, 3, 3, 5, 2, 8, -4};
    run_ok(s, {"mindspore", "--num-features", "2", "--train", "--x", s.input("x.npy", shape, x), "--out", s / "out"});
    const View v = view_of(shape, 1);
    const BatchStats b = batch_stats(x, v);
    const Npy mm = read_npy(s / "out/moving_mean.npy"), mv = read_npy(s / "out/moving_variance.npy");
    for (std::size_t c = 0; c < 2; ++c) {
        CHECK_ULP(mm.data[c], 0.1 * b.mean[c], 1);
        CHECK_ULP(mv.data[c], 0.9 + 0.1 * b.var[c] * 6.0 / 5.0, 1);
    }
    check_close(read_npy(s / "out/y.npy").data, normalize(x, v, b.mean, b.var, {1, 1}, {0, 0}, 1e-5), 4, 2.0);
}
