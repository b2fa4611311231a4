// The C++ side of a bnkit consumer: a MindSpore BatchNorm2d (defaults: eps 1e-5, momentum 0.9,
// unbiased moving variance) in training mode on an NCHW [2, 3, 2, 2] batch, checked against
// the formulas evaluated here in double: y and the moving statistics within 8 float32 ulps of
// the magnitude each is built from (docs/numerics.md has the tighter bounds tests/ assert).
// Exit status 0 only if every value matches. Needs only what bnkit::bnkit carries: the include
// directory and C++17 (cxx_std_17); no xsimd.
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "bnkit/mindspore.hpp"

namespace {

constexpr int kN = 2, kC = 3, kHW = 4, kCount = kN * kC * kHW;
constexpr int kPerChannel = kN * kHW;

int failures = 0;

void check(const char* what, int i, float got, double want, double mag) {
    const double err = std::fabs(static_cast<double>(got) - want) / (FLT_EPSILON * (mag > FLT_MIN ? mag : FLT_MIN));
    if (!(err <= 8.0)) {
        std::printf("MISMATCH %s[%d]: got %.9g, expected %.9g (%.1f ulp)\n", what, i, static_cast<double>(got), want, err);
        ++failures;
    }
}

}  // namespace

int main() {
    float x[kCount], y[kCount];
    for (int k = 0; k < kCount; ++k) x[k] = 0.25f * static_cast<float>((k * 7) % 11) - 1.0f + 0.5f * static_cast<float>(k % kC);

    bnkit::mindspore::BatchNorm2d<4> bn(kC);
    const float gamma[kC] = {1.5f, -0.5f, 2.0f}, beta[kC] = {0.25f, 0.0f, -1.0f};
    if (bn.load_parameter("bn.gamma", {gamma, kC}) != BNKIT_OK || bn.load_parameter("bn.beta", {beta, kC}) != BNKIT_OK) {
        std::puts("FAILED: load_parameter");
        return 1;
    }
    bn.set_train(true);
    const bnkit::Status s = bn.call({kN, kC, 2, 2}, {x, kCount}, {y, kCount});
    if (s != BNKIT_OK) {
        std::printf("FAILED: call: %s\n", bnkit_status_str(s));
        return 1;
    }

    const double eps = static_cast<float>(bn.config().eps), f = static_cast<float>(1.0 - bn.config().momentum);
    for (int c = 0; c < kC; ++c) {
        auto at = [c](int n, int i) { return (n * kC + c) * kHW + i; };  // NCHW
        double sum = 0, sum_abs = 0, sq = 0;
        for (int n = 0; n < kN; ++n)
            for (int i = 0; i < kHW; ++i) {
                sum += x[at(n, i)];
                sum_abs += std::fabs(x[at(n, i)]);
            }
        const double mean = sum / kPerChannel;
        for (int n = 0; n < kN; ++n)
            for (int i = 0; i < kHW; ++i) sq += (x[at(n, i)] - mean) * (x[at(n, i)] - mean);
        const double invstd = 1.0 / std::sqrt(sq / kPerChannel + eps);
        for (int n = 0; n < kN; ++n)
            for (int i = 0; i < kHW; ++i) {
                const double centered = x[at(n, i)] - mean;
                check("y", at(n, i), y[at(n, i)], centered * invstd * gamma[c] + beta[c],
                      std::fabs(gamma[c]) * (std::fabs(centered) + std::fabs(mean)) * invstd + std::fabs(beta[c]));
            }
        // Initial moving statistics 0 and 1; the unbiased variance feeds the moving average.
        const double unbiased = sq / (kPerChannel - 1);
        check("moving_mean", c, bn.moving_mean().data[c], f * mean, f * (std::fabs(mean) + sum_abs / kPerChannel));
        check("moving_variance", c, bn.moving_variance().data[c], (1 - f) + f * unbiased, (1 - f) + f * unbiased);
    }
    if (failures) {
        std::printf("FAILED: %d values\n", failures);
        return 1;
    }
    std::puts("OK: bnkit::mindspore::BatchNorm2d matches the double formulas");
    return 0;
}
