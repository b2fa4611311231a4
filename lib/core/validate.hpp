// Argument checks shared by the API entry points. Each returns a status and writes nothing;
// an entry point runs all of them before its first write.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bnkit/batch_norm.h"

namespace bnkit::detail {

// A caller buffer as an address range; `written` marks outputs. `in_place_with` and
// `in_place_alt` name the indices of buffers it may coincide with exactly (-1: none).
struct region {
    const void* data;
    std::size_t bytes;
    bool written;
    int in_place_with = -1;
    int in_place_alt = -1;
};

// BNKIT_ERR_ALIASING if any written region overlaps another region, unless the two are the
// same range and one names the other as its allowed in-place partner. NULL regions are skipped.
bnkit_status check_aliasing(const region* regions, std::size_t count) noexcept;

// epsilon finite and >= 0
bnkit_status check_epsilon(float eps) noexcept;

// momentum in [0, 1] (NaN fails)
bnkit_status check_momentum(double momentum) noexcept;

// channels >= 1 and channels * 4 * sizeof(float) fits size_t (the workspace of that many)
bnkit_status check_channels(std::size_t channels) noexcept;

// desc non-NULL with consistent sizes (as bnkit_bn_desc_init leaves them)
bnkit_status check_desc_shape(const bnkit_bn_desc* desc) noexcept;

// check_desc_shape, and a kernel table bound
bnkit_status check_desc(const bnkit_bn_desc* desc) noexcept;

inline bool all_nonnull() noexcept { return true; }
template <class P, class... R>
inline bool all_nonnull(P p, R... rest) noexcept {
    return p != nullptr && all_nonnull(rest...);
}

}  // namespace bnkit::detail
