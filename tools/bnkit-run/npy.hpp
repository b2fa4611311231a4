// bnkit-run reads and writes .npy through the host tools' shared code (tools/common):
// parameters and statistics float32 only; the activations x and dy float32 or float16 (read
// exactly, computed in float32, y and dx written back in x's dtype: docs/bnkit-run.md).
#pragma once

#include "npy_file.hpp"

namespace bnkit_run {
using bnkit_tools::Array;
using bnkit_tools::Dtype;
using bnkit_tools::dtype_name;
using bnkit_tools::element_count;
using bnkit_tools::npy_max_rank;
using bnkit_tools::serialize_npy;
using bnkit_tools::shape_str;

inline Array read_npy(const std::string& path) { return bnkit_tools::read_npy(path, bnkit_tools::Dtypes::float32_only); }
/// x and dy: '<f4' or '<f2'.
inline Array read_activation_npy(const std::string& path) {
    return bnkit_tools::read_npy(path, bnkit_tools::Dtypes::float16_32);
}
}  // namespace bnkit_run
