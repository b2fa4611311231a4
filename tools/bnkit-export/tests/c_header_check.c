/* Two exported headers in one C99 translation unit (-std=c99 -pedantic -Werror): the plain
 * one (kbn_*) folded at run time through KBN_FOLD_ARGS must give exactly the pre-folded
 * one's constants (fbn_*, bnkit-export --fold, same fixture), and inference with them must
 * match the double formula on the header's own parameters. */
#include <math.h>
#include <stdio.h>

#include "c_plain.h"
#include "c_folded.h"

int main(void) {
    float scale[KBN_CHANNELS], shift[KBN_CHANNELS], x[3 * KBN_CHANNELS], y[3 * KBN_CHANNELS];
    const size_t dims[2] = {3, KBN_CHANNELS};
    const int32_t axis = -1;
    bnkit_bn_desc desc;
    size_t c, i;
    int failures = 0;
    if (bnkit_bn_fold_f32(KBN_FOLD_ARGS, scale, shift) != BNKIT_OK) return 1;
    for (c = 0; c < KBN_CHANNELS; ++c)
        if (scale[c] != fbn_scale[c] || shift[c] != fbn_shift[c]) {
            printf("FAIL: channel %u: run-time fold differs from the exported fold\n", (unsigned)c);
            ++failures;
        }
    for (i = 0; i < 3 * KBN_CHANNELS; ++i) x[i] = (float)i * 0.25f - 2.0f;
    if (bnkit_bn_desc_init(&desc, 2, dims, 1, &axis) != BNKIT_OK) return 1;
    if (bnkit_bn_infer_f32(&desc, x, y, fbn_scale, fbn_shift) != BNKIT_OK) return 1;
    for (i = 0; i < 3 * KBN_CHANNELS; ++i) {
        c = i % KBN_CHANNELS;
        {
            const double s = kbn_gamma[c] / sqrt((double)kbn_moving_variance[c] + (double)KBN_EPSILON);
            const double ref = (x[i] - (double)kbn_moving_mean[c]) * s + kbn_beta[c];
            const double magnitude = fabs(x[i] * s) + fabs((double)kbn_beta[c]) + fabs(kbn_moving_mean[c] * s);
            if (fabs(y[i] - ref) > 3.0 * magnitude * ldexp(1.0, -23)) {
                printf("FAIL: y[%u] = %.9g, double formula %.9g\n", (unsigned)i, (double)y[i], ref);
                ++failures;
            }
        }
    }
    printf("C header check: %d failures\n", failures);
    return failures != 0;
}
