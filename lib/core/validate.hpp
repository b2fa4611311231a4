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

// Whether regions r[i] and r[j] overlap where they must not: one of them is written, and they
// are not the same range with one naming the other as its allowed in-place partner. NULL or
// empty regions overlap nothing.
inline bool conflict(const region* r, std::size_t i, std::size_t j) noexcept {
    if (!(r[i].written || r[j].written)) return false;
    if (!r[i].data || !r[j].data || r[i].bytes == 0 || r[j].bytes == 0) return false;
    // Compare as integers: relational operators on unrelated pointers are unspecified.
    const auto a = reinterpret_cast<std::uintptr_t>(r[i].data);
    const auto b = reinterpret_cast<std::uintptr_t>(r[j].data);
    if (!(a < b + r[j].bytes && b < a + r[i].bytes)) return false;
    const auto names = [](const region& x, std::size_t k) {
        return x.in_place_with == static_cast<int>(k) || x.in_place_alt == static_cast<int>(k);
    };
    return !((names(r[i], j) || names(r[j], i)) && a == b && r[i].bytes == r[j].bytes);
}

// BNKIT_ERR_ALIASING if any two regions conflict (above).
bnkit_status check_aliasing(const region* regions, std::size_t count) noexcept;

// check_aliasing over an array the entry point builds, unrolled in place: the compiler then
// drops the pairs of two inputs and the in-place tests that cannot apply: a 1x16x8x8 NCHW
// inference (AVX-512) 49-52 -> 42-44 ns (45-48 inlined as a loop).
template <std::size_t N>
inline bnkit_status check_aliasing(const region (&r)[N]) noexcept {
#pragma GCC unroll 16
    for (std::size_t i = 0; i < N; ++i)
#pragma GCC unroll 16
        for (std::size_t j = i + 1; j < N; ++j)
            if (conflict(r, i, j)) return BNKIT_ERR_ALIASING;
    return BNKIT_OK;
}

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
