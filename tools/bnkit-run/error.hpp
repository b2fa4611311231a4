// bnkit-run reports every bad input through the host tools' shared Error.
#pragma once

#include "tool_error.hpp"  // tools/common

namespace bnkit_run {
using bnkit_tools::check_status;
using bnkit_tools::Error;
}  // namespace bnkit_run
