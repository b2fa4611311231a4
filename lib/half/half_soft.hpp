// Portable, bit-exact binary16 <-> float32 conversion in integer arithmetic: the oracle every
// other conversion path is tested against, and the scalar path where the FPU has none.
//  - to_f32: exact; NaN keeps sign and payload (shifted to the top) and is made quiet.
//  - from_f32: round to nearest, ties to even, in one step from the float32 bits (never
//    through double); subnormal results kept; |f| >= 65520 (the tie above 65504) gives inf;
//    NaN gives sign | 0x7e00 | the top 9 payload bits, what F16C, AArch64 and Cortex-M
//    hardware produce.
// Plain inline functions: include only from translation units built without ISA flags (the
// reference, the API, tests), never from a platform/<isa> kernel unit (docs/platform-notes.md:
// the linker may keep any one copy of an inline function).
#pragma once

#include <cstdint>
#include <cstring>

namespace bnkit::detail::soft_half {

inline float to_f32(std::uint16_t h) noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    std::uint32_t e = h >> 10 & 0x1fu, m = h & 0x3ffu, u;
    if (e == 0x1f)
        u = sign | 0x7f800000u | (m ? 0x400000u | m << 13 : 0u);
    else if (e != 0)
        u = sign | (e + 112u) << 23 | m << 13;
    else if (m == 0)
        u = sign;
    else {  // subnormal half: normalise (every one is a normal float)
        e = 113;
        while (!(m & 0x400u)) {
            m <<= 1;
            --e;
        }
        u = sign | e << 23 | (m & 0x3ffu) << 13;
    }
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

inline std::uint16_t from_f32(float f) noexcept {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    const std::uint32_t sign = u >> 16 & 0x8000u, a = u & 0x7fffffffu;
    std::uint32_t h;
    if (a > 0x7f800000u)  // NaN
        h = 0x7e00u | (a >> 13 & 0x3ffu);
    else if (a >= 0x477ff000u)  // >= 65520: rounds to inf (and inf itself)
        h = 0x7c00u;
    else if (a >= 0x38800000u) {  // >= 2^-14: a normal half; carries into the exponent round up
        const std::uint32_t r = a - 0x38000000u;
        h = r >> 13;
        const std::uint32_t rest = r & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
    } else if (a <= 0x33000000u)  // <= 2^-25: half the smallest subnormal or less, to zero (even)
        h = 0;
    else {  // a subnormal half: the 24-bit significand shifted right by 14..24 places
        const std::uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u, shift = 126u - e;
        h = m >> shift;
        const std::uint32_t rest = m & ((1u << shift) - 1u), tie = 1u << (shift - 1u);
        if (rest > tie || (rest == tie && (h & 1u))) ++h;
    }
    return static_cast<std::uint16_t>(sign | h);
}

}  // namespace bnkit::detail::soft_half
