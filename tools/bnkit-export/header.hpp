// The generated C header: const float arrays (in flash on a microcontroller), the epsilon
// and momentum, the arguments of bnkit_bn_fold_f32 for C, and for C++ a layer type and a
// bnkit::keras::Config / bnkit::mindspore::Config whose initializers point at the arrays.
// With --fold: only the folded scale/shift for bnkit_bn_infer_f32. Valid C99 and C++.
#pragma once

#include <string>

#include "args.hpp"
#include "load_params.hpp"
#include "resolve.hpp"

namespace bnkit_export {

std::string render_header(const Options& o, const LayerParams& p, const Resolved& r);

/// A float32 literal that reads back as exactly v ("%.9g" plus what C needs: "1.0f").
std::string float_literal(float v);

}  // namespace bnkit_export
