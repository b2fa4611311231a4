// When a kernel writes its output with non-temporal stores (kernels/stream_io.hpp): the
// API entry points decide per call from the tensors' sizes and the last-level cache size the
// descriptor recorded at initialisation (CPUID is slow under a hypervisor, 8 us per
// instruction on the benchmark machine, so it is not read per call).
#pragma once

#include <cstddef>

namespace bnkit::detail {

// The last-level cache size this target's selector reads (platform/x86/select_x86.cpp:
// CPUID, or fallback_llc_bytes when the CPU does not say); SIZE_MAX on targets without
// streaming stores, so they never ask for them.
std::size_t llc_bytes() noexcept;

// Typical of the x86 cores the x86 paths run on (desktop L3s of 6-32 MiB): a CPU with a larger
// cache that hides it streams some outputs it could have kept, about 20% slower there.
constexpr std::size_t fallback_llc_bytes = std::size_t{8} << 20;

// Whether a call reading in_bytes and writing out_bytes streams the output. A plain store to
// a line outside the cache first reads it (a read and a write of memory); a streaming store
// skips the read but keeps no copy in the cache. That copy serves the next reader (the next
// layer) only if it survives the call, which it does when x and y together fit in the cache:
// then streaming costs that reader a trip to memory (2-7x in cache, docs/performance.md);
// when they do not, the call's own traffic evicts y's first lines before it ends, and
// streaming saves the reads (about 20%). In place, y's lines are in the cache already (just
// read as x): there is no read to save.
constexpr bool stream_output(std::size_t in_bytes, std::size_t out_bytes, bool in_place, std::size_t llc) noexcept {
    return !in_place && (out_bytes >= llc || in_bytes >= llc - out_bytes);  // in + out >= llc, without overflow
}

}  // namespace bnkit::detail
