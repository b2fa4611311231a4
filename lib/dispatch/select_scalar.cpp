// Targets without a SIMD path (Cortex-M, unknown CPUs): the reference is the only path.
// BNKIT_SINGLE_PATH is set for these builds, so the entry points call the reference kernels
// directly (kernel_call.hpp) and this table only names the path: it holds no function
// pointers, which would make the linker keep every kernel in every firmware.
#include <cstdint>

#include "select.hpp"
#include "stream_policy.hpp"

namespace bnkit::detail {
namespace {
constexpr bnkit_kernel_table name_only(bnkit_isa isa) noexcept {
    bnkit_kernel_table t{};  // every function pointer null
    t.isa = isa;
    return t;
}
constexpr bnkit_kernel_table scalar_path = name_only(BNKIT_ISA_SCALAR);
}

const bnkit_kernel_table* select_kernels(bnkit_isa isa) noexcept {
    return isa == BNKIT_ISA_AUTO || isa == BNKIT_ISA_SCALAR ? &scalar_path : nullptr;
}

bool is_kernel_table(const bnkit_kernel_table* t) noexcept { return t == &scalar_path; }

// No streaming stores on this target (kernels/stream_io.hpp).
std::size_t llc_bytes() noexcept { return SIZE_MAX; }

}  // namespace bnkit::detail
