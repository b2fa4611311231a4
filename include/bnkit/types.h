/* Plain data types shared by the C API. */
#ifndef BNKIT_TYPES_H
#define BNKIT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Highest tensor rank bnkit accepts (MindSpore BatchNorm3d needs 5). */
#define BNKIT_MAX_RANK 5

/** A caller-owned block of scratch memory. bnkit never allocates. */
typedef struct bnkit_buffer {
    void* data;  /**< start of the block; any alignment */
    size_t size; /**< usable bytes at data */
} bnkit_buffer;

/** Instruction-set paths. BNKIT_ISA_AUTO picks the best one compiled in and supported by
 *  this CPU; any other value forces that path (tests, benchmarks). */
typedef enum bnkit_isa {
    BNKIT_ISA_AUTO = 0,
    BNKIT_ISA_SCALAR = 1, /**< plain C++ loops: the reference every other path is tested against */
    BNKIT_ISA_SSE2 = 2,
    BNKIT_ISA_AVX2 = 3,   /**< AVX2 + FMA (+ F16C) */
    BNKIT_ISA_AVX512 = 4, /**< AVX-512 F/CD/DQ/BW */
    BNKIT_ISA_NEON = 5,   /**< ARMv7-A NEON */
    BNKIT_ISA_NEON64 = 6, /**< AArch64 Advanced SIMD */
    BNKIT_ISA_NEON64_FP16 = 7, /**< neon64 with f16 inference in ARMv8.2-A FP16 arithmetic: build
                                    option BNKIT_ARM_FP16_ARITH, CPUs with FPHP + ASIMDHP; never
                                    chosen by AUTO (its accuracy: docs/numerics.md) */
    BNKIT_ISA_MAX_ENUM_ = 0x7fffffff /**< not a value: makes any int a valid bnkit_isa object,
                                          so a bad value is a status, not undefined behaviour */
} bnkit_isa;

/** Which variance feeds the moving average in training (normalization always uses the
 *  biased batch variance). See docs/semantics for which framework uses which. */
typedef enum bnkit_variance_correction {
    BNKIT_VARIANCE_BIASED = 0,  /**< sum((x-mean)^2)/n: Keras non-fused, Keras 3, tfjs, MindSpore CPU, ONNX */
    BNKIT_VARIANCE_UNBIASED = 1, /**< sum((x-mean)^2)/(n-1), and 0 when n == 1: Keras fused,
                                     MindSpore GPU/Ascend, PyTorch */
    BNKIT_VARIANCE_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_variance_correction;

/** How the moving average is written; the forms are equal in exact arithmetic and differ
 *  in the last bit in float32. f = (float)(1 - momentum), computed in double. */
typedef enum bnkit_update_form {
    BNKIT_UPDATE_LERP = 0,      /**< moving = (1 - f) * moving + f * batch (TF fused kernel, MindSpore) */
    BNKIT_UPDATE_ASSIGN_SUB = 1, /**< moving = moving - (moving - batch) * f (Keras non-fused assign_sub) */
    BNKIT_UPDATE_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_update_form;

/** Which statistics a backward pass differentiates through. */
typedef enum bnkit_bn_phase {
    BNKIT_PHASE_TRAINING = 0, /**< batch statistics: gradient flows through mean and variance */
    BNKIT_PHASE_INFERENCE = 1, /**< frozen (moving) statistics: dx = dy * gamma * invstd */
    BNKIT_PHASE_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_bn_phase;

/** Activation fused into inference, applied to v = x * scale + shift in float32 before the
 *  result is stored (so before the one float16 rounding). As tf.nn.relu / tf.nn.relu6 on CPU
 *  (std::max / std::min operand order): NaN stays NaN and -0.0 stays -0.0. docs/numerics.md. */
typedef enum bnkit_activation {
    BNKIT_ACTIVATION_NONE = 0,  /**< y = v */
    BNKIT_ACTIVATION_RELU = 1,  /**< y = v < 0 ? 0 : v */
    BNKIT_ACTIVATION_RELU6 = 2, /**< y = min(max(v, 0), 6) = v < 0 ? 0 : (6 < v ? 6 : v) */
    BNKIT_ACTIVATION_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_activation;

#ifdef __cplusplus
}
#endif

#endif
