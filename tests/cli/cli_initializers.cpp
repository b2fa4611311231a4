// bnkit-run --gamma-initializer / --beta-initializer / --moving-mean-initializer /
// --moving-variance-initializer with the frameworks' names. Eval mode leaves the moving
// statistics at their initial values, so moving_mean.npy / moving_variance.npy show the
// initializer directly and y shows gamma. References are the distributions' own properties
// (bounds, location), checked per value, not values copied from the generator.
#include "cli_support.hpp"

using namespace cli_test;

namespace {

constexpr std::size_t C = 64;
// Box-Muller from a 53-bit uniform bounds |z| by sqrt(2 ln 2^53) < 8.6 (bnkit/random.h).
constexpr double z_max = 8.6;

bool all_in(const std::vector<float>& v, double lo, double hi) {
    for (float f : v)
        if (!(f >= lo && f <= hi)) return false;
    return true;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double d : v) s += d;
    return s / static_cast<double>(v.size());
}

bool not_constant(const std::vector<float>& v) {
    for (float f : v)
        if (f != v[0]) return true;
    return false;
}

}  // namespace

TEST_CASE("initializers: keras random_uniform truncated_normal random_normal constant") {
    const Scratch s("init_keras");
    const std::string x = s.input("x.npy", {1, C}, std::vector<float>(C, 0.0f));
    const std::vector<std::string> args = {"keras", "--x", x, "--moving-mean-initializer", "random_uniform:7,2,3",
                                           "--moving-variance-initializer", "truncated_normal:8,5,1",
                                           "--gamma-initializer", "random_normal:9,10,0.5", "--beta-initializer",
                                           "constant:0.25"};
    auto with_out = [&](std::vector<std::string> a, const std::string& out) {
        a.insert(a.end(), {"--out", s / out});
        return a;
    };
    run_ok(s, with_out(args, "a"));
    const std::vector<float> mm = read_npy(s / "a/moving_mean.npy").data, mv = read_npy(s / "a/moving_variance.npy").data,
                             y = read_npy(s / "a/y.npy").data;
    REQUIRE(mm.size() == C);
    CHECK(all_in(mm, 2.0, std::nextafter(3.0f, 0.0f)));  // U[2, 3)
    CHECK(all_in(mv, 3.0, 7.0));                          // N(5, 1) within 2 stddev
    CHECK(not_constant(mm));
    CHECK(not_constant(mv));
    // Inference with x = 0, beta 0.25: y = -gamma * mm / sqrt(mv + 1e-3) + 0.25.
    std::vector<double> gamma(C);
    for (std::size_t c = 0; c < C; ++c)
        gamma[c] = (0.25 - y[c]) * std::sqrt(static_cast<double>(mv[c]) + static_cast<double>(1e-3f)) / mm[c];
    for (double g : gamma) CHECK(std::fabs(g - 10.0) <= z_max * 0.5 + 1e-4);
    CHECK(std::fabs(mean_of(gamma) - 10.0) <= 5 * 0.5 / std::sqrt(double(C)));  // 5 standard errors
    // The same seeds give the same files; another seed other values.
    run_ok(s, with_out(args, "b"));
    CHECK(slurp(s / "a/moving_mean.npy") == slurp(s / "b/moving_mean.npy"));
    CHECK(slurp(s / "a/y.npy") == slurp(s / "b/y.npy"));
    std::vector<std::string> other = args;
    other[4] = "random_uniform:70,2,3";
    run_ok(s, with_out(other, "c"));
    CHECK(slurp(s / "a/moving_mean.npy") != slurp(s / "c/moving_mean.npy"));
    // Keras' defaults with only a seed: RandomNormal(0, 0.05).
    run_ok(s, {"keras", "--x", x, "--moving-mean-initializer", "random_normal:5", "--out", s / "d"});
    CHECK(all_in(read_npy(s / "d/moving_mean.npy").data, -z_max * 0.05, z_max * 0.05));
}

TEST_CASE("initializers: mindspore uniform normal truncatedNormal") {
    const Scratch s("init_mindspore");
    const std::string x = s.input("x.npy", {1, C}, std::vector<float>(C, 0.0f));
    run_ok(s, {"mindspore", "--num-features", std::to_string(C), "--x", x, "--moving-mean-initializer", "normal:3,2,10",
               "--gamma-initializer", "truncatedNormal:4,0.2", "--moving-variance-initializer", "uniform:5,0.5", "--out",
               s / "out"});
    const std::vector<float> mm = read_npy(s / "out/moving_mean.npy").data, mv = read_npy(s / "out/moving_variance.npy").data;
    REQUIRE(mm.size() == C);
    CHECK(all_in(mv, -0.5, 0.5));  // Uniform(scale) is U(-scale, scale)
    CHECK(not_constant(mv));
    std::vector<double> m(mm.begin(), mm.end());
    CHECK(all_in(mm, 10 - z_max * 2, 10 + z_max * 2));  // Normal(sigma=2, mean=10)
    CHECK(std::fabs(mean_of(m) - 10.0) <= 5 * 2 / std::sqrt(double(C)));
    // gamma from a second run with moving_variance ones: y = -gamma * mm / sqrt(1 + 1e-5).
    run_ok(s, {"mindspore", "--num-features", std::to_string(C), "--x", x, "--moving-mean-initializer", "normal:3,2,10",
               "--gamma-initializer", "truncatedNormal:4,0.2", "--out", s / "g"});
    const std::vector<float> y = read_npy(s / "g/y.npy").data;
    std::vector<float> gamma(C);
    for (std::size_t c = 0; c < C; ++c)
        gamma[c] = static_cast<float>(-y[c] * std::sqrt(1.0 + static_cast<double>(1e-5f)) / mm[c]);
    CHECK(all_in(gamma, -0.4 - 1e-6, 0.4 + 1e-6));  // TruncatedNormal(0.2): within 2 sigma
    CHECK(not_constant(gamma));
}

TEST_CASE("initializers: bad specs and bad distributions") {
    const Scratch s("init_errors");
    const std::string x = s.input("x.npy", {2, 2}, {1, 2, 3, 4});
    const std::string g = s.input("g.npy", {2}, {1, 1});
    expect_error(s, {"keras", "--x", x, "--gamma-initializer", "random_normal"}, "--gamma-initializer: expected");
    expect_error(s, {"keras", "--x", x, "--gamma-initializer", "normal:1"}, "random_normal:SEED");
    expect_error(s, {"keras", "--x", x, "--beta-initializer", "random_uniform:1,0"}, "2 comma-separated");
    expect_error(s, {"keras", "--x", x, "--beta-initializer", "random_uniform:-1"}, "non-negative integer");
    expect_error(s, {"keras", "--x", x, "--gamma-initializer", "random_normal:1,0,-1"}, "bad random distribution parameters");
    expect_error(s, {"keras", "--x", x, "--gamma", g, "--gamma-initializer", "ones"}, "exclusive");
    expect_error(s, {"mindspore", "--num-features", "2", "--x", x, "--gamma-initializer", "random_normal:1"}, "normal:SEED");
    expect_error(s, {"mindspore", "--num-features", "2", "--x", x, "--moving-mean-initializer", "uniform:1,-1"},
                 "bad random distribution parameters");
}
