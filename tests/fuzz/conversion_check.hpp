// The bulk conversions' results: numerics.md makes every path bit-identical to the portable
// element conversions (bnkit_f16_to_f32, bnkit_f16_from_f32, themselves tested bit-exact
// against IEEE in the unit tests), NaN payloads included, so each element is compared bit
// for bit with them on the value the call read.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "bnkit/bnkit.h"
#include "call_plan.hpp"
#include "report.hpp"

namespace bnkit_fuzz {

inline void check_conversion(const fuzz_case& c, const call_plan& p, const std::vector<std::uint8_t>& before) {
    const std::uint8_t* src = before.data() + p.arena.offset_of(p.ptr[0]);
    for (std::size_t k = 0; k < p.elements; ++k) {
        if (c.op == op_f16_to_f32_n) {
            bnkit_f16 h;
            float got;
            std::memcpy(&h, src + k * sizeof h, sizeof h);
            std::memcpy(&got, p.f(1) + k, sizeof got);
            const float want = bnkit_f16_to_f32(h);
            FUZZ_REQUIRE(std::memcmp(&got, &want, sizeof got) == 0, "bnkit_f16_to_f32_n[%zu]: half 0x%04x gave %.9g",
                         k, static_cast<unsigned>(h.bits), static_cast<double>(got));
        } else {
            float f;
            bnkit_f16 got;
            std::memcpy(&f, src + k * sizeof f, sizeof f);
            std::memcpy(&got, static_cast<const bnkit_f16*>(p.ptr[1]) + k, sizeof got);
            const bnkit_f16 want = bnkit_f16_from_f32(f);
            FUZZ_REQUIRE(got.bits == want.bits, "bnkit_f16_from_f32_n[%zu]: %.9g gave 0x%04x, expected 0x%04x", k,
                         static_cast<double>(f), static_cast<unsigned>(got.bits), static_cast<unsigned>(want.bits));
        }
    }
}

}  // namespace bnkit_fuzz
