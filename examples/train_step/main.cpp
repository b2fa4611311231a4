// A training step on the device: forward in training mode, a loss, backward, and the layer's
// plain SGD step, in a few lines. tf.keras.layers.BatchNormalization(
// gamma_regularizer=l2(0.01), beta_constraint=max_norm(1.0)) on a [16, 3] batch (axis -1),
// loss L = sum((y - t)^2) / (2 * batch), so dL/dy = (y - t) / batch; the objective is
// L + regularization_loss() (Keras' model loss plus layer.losses), and sgd_step(lr) is Keras'
// SGD update followed by the constraint's projection.
// The target t = a * xhat + b + 0.3 * (xhat^2 - 1) is not reachable by gamma and beta alone
// (a reachable one would make dx vanish: batch norm's backward removes every dy of the form
// u * xhat + v), so the objective falls towards its constrained minimum, not to 0.
// Closed form (xhat has zero mean per channel, so gamma and beta separate): per channel
// gamma* = sum(xhat t) / (sum(xhat^2) + 2 lambda M); beta minimizes |beta - mean(t)|^2 / 2
// over the ball |beta| <= 1, so beta* = mean(t) / |mean(t)| when |mean(t)| > 1 (here 1.44).
// Checks:
//  1. dx, dgamma (with the regularizer's 2 lambda gamma), dbeta of the first step against
//     central finite differences of the objective computed entirely in double;
//  2. the objective decreases at every step, and its excess over the closed-form minimum
//     ends below 1e-3 of where it started;
//  3. beta ends on the projection beta* (Keras' max_norm divides by 1e-7 + |beta|).
#include <cmath>
#include <cstdio>

#include "bnkit/keras.hpp"

namespace {

constexpr std::size_t M = 16, C = 3, count = M * C, steps = 8;
constexpr float learning_rate = 0.5f, lambda = 0.01f, beta_max_norm = 1.0f;
const double target_a[C] = {2.0, 0.5, -1.0}, target_b[C] = {1.0, -1.0, 0.25};

float x[count], t[count], y[count], dy[count], dx[count];

// Loss of the layer's training-mode forward, in double, for given x, gamma, beta.
double loss_double(const double* xs, const double* g, const double* b, double eps) {
    double loss = 0;
    for (std::size_t c = 0; c < C; ++c) {
        double mean = 0, var = 0;
        for (std::size_t m = 0; m < M; ++m) mean += xs[m * C + c];
        mean /= M;
        for (std::size_t m = 0; m < M; ++m) var += (xs[m * C + c] - mean) * (xs[m * C + c] - mean);
        var /= M;
        for (std::size_t m = 0; m < M; ++m) {
            const double yd = g[c] * (xs[m * C + c] - mean) / std::sqrt(var + eps) + b[c];
            loss += (yd - t[m * C + c]) * (yd - t[m * C + c]);
        }
    }
    double penalty = 0;
    for (std::size_t c = 0; c < C; ++c) penalty += double(lambda) * g[c] * g[c];
    return loss / (2.0 * M) + penalty;
}

// The smallest objective any gamma, beta with |beta| <= beta_max_norm reach (closed form in
// the header comment); beta_star receives the minimizing beta.
double constrained_minimum(double eps, double* beta_star) {
    double loss = 0, mean_t_all[C], norm = 0;
    for (std::size_t c = 0; c < C; ++c) {
        double mean = 0, var = 0, mean_t = 0, xt = 0, xx = 0, xh[M];
        for (std::size_t m = 0; m < M; ++m) mean += x[m * C + c] / double(M);
        for (std::size_t m = 0; m < M; ++m) var += (x[m * C + c] - mean) * (x[m * C + c] - mean) / double(M);
        for (std::size_t m = 0; m < M; ++m) {
            xh[m] = (x[m * C + c] - mean) / std::sqrt(var + eps);
            mean_t += t[m * C + c] / double(M);
            xt += xh[m] * t[m * C + c];
            xx += xh[m] * xh[m];
        }
        const double gamma = xt / (xx + 2.0 * double(lambda) * M);
        for (std::size_t m = 0; m < M; ++m) {
            const double r = gamma * xh[m] + mean_t - t[m * C + c];  // residual at beta = mean(t)
            loss += r * r / (2.0 * M);
        }
        loss += double(lambda) * gamma * gamma;
        mean_t_all[c] = mean_t;
        norm += mean_t * mean_t;
    }
    norm = std::sqrt(norm);
    const double shrink = norm > beta_max_norm ? beta_max_norm / norm : 1.0;
    for (std::size_t c = 0; c < C; ++c) beta_star[c] = mean_t_all[c] * shrink;
    // Moving beta from mean(t) to beta* adds |beta* - mean(t)|^2 / 2 (the cross terms vanish).
    return loss + 0.5 * (1.0 - shrink) * (1.0 - shrink) * norm * norm;
}

// Largest |a - b| over n values, relative to the largest |b|. (Plain comparisons, not an
// fmax reduction: GCC 12 for AArch64 crashes vectorizing that one at -O3.)
double relative_gap(const float* a, const double* b, std::size_t n) {
    double gap = 0, scale = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = std::fabs(a[i] - b[i]), m = std::fabs(b[i]);
        if (d > gap) gap = d;
        if (m > scale) scale = m;
    }
    return gap / scale;
}

}  // namespace

