// Targets without a SIMD path (Cortex-M, unknown CPUs): the reference is the only path.
#include "select.hpp"

#include "../reference/bn_reference.hpp"

namespace bnkit::detail {

const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept {
    return isa == BNKIT_ISA_AUTO || isa == BNKIT_ISA_SCALAR ? &reference::table : nullptr;
}

bool is_kernel_table(const bnkit_kernel_table* t) noexcept { return t == &reference::table; }

}  // namespace bnkit::detail
