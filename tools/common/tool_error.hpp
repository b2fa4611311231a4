// The one exception the host tools throw: a user-facing, single-line description of what is
// wrong with the input. Each tool's main() prints it on stderr and exits with its
// bad-input status.
#pragma once

#include <stdexcept>
#include <string>

#include "bnkit/status.h"

namespace bnkit_tools {

struct Error : std::runtime_error {
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Throw "<context>: <bnkit_status_str> (status N)" unless s is BNKIT_OK.
inline void check_status(bnkit_status s, const std::string& context) {
    if (s != BNKIT_OK)
        throw Error(context + ": " + bnkit_status_str(s) + " (bnkit status " + std::to_string(static_cast<int>(s)) + ")");
}

}  // namespace bnkit_tools
