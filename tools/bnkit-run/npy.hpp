// bnkit-run reads and writes .npy through the host tools' shared code (tools/common), float32
// only: its inputs are tensors the user saved for a parity check, converted nowhere.
#pragma once

#include "npy_file.hpp"

namespace bnkit_run {
using bnkit_tools::Array;
using bnkit_tools::element_count;
using bnkit_tools::npy_max_rank;
using bnkit_tools::serialize_npy;
using bnkit_tools::shape_str;

inline Array read_npy(const std::string& path) { return bnkit_tools::read_npy(path, bnkit_tools::Dtypes::float32_only); }
}  // namespace bnkit_run
