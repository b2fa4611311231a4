// The bad-input contract of docs/status.md, restated independently of lib/: for a decoded
// call, the statuses each function may return (documented_*) and the one the documented
// check order says it must return (expected_*). The fuzzer compares the library against this.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "bnkit/bnkit.h"

namespace bnkit_fuzz {

using status_set = std::uint32_t;
constexpr status_set st(bnkit_status s) { return status_set{1} << static_cast<int>(s); }
inline bool contains(status_set set, bnkit_status s) {
    const int v = static_cast<int>(s);
    return v >= 0 && v < 32 && ((set >> v) & 1u) != 0;
}

// The "returned by" column of docs/status.md's status table, per function.
constexpr status_set documented_desc_init = st(BNKIT_OK) | st(BNKIT_ERR_NULL_POINTER) | st(BNKIT_ERR_BAD_RANK) |
                                            st(BNKIT_ERR_BAD_AXIS) | st(BNKIT_ERR_AXES_NOT_ADJACENT) |
                                            st(BNKIT_ERR_ZERO_DIM) | st(BNKIT_ERR_SHAPE_OVERFLOW);
constexpr status_set documented_desc_checks = st(BNKIT_ERR_NULL_POINTER) | st(BNKIT_ERR_BAD_ARGUMENT) |
                                              st(BNKIT_ERR_SHAPE_OVERFLOW);
constexpr status_set documented_set_isa = st(BNKIT_OK) | documented_desc_checks | st(BNKIT_ERR_UNSUPPORTED_ISA);
constexpr status_set documented_workspace_size = st(BNKIT_OK) | documented_desc_checks;
constexpr status_set documented_fold = st(BNKIT_OK) | st(BNKIT_ERR_NULL_POINTER) | st(BNKIT_ERR_ZERO_DIM) |
                                       st(BNKIT_ERR_SHAPE_OVERFLOW) | st(BNKIT_ERR_BAD_EPSILON) |
                                       st(BNKIT_ERR_ALIASING);
constexpr status_set documented_invstd = documented_fold;
constexpr status_set documented_infer = st(BNKIT_OK) | documented_desc_checks | st(BNKIT_ERR_ALIASING);
constexpr status_set documented_train = documented_infer | st(BNKIT_ERR_BAD_EPSILON) | st(BNKIT_ERR_BAD_MOMENTUM) |
                                        st(BNKIT_ERR_WORKSPACE_TOO_SMALL);
constexpr status_set documented_backward = documented_infer | st(BNKIT_ERR_WORKSPACE_TOO_SMALL);
// bnkit_bn_stats_f32, bnkit_bn_backward_sums_f32 (no epsilon, momentum or enum).
constexpr status_set documented_stats = documented_infer | st(BNKIT_ERR_WORKSPACE_TOO_SMALL);
constexpr status_set documented_stats_merge = st(BNKIT_OK) | st(BNKIT_ERR_NULL_POINTER) | st(BNKIT_ERR_ZERO_DIM) |
                                              st(BNKIT_ERR_SHAPE_OVERFLOW) | st(BNKIT_ERR_ALIASING);
constexpr status_set documented_stats_finalize = documented_stats_merge | st(BNKIT_ERR_BAD_ARGUMENT);
// bnkit_f16_to_f32_n, bnkit_f16_from_f32_n (the _f16 tensor ops return their _f32 op's set).
constexpr status_set documented_convert = st(BNKIT_OK) | st(BNKIT_ERR_NULL_POINTER) | st(BNKIT_ERR_SHAPE_OVERFLOW) |
                                          st(BNKIT_ERR_ALIASING);

// Saturating products: a shape of five SIZE_MAX dims must not wrap in the model either.
using wide = unsigned __int128;
inline wide sat_mul(wide a, wide b) {
    constexpr wide cap = wide{1} << 100;
    if (a != 0 && b > cap / a) return cap;
    return a * b;
}

// batch_norm.h: four arrays of C floats, each rounded up to 16 floats, plus 64 bytes.
inline wide documented_workspace_bytes(wide channels) { return (channels + 15) / 16 * 16 * 16 + 64; }
inline bool workspace_fits(wide channels) { return documented_workspace_bytes(channels) <= SIZE_MAX; }

// bnkit_bn_desc_init's status (precedence: NULL, rank, axes, adjacency, zero dim, overflow)
// and, on success, the descriptor's sizes.
inline bnkit_status expected_desc_init(bool any_null, std::uint32_t rank, const std::size_t* dims,
                                       std::uint32_t num_axes, const std::int32_t* axes, bnkit_bn_desc* sizes) {
    if (any_null) return BNKIT_ERR_NULL_POINTER;
    if (rank < 1 || rank > BNKIT_MAX_RANK) return BNKIT_ERR_BAD_RANK;
    if (num_axes < 1 || num_axes > rank) return BNKIT_ERR_BAD_AXIS;
    bool seen[BNKIT_MAX_RANK] = {};
    std::int64_t lo = rank, hi = -1;
    for (std::uint32_t k = 0; k < num_axes; ++k) {
        const std::int64_t a = axes[k] < 0 ? std::int64_t{axes[k]} + rank : axes[k];
        if (a < 0 || a >= std::int64_t{rank} || seen[a]) return BNKIT_ERR_BAD_AXIS;
        seen[a] = true;
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
    }
    if (hi - lo + 1 != std::int64_t{num_axes}) return BNKIT_ERR_AXES_NOT_ADJACENT;
    for (std::uint32_t d = 0; d < rank; ++d)
        if (dims[d] == 0) return BNKIT_ERR_ZERO_DIM;
    wide part[3] = {1, 1, 1};
    for (std::uint32_t d = 0; d < rank; ++d) {
        wide& p = part[d < lo ? 0 : d <= hi ? 1 : 2];
        p = sat_mul(p, dims[d]);
    }
    const wide count = sat_mul(sat_mul(part[0], part[1]), part[2]);
    if (count * sizeof(float) > SIZE_MAX || !workspace_fits(part[1])) return BNKIT_ERR_SHAPE_OVERFLOW;
    sizes->outer = static_cast<std::size_t>(part[0]);
    sizes->channels = static_cast<std::size_t>(part[1]);
    sizes->inner = static_cast<std::size_t>(part[2]);
    sizes->count = static_cast<std::size_t>(count);
    return BNKIT_OK;
}

// What the descriptor checks say about any descriptor's sizes (docs/status.md "Bad
// descriptors"): BAD_ARGUMENT unless consistent, SHAPE_OVERFLOW when consistent but the
// workspace of its channels does not fit, else OK.
inline bnkit_status expected_desc_shape(const bnkit_bn_desc& d) {
    if (d.outer == 0 || d.channels == 0 || d.inner == 0) return BNKIT_ERR_BAD_ARGUMENT;
    const wide count = wide{d.outer} * d.channels;
    if (count > SIZE_MAX || count * d.inner != d.count || wide{d.count} * sizeof(float) > SIZE_MAX)
        return BNKIT_ERR_BAD_ARGUMENT;
    return workspace_fits(d.channels) ? BNKIT_OK : BNKIT_ERR_SHAPE_OVERFLOW;
}

// The int an enum value holds (bnkit_bn_desc_isa's result, for messages and comparisons).
template <class E>
inline std::int32_t enum_value_of(E e) {
    return static_cast<std::int32_t>(e);
}

inline bool epsilon_ok(float eps) { return std::isfinite(eps) && eps >= 0.0f; }
inline bool momentum_ok(double m) { return m >= 0.0 && m <= 1.0; }
inline bool channels_ok(std::size_t c) { return c >= 1 && workspace_fits(c); }
// The conversions' count: n floats must fit in size_t (n == 0 is a valid, empty call).
inline bool convert_count_ok(std::size_t n) { return n <= SIZE_MAX / sizeof(float); }

// One caller buffer as the contract sees it (the length the function will access).
struct region_model {
    const void* data;
    std::size_t bytes;
    bool written;
};

// Whether some written buffer overlaps another buffer other than by an allowed exact
// in-place pair (allowed[k] = {written index, index it may equal}).
inline bool bad_overlap(const region_model* r, int n, const int (*allowed)[2], int num_allowed) {
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
            if (!r[i].data || !r[j].data || !(r[i].written || r[j].written) || !r[i].bytes || !r[j].bytes) continue;
            const auto a = reinterpret_cast<std::uintptr_t>(r[i].data);
            const auto b = reinterpret_cast<std::uintptr_t>(r[j].data);
            if (!(a < b + r[j].bytes && b < a + r[i].bytes)) continue;
            bool pair = false;
            for (int k = 0; k < num_allowed; ++k)
                pair |= (allowed[k][0] == i && allowed[k][1] == j) || (allowed[k][0] == j && allowed[k][1] == i);
            if (!(pair && a == b && r[i].bytes == r[j].bytes)) return true;
        }
    return false;
}

}  // namespace bnkit_fuzz
