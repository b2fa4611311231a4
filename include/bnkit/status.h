/* bnkit status codes: the only way bnkit reports an error.
 *
 * Every public function validates all of its arguments before it writes anything; a
 * function that returns anything but BNKIT_OK has modified nothing the caller owns
 * (outputs, moving statistics, saved statistics, workspace). docs/status.md lists, per
 * function, which status each class of bad input gets. */
#ifndef BNKIT_STATUS_H
#define BNKIT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BNKIT_NODISCARD __attribute__((warn_unused_result))
#else
#define BNKIT_NODISCARD
#endif

typedef enum bnkit_status {
    BNKIT_OK = 0,                    /**< Success; all outputs written. */
    BNKIT_ERR_NULL_POINTER = 1,      /**< A required pointer argument is NULL. */
    BNKIT_ERR_BAD_RANK = 2,          /**< Rank outside 1..BNKIT_MAX_RANK, or not a rank the layer accepts
                                          (MindSpore BatchNorm1d: 2 or 3, 2d: 4, 3d: 5). */
    BNKIT_ERR_BAD_AXIS = 3,          /**< A feature axis outside [-rank, rank), a duplicate axis, or an
                                          empty axis list; also Keras' fused=true with an axis the fused
                                          kernel cannot take. */
    BNKIT_ERR_AXES_NOT_ADJACENT = 4, /**< A list of feature axes that are not adjacent (bnkit flattens
                                          only adjacent axes into one feature axis). */
    BNKIT_ERR_ZERO_DIM = 5,          /**< A dimension (or num_features) is 0. */
    BNKIT_ERR_SHAPE_OVERFLOW = 6,    /**< The element count, or its size in bytes, overflows size_t. */
    BNKIT_ERR_CHANNEL_MISMATCH = 7,  /**< The input's channel count differs from the layer's
                                          (num_features, or the channels a Keras layer was built with). */
    BNKIT_ERR_CAPACITY = 8,          /**< More channels than the layer's fixed capacity. */
    BNKIT_ERR_BUFFER_TOO_SMALL = 9,  /**< A caller buffer holds fewer elements than the shape needs. */
    BNKIT_ERR_WORKSPACE_TOO_SMALL = 10, /**< workspace.size < bnkit_bn_workspace_size(). */
    BNKIT_ERR_ALIASING = 11,         /**< Two buffers overlap in a way not allowed (only exact in-place
                                          y == x, dx == dy or dx == x is allowed). */
    BNKIT_ERR_BAD_EPSILON = 12,      /**< epsilon negative, NaN or infinite (MindSpore: outside (0, 1]). */
    BNKIT_ERR_BAD_MOMENTUM = 13,     /**< momentum NaN or outside [0, 1]. */
    BNKIT_ERR_BAD_ARGUMENT = 14,     /**< An enum or flag value outside its documented set (or another
                                          argument with no status of its own, e.g. a learning rate). */
    BNKIT_ERR_NOT_BUILT = 15,        /**< A Keras layer used before its channel count is known (no
                                          build() and no call yet) where that count is needed. */
    BNKIT_ERR_UNSUPPORTED_ISA = 16,  /**< The requested instruction set is not compiled in, or the CPU
                                          lacks it. */
    /* Issue 8's configurations, each with its own status so a caller can tell what is wrong. */
    BNKIT_ERR_BAD_REGULARIZER = 17,  /**< A regularizer penalty (l1, l2) negative, NaN or infinite. */
    BNKIT_ERR_BAD_CONSTRAINT = 18,   /**< A constraint kind outside bnkit_constraint_kind, or a field it
                                          uses out of range (max_value < 0, min_value > max_value,
                                          rate outside [0, 1], NaN or infinite). */
    BNKIT_ERR_BAD_RENORM = 19,       /**< Keras renorm_clipping out of range (rmax < 1, rmin outside
                                          [0, 1], dmax < 0, NaN or infinite), or renorm with fused=true. */
    BNKIT_ERR_BAD_VIRTUAL_BATCH = 20, /**< Keras virtual_batch_size not dividing the batch (dim 0), or
                                          set together with fused=true. */
    BNKIT_ERR_BAD_DISTRIBUTION = 21, /**< A random initializer's parameters: a bound, mean or stddev NaN
                                          or infinite, stddev < 0, minval > maxval, lower > upper, or a
                                          truncation interval holding under 1/16 of the mass. */
    BNKIT_STATUS_MAX_ENUM_ = 0x7fffffff /**< not a status: makes any int a valid bnkit_status object */
} bnkit_status;

/** A short, static, English description of a status ("ok", "null pointer", ...).
 *  Unknown values give "unknown status". Never NULL. */
const char* bnkit_status_str(bnkit_status status);

#ifdef __cplusplus
}
#endif

#endif
