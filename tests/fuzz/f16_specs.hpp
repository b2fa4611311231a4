// The buffers of the float16 functions (include/bnkit/batch_norm.h, half.h), in the form of
// call_plan.hpp's function_spec: the _f16 tensor ops take their _f32 op's buffers in the same
// order, with x, y, dy, dx as 2-byte halves (so the aliasing model measures them in halves);
// the bulk conversions take src and dst, which may not overlap at all (no in-place pair).
#pragma once

#include "call_plan.hpp"
#include "contract_model.hpp"

namespace bnkit_fuzz {

// The _f16 twin of an _f32 tensor op: the same buffers in the same order, its tensors in halves.
inline function_spec as_f16(const function_spec& f32, const char* name) {
    function_spec s = f32;
    s.name = name;
    for (int i = 0; i < s.count; ++i)
        if (s.buffers[i].length == per_element) s.buffers[i].length = per_element_f16;
    return s;
}

inline const function_spec infer_f16_spec = as_f16(infer_spec, "bnkit_bn_infer_f16");
inline const function_spec train_f16_spec = as_f16(train_spec, "bnkit_bn_train_f16");
inline const function_spec backward_f16_spec = as_f16(backward_spec, "bnkit_bn_backward_f16");

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
