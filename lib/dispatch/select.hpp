// Kernel-path selection. Each target compiles exactly one implementation of these
// (lib/dispatch/select_scalar.cpp, or platform/<isa>/select_*.cpp): the choice is a
// constant or a pure function of the CPU, so there is no global mutable state.
#pragma once

#include "kernel_table.hpp"

namespace bnkit::detail {

// The table for `isa` (BNKIT_ISA_AUTO: the best available), or nullptr when that path is
// not compiled in or the CPU lacks it.
const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept;

// Whether `t` is one of the tables select_kernels can return (guards against a descriptor
// that was never initialised).
bool is_kernel_table(const bnkit_kernel_table* t) noexcept;

}  // namespace bnkit::detail
