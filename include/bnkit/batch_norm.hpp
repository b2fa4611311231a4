// Thin C++17 layer over the C API: spans, shapes and compile-time sizes. No heap, no
// exceptions; every fallible call returns bnkit::Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "bnkit/batch_norm.h"
#include "bnkit/random.h"

namespace bnkit {

using Status = bnkit_status;

/// Bytes of workspace training and backward need for `channels` channels (for static arrays).
constexpr std::size_t workspace_bytes(std::size_t channels) noexcept { return BNKIT_BN_WORKSPACE_BYTES(channels); }

/// A pointer and an element count: how the C++ layer passes caller buffers, so a short
/// buffer is BNKIT_ERR_BUFFER_TOO_SMALL instead of an overrun.
template <class T>
struct Span {
    T* data = nullptr;
    std::size_t size = 0;
    constexpr Span() noexcept = default;
    constexpr Span(T* d, std::size_t n) noexcept : data(d), size(n) {}
    template <std::size_t N>
    constexpr Span(T (&a)[N]) noexcept : data(a), size(N) {}
    template <class U>
    constexpr Span(const Span<U>& s) noexcept : data(s.data), size(s.size) {}
    constexpr T& operator[](std::size_t i) const noexcept { return data[i]; }
    constexpr T* begin() const noexcept { return data; }
    constexpr T* end() const noexcept { return data + size; }
};

/// A tensor shape of rank 1..BNKIT_MAX_RANK. A longer list keeps its rank (so it is
/// rejected with BNKIT_ERR_BAD_RANK) but stores only the first BNKIT_MAX_RANK dims.
struct Shape {
    std::uint32_t rank = 0;
    std::size_t dims[BNKIT_MAX_RANK] = {};
    constexpr Shape() noexcept = default;
    constexpr Shape(std::initializer_list<std::size_t> d) noexcept : rank(static_cast<std::uint32_t>(d.size())) {
        std::size_t k = 0;
        for (std::size_t v : d)
            if (k < BNKIT_MAX_RANK) dims[k++] = v;
    }
    constexpr Shape(std::uint32_t r, const std::size_t* d) noexcept : rank(r) {
        for (std::uint32_t k = 0; k < r && k < BNKIT_MAX_RANK; ++k) dims[k] = d[k];
    }
    /// Product of all dims (saturating: callers validate through bnkit_bn_desc_init).
    constexpr std::size_t count() const noexcept {
        std::size_t n = 1;
        for (std::uint32_t k = 0; k < rank && k < BNKIT_MAX_RANK; ++k) n = dims[k] && n > SIZE_MAX / dims[k] ? SIZE_MAX : n * dims[k];
        return n;
    }
};

/// A list of feature axes (Keras `axis`: an int or adjacent ints; negative counts from the end).
struct Axes {
    std::int32_t v[BNKIT_MAX_RANK] = {};
    std::uint32_t count = 0;
    constexpr Axes() noexcept = default;
    constexpr Axes(std::int32_t a) noexcept : count(1) { v[0] = a; }
    constexpr Axes(std::initializer_list<std::int32_t> l) noexcept : count(static_cast<std::uint32_t>(l.size())) {
        std::uint32_t k = 0;
        for (std::int32_t a : l)
            if (k < BNKIT_MAX_RANK) v[k++] = a;
    }
};

/// Describe `shape` with feature axes `axes`.
[[nodiscard]] inline Status describe(const Shape& shape, const Axes& axes, bnkit_bn_desc& desc) noexcept {
    if (axes.count > BNKIT_MAX_RANK) return BNKIT_ERR_BAD_AXIS;
    return bnkit_bn_desc_init(&desc, shape.rank, shape.dims, axes.count, axes.v);
}

/// Parameter initializers shared by both front-ends (Keras `*_initializer`, MindSpore
/// `*_init`): zeros, ones, constant(v), a tensor of exactly C values (MindSpore), or a seeded
/// random fill (bnkit/random.h; the framework presets are in bnkit/initializers.hpp).
struct Initializer {
    enum class Kind { zeros, ones, constant, tensor, random_uniform, random_normal, truncated_normal };
    Kind kind = Kind::zeros;
    float value = 0.0f;
    const float* data = nullptr;
    std::size_t size = 0;
    float mean = 0.0f, stddev = 0.0f;  // random_normal, truncated_normal
    float lo = 0.0f, hi = 0.0f;        // random_uniform: [lo, hi); truncated_normal: [lo, hi]
    bnkit_rng rng = {0, 0};            // the random kinds' seed and stream
};
constexpr Initializer zeros() noexcept { return {Initializer::Kind::zeros, 0.0f, nullptr, 0}; }
constexpr Initializer ones() noexcept { return {Initializer::Kind::ones, 1.0f, nullptr, 0}; }
constexpr Initializer constant(float v) noexcept { return {Initializer::Kind::constant, v, nullptr, 0}; }
constexpr Initializer tensor(const float* d, std::size_t n) noexcept { return {Initializer::Kind::tensor, 0.0f, d, n}; }

}  // namespace bnkit
