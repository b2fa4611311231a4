// bnkit-run with float16 activations: '<f2' x (and dy) in, '<f2' y (and dx) out, parameters
// and statistics float32. The results must be those of the library's own f16 functions
// (bnkit_bn_infer_f16 / _train_f16 / _backward_f16) on the same inputs, bit for bit, and the
// float32 run on the same (exactly widened) values rounded once. Bad dtype combinations exit 2.
#include <cstdint>

#include "bnkit/batch_norm.h"
#include "bnkit/half.h"
#include "cli_support.hpp"

using namespace cli_test;

namespace {

// Halves spanning several binades and both signs; `count` not a multiple of any vector width.
std::vector<std::uint16_t> halves(std::size_t count, float scale) {
    std::vector<std::uint16_t> h(count);
    for (std::size_t k = 0; k < count; ++k)
        h[k] = bnkit_f16_from_f32(scale * (static_cast<float>((k * 37) % 23) * 0.173f - 1.9f)).bits;
    return h;
}

std::vector<float> widen(const std::vector<std::uint16_t>& h) {
    std::vector<float> f(h.size());
    for (std::size_t k = 0; k < h.size(); ++k) f[k] = bnkit_f16_to_f32({h[k]});
    return f;
}

const bnkit_f16* as_f16(const std::vector<std::uint16_t>& h) { return reinterpret_cast<const bnkit_f16*>(h.data()); }
bnkit_f16* as_f16(std::vector<std::uint16_t>& h) { return reinterpret_cast<bnkit_f16*>(h.data()); }

bnkit_bn_desc nchw_desc(const std::vector<std::size_t>& shape) {
    bnkit_bn_desc d;
    const std::int32_t axis = 1;
    REQUIRE(bnkit_bn_desc_init(&d, static_cast<std::uint32_t>(shape.size()), shape.data(), 1, &axis) == BNKIT_OK);
    return d;
}

}  // namespace

TEST_CASE("f16: mindspore eval inference equals bnkit_bn_infer_f16") {
    const Scratch s("f16_ms_eval");
    const std::vector<std::size_t> shape = {2, 3, 5, 3};  // 15 per plane: a ragged tail on every path
    const std::vector<std::uint16_t> x = halves(90, 3.0f);
    const std::vector<float> gamma = {0.5f, 2.0f, -1.25f}, beta = {1.0f, 0.0f, 0.5f};
    const std::vector<float> mm = {0.25f, -1.0f, 2.0f}, mv = {1.5f, 0.2f, 3.0f};
    write_npy_f16(s / "x.npy", shape, x);
    run_ok(s, {"mindspore", "--num-features", "3", "--eps", "0.001", "--x", s / "x.npy", "--gamma",
               s.input("g.npy", {3}, gamma), "--beta", s.input("b.npy", {3}, beta), "--moving-mean",
               s.input("mm.npy", {3}, mm), "--moving-variance-in", s.input("mv.npy", {3}, mv), "--out", s / "out"});

    std::vector<float> scale(3), shift(3);
    REQUIRE(bnkit_bn_fold_f32(3, gamma.data(), beta.data(), mm.data(), mv.data(), 0.001f, scale.data(), shift.data()) ==
            BNKIT_OK);
    const bnkit_bn_desc d = nchw_desc(shape);
    std::vector<std::uint16_t> expected(x.size());
    REQUIRE(bnkit_bn_infer_f16(&d, as_f16(x), as_f16(expected), scale.data(), shift.data()) == BNKIT_OK);

    const NpyF16 y = read_npy_f16(s / "out/y.npy");
    CHECK(y.shape == shape);
    CHECK(y.bits == expected);
    CHECK(read_npy(s / "out/moving_mean.npy").data == mm);  // statistics stay '<f4'
}

TEST_CASE("f16: mindspore training and backward equal bnkit_bn_train_f16 and _backward_f16") {
    const Scratch s("f16_ms_train");
    const std::vector<std::size_t> shape = {3, 3, 7};
    const std::vector<std::uint16_t> x = halves(63, 40.0f), dy = halves(63, 0.01f);
    const std::vector<float> gamma = {0.75f, -2.0f, 1.5f}, beta = {0.5f, 0.0f, -3.0f};
    write_npy_f16(s / "x.npy", shape, x);
    write_npy_f16(s / "dy.npy", shape, dy);
    run_ok(s, {"mindspore", "--num-features", "3", "--train", "--x", s / "x.npy", "--dy", s / "dy.npy", "--gamma",
               s.input("g.npy", {3}, gamma), "--beta", s.input("b.npy", {3}, beta), "--out", s / "out"});

    // MindSpore's defaults: eps 1e-5, momentum 0.9, unbiased variance into the lerp update.
    const bnkit_bn_desc d = nchw_desc(shape);
    const bnkit_bn_train_params p{1e-5f, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    std::vector<float> mm(3, 0.0f), mv(3, 1.0f), saved_mean(3), saved_invstd(3), dgamma(3), dbeta(3);
    std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(3));
    std::vector<std::uint16_t> y(x.size()), dx(x.size());
    REQUIRE(bnkit_bn_train_f16(&d, &p, as_f16(x), as_f16(y), gamma.data(), beta.data(), mm.data(), mv.data(),
                               saved_mean.data(), saved_invstd.data(), {ws.data(), ws.size()}) == BNKIT_OK);
    REQUIRE(bnkit_bn_backward_f16(&d, BNKIT_PHASE_TRAINING, as_f16(x), as_f16(dy), gamma.data(), saved_mean.data(),
                                  saved_invstd.data(), as_f16(dx), dgamma.data(), dbeta.data(),
                                  {ws.data(), ws.size()}) == BNKIT_OK);

    CHECK(read_npy_f16(s / "out/y.npy").bits == y);
    CHECK(read_npy_f16(s / "out/dx.npy").bits == dx);
    CHECK(read_npy(s / "out/moving_mean.npy").data == mm);
    CHECK(read_npy(s / "out/moving_variance.npy").data == mv);
    CHECK(read_npy(s / "out/dgamma.npy").data == dgamma);
    CHECK(read_npy(s / "out/dbeta.npy").data == dbeta);
}

