#include "bnkit/status.h"

#include "../core/validate.hpp"

extern "C" const char* bnkit_status_str(bnkit_status s) {
    switch (bnkit::detail::enum_value(s)) {  // any int may arrive from C
        case BNKIT_OK: return "ok";
        case BNKIT_ERR_NULL_POINTER: return "null pointer";
        case BNKIT_ERR_BAD_RANK: return "bad rank";
        case BNKIT_ERR_BAD_AXIS: return "bad axis";
        case BNKIT_ERR_AXES_NOT_ADJACENT: return "feature axes not adjacent";
        case BNKIT_ERR_ZERO_DIM: return "zero-sized dimension";
        case BNKIT_ERR_SHAPE_OVERFLOW: return "shape overflows size_t";
        case BNKIT_ERR_CHANNEL_MISMATCH: return "channel count mismatch";
        case BNKIT_ERR_CAPACITY: return "more channels than the layer's capacity";
        case BNKIT_ERR_BUFFER_TOO_SMALL: return "buffer too small";
        case BNKIT_ERR_WORKSPACE_TOO_SMALL: return "workspace too small";
        case BNKIT_ERR_ALIASING: return "overlapping buffers";
        case BNKIT_ERR_BAD_EPSILON: return "bad epsilon";
        case BNKIT_ERR_BAD_MOMENTUM: return "bad momentum";
        case BNKIT_ERR_BAD_ARGUMENT: return "bad argument";
        case BNKIT_ERR_NOT_BUILT: return "layer not built";
        case BNKIT_ERR_UNSUPPORTED_ISA: return "unsupported instruction set";
        case BNKIT_ERR_BAD_REGULARIZER: return "bad regularizer";
        case BNKIT_ERR_BAD_CONSTRAINT: return "bad constraint";
        case BNKIT_ERR_BAD_RENORM: return "bad renorm configuration";
        case BNKIT_ERR_BAD_VIRTUAL_BATCH: return "bad virtual batch size";
        case BNKIT_ERR_BAD_DISTRIBUTION: return "bad random distribution parameters";
    }
    return "unknown status";
}
