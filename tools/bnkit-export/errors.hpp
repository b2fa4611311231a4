// bnkit-export's error classes, one per exit status, so scripts can tell a typo in the
// command from a damaged file from a layer the tool refuses to export:
//   1 UsageError   the command line (unknown flag, bad value, missing --out, ...)
//   2 Error        an input file cannot be read or parsed (missing, not .npz/.npy, corrupt)
//   3 ParamError   the files parse but do not hold a usable layer (missing member, wrong
//                  prefix, ambiguous Keras weight count, mismatched lengths, NaN, var < 0)
//   4 OutputError  the header cannot be written
#pragma once

#include "tool_error.hpp"

namespace bnkit_export {

using bnkit_tools::Error;

struct UsageError : Error {
    using Error::Error;
};
struct ParamError : Error {
    using Error::Error;
};
struct OutputError : Error {
    using Error::Error;
};

inline constexpr int exit_usage = 1, exit_input = 2, exit_params = 3, exit_output = 4;

}  // namespace bnkit_export
