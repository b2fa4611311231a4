/* bnkit from C99 with static buffers only: the three calls a firmware makes.
 *
 * A Keras-style BatchNormalization after a 1-D convolution, channels last: x is
 * [batch 2, steps 8, channels 3], feature axis -1, so each channel's statistics run over
 * n = 16 values.
 *   1. inference: fold the stored parameters once into scale/shift, then y = x*scale + shift;
 *   2. a training step: batch statistics, y, saved statistics and the moving update
 *      (Keras non-fused: momentum 0.99, biased variance, moving -= (moving - batch) * (1 - m));
 *   3. backward of L = 0.5 * sum((y - target)^2): dx, dgamma, dbeta;
 *   4. a bad argument: a status, and nothing written.
 * Each result is checked against the same formula evaluated here in double. The bound is
 * 8 float32 ulps of the magnitude the result is built from (the sum of the absolute values of
 * its terms, so cancellation does not shrink it); docs/numerics.md gives the tighter bounds
 * tests/ assert. Prints through stdio (semihosting on Cortex-M); exit status 0 only if every
 * check passes. Also the consumer of the installed package in CI (tests/consumer). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bnkit/bnkit.h"

#define BATCH 2
#define STEPS 8
#define C 3
#define N (BATCH * STEPS) /* values per channel */
#define COUNT (N * C)
#define ULPS 8.0

/* Layer parameters, as exported from a trained model: const, so they stay in flash. */
static const float kGamma[C] = {1.25f, 0.8f, -0.5f};
static const float kBeta[C] = {0.1f, -0.2f, 0.05f};
static const float kMovingMean[C] = {0.5f, -1.0f, 2.0f};
static const float kMovingVar[C] = {0.25f, 4.0f, 1.5f};
static const float kEpsilon = 1e-3f;
static const double kMomentum = 0.99;

/* RAM: every buffer static, sized at compile time. */
static float x[COUNT], y[COUNT], target[COUNT], dy[COUNT], dx[COUNT];
static float scale[C], shift[C], moving_mean[C], moving_var[C];
static float saved_mean[C], saved_invstd[C], dgamma[C], dbeta[C];
static float workspace[BNKIT_BN_WORKSPACE_BYTES(C) / sizeof(float)];

static int failures;
static double worst_ulps;

/* |got - want| <= ULPS ulps of mag (FLT_EPSILON * mag bounds one ulp of mag from above). */
static void check(const char* what, int i, float got, double want, double mag) {
    const double ulp = FLT_EPSILON * (mag > FLT_MIN ? mag : FLT_MIN);
    const double err = fabs((double)got - want) / ulp;
    if (err > worst_ulps) worst_ulps = err;
    if (!(err <= ULPS)) {
        printf("MISMATCH %s[%d]: got %.9g, expected %.9g (%.1f ulp of %.3g)\n", what, i, (double)got, want,
               err, mag);
        ++failures;
    }
}

static int ok(const char* what, bnkit_status s) {
    if (s != BNKIT_OK) {
        printf("FAILED %s: %s\n", what, bnkit_status_str(s));
        ++failures;
    }
    return s == BNKIT_OK;
}

/* Element (sample, channel) of a channels-last tensor with N samples per channel. */
#define AT(i, c) ((i) * C + (c))

/* Reproducible sensor-like data: a per-channel offset and spread around a small LCG. */
static void fill_inputs(void) {
    static const float offset[C] = {0.75f, -1.5f, 3.0f}, spread[C] = {1.0f, 2.5f, 0.5f};
    uint32_t state = 12345u;
    for (int i = 0; i < N; ++i)
        for (int c = 0; c < C; ++c) {
            state = state * 1664525u + 1013904223u;
            const float u = (float)(state >> 8) / 16777216.0f; /* [0, 1), exact */
            x[AT(i, c)] = offset[c] + spread[c] * (2.0f * u - 1.0f);
            target[AT(i, c)] = 0.5f * (float)((i + c) % 3) - 0.5f;
        }
}

static void inference(const bnkit_bn_desc* desc) {
    if (!ok("fold", bnkit_bn_fold_f32(C, kGamma, kBeta, kMovingMean, kMovingVar, kEpsilon, scale, shift))) return;
    if (!ok("infer", bnkit_bn_infer_f32(desc, x, y, scale, shift))) return;
    for (int c = 0; c < C; ++c) {
        const double s = kGamma[c] / sqrt((double)kMovingVar[c] + kEpsilon);
        for (int i = 0; i < N; ++i) {
            const double xi = x[AT(i, c)];
            const double want = (xi - kMovingMean[c]) * s + kBeta[c];
            check("inference y", AT(i, c), y[AT(i, c)], want, fabs(xi * s) + fabs(kMovingMean[c] * s) + fabs(kBeta[c]));
        }
    }
}

/* Batch statistics in double, for the training step and the backward pass. */
static double mean_d[C], invstd_d[C];

