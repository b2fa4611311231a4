// Channels-first tensors larger than a core's L2 cache are trained and back-propagated in
// blocks of channels: a block's reductions and its element-wise pass run back to back, so the
// later reads of its elements come from L2, not memory. Unblocked, training moves x through
// memory three times and y once (twice memcpy's traffic); blocked, once each, as memcpy does.
// Channels-last rows hold every channel, so blocking cannot help them; neither do tensors that
// fit the budget. Results do not depend on the blocking: each channel's sums see the same
// additions in the same order, and each element the same arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../dispatch/kernel_table.hpp"

namespace bnkit::detail {

// Input bytes per block: a quarter of a 512 KiB L2, leaving room for the block's outputs and
// for smaller caches (a Cortex-A53 may have 256 KiB).
inline constexpr std::size_t block_input_bytes = 128 * 1024;

// Channels per block for the whole-tensor view v whose inputs take bytes_per_element bytes per
// element (training: x; backward: x and dy); v.channels when blocking does not apply. Rows of
// at least 16 elements keep every slice channels-first on every path (W <= 16).
inline std::size_t channels_per_block(const view& v, std::size_t bytes_per_element) noexcept {
#if BNKIT_SINGLE_PATH
    // Single-path targets (Cortex-M) have no L2 to block for; one block keeps their call
    // stacks as they were (the entry points take their unblocked path).
    (void)bytes_per_element;
    return v.channels;
#else
    const std::size_t per_channel = v.outer * v.inner * bytes_per_element;
    if (v.inner < 16 || per_channel * v.channels <= block_input_bytes) return v.channels;
    return per_channel < block_input_bytes ? block_input_bytes / per_channel : 1;
#endif
}

// Whether a block's element-wise pass prefetches the next block's inputs, for a tensor whose
// inputs take in_bytes, on a CPU whose last-level cache holds llc bytes (SIZE_MAX: unknown).
// While the inputs fill less than an eighth of the LLC, the next block is still in L3, where
// the hardware prefetchers keep up and prefetch instructions only cost issue slots; beyond, they
// overlap its transfer with the normalization (docs/performance.md, "Changes of 2026-12-03
// (2)"). CPUs that do not report their LLC (Linux ARM) prefetch.
inline bool prefetch_next_block(std::size_t in_bytes, std::size_t llc) noexcept {
    return llc == SIZE_MAX || in_bytes >= llc / 8;
}

// Channels [first, first + n) of the whole channels-first view v, for a block's kernels; the
// caller offsets the tensor pointers by first * inner.
inline view channel_slice(const view& v, std::size_t first, std::size_t n) noexcept {
    return {v.outer, n, v.inner, v.outer_stride, v.extent - first * v.inner};
}

}  // namespace bnkit::detail