int main() {
    // Inputs with a different offset and spread per channel; the target from their xhat.
    for (std::size_t i = 0; i < count; ++i) x[i] = static_cast<float>(i % C) * 2.0f - 1.5f + 0.3f * static_cast<float>((i * 11) % 13);
    for (std::size_t c = 0; c < C; ++c) {
        double mean = 0, var = 0;
        for (std::size_t m = 0; m < M; ++m) mean += x[m * C + c] / double(M);
        for (std::size_t m = 0; m < M; ++m) var += (x[m * C + c] - mean) * (x[m * C + c] - mean) / double(M);
        for (std::size_t m = 0; m < M; ++m) {
            const double xhat = (x[m * C + c] - mean) / std::sqrt(var);
            t[m * C + c] = static_cast<float>(target_a[c] * xhat + target_b[c] + 0.3 * (xhat * xhat - 1.0));
        }
    }

    bnkit::keras::Config cfg;  // Keras defaults otherwise: gamma 1, beta 0, epsilon 1e-3
    cfg.gamma_regularizer = bnkit::keras::l2(lambda);
    cfg.beta_constraint = bnkit::keras::max_norm(beta_max_norm);
    bnkit::keras::BatchNormalization<C> bn(cfg);
    double beta_star[C];
    const double min_loss = constrained_minimum(0.001f, beta_star);
    const bnkit::Shape shape{M, C};
    double previous_loss = 0, first_loss = 0;
    bool decreasing = true;
    for (std::size_t step = 0; step < steps; ++step) {
        // Forward (batch statistics), loss, dL/dy, backward.
        if (bn.call(shape, x, y, true) != BNKIT_OK) return 1;
        double loss = 0;
        for (std::size_t i = 0; i < count; ++i) {
            loss += (double(y[i]) - t[i]) * (double(y[i]) - t[i]) / (2.0 * M);
            dy[i] = (y[i] - t[i]) / static_cast<float>(M);
        }
        float penalty = 0;
        if (bn.backward(shape, x, dy, dx) != BNKIT_OK || bn.regularization_loss(penalty) != BNKIT_OK) return 1;
        loss += penalty;

        if (step == 0) {
            // Gradient check against central differences in double.
            const double eps = bn.effective_epsilon(), h = 1e-6;
            double xs[count], g[C], b[C], fd_dx[count], fd_dgamma[C], fd_dbeta[C];
            for (std::size_t i = 0; i < count; ++i) xs[i] = x[i];
            for (std::size_t c = 0; c < C; ++c) {
                g[c] = bn.gamma()[c];
                b[c] = bn.beta()[c];
            }
            for (std::size_t i = 0; i < count; ++i) {
                xs[i] = x[i] + h;
                const double up = loss_double(xs, g, b, eps);
                xs[i] = x[i] - h;
                fd_dx[i] = (up - loss_double(xs, g, b, eps)) / (2 * h);
                xs[i] = x[i];
            }
            for (std::size_t c = 0; c < C; ++c) {
                g[c] += h;
                const double up = loss_double(xs, g, b, eps);
                g[c] -= 2 * h;
                fd_dgamma[c] = (up - loss_double(xs, g, b, eps)) / (2 * h);
                g[c] += h;
                b[c] += h;
                const double up_b = loss_double(xs, g, b, eps);
                b[c] -= 2 * h;
                fd_dbeta[c] = (up_b - loss_double(xs, g, b, eps)) / (2 * h);
                b[c] += h;
            }
            const double gx = relative_gap(dx, fd_dx, count), gg = relative_gap(bn.dgamma().data, fd_dgamma, C),
                         gb = relative_gap(bn.dbeta().data, fd_dbeta, C);
            std::printf("gradient check vs finite differences in double (relative): dx %.1e, dgamma %.1e, dbeta %.1e (bound 1e-5)\n",
                        gx, gg, gb);
            if (!(gx <= 1e-5 && gg <= 1e-5 && gb <= 1e-5)) {
                std::printf("FAILED\n");
                return 1;
            }
            first_loss = loss;
        } else {
            decreasing = decreasing && loss < previous_loss;
        }
        previous_loss = loss;
        std::printf("step %2u: loss %.6e\n", static_cast<unsigned>(step), loss);

        // SGD on gamma and beta, then beta projected onto its max_norm ball.
        if (bn.sgd_step(learning_rate) != BNKIT_OK) return 1;
    }
    std::printf("gamma -> %.4f %.4f %.4f, beta -> %.4f %.4f %.4f\n",
                double(bn.gamma()[0]), double(bn.gamma()[1]), double(bn.gamma()[2]), double(bn.beta()[0]), double(bn.beta()[1]),
                double(bn.beta()[2]));
    const double excess_ratio = (previous_loss - min_loss) / (first_loss - min_loss);
    // beta* is reached from step 2 on and is a fixed point of step + projection; the bound
    // covers float rounding of the update and of Keras' 1e-7 in the norm.
    const double beta_gap = relative_gap(bn.beta().data, beta_star, C);
    const bool ok = decreasing && excess_ratio < 1e-3 && beta_gap < 1e-6;
    std::printf("%s: objective %s at every step, %.6f -> %.6f; constrained minimum %.6f (excess ratio %.1e, bound 1e-3); "
                "beta vs the max_norm projection %.1e (bound 1e-6)\n",
                ok ? "OK" : "FAILED", decreasing ? "decreased" : "did NOT decrease", first_loss, previous_loss, min_loss,
                excess_ratio, beta_gap);
    return ok ? 0 : 1;
}