static void training_step(const bnkit_bn_desc* desc) {
    const bnkit_bn_train_params params = {kEpsilon, kMomentum, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_ASSIGN_SUB};
    const bnkit_buffer ws = {workspace, sizeof workspace};
    memcpy(moving_mean, kMovingMean, sizeof moving_mean);
    memcpy(moving_var, kMovingVar, sizeof moving_var);
    if (!ok("train", bnkit_bn_train_f32(desc, &params, x, y, kGamma, kBeta, moving_mean, moving_var, saved_mean,
                                        saved_invstd, ws)))
        return;
    const double f = (float)(1.0 - kMomentum); /* the frameworks round 1 - momentum to float32 */
    for (int c = 0; c < C; ++c) {
        double sum = 0, sum_abs = 0, sq = 0;
        for (int i = 0; i < N; ++i) {
            sum += x[AT(i, c)];
            sum_abs += fabs(x[AT(i, c)]);
        }
        mean_d[c] = sum / N;
        for (int i = 0; i < N; ++i) sq += (x[AT(i, c)] - mean_d[c]) * (x[AT(i, c)] - mean_d[c]);
        const double var = sq / N;
        invstd_d[c] = 1.0 / sqrt(var + kEpsilon);
        check("saved mean", c, saved_mean[c], mean_d[c], fabs(mean_d[c]) + sum_abs / N);
        check("saved invstd", c, saved_invstd[c], invstd_d[c], invstd_d[c]);
        const double mm = kMovingMean[c] - (kMovingMean[c] - mean_d[c]) * f;
        const double mv = kMovingVar[c] - (kMovingVar[c] - var) * f;
        check("moving mean", c, moving_mean[c], mm, (1 - f) * fabs(kMovingMean[c]) + f * fabs(mean_d[c]));
        check("moving var", c, moving_var[c], mv, (1 - f) * kMovingVar[c] + f * var);
        for (int i = 0; i < N; ++i) {
            const double centered = x[AT(i, c)] - mean_d[c];
            const double want = centered * invstd_d[c] * kGamma[c] + kBeta[c];
            const double mag = fabs(kGamma[c]) * (fabs(centered) + fabs(mean_d[c])) * invstd_d[c] + fabs(kBeta[c]);
            check("training y", AT(i, c), y[AT(i, c)], want, mag);
        }
    }
}

static void backward(const bnkit_bn_desc* desc) {
    const bnkit_buffer ws = {workspace, sizeof workspace};
    for (int k = 0; k < COUNT; ++k) dy[k] = y[k] - target[k]; /* dL/dy of the squared error */
    if (!ok("backward", bnkit_bn_backward_f32(desc, BNKIT_PHASE_TRAINING, x, dy, kGamma, saved_mean, saved_invstd,
                                              dx, dgamma, dbeta, ws)))
        return;
    for (int c = 0; c < C; ++c) {
        double db = 0, db_mag = 0, dg = 0, dg_mag = 0;
        for (int i = 0; i < N; ++i) {
            const double xhat = (x[AT(i, c)] - mean_d[c]) * invstd_d[c];
            db += dy[AT(i, c)];
            db_mag += fabs(dy[AT(i, c)]);
            dg += dy[AT(i, c)] * xhat;
            dg_mag += fabs(dy[AT(i, c)] * xhat);
        }
        check("dbeta", c, dbeta[c], db, db_mag);
        check("dgamma", c, dgamma[c], dg, dg_mag);
        const double a = kGamma[c] * invstd_d[c];
        for (int i = 0; i < N; ++i) {
            const double xhat = (x[AT(i, c)] - mean_d[c]) * invstd_d[c];
            const double want = a * (dy[AT(i, c)] - db / N - xhat * dg / N);
            const double mag = fabs(a) * (fabs(dy[AT(i, c)]) + db_mag / N + fabs(xhat) * dg_mag / N);
            check("dx", AT(i, c), dx[AT(i, c)], want, mag);
        }
    }
}

/* A negative epsilon is refused with its own status, before anything is written. */
static void bad_argument(void) {
    static float untouched[C] = {42.0f, 42.0f, 42.0f};
    const bnkit_status s = bnkit_bn_fold_f32(C, kGamma, kBeta, kMovingMean, kMovingVar, -1.0f, untouched, shift);
    if (s != BNKIT_ERR_BAD_EPSILON || untouched[0] != 42.0f || untouched[1] != 42.0f || untouched[2] != 42.0f) {
        printf("FAILED: negative epsilon gave \"%s\" or wrote its output\n", bnkit_status_str(s));
        ++failures;
    }
}

int main(void) {
    const size_t dims[3] = {BATCH, STEPS, C};
    const int32_t axis = -1;
    bnkit_bn_desc desc;
    if (!ok("desc_init", bnkit_bn_desc_init(&desc, 3, dims, 1, &axis))) return 1;
    printf("bnkit %d.%d.%d C API example, %s path, x [%d, %d, %d] channels last\n", BNKIT_VERSION_MAJOR,
           BNKIT_VERSION_MINOR, BNKIT_VERSION_PATCH, bnkit_isa_name(bnkit_bn_desc_isa(&desc)), BATCH, STEPS, C);

    fill_inputs();
    inference(&desc);
    training_step(&desc);
    printf("moving mean  %9.6f %9.6f %9.6f\nmoving var   %9.6f %9.6f %9.6f\n", (double)moving_mean[0],
           (double)moving_mean[1], (double)moving_mean[2], (double)moving_var[0], (double)moving_var[1],
           (double)moving_var[2]);
    backward(&desc);
    printf("dgamma       %9.6f %9.6f %9.6f\ndbeta        %9.6f %9.6f %9.6f\n", (double)dgamma[0], (double)dgamma[1],
           (double)dgamma[2], (double)dbeta[0], (double)dbeta[1], (double)dbeta[2]);
    bad_argument();

    if (failures) {
        printf("FAILED: %d checks\n", failures);
        return 1;
    }
    printf("OK: every result within %.0f ulp of the double formula (worst %.2f)\n", ULPS, worst_ulps);
    return 0;
}
