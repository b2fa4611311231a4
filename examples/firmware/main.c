/* bnkit on a Cortex-M, bare metal: a BatchNorm2d layer (MindSpore semantics: momentum is the
 * weight of the old moving value) after a 3-channel convolution, NCHW [2, 3, 2, 2].
 *
 *  1. Inference with weights stored as const arrays (flash): fold once, then
 *     y = x * scale + shift.
 *  2. On-device statistics adaptation: three training-mode forward calls on new data update
 *     the moving mean/variance (in RAM, initialised from flash), as a device does to follow
 *     a sensor's drift without back-propagation.
 *  3. Inference again with the adapted statistics.
 *
 * Static buffers only: no heap, no exceptions. Output through semihosting; exit status 0
 * only if every value matches.
 *
 * Expected values are derived from the math, not from bnkit (docs/numerics.md has the
 * formulas). The data are chosen so most of them are exact in float32:
 *  - epsilon = 2^-10 and var = 4 - 2^-10, 1 - 2^-10, 16 - 2^-10, so var + epsilon =
 *    4, 1, 16, sqrt = 2, 1, 4: scale = gamma / 2, 1, 4 = 0.75, 0.5, 0.5 and
 *    shift = beta - mean * scale = -0.5, 0, -0.25; with small dyadic inputs every product
 *    and sum is exact, so inference must match to 0 ulp.
 *  - momentum 0.75 (f = 1 - momentum = 0.25, exact), the variance fed to the moving average
 *    is the unbiased one (MindSpore on GPU/Ascend). Batch k (k = 0, 1, 2) is the base batch
 *    plus k; per channel, n = 8 values with
 *      c0: 0..7            mean 3.5 + k,  biased var 21/4,  unbiased 6
 *      c1: 2 -4 0 -2 1 -3 -1 -1   mean -1 + k, biased 7/2, unbiased 4
 *      c2: 0, 0.5 .. 3.5   mean 1.75 + k, biased 21/16, unbiased 3/2
 *    so moving = 0.75 * moving + 0.25 * batch stays dyadic (at most 19 significant bits
 *    after three steps): the moving statistics must match to 0 ulp. After step 3 (exact
 *    fractions): mean = 401/128, -47/64, 489/256; var = 337893/65536, 179173/65536,
 *    499173/65536.
 *  - Training outputs y = (x - mean) * gamma / sqrt(biased + eps) + beta, the saved inverse
 *    standard deviation and the adapted inference involve square roots: they were evaluated
 *    in 50-digit decimal arithmetic (exact rationals, then Decimal.sqrt) and are checked to
 *    within 4 ulp at magnitude max(|expected|, 1) (the "at magnitude 1" covers the results
 *    near zero, where beta cancels the normalized term); 1/sqrt within 2 ulp. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bnkit/bnkit.h"

#define N 2
#define C 3
#define HW 4
#define COUNT (N * C * HW)

/* ---- the layer's parameters, in flash ---- */
static const float kGamma[C] = {1.5f, 0.5f, 2.0f};
static const float kBeta[C] = {0.25f, -1.0f, 0.0f};
static const float kMovingMean[C] = {1.0f, -2.0f, 0.5f};
static const float kMovingVar[C] = {3.9990234375f, 0.9990234375f, 15.9990234375f}; /* 4, 1, 16 - 2^-10 */
static const float kEpsilon = 0.0009765625f;                                        /* 2^-10 */
static const double kMomentum = 0.75;

/* ---- data: NCHW, element (n, c, i) at n*C*HW + c*HW + i ---- */
static const float kInferInput[COUNT] = {
    1, 3, -1, 5,   -2, 0, 2, 4,   0.5f, 1.5f, 2.5f, -3.5f,  /* n = 0: c0, c1, c2 */
    0, 2, 4, 6,    8, -8, 6, -6,  4.5f, -0.5f, 8.5f, 0.25f, /* n = 1 */
};
/* y = 0.75x - 0.5 | 0.5x | 0.5x - 0.25, all exact */
static const float kInferExpected[COUNT] = {
    0.25f, 1.75f, -1.25f, 3.25f,  -1, 0, 1, 2,   0, 0.5f, 1, -2,
    -0.5f, 1, 2.5f, 4,            4, -4, 3, -3,  2, -0.5f, 4, -0.125f,
};
static const float kTrainBase[COUNT] = {
    0, 1, 2, 3,  2, -4, 0, -2,  0, 0.5f, 1, 1.5f,
    4, 5, 6, 7,  1, -3, -1, -1, 2, 2.5f, 3, 3.5f,
};
/* Training output: the same for every batch (each is the base batch shifted by k). */
static const float kTrainExpected[COUNT] = {
    -2.04107477f, -1.38648198f, -0.731889189f, -0.0772963963f,
    -0.198328107f, -1.80167189f, -0.732776036f, -1.26722396f,
    -3.05391455f, -2.18136753f, -1.30882052f, -0.436273507f,
    0.577296396f, 1.23188919f, 1.88648198f, 2.54107477f,
    -0.465552071f, -1.53444793f, -1.0f, -1.0f,
    0.436273507f, 1.30882052f, 2.18136753f, 3.05391455f,
};
static const float kSavedInvstdExpected[C] = {0.4363951950f, 0.5344479288f, 0.8725470130f};
/* Moving statistics after steps 1, 2, 3 (exact). */
static const float kMovingMeanExpected[3][C] = {
    {1.625f, -1.75f, 0.8125f}, {2.34375f, -1.3125f, 1.296875f}, {3.1328125f, -0.734375f, 1.91015625f}};
