// The buffers of the descriptor-based mergeable-statistics functions (include/bnkit/stats.h)
// in call_plan.hpp's form: bnkit_bn_stats_f32 (x -> count, mean, m2) and
// bnkit_bn_backward_sums_f32 (x, dy, mean, invstd -> sum_dy, sum_dy_xhat). Neither has an
// in-place pair: any overlap of an output with another buffer is BNKIT_ERR_ALIASING.
#pragma once

#include "call_plan.hpp"
#include "contract_model.hpp"

namespace bnkit_fuzz {

inline const function_spec stats_spec = {"bnkit_bn_stats_f32",
                                         5,
                                         {{"x", per_element, false, required, true},
                                          {"count", one_u64, true, required, false},
                                          {"mean", per_channel, true, required, false},
                                          {"m2", per_channel, true, required, false},
                                          {"workspace", workspace_bytes, true, required, false}},
                                         0,
                                         {},
                                         documented_stats};

inline const function_spec backward_sums_spec = {"bnkit_bn_backward_sums_f32",
                                                 7,
                                                 {{"x", per_element, false, required, true},
                                                  {"dy", per_element, false, required, true},
                                                  {"mean", per_channel, false, required, true},
                                                  {"invstd", per_channel, false, required, true},
                                                  {"sum_dy", per_channel, true, required, false},
                                                  {"sum_dy_xhat", per_channel, true, required, false},
                                                  {"workspace", workspace_bytes, true, required, false}},
                                                 0,
                                                 {},
                                                 documented_stats};

}  // namespace bnkit_fuzz
