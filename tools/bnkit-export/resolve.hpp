// The numbers the header states beyond the parameters themselves: the float32 epsilon the
// layer's math uses (Keras' fused-kernel floor applied when the layer ran that kernel) and,
// for --fold, scale/shift computed by bnkit_bn_fold_f32 itself, so the exported constants
// are bit for bit what the library would compute on the device.
#pragma once

#include <string>
#include <vector>

#include "args.hpp"
#include "load_params.hpp"

namespace bnkit_export {

struct Resolved {
    float epsilon = 0.0f;
    std::string epsilon_why;  // one line for the header
    std::vector<float> scale, shift;  // --fold only
};

/// Throws UsageError when the epsilon depends on facts the user has not given (Keras: an
/// epsilon below the fused floor without --fused or --input-rank) and ParamError when the
/// fold gives a non-finite coefficient (variance 0 with epsilon 0).
Resolved resolve(const Options& o, const LayerParams& p);

}  // namespace bnkit_export