static const float kMovingVarExpected[3][C] = {
    {4.499267578125f, 1.749267578125f, 12.374267578125f},
    {4.87445068359375f, 2.31195068359375f, 9.65570068359375f},
    {5.1558380126953125f, 2.7339630126953125f, 7.6167755126953125f}};
/* Inference on kInferInput with the adapted statistics. */
static const float kAdaptedExpected[COUNT] = {
    -1.15881244f, 0.162271753f, -2.47989664f, 1.48335595f,
    -1.38264953f, -0.777968793f, -0.173288058f, 0.431392677f,
    -1.02184216f, -0.297211707f, 0.427418741f, -3.92036395f,
    -1.81935454f, -0.498270345f, 0.82281385f, 2.14389805f,
    1.64075415f, -3.19669173f, 1.03607341f, -2.592011f,
    1.87667964f, -1.7464726f, 4.77520143f, -1.20299977f,
};

/* ---- RAM: every buffer static ---- */
static float moving_mean[C], moving_var[C];
static float scale[C], shift[C], saved_mean[C], saved_invstd[C];
static float x[COUNT], y[COUNT];
static float workspace[BNKIT_BN_WORKSPACE_BYTES(C) / sizeof(float)];

static int failures;

/* One float32 ulp at |v| (v normal). */
static double ulp_at(double v) {
    int e;
    frexp(fabs(v), &e); /* |v| = m * 2^e, m in [0.5, 1) */
    return ldexp(1.0, e - 24);
}

/* |actual - expected| <= ulps * ulp(max(|expected|, floor)) */
static void check(const char* what, int i, float actual, float expected, double ulps, double floor) {
    const double mag = fabs((double)expected) > floor ? fabs((double)expected) : floor;
    const double err = fabs((double)actual - (double)expected) / ulp_at(mag);
    if (!(err <= ulps)) {
        printf("MISMATCH %s[%d]: got %.9g, expected %.9g (%.2f ulp, allowed %.0f)\n", what, i,
               (double)actual, (double)expected, err, ulps);
        ++failures;
    }
}

static void check_status(const char* what, bnkit_status s) {
    if (s != BNKIT_OK) {
        printf("FAILED %s: %s\n", what, bnkit_status_str(s));
        ++failures;
    }
}

static void print_channels(const char* title, const float* v) {
    printf("  %-13s %10.6f %10.6f %10.6f\n", title, (double)v[0], (double)v[1], (double)v[2]);
}

int main(void) {
    const size_t dims[4] = {N, C, 2, 2};
    const int32_t axis = 1;
    bnkit_bn_desc desc;
    check_status("desc_init", bnkit_bn_desc_init(&desc, 4, dims, 1, &axis));
    printf("bnkit %d.%d.%d firmware example, %s path, BatchNorm2d NCHW [2, 3, 2, 2]\n", BNKIT_VERSION_MAJOR,
           BNKIT_VERSION_MINOR, BNKIT_VERSION_PATCH, bnkit_isa_name(bnkit_bn_desc_isa(&desc)));

    /* 1. inference from the flash weights */
    check_status("fold", bnkit_bn_fold_f32(C, kGamma, kBeta, kMovingMean, kMovingVar, kEpsilon, scale, shift));
    check_status("infer", bnkit_bn_infer_f32(&desc, kInferInput, y, scale, shift));
    for (int i = 0; i < COUNT; ++i) check("inference y", i, y[i], kInferExpected[i], 0, 0);
    printf("inference with the stored statistics:\n");
    print_channels("scale", scale);
    print_channels("shift", shift);

    /* 2. statistics adaptation: three training-mode calls on new data */
    memcpy(moving_mean, kMovingMean, sizeof moving_mean);
    memcpy(moving_var, kMovingVar, sizeof moving_var);
    const bnkit_bn_train_params params = {kEpsilon, kMomentum, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    const bnkit_buffer ws = {workspace, sizeof workspace};
    printf("adapting the moving statistics (momentum %.2f, unbiased variance):\n", kMomentum);
    for (int step = 0; step < 3; ++step) {
        for (int i = 0; i < COUNT; ++i) x[i] = kTrainBase[i] + (float)step;
        check_status("train", bnkit_bn_train_f32(&desc, &params, x, y, kGamma, kBeta, moving_mean, moving_var,
                                                 saved_mean, saved_invstd, ws));
        for (int i = 0; i < COUNT; ++i) check("training y", i, y[i], kTrainExpected[i], 4, 1);
        for (int c = 0; c < C; ++c) {
            const float batch_mean[C] = {3.5f, -1.0f, 1.75f};
            check("saved mean", c, saved_mean[c], batch_mean[c] + (float)step, 0, 0);
            check("saved invstd", c, saved_invstd[c], kSavedInvstdExpected[c], 2, 0);
            check("moving mean", c, moving_mean[c], kMovingMeanExpected[step][c], 0, 0);
            check("moving var", c, moving_var[c], kMovingVarExpected[step][c], 0, 0);
        }
        printf(" step %d\n", step + 1);
        print_channels("moving mean", moving_mean);
        print_channels("moving var", moving_var);
    }

    /* 3. inference with the adapted statistics */
    check_status("fold", bnkit_bn_fold_f32(C, kGamma, kBeta, moving_mean, moving_var, kEpsilon, scale, shift));
    check_status("infer", bnkit_bn_infer_f32(&desc, kInferInput, y, scale, shift));
    for (int i = 0; i < COUNT; ++i) check("adapted y", i, y[i], kAdaptedExpected[i], 4, 1);
    printf("inference with the adapted statistics:\n");
    print_channels("scale", scale);
    print_channels("shift", shift);

    if (failures) {
        printf("FAILED: %d mismatches\n", failures);
        return 1;
    }
    printf("OK: every value matches the hand-derived expectation\n");
    return 0;
}
