// Kernel-path selection on x86: one const table per compiled path (read-only data), listed
// best first, and the CPU's features read afresh on every call (CPUID + XGETBV cost well under
// a microsecond, once per descriptor). No global mutable state, nothing to race on.
// Built without ISA flags: this code runs before anything knows what the CPU supports.
#include "cpu_x86.hpp"
#include "dispatch/select.hpp"
#include "dispatch/stream_policy.hpp"
#include "dispatch/table_list.hpp"
#include "kernels/bn_kernels.hpp"
#include "reference/bn_reference.hpp"

namespace bnkit::detail {
namespace {

#ifdef BNKIT_KERNELS_AVX512
constexpr bnkit_kernel_table avx512_table = make_table<xsimd::avx512bw>(BNKIT_ISA_AVX512);
#endif
constexpr bnkit_kernel_table avx2_table = make_table<xsimd::fma3<xsimd::avx2>>(BNKIT_ISA_AVX2);
constexpr bnkit_kernel_table sse2_table = make_table<xsimd::sse2>(BNKIT_ISA_SSE2);

// Best first; BNKIT_ISA_AUTO takes the first one the CPU supports.
constexpr const bnkit_kernel_table* tables[] = {
#ifdef BNKIT_KERNELS_AVX512
    &avx512_table,
#endif
    &avx2_table, &sse2_table, &reference::table};

bool supports(const x86::cpu_features& cpu, bnkit_isa isa) noexcept {
    switch (isa) {
        case BNKIT_ISA_AVX512: return cpu.avx512;
        case BNKIT_ISA_AVX2: return cpu.avx2;
        case BNKIT_ISA_SSE2: return cpu.sse2;
        case BNKIT_ISA_SCALAR: return true;
        default: return false;
    }
}

}  // namespace

const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept {
    const x86::cpu_features cpu = x86::detect_cpu();
    return first_table(tables, isa, [&](bnkit_isa candidate) { return supports(cpu, candidate); });
}

bool is_kernel_table(const bnkit_kernel_table* t) noexcept { return contains_table(tables, t); }

std::size_t llc_bytes() noexcept {
    const std::size_t llc = x86::last_level_cache_bytes();
    return llc != 0 ? llc : fallback_llc_bytes;
}

}  // namespace bnkit::detail
