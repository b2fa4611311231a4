// Running bnkit-run from the tests, and the double-precision references they compare with.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "npy_test_io.hpp"
#include "support/ulp.hpp"

namespace cli_test {
namespace fs = std::filesystem;

/// A fresh scratch directory for one test case under the build tree.
struct Scratch {
    fs::path dir;
    explicit Scratch(const std::string& name) : dir(fs::path(BNKIT_CLI_SCRATCH) / name) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    std::string operator/(const std::string& file) const { return (dir / file).string(); }
    /// Write an input and return its path.
    std::string input(const std::string& file, const std::vector<std::size_t>& shape, const std::vector<float>& data,
                      const WriteOptions& w = {}) const {
        write_npy(*this / file, shape, data, w);
        return *this / file;
    }
};

struct RunResult {
    int exit_code = -1;
    std::string out, err;
    std::size_t err_lines() const {
        std::size_t n = 0;
        for (char c : err) n += c == '\n';
        return n + (!err.empty() && err.back() != '\n');
    }
};

inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// Run bnkit-run with `args` (each quoted for the shell), capturing stdout and stderr.
inline RunResult run(const Scratch& s, const std::vector<std::string>& args) {
    std::string cmd = quote(BNKIT_RUN_EXE);
    for (const std::string& a : args) cmd += " " + quote(a);
    const std::string out = s / "stdout.txt", err = s / "stderr.txt";
    cmd += " >" + quote(out) + " 2>" + quote(err);
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

/// Run and require success.
inline void run_ok(const Scratch& s, const std::vector<std::string>& args) {
    const RunResult r = run(s, args);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
}

/// Run args (with "--out <scratch>/out" appended unless no_out) and check the error contract:
/// exit status 2, one stderr line naming the problem, nothing on stdout, no output directory.
inline void expect_error(const Scratch& s, std::vector<std::string> args, const std::string& message_part,
                         bool no_out = false) {
    if (!no_out) args.insert(args.end(), {"--out", s / "out"});
    const RunResult r = run(s, args);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err_lines() == 1);
    CHECK(r.err.find(message_part) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(fs::exists(s.dir / "out"));
}

/// The names in a directory, sorted.
inline std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// ---- double-precision references over the [outer, C, inner] view of one feature axis ----

struct View {
    std::size_t outer = 1, channels = 1, inner = 1;
    std::size_t index(std::size_t o, std::size_t c, std::size_t i) const { return (o * channels + c) * inner + i; }
    std::size_t n() const { return outer * inner; }
};

inline View view_of(const std::vector<std::size_t>& shape, std::size_t axis) {
    View v;
    for (std::size_t k = 0; k < shape.size(); ++k) (k < axis ? v.outer : k == axis ? v.channels : v.inner) *= shape[k];
    return v;
}

struct BatchStats {
    std::vector<double> mean, var;  // biased variance
};

inline BatchStats batch_stats(const std::vector<float>& x, const View& v) {
    BatchStats s{std::vector<double>(v.channels), std::vector<double>(v.channels)};
    for (std::size_t c = 0; c < v.channels; ++c) {
        double sum = 0, sq = 0;
        for (std::size_t o = 0; o < v.outer; ++o)
            for (std::size_t i = 0; i < v.inner; ++i) sum += x[v.index(o, c, i)];
        s.mean[c] = sum / static_cast<double>(v.n());
        for (std::size_t o = 0; o < v.outer; ++o)
            for (std::size_t i = 0; i < v.inner; ++i) sq += std::pow(x[v.index(o, c, i)] - s.mean[c], 2);
        s.var[c] = sq / static_cast<double>(v.n());
    }
    return s;
}

/// y = gamma * (x - mean) / sqrt(var + eps) + beta per channel.
inline std::vector<double> normalize(const std::vector<float>& x, const View& v, const std::vector<double>& mean,
                                     const std::vector<double>& var, const std::vector<double>& gamma,
                                     const std::vector<double>& beta, double eps) {
    std::vector<double> y(x.size());
    for (std::size_t o = 0; o < v.outer; ++o)
        for (std::size_t c = 0; c < v.channels; ++c)
            for (std::size_t i = 0; i < v.inner; ++i) {
                const std::size_t k = v.index(o, c, i);
                y[k] = gamma[c] * (x[k] - mean[c]) / std::sqrt(var[c] + eps) + beta[c];
            }
    return y;
}

inline std::vector<double> to_double(const std::vector<float>& f) { return std::vector<double>(f.begin(), f.end()); }

/// |actual - expected| <= ulps float32 ulps of `scale` (the size of the terms the result is
/// computed from, docs/numerics.md: cancellation makes the error relative to them, not to y).
inline void check_close(const std::vector<float>& actual, const std::vector<double>& expected, double ulps,
                        double scale) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t k = 0; k < actual.size(); ++k) {
        INFO("element " << k << ": actual " << actual[k] << " expected " << expected[k]);
        CHECK(std::fabs(actual[k] - expected[k]) <= ulps * std::ldexp(std::max(scale, std::fabs(expected[k])), -23));
    }
}

}  // namespace cli_test
