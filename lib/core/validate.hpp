// Argument checks shared by the API entry points. Each returns a status and writes nothing;
// an entry point runs all of them before its first write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bnkit/batch_norm.h"

namespace bnkit::detail {

// A caller buffer as an address range; `written` marks outputs. `in_place_with` and
// `in_place_alt` name the indices of buffers it may coincide with exactly (-1: none).
// Small on purpose: train and backward keep nine of these on the stack.
struct region {
    const void* data;
    std::size_t bytes;
    bool written;
    signed char in_place_with = -1;
    signed char in_place_alt = -1;
};

// BNKIT_ERR_ALIASING if any written region overlaps another region, unless the two are the
// same range and one names the other as its allowed in-place partner. NULL regions are skipped.
bnkit_status check_aliasing(const region* regions, std::size_t count) noexcept;

// epsilon finite and >= 0
bnkit_status check_epsilon(float eps) noexcept;

// momentum in [0, 1] (NaN fails)
bnkit_status check_momentum(double momentum) noexcept;

// A training call's hyper-parameters: epsilon, momentum, then both enums (BNKIT_ERR_BAD_ARGUMENT)
bnkit_status check_train_params(const bnkit_bn_train_params& p) noexcept;

// channels >= 1 and BNKIT_BN_WORKSPACE_BYTES(channels) fits size_t
bnkit_status check_channels(std::size_t channels) noexcept;

// desc non-NULL with consistent sizes (as bnkit_bn_desc_init leaves them)
bnkit_status check_desc_shape(const bnkit_bn_desc* desc) noexcept;

// check_desc_shape, and a kernel table bound
bnkit_status check_desc(const bnkit_bn_desc* desc) noexcept;

// The int held by an enum object, read without an enum-typed load: a caller (C code, or a
// bad cast) may pass any int, and loading an out-of-range enum is undefined in C++.
template <class E>
inline std::int32_t enum_value(const E& e) noexcept {
    static_assert(sizeof(E) == sizeof(std::int32_t), "bnkit enums are int-sized");
    std::int32_t v;
    std::memcpy(&v, &e, sizeof v);
    return v;
}

// The caller's workspace as floats, aligned up to 64 bytes (BNKIT_BN_WORKSPACE_BYTES has the
// slack), and the distance between its per-channel arrays, which keeps each of them aligned.
inline std::size_t workspace_stride(std::size_t channels) noexcept { return (channels + 15u) / 16u * 16u; }
inline float* workspace_floats(const bnkit_buffer& ws) noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(ws.data);
    return reinterpret_cast<float*>((a + 63u) & ~static_cast<std::uintptr_t>(63u));
}

inline bool all_nonnull() noexcept { return true; }
template <class P, class... R>
inline bool all_nonnull(P p, R... rest) noexcept {
    return p != nullptr && all_nonnull(rest...);
}

}  // namespace bnkit::detail
