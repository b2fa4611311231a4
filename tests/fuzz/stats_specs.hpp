// The buffers of the descriptor-based mergeable-statistics functions (include/bnkit/stats.h)
// in call_plan.hpp's form: bnkit_bn_stats_f32 (x -> count, mean, m2) and
// bnkit_bn_backward_sums_f32 (x, dy, mean, invstd -> sum_dy, sum_dy_xhat), neither with an
// in-place pair; and the channel-count ones, bnkit_bn_stats_merge_f32 (mean may be either
// input mean, m2 either input M2) and bnkit_bn_stats_finalize_f32 (var may be m2).
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

inline const function_spec stats_merge_spec = {"bnkit_bn_stats_merge_f32",
                                               7,
                                               {{"mean_a", per_channel, false, required, true},
                                                {"m2_a", per_channel, false, required, true},
                                                {"mean_b", per_channel, false, required, true},
                                                {"m2_b", per_channel, false, required, true},
                                                {"count", one_u64, true, required, false},
                                                {"mean", per_channel, true, required, false},
                                                {"m2", per_channel, true, required, false}},
                                               4,
                                               {{5, 0}, {5, 2}, {6, 1}, {6, 3}},
                                               documented_stats_merge};

inline const function_spec stats_finalize_spec = {"bnkit_bn_stats_finalize_f32",
                                                  2,
                                                  {{"m2", per_channel, false, required, true},
                                                   {"var", per_channel, true, required, false}},
                                                  1,
                                                  {{1, 0}},
                                                  documented_stats_finalize};

}  // namespace bnkit_fuzz
