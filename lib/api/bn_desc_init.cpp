#include <cstdint>

#include "../core/validate.hpp"
#include "../dispatch/select.hpp"
#include "../dispatch/stream_policy.hpp"

extern "C" bnkit_status bnkit_bn_desc_init(bnkit_bn_desc* desc, uint32_t rank, const size_t* dims,
                                           uint32_t num_axes, const int32_t* axes) {
    if (!desc || !dims || !axes) return BNKIT_ERR_NULL_POINTER;
    if (rank < 1 || rank > BNKIT_MAX_RANK) return BNKIT_ERR_BAD_RANK;
    if (num_axes < 1 || num_axes > rank) return BNKIT_ERR_BAD_AXIS;

    bool seen[BNKIT_MAX_RANK] = {};
    uint32_t lo = rank, hi = 0;
    for (uint32_t k = 0; k < num_axes; ++k) {
        const int64_t a = axes[k] < 0 ? static_cast<int64_t>(axes[k]) + rank : axes[k];
        if (a < 0 || a >= static_cast<int64_t>(rank) || seen[a]) return BNKIT_ERR_BAD_AXIS;
        seen[a] = true;
        lo = a < lo ? static_cast<uint32_t>(a) : lo;
        hi = a > hi ? static_cast<uint32_t>(a) : hi;
    }
    if (hi - lo + 1 != num_axes) return BNKIT_ERR_AXES_NOT_ADJACENT;

    size_t part[3] = {1, 1, 1};  // outer, channels, inner
    bool overflow = false;
    for (uint32_t d = 0; d < rank; ++d) {
        if (dims[d] == 0) return BNKIT_ERR_ZERO_DIM;
        size_t& p = part[d < lo ? 0 : d <= hi ? 1 : 2];
        if (p > SIZE_MAX / dims[d]) overflow = true;
        p *= dims[d];
    }
    // A zero dim anywhere wins over overflow, so the loop above finishes first.
    if (overflow) return BNKIT_ERR_SHAPE_OVERFLOW;
    const size_t limit = SIZE_MAX / sizeof(float);
    if (part[0] > limit / part[1] || part[0] * part[1] > limit / part[2]) return BNKIT_ERR_SHAPE_OVERFLOW;
    if (bnkit::detail::check_channels(part[1]) != BNKIT_OK) return BNKIT_ERR_SHAPE_OVERFLOW;

    desc->outer = part[0];
    desc->channels = part[1];
    desc->inner = part[2];
    desc->count = part[0] * part[1] * part[2];
    desc->kernels = bnkit::detail::select_kernels(BNKIT_ISA_AUTO);
    desc->llc_bytes = bnkit::detail::llc_bytes();
    return BNKIT_OK;
}
