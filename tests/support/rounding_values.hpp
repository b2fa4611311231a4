// Deterministic test values whose sums round (all mantissa bits in use), stored as float or
// float16: the kernels' bit-for-bit tests compare two orders or blockings of the same sums, and
// values that added exactly would hide any difference.
#pragma once

#include <cstdint>

#include "bnkit/half.h"
#include "support/half_oracle.hpp"

namespace bnkit_test {

// Values in [-4, 4) from a linear congruential generator.
struct rounding_values {
    std::uint32_t s;
    float next() {
        s = s * 1664525u + 1013904223u;
        return static_cast<float>(s >> 8) * (8.0f / 16777216.0f) - 4.0f;
    }
};

// v in tensor storage T (float, or float16 rounded to nearest).
template <class T>
T stored(float v);
template <>
inline float stored<float>(float v) { return v; }
template <>
inline bnkit_f16 stored<bnkit_f16>(float v) { return f16_of(v); }

}  // namespace bnkit_test
