// On-device statistics adaptation: a deployed layer meets data whose statistics differ from
// the training set's (a new sensor, new lighting). Its trained gamma/beta stay; only the
// moving statistics are recalibrated on unlabeled data, by running the layer in training
// mode (batch statistics + momentum update, no backward, no labels) over a few batches.
//
// mindspore.nn.BatchNorm2d(num_features=4, momentum=0.9) in bnkit, NCHW. The program checks
//  1. the moving statistics after every batch against the closed form computed in double:
//       moving_k = momentum * moving_{k-1} + (1 - momentum) * stat_k,
//     stat_k = the batch mean and the UNBIASED batch variance (bnkit's MindSpore default,
//     GPU/Ascend); relative error <= 1e-5;
//  2. inference on a fresh batch after adaptation normalizes the new data: per channel,
//     mean(y) ~ beta and var(y) ~ gamma^2 (sampling noise allowed), where before
//     adaptation it is far off.
// Keras works the same way: layer.call(shape, x, y, true) on each batch (with a trainable
// layer), then call(..., false).
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "bnkit/mindspore.hpp"

namespace {

constexpr std::size_t N = 8, C = 4, H = 8, W = 8, HW = H * W, count = N * C * HW, batches = 40;
constexpr double momentum = 0.9;

// What training left in the layer.
const float trained_gamma[C] = {1.2f, 0.8f, 1.0f, 1.5f};
const float trained_beta[C] = {0.1f, -0.2f, 0.0f, 0.3f};
const float trained_mean[C] = {0.0f, 0.5f, -1.0f, 2.0f};
const float trained_var[C] = {1.0f, 0.25f, 4.0f, 1.0f};
// The new data: per-channel mean and standard deviation the device now sees.
const double new_mean[C] = {3.0, -1.0, 0.5, 2.5};
const double new_std[C] = {2.0, 0.5, 1.0, 3.0};

float x[count], y[count];

// A deterministic stand-in for sensor data: 12 uniforms - 6 is close to a unit normal.
std::uint32_t rng_state = 12345u;
double uniform() {
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) * (1.0 / 16777216.0);
}
void fill_new_data() {
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t k = 0; k < HW; ++k) {
                double z = -6.0;
                for (int u = 0; u < 12; ++u) z += uniform();
                x[(n * C + c) * HW + k] = static_cast<float>(new_mean[c] + new_std[c] * z);
            }
}

// Per-channel mean and biased variance of an NCHW tensor, in double.
void channel_stats(const float* t, double* mean, double* var) {
    const double n = static_cast<double>(N * HW);
    for (std::size_t c = 0; c < C; ++c) {
        double s = 0, q = 0;
        for (std::size_t b = 0; b < N; ++b)
            for (std::size_t k = 0; k < HW; ++k) s += t[(b * C + c) * HW + k];
        mean[c] = s / n;
        for (std::size_t b = 0; b < N; ++b)
            for (std::size_t k = 0; k < HW; ++k) q += (t[(b * C + c) * HW + k] - mean[c]) * (t[(b * C + c) * HW + k] - mean[c]);
        var[c] = q / n;
    }
}

}  // namespace

int main() {
    bnkit::mindspore::Config cfg;
    cfg.momentum = momentum;
    cfg.gamma_init = bnkit::tensor(trained_gamma, C);
    cfg.beta_init = bnkit::tensor(trained_beta, C);
    cfg.moving_mean_init = bnkit::tensor(trained_mean, C);
    cfg.moving_var_init = bnkit::tensor(trained_var, C);
    bnkit::mindspore::BatchNorm2d<C> bn(C, cfg);
    const bnkit::Shape shape{N, C, H, W};
    const double n = static_cast<double>(N * HW);

    // Before: inference with the trained statistics on the new data.
    fill_new_data();
    if (bn.call(shape, x, y) != BNKIT_OK) return 1;
    double mean_y[C], var_y[C];
    channel_stats(y, mean_y, var_y);
    std::printf("before adaptation:   mean(y) - beta, var(y) / gamma^2 per channel:\n");
    for (std::size_t c = 0; c < C; ++c)
        std::printf("  c%u: %8.3f %8.3f\n", static_cast<unsigned>(c), mean_y[c] - trained_beta[c], var_y[c] / (double(trained_gamma[c]) * trained_gamma[c]));

    // Adapt: training mode over unlabeled batches; the closed form runs alongside in double.
    double expect_mean[C], expect_var[C];
    for (std::size_t c = 0; c < C; ++c) {
        expect_mean[c] = trained_mean[c];
        expect_var[c] = trained_var[c];
    }
    bn.set_train(true);
    double worst = 0;
    for (std::size_t b = 0; b < batches; ++b) {
        fill_new_data();
        double bm[C], bv[C];
        channel_stats(x, bm, bv);
        if (bn.call(shape, x, y) != BNKIT_OK) return 1;
        for (std::size_t c = 0; c < C; ++c) {
            expect_mean[c] = momentum * expect_mean[c] + (1 - momentum) * bm[c];
            expect_var[c] = momentum * expect_var[c] + (1 - momentum) * bv[c] * n / (n - 1);
            const double scale_mean = std::fabs(expect_mean[c]) + std::fabs(bm[c]);
            const double mean_error = std::fabs(bn.moving_mean()[c] - expect_mean[c]) / scale_mean;
            const double var_error = std::fabs(bn.moving_variance()[c] - expect_var[c]) / expect_var[c];
            if (mean_error > worst) worst = mean_error;
            if (var_error > worst) worst = var_error;
        }
    }
    bn.set_train(false);
    std::printf("after %u batches: moving statistics vs closed form in double: worst relative error %.2e (bound 1e-5)\n",
                static_cast<unsigned>(batches), worst);
    std::printf("  moving_mean     ");
    for (std::size_t c = 0; c < C; ++c) std::printf(" %8.4f", static_cast<double>(bn.moving_mean()[c]));
    std::printf("\n  moving_variance ");
    for (std::size_t c = 0; c < C; ++c) std::printf(" %8.4f", static_cast<double>(bn.moving_variance()[c]));
    std::printf("\n  (the new data:   mean 3, -1, 0.5, 2.5; variance 4, 0.25, 1, 9)\n");

    // After: a fresh batch of new data is normalized as training intended.
    fill_new_data();
    if (bn.call(shape, x, y) != BNKIT_OK) return 1;
    channel_stats(y, mean_y, var_y);
    bool normalized = true;
    std::printf("after adaptation:    mean(y) - beta, var(y) / gamma^2 per channel:\n");
    for (std::size_t c = 0; c < C; ++c) {
        const double offset = (mean_y[c] - trained_beta[c]) / trained_gamma[c], ratio = var_y[c] / (double(trained_gamma[c]) * trained_gamma[c]);
        std::printf("  c%u: %8.3f %8.3f\n", static_cast<unsigned>(c), mean_y[c] - trained_beta[c], ratio);
        // 512 samples per channel and an average over 40 batches: a few percent of noise.
        normalized = normalized && std::fabs(offset) < 0.15 && ratio > 0.8 && ratio < 1.25;
    }
    const bool ok = worst <= 1e-5 && normalized;
    std::printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
