// Kernel-path selection on Linux ARM, fixed at compile time: the NEON path this build compiled
// (neon64 on AArch64; neon on ARMv7 when the toolchain enables it) and the scalar reference.
// BNKIT_ISA_AUTO takes the NEON path; an x86 path, or the other ARM one, is not available.
// With BNKIT_ARM_FP16_ARITH (AArch64), BNKIT_ISA_NEON64_FP16 is the neon64 table with f16
// inference in FP16 arithmetic, available only when HWCAP has FPHP and ASIMDHP, and only by
// name: AUTO never takes it, since its accuracy is not the one-rounding contract of the
// other paths (infer_fp16_arith.hpp).
// Const tables only: no global mutable state.
#include <cstdint>

#include "dispatch/select.hpp"
#include "dispatch/stream_policy.hpp"
#include "dispatch/table_list.hpp"
#include "kernels/bn_kernels.hpp"
#include "reference/bn_reference.hpp"

#if defined(BNKIT_KERNELS_NEON64_FP16)
#include <sys/auxv.h>

#include "infer_fp16_arith.hpp"
#endif

namespace bnkit::detail {
namespace {

#if defined(BNKIT_KERNELS_NEON64)
constexpr bnkit_kernel_table neon_table = make_table<xsimd::neon64>(BNKIT_ISA_NEON64);
#elif defined(BNKIT_KERNELS_NEON)
constexpr bnkit_kernel_table neon_table = make_table<xsimd::neon>(BNKIT_ISA_NEON);
#endif

#if defined(BNKIT_KERNELS_NEON64_FP16)
void neon64_fp16_infer_f16(const infer_f16_args& a) noexcept {
    if (!infer_f16_fp16_arith(a)) bn_kernels<xsimd::neon64>::infer_f16(a);
}

constexpr bnkit_kernel_table make_fp16_table() noexcept {
    bnkit_kernel_table t = make_table<xsimd::neon64>(BNKIT_ISA_NEON64_FP16);
    t.infer_f16 = neon64_fp16_infer_f16;
    return t;
}
constexpr bnkit_kernel_table neon64_fp16_table = make_fp16_table();

bool cpu_has_fp16_arith() noexcept {
    const unsigned long hwcap = getauxval(AT_HWCAP);
    return (hwcap & HWCAP_FPHP) && (hwcap & HWCAP_ASIMDHP);
}
#endif

// Best first; BNKIT_ISA_AUTO takes the first.
constexpr const bnkit_kernel_table* tables[] = {
#if defined(BNKIT_KERNELS_NEON64) || defined(BNKIT_KERNELS_NEON)
    &neon_table,
#endif
#if defined(BNKIT_KERNELS_NEON64_FP16)
    &neon64_fp16_table,  // after neon64: AUTO stops there
#endif
    &reference::table};

}  // namespace

const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept {
#if defined(BNKIT_KERNELS_NEON64_FP16)
    return first_table(tables, isa, [](bnkit_isa t) { return t != BNKIT_ISA_NEON64_FP16 || cpu_has_fp16_arith(); });
#else
    return first_table(tables, isa, [](bnkit_isa) { return true; });  // compile-time choice: no CPU check
#endif
}

bool is_kernel_table(const bnkit_kernel_table* t) noexcept { return contains_table(tables, t); }

// No streaming stores on this target (kernels/stream_io.hpp).
std::size_t llc_bytes() noexcept { return SIZE_MAX; }

}  // namespace bnkit::detail