TEST_CASE("f16: keras training is the float32 run on the widened values, rounded once") {
    const Scratch s("f16_keras");
    const std::vector<std::size_t> shape = {5, 2, 3};  // axis -1: 3 channels, NHWC-like
    const std::vector<std::uint16_t> x = halves(30, 500.0f), dy = halves(30, 1.0f);
    write_npy_f16(s / "x16.npy", shape, x);
    write_npy_f16(s / "dy16.npy", shape, dy);
    const std::vector<std::string> common = {"keras", "--training", "true", "--momentum", "0.9"};
    auto args = [&](const std::string& xf, const std::string& dyf, const std::string& out) {
        std::vector<std::string> a = common;
        a.insert(a.end(), {"--x", xf, "--dy", dyf, "--out", s / out});
        return a;
    };
    run_ok(s, args(s / "x16.npy", s / "dy16.npy", "out16"));
    run_ok(s, args(s.input("x32.npy", shape, widen(x)), s.input("dy32.npy", shape, widen(dy)), "out32"));
    for (const char* name : {"y", "dx"}) {
        CAPTURE(name);
        const Npy f32 = read_npy(s / (std::string("out32/") + name + ".npy"));
        std::vector<std::uint16_t> rounded(f32.data.size());
        for (std::size_t k = 0; k < rounded.size(); ++k) rounded[k] = bnkit_f16_from_f32(f32.data[k]).bits;
        const NpyF16 f16 = read_npy_f16(s / (std::string("out16/") + name + ".npy"));
        CHECK(f16.shape == shape);
        CHECK(f16.bits == rounded);
    }
    for (const char* name : {"moving_mean", "moving_variance", "dgamma", "dbeta"}) {
        CAPTURE(name);
        CHECK(read_npy(s / (std::string("out16/") + name + ".npy")).data ==
              read_npy(s / (std::string("out32/") + name + ".npy")).data);
    }
}

TEST_CASE("f16: several --x calls write every y_stepN in float16") {
    const Scratch s("f16_steps");
    write_npy_f16(s / "a.npy", {4, 2}, halves(8, 1.0f));
    write_npy_f16(s / "b.npy", {4, 2}, halves(8, 2.0f));
    run_ok(s, {"keras", "--training", "true", "--x", s / "a.npy", "--x", s / "b.npy", "--out", s / "out"});
    CHECK(read_npy_f16(s / "out/y_step0.npy").bits.size() == 8);
    CHECK(read_npy_f16(s / "out/y_step1.npy").bits.size() == 8);
    CHECK(read_npy(s / "out/moving_mean_step1.npy").data.size() == 2);
}

TEST_CASE("f16: bad dtype combinations exit 2 and write nothing") {
    const Scratch s("f16_errors");
    const std::string x16 = s / "x16.npy", x32 = s.input("x32.npy", {4, 2}, widen(halves(8, 1.0f)));
    write_npy_f16(x16, {4, 2}, halves(8, 1.0f));
    write_npy_f16(s / "p16.npy", {2}, halves(2, 1.0f));
    WriteOptions f8;
    f8.descr = "<f8";
    const std::vector<float> eight_bytes_each(16, 0.0f);  // 8 doubles of 0.0
    const std::string x64 = s.input("x64.npy", {4, 2}, eight_bytes_each, f8);
    expect_error(s, {"keras", "--x", x16, "--dy", x32}, "differs from x's float16");
    expect_error(s, {"keras", "--x", x32, "--dy", x16}, "differs from x's float32");
    expect_error(s, {"keras", "--x", x16, "--x", x32}, "differs from the first --x's float16");
    expect_error(s, {"keras", "--x", x16, "--gamma", s / "p16.npy"}, "float16 ('<f2') is not supported here");
    expect_error(s, {"keras", "--x", x16, "--moving-mean", s / "p16.npy"}, "expected float32 ('<f4')");
    expect_error(s, {"keras", "--x", x64}, "expected float16 or float32 ('<f2', '<f4')");
}
