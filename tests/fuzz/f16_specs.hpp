// The buffers of the float16 functions (include/bnkit/batch_norm.h, half.h), in the form of
// call_plan.hpp's function_spec: the _f16 tensor ops take their _f32 op's buffers in the same
// order, with x, y, dy, dx as 2-byte halves (so the aliasing model measures them in halves);
// the bulk conversions take src and dst, which may not overlap at all (no in-place pair).
#pragma once

#include "call_plan.hpp"
#include "contract_model.hpp"

namespace bnkit_fuzz {

inline const function_spec infer_f16_spec = {"bnkit_bn_infer_f16",
                                             4,
                                             {{"x", per_element_f16, false, required, true},
                                              {"y", per_element_f16, true, required, false},
                                              {"scale", per_channel, false, required, true},
                                              {"shift", per_channel, false, required, true}},
                                             1,
                                             {{1, 0}},
                                             documented_infer};

inline const function_spec train_f16_spec = {"bnkit_bn_train_f16",
                                             9,
                                             {{"x", per_element_f16, false, required, true},
                                              {"y", per_element_f16, true, required, false},
                                              {"gamma", per_channel, false, optional, true},
                                              {"beta", per_channel, false, optional, true},
                                              {"moving_mean", per_channel, true, paired, true},
                                              {"moving_var", per_channel, true, paired, true},
                                              {"saved_mean", per_channel, true, required, false},
                                              {"saved_invstd", per_channel, true, required, false},
                                              {"workspace", workspace_bytes, true, required, false}},
                                             1,
                                             {{1, 0}},
                                             documented_train};

inline const function_spec backward_f16_spec = {"bnkit_bn_backward_f16",
                                                9,
                                                {{"x", per_element_f16, false, required, true},
                                                 {"dy", per_element_f16, false, required, true},
                                                 {"gamma", per_channel, false, optional, true},
                                                 {"mean", per_channel, false, required, true},
                                                 {"invstd", per_channel, false, required, true},
                                                 {"dx", per_element_f16, true, optional, false},
                                                 {"dgamma", per_channel, true, optional, false},
                                                 {"dbeta", per_channel, true, optional, false},
                                                 {"workspace", workspace_bytes, true, required, false}},
                                                2,
                                                {{5, 0}, {5, 1}},
                                                documented_backward};

inline const function_spec f16_to_f32_n_spec = {"bnkit_f16_to_f32_n",
                                                2,
                                                {{"src", per_element_f16, false, required, true},
                                                 {"dst", per_element, true, required, false}},
                                                0,
                                                {},
                                                documented_convert};

inline const function_spec f16_from_f32_n_spec = {"bnkit_f16_from_f32_n",
                                                  2,
                                                  {{"src", per_element, false, required, true},
                                                   {"dst", per_element_f16, true, required, false}},
                                                  0,
                                                  {},
                                                  documented_convert};

}  // namespace bnkit_fuzz
