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

// The L3 of the benchmark machine's CCX, whose CPUID leaves hide it: a CPU that hides a smaller
// cache streams too little (up to ~30% slower on outputs it should have streamed), one that
// hides a larger cache too much (up to ~15% slower on outputs it could have kept).
constexpr std::size_t fallback_llc_bytes = std::size_t{32} << 20;

// Whether a call reading in_bytes and writing out_bytes streams the output: when x and y
// together take at least 5/8 of the last-level cache, never in place. A plain store to a line
// outside the cache first reads it (a read and a write of memory); a streaming store skips
// the read but keeps no copy in the cache, which the next call (the next layer) could have
// read. Measured on the benchmark machine (32 MiB L3, docs/performance.md "Non-temporal
// stores", bnkit_stream_bench): streaming costs 1.7x at 1 MiB, 1.0-1.26x at 2-16 MiB and
// saves 15-40% from 20 MiB on; the cache is shared and not LRU-perfect, so a working set well
// under its size already misses (glibc 2.38's memcpy streams from half the cache). In place,
// y's lines are in the cache already (just read as x): there is no read to save.
constexpr bool stream_output(std::size_t in_bytes, std::size_t out_bytes, bool in_place, std::size_t llc) noexcept {
    const std::size_t from = llc / 8 * 5;
    return !in_place && (out_bytes >= from || in_bytes >= from - out_bytes);  // in + out >= from, no overflow
}

}  // namespace bnkit::detail
