// From what the user has (a Keras or MindSpore .npz, or four .npy files) to one layer's
// parameters as float32 vectors, validated: vectors of one length C >= 1, finite, variance
// >= 0. Keras' center/scale are taken from the flags or inferred from what the source holds
// (docs/bnkit-export.md, "Which array is which").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
#include "npy_file.hpp"

namespace bnkit_export {

struct Param {
    std::vector<float> values;
    std::string origin;  // where it came from, for messages and the header: "arr_0", "bn1.gamma", a path
    bnkit_tools::Dtype stored = bnkit_tools::Dtype::float32;
};

struct LayerParams {
    std::optional<Param> gamma, beta;  // absent: Keras scale / center false
    Param moving_mean, moving_variance;
    std::size_t channels = 0;
    std::string source;  // one line: the file and how its arrays were matched
};

/// Throws bnkit_tools::Error for unreadable files, ParamError for an unusable layer and
/// UsageError for flags that contradict the files.
LayerParams load_params(const Options& o);

}  // namespace bnkit_export
