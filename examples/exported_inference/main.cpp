// Inference with weights exported by bnkit-export. The build turns weights.npz (a Keras
// layer's np.savez(f, *layer.get_weights())) into bn1_weights.h:
//     bnkit-export keras --npz weights.npz --name bn1 --out bn1_weights.h
// which holds the parameters as const arrays (flash on a microcontroller) and bn1_config(),
// a bnkit::keras::Config whose initializers point at them. The layer runs an NHWC batch in
// inference mode (training=False), and every output is checked against the formula
// evaluated in double on the header's own parameters (numerics.md: within 3 ulp of
// |x*s| + |beta| + |mean*s|).
#include <cmath>
#include <cstdio>

#include "bn1_weights.h"

namespace {

constexpr std::size_t N = 2, H = 4, W = 4, C = BN1_CHANNELS, count = N * H * W * C;
float x[count], y[count];

}  // namespace

int main() {
    // A stand-in for a camera/sensor feature map: values around each channel's mean.
    for (std::size_t i = 0; i < count; ++i)
        x[i] = bn1_moving_mean[i % C] + 0.37f * static_cast<float>(static_cast<int>(i * 7 % 23) - 11);
    bn1_layer layer(bn1_config());  // all storage inline (about 12 floats per channel)
    const bnkit::Shape shape{N, H, W, C};
    const bnkit::Status s = layer.call(shape, x, y, false);
    if (s != BNKIT_OK) {
        std::printf("call failed: %s\n", bnkit_status_str(s));
        return 1;
    }
    // Keras picks its fused kernel for this 4-D NHWC input; epsilon 1e-3 is above its floor.
    std::printf("bn1: %u channels, fused kernel: %s, epsilon %.9g\n", static_cast<unsigned>(C), layer.fused() ? "yes" : "no",
                static_cast<double>(layer.effective_epsilon()));

    double worst = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t c = i % C;
        const double sc = bn1_gamma[c] / std::sqrt(static_cast<double>(bn1_moving_variance[c]) + static_cast<double>(BN1_EPSILON));
        const double ref = (x[i] - static_cast<double>(bn1_moving_mean[c])) * sc + bn1_beta[c];
        const double magnitude = std::fabs(x[i] * sc) + std::fabs(static_cast<double>(bn1_beta[c])) + std::fabs(bn1_moving_mean[c] * sc);
        const double ulps = std::fabs(y[i] - ref) / (magnitude * std::ldexp(1.0, -23));
        if (ulps > worst) worst = ulps;
    }
    std::printf("first pixel: x = [");
    for (std::size_t c = 0; c < C; ++c) std::printf("%s%.4g", c ? " " : "", static_cast<double>(x[c]));
    std::printf("]\n             y = [");
    for (std::size_t c = 0; c < C; ++c) std::printf("%s%.4g", c ? " " : "", static_cast<double>(y[c]));
    std::printf("]\nworst error against the double formula: %.2f ulp (bound 3)\n", worst);
    return worst <= 3.0 ? 0 : 1;
}
