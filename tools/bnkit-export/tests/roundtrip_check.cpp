// Round trip of one exported header (generated at build time by bnkit-export from a
// committed fixture): the header's numbers must be the fixture's parameters rounded to
// float32, bit for bit, and a layer built from it must compute y within the numerics.md
// bound of the double-precision formula. The parameters come from the fixture's
// .params.txt (written by NumPy next to the archive), never from bnkit-export's own readers.
// Compiled once per case with:
//   EXPORTED_HEADER, PARAMS_FILE, PARAMS_PREFIX ("backbone.bn1." or ""), EXPECT_EPSILON (the
//   epsilon the framework used, in double), TEST_DIMS / TEST_RANK / TEST_AXIS (the input),
//   one of FRAMEWORK_KERAS / FRAMEWORK_MINDSPORE / FOLDED, and HAS_GAMMA / HAS_BETA.
#include EXPORTED_HEADER

#include "bnkit/batch_norm.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::printf("FAIL: %s\n", what.c_str());
}

std::map<std::string, std::vector<double>> read_params(const char* path) {
    std::map<std::string, std::vector<double>> params;
    std::ifstream f(path);
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream s(line);
        std::string name;
        s >> name;
        double v;
        while (s >> v) params[name].push_back(v);
    }
    return params;
}

std::vector<double> as_float32(std::vector<double> v) {
    for (double& x : v) x = static_cast<float>(x);
    return v;
}

#ifndef FOLDED
void check_array(const float* header, const std::vector<double>& expected, const char* name) {
    for (std::size_t c = 0; c < expected.size(); ++c)
        check(header[c] == static_cast<float>(expected[c]), std::string(name) + "[" + std::to_string(c) + "] is not the fixture value rounded to float32");
}
#endif

}  // namespace

int main() {
    const std::size_t C = BN_CHANNELS;
    auto params = read_params(PARAMS_FILE);
    const std::string pre = PARAMS_PREFIX;
    std::vector<double> gamma(C, 1.0), beta(C, 0.0);
#ifdef HAS_GAMMA
    gamma = params[pre + "gamma"];
#endif
#ifdef HAS_BETA
    beta = params[pre + "beta"];
#endif
    const std::vector<double> mean = params[pre + "moving_mean"], var = params[pre + "moving_variance"];
    if (gamma.size() != C || beta.size() != C || mean.size() != C || var.size() != C) {
        std::printf("FAIL: %s does not hold %zu-value parameters under '%s'\n", PARAMS_FILE, C, pre.c_str());
        return 1;
    }
    check(BN_EPSILON == static_cast<float>(EXPECT_EPSILON), "BN_EPSILON is not the framework's epsilon in float32");

#ifndef FOLDED
#ifdef HAS_GAMMA
    check_array(bn_gamma, gamma, "bn_gamma");
#endif
#ifdef HAS_BETA
    check_array(bn_beta, beta, "bn_beta");
#endif
    check_array(bn_moving_mean, mean, "bn_moving_mean");
    check_array(bn_moving_variance, var, "bn_moving_variance");
#endif

    // An input spread around each channel's moving mean, a few standard deviations wide.
    const std::size_t dims[TEST_RANK] = {TEST_DIMS};
    const bnkit::Shape shape(TEST_RANK, dims);
    bnkit_bn_desc desc;
    if (bnkit::describe(shape, TEST_AXIS, desc) != BNKIT_OK || desc.channels != C) {
        std::printf("FAIL: test shape does not describe %zu channels\n", C);
        return 1;
    }
    std::vector<float> x(desc.count), y(desc.count);
    for (std::size_t i = 0; i < desc.count; ++i) {
        const std::size_t c = i / desc.inner % C;
        x[i] = static_cast<float>(mean[c] + std::sqrt(var[c]) * (static_cast<double>(i * 37 % 17) - 8.0) / 3.0);
    }

#if defined(FRAMEWORK_KERAS)
    bn_layer layer(bn_config());
    const bnkit::Status s = layer.call(shape, {x.data(), x.size()}, {y.data(), y.size()}, false);
    check(s == BNKIT_OK, std::string("keras call: ") + bnkit_status_str(s));
    check(layer.effective_epsilon() == static_cast<float>(EXPECT_EPSILON), "the Keras front-end uses another epsilon");
#elif defined(FRAMEWORK_MINDSPORE)
    bn_layer layer(BN_CHANNELS, bn_config());
    const bnkit::Status s = layer.call(shape, {x.data(), x.size()}, {y.data(), y.size()});
    check(s == BNKIT_OK, std::string("mindspore call: ") + bnkit_status_str(s));
#else
    const bnkit::Status s = bnkit_bn_infer_f32(&desc, x.data(), y.data(), bn_scale, bn_shift);
    check(s == BNKIT_OK, std::string("bnkit_bn_infer_f32: ") + bnkit_status_str(s));
#endif

    // numerics.md: fold + inference within 3 ulp of |x*s| + |beta| + |mean*s|.
    const std::vector<double> g32 = as_float32(gamma), b32 = as_float32(beta), m32 = as_float32(mean), v32 = as_float32(var);
    const double eps = static_cast<float>(EXPECT_EPSILON);
    double worst = 0;
    for (std::size_t i = 0; i < desc.count; ++i) {
        const std::size_t c = i / desc.inner % C;
        const double sc = g32[c] / std::sqrt(v32[c] + eps);
        const double ref = (x[i] - m32[c]) * sc + b32[c];
        const double magnitude = std::fabs(x[i] * sc) + std::fabs(b32[c]) + std::fabs(m32[c] * sc);
        const double ulps = std::fabs(y[i] - ref) / (magnitude * std::ldexp(1.0, -23));
        if (ulps > worst) worst = ulps;
    }
    check(worst <= 3.0, "y is more than 3 ulp from the double formula");
    std::printf("%zu channels, %zu elements: worst |y - y_double| = %.2f ulp; %d failures\n", C, desc.count, worst, failures);
    return failures == 0 ? 0 : 1;
}
