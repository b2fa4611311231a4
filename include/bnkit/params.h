/* Keras weight regularizers and constraints on a per-channel weight vector (gamma or beta),
 * as plain C: usable from C and by both front-ends.
 *
 * Regularizer (tf.keras.regularizers, semantics-reference.md §7), penalties l1, l2 >= 0:
 *     loss     = l1 * sum|w| + l2 * sum w^2         (no 1/2 on the l2 term)
 *     gradient = l1 * sign(w) + l2 * (2 * w)        (sign(0) = 0, TF's abs gradient)
 * l1(λ) is {λ, 0}, l2(λ) is {0, λ}, l1_l2(a, b) is {a, b}, none is {0, 0}.
 *
 * Constraint (tf.keras.constraints), a projection applied to w after each optimizer update,
 * with ONE norm over the whole vector (Keras' axis=0 on a 1-D weight), n = sqrt(sum w^2) and
 * Keras' epsilon K.epsilon() = 1e-7:
 *     non_neg        w * [w >= 0]                              (NaN stays NaN)
 *     max_norm(m)    w * (clip(n, 0, m) / (1e-7 + n))
 *     min_max_norm   w * ((rate * clip(n, lo, hi) + (1 - rate) * n) / (1e-7 + n))
 *     unit_norm      w / (1e-7 + n)
 * The sums are accumulated in double and rounded once; the rest is float32 as in Keras.
 *
 * Conventions as in batch_norm.h: no allocation, arguments validated before any write,
 * nothing written on error. */
#ifndef BNKIT_PARAMS_H
#define BNKIT_PARAMS_H

#include "bnkit/status.h"
#include "bnkit/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A Keras L1L2 regularizer; {0, 0} is "no regularizer". */
typedef struct bnkit_regularizer {
    float l1; /**< finite, >= 0 */
    float l2; /**< finite, >= 0 */
} bnkit_regularizer;

typedef enum bnkit_constraint_kind {
    BNKIT_CONSTRAINT_NONE = 0,
    BNKIT_CONSTRAINT_NON_NEG = 1,
    BNKIT_CONSTRAINT_MAX_NORM = 2,     /**< uses max_value */
    BNKIT_CONSTRAINT_MIN_MAX_NORM = 3, /**< uses min_value, max_value, rate */
    BNKIT_CONSTRAINT_UNIT_NORM = 4,
    BNKIT_CONSTRAINT_MAX_ENUM_ = 0x7fffffff /**< not a value (see BNKIT_ISA_MAX_ENUM_) */
} bnkit_constraint_kind;

/** A Keras weight constraint; fields a kind does not use are ignored. Keras' defaults:
 *  MaxNorm(max_value=2), MinMaxNorm(min_value=0, max_value=1, rate=1). */
typedef struct bnkit_constraint {
    bnkit_constraint_kind kind;
    float min_value; /**< min_max_norm: finite, 0 <= min_value <= max_value */
    float max_value; /**< max_norm, min_max_norm: finite, >= 0 */
    float rate;      /**< min_max_norm: in [0, 1] */
} bnkit_constraint;

/** Whether a regularizer is valid.
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_REGULARIZER (a penalty negative, NaN or infinite) */
BNKIT_NODISCARD bnkit_status bnkit_regularizer_check(const bnkit_regularizer* reg);

/** Whether a constraint is valid.
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_BAD_CONSTRAINT (kind not a
 *          bnkit_constraint_kind; a used field NaN, infinite or out of the range above) */
BNKIT_NODISCARD bnkit_status bnkit_constraint_check(const bnkit_constraint* c);

/** The regularization loss of w[0..n): l1 * sum|w| + l2 * sum w^2 (each sum in double,
 *  rounded to float, then scaled; a zero penalty's term is skipped, as Keras does).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER (reg, w or loss), BNKIT_ERR_ZERO_DIM (n 0),
 *          BNKIT_ERR_SHAPE_OVERFLOW (n floats overflow size_t), BNKIT_ERR_BAD_REGULARIZER
 *          (bnkit_regularizer_check) */
BNKIT_NODISCARD bnkit_status bnkit_regularization_loss_f32(const bnkit_regularizer* reg, size_t n,
                                                           const float* w, float* loss);

/** Add the regularizer's gradient to grad: grad[i] += l1 * sign(w[i]) + l2 * (2 * w[i]).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM, BNKIT_ERR_SHAPE_OVERFLOW,
 *          BNKIT_ERR_BAD_REGULARIZER, BNKIT_ERR_ALIASING (grad overlaps w) */
BNKIT_NODISCARD bnkit_status bnkit_regularizer_grad_add_f32(const bnkit_regularizer* reg, size_t n,
                                                            const float* w, float* grad);

/** Project w[0..n) in place onto the constraint (NONE leaves it as it is).
 *  @return BNKIT_OK, BNKIT_ERR_NULL_POINTER, BNKIT_ERR_ZERO_DIM, BNKIT_ERR_SHAPE_OVERFLOW,
 *          BNKIT_ERR_BAD_CONSTRAINT (bnkit_constraint_check) */
BNKIT_NODISCARD bnkit_status bnkit_constraint_apply_f32(const bnkit_constraint* c, size_t n, float* w);

#ifdef __cplusplus
}
#endif

#endif
