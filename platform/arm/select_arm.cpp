// Kernel-path selection on Linux ARM, fixed at compile time: the NEON path this build compiled
// (neon64 on AArch64; neon on ARMv7 when the toolchain enables it) and the scalar reference.
// BNKIT_ISA_AUTO takes the NEON path; an x86 path, or the other ARM one, is not available.
// Const tables only: no global mutable state.
#include "dispatch/select.hpp"
#include "dispatch/table_list.hpp"
#include "kernels/bn_kernels.hpp"
#include "reference/bn_reference.hpp"

namespace bnkit::detail {
namespace {

#if defined(BNKIT_KERNELS_NEON64)
constexpr bnkit_kernel_table neon_table = make_table<xsimd::neon64>(BNKIT_ISA_NEON64);
#elif defined(BNKIT_KERNELS_NEON)
constexpr bnkit_kernel_table neon_table = make_table<xsimd::neon>(BNKIT_ISA_NEON);
#endif

// Best first; BNKIT_ISA_AUTO takes the first.
constexpr const bnkit_kernel_table* tables[] = {
#if defined(BNKIT_KERNELS_NEON64) || defined(BNKIT_KERNELS_NEON)
    &neon_table,
#endif
    &reference::table};

}  // namespace

const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept {
    return first_table(tables, isa, [](bnkit_isa) { return true; });  // compile-time choice: no CPU check
}

bool is_kernel_table(const bnkit_kernel_table* t) noexcept { return contains_table(tables, t); }

}  // namespace bnkit::detail
