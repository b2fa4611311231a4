// The best-first walk over a platform's kernel tables, shared by platform/<isa>/select_*.cpp.
#pragma once

#include <cstddef>

#include "kernel_table.hpp"

namespace bnkit::detail {

// The first table (best first) that matches `isa` (BNKIT_ISA_AUTO matches any) and that
// `supported(isa)` accepts on this CPU; nullptr if none.
template <std::size_t N, class Supported>
const bnkit_kernel_table* first_table(const bnkit_kernel_table* const (&tables)[N], bnkit_isa isa,
                                      Supported supported) noexcept {
    for (const bnkit_kernel_table* t : tables)
        if ((isa == BNKIT_ISA_AUTO || isa == t->isa) && supported(t->isa)) return t;
    return nullptr;
}

template <std::size_t N>
bool contains_table(const bnkit_kernel_table* const (&tables)[N], const bnkit_kernel_table* t) noexcept {
    for (const bnkit_kernel_table* known : tables)
        if (t == known) return true;
    return false;
}

}  // namespace bnkit::detail
