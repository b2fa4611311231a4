/* Minimal firmwares for tools/footprint.sh (docs/footprint.md). Same buffers in every
 * variant, so the size differences are bnkit's code, constants and data:
 *   BNKIT_FOOTPRINT_base   no bnkit call
 *   BNKIT_FOOTPRINT_infer  inference only: desc_init + fold + infer
 *   BNKIT_FOOTPRINT_full   everything: + train, invstd, backward, workspace_size, status_str
 *   BNKIT_FOOTPRINT_stack  like full, and prints each call's stack high-water mark (painted
 *                          stack below the caller's frame), for the "stack per call" numbers */
#include <stdint.h>
#include <string.h>

#include "bnkit/bnkit.h"

#define CH 8
#define COUNT (2 * CH * 4)

static float x[COUNT], y[COUNT], dy[COUNT], dx[COUNT];
static float gamma_[CH], beta_[CH], mean[CH], var[CH], scale[CH], shift[CH];
static float saved_mean[CH], saved_invstd[CH], dgamma[CH], dbeta[CH];
static float workspace[BNKIT_BN_WORKSPACE_BYTES(CH) / sizeof(float)];
/* Keeps every buffer alive in the base variant and hides the results from the optimizer. */
static float* volatile sink;
static volatile int status_sink;

#if defined(BNKIT_FOOTPRINT_stack)
#include <stdio.h>
#define PAINT_WORDS 2048 /* 8 KB below the caller's stack pointer */
/* Paints the stack below the current SP (nothing runs there: no interrupts are enabled),
 * makes the call, and reports how deep the callee wrote: its frames, callees included. */
#define MEASURE(name, call)                                                        \
    do {                                                                           \
        uint32_t* sp_;                                                             \
        __asm__ volatile("mov %0, sp" : "=r"(sp_));                                \
        volatile uint32_t* below_ = sp_ - PAINT_WORDS;                             \
        for (int i_ = 0; i_ < PAINT_WORDS; ++i_) below_[i_] = 0xDEADBEEFu;         \
        status_sink = (int)(call);                                                 \
        int k_ = 0;                                                                \
        while (k_ < PAINT_WORDS && below_[k_] == 0xDEADBEEFu) ++k_;                \
        printf("stack %s %d\n", name, (PAINT_WORDS - k_) * 4);                     \
    } while (0)
#else
#define MEASURE(name, call) status_sink = (int)(call)
#endif

int main(void) {
    sink = x; sink = y; sink = dy; sink = dx; sink = gamma_; sink = beta_; sink = mean;
    sink = var; sink = scale; sink = shift; sink = saved_mean; sink = saved_invstd;
    sink = dgamma; sink = dbeta; sink = workspace;
    status_sink = 0;
#if !defined(BNKIT_FOOTPRINT_base)
    for (int c = 0; c < CH; ++c) gamma_[c] = var[c] = 1.0f;
    const size_t dims[4] = {2, CH, 2, 2};
    const int32_t axis = 1;
    bnkit_bn_desc desc;
    MEASURE("bnkit_bn_desc_init", bnkit_bn_desc_init(&desc, 4, dims, 1, &axis));
    MEASURE("bnkit_bn_fold_f32", bnkit_bn_fold_f32(CH, gamma_, beta_, mean, var, 1e-5f, scale, shift));
    MEASURE("bnkit_bn_infer_f32", bnkit_bn_infer_f32(&desc, x, y, scale, shift));
#endif
#if defined(BNKIT_FOOTPRINT_full) || defined(BNKIT_FOOTPRINT_stack)
    const bnkit_bn_train_params params = {1e-3f, 0.99, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    const bnkit_buffer ws = {workspace, sizeof workspace};
    size_t bytes = 0;
    MEASURE("bnkit_bn_workspace_size", bnkit_bn_workspace_size(&desc, &bytes));
    MEASURE("bnkit_bn_train_f32", bnkit_bn_train_f32(&desc, &params, x, y, gamma_, beta_, mean, var, saved_mean,
                                                     saved_invstd, ws));
    MEASURE("bnkit_bn_backward_f32/training", bnkit_bn_backward_f32(&desc, BNKIT_PHASE_TRAINING, x, dy, gamma_,
                                                                   saved_mean, saved_invstd, dx, dgamma, dbeta, ws));
    MEASURE("bnkit_bn_invstd_f32", bnkit_bn_invstd_f32(CH, var, 1e-3f, saved_invstd));
    MEASURE("bnkit_bn_backward_f32/inference", bnkit_bn_backward_f32(&desc, BNKIT_PHASE_INFERENCE, x, dy, gamma_,
                                                                   mean, saved_invstd, dx, dgamma, dbeta, ws));
    MEASURE("bnkit_bn_desc_set_isa", bnkit_bn_desc_set_isa(&desc, BNKIT_ISA_SCALAR));
    MEASURE("bnkit_bn_desc_isa", bnkit_bn_desc_isa(&desc));
    MEASURE("bnkit_isa_available", bnkit_isa_available(BNKIT_ISA_NEON));
    MEASURE("bnkit_isa_name", bnkit_isa_name(BNKIT_ISA_SCALAR) != 0);
    MEASURE("bnkit_status_str", bnkit_status_str(BNKIT_ERR_ALIASING) != 0);
    status_sink = (int)bytes;
#endif
    return 0;
}
