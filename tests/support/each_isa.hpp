// Run a test body on every SIMD kernel path this build compiles and this CPU supports,
// forced by name through the public API; the others are reported with a doctest MESSAGE and
// skipped (so the same binary passes under any emulated CPU).
#pragma once

#include <cstddef>
#include <string>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"

namespace bnkit_test {

// Float lanes of one vector on a path: the tile the shape sweeps are built around.
inline std::size_t lanes(bnkit_isa isa) {
    switch (isa) {
        case BNKIT_ISA_AVX512: return 16;
        case BNKIT_ISA_AVX2: return 8;
        case BNKIT_ISA_SSE2:
        case BNKIT_ISA_NEON:
        case BNKIT_ISA_NEON64: return 4;
        default: return 1;
    }
}

// body(isa) for every path other than AUTO and the scalar reference.
template <class F>
void for_each_simd_isa(F&& body) {
    for (int i = BNKIT_ISA_SCALAR + 1; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_isa isa = static_cast<bnkit_isa>(i);
        if (!bnkit_isa_available(isa)) {
            MESSAGE(std::string(bnkit_isa_name(isa)) << ": not compiled in or not supported by this CPU, skipped");
            continue;
        }
        INFO("isa " << std::string(bnkit_isa_name(isa)));
        body(isa);
    }
}

}  // namespace bnkit_test
