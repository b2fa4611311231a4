// Writing the output files all or nothing: each file goes to a temporary name in the
// output directory, and only when every one is complete are they renamed into place. On any
// failure the temporaries (and the directory, if this call created it and it is empty) are
// removed and an Error is thrown.
#pragma once

#include <string>
#include <vector>

#include "run.hpp"

namespace bnkit_run {

void write_outputs(const std::string& dir, const std::vector<OutputFile>& files);

}  // namespace bnkit_run
