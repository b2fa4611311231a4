// The kernel interface every instruction-set path implements, and the table that binds one
// path's functions. Kernels never validate and cannot fail: the API layer (lib/api/) has
// checked every argument before it calls them.
//
// Tensors (x, y, dy, dx) are stored as T: float, or bnkit_f16 (widened to float on load,
// rounded once to nearest even on store; all arithmetic is float32 either way). Per-channel
// arrays and scratch are always float.
#pragma once

#include <cstddef>

#include "bnkit/half.h"
#include "bnkit/types.h"

namespace bnkit::detail {

// [outer, C, inner] view; element (o, c, i) is at o * outer_stride + c * inner + i, and the
// tensor's arrays hold `extent` elements from there. For a whole tensor outer_stride is
// channels * inner and extent the element count. A slice of consecutive channels of a
// channels-first tensor (inner >= 16, so that every path sees a channels-first view) has the
// whole tensor's stride and the elements left from the slice's start as extent. Training and
// backward pass slices (lib/core/channel_blocks.hpp): the per-channel reductions (stats,
// backward_reduce) read whole vectors anywhere inside the extent, so a channel's sums are the
// same in a slice as in the whole tensor; their element-wise kernels (normalize,
// backward_apply) walk each outer index's run of the slice. Inference always gets whole views.
struct view {
    std::size_t outer, channels, inner;
    std::size_t outer_stride = channels * inner;
    std::size_t extent = outer * outer_stride;
};

// y = act(x * scale[c] + shift[c]), act applied in float32 before the store; activation is a
// valid bnkit_activation value (the API checked it).
template <class T>
struct infer_args_t {
    view v;
    const T* x;
    T* y;
    const float* scale;
    const float* shift;
    bnkit_activation activation;
    bool stream;  // y past the caches: non-temporal stores where the path has them (stream_io.hpp)
};

// Per-channel mean and biased variance of x, stably (shifted two-pass, never E[x^2]-E[x]^2).
// scratch: 4 * C floats the kernel may overwrite (merged channels-last tiles use them all).
template <class T>
struct stats_args_t {
    view v;
    const T* x;
    float* mean;
    float* var;
    float* scratch;
    bool from_memory = false;  // x is past the caches: channels-last tiles stay small (bn_loops-inl.hpp)
};

// y = (x - mean[c]) * scale[c] + shift[c]: training-mode normalization. Centering first
// keeps y accurate when |mean| >> std, where the folded x * s + t would cancel.
template <class T>
struct normalize_args_t {
    view v;
    const T* x;
    T* y;
    const float* mean;
    const float* scale;
    const float* shift;
    std::size_t prefetch = 0;  // x is prefetched this many elements ahead (0: not at all)
    bool stream = false;       // y past the caches: non-temporal stores where the path has them
};

// sum_dy[c] = sum(dy), sum_dy_xc[c] = sum(dy * (x - mean[c])). scratch: 2 * C floats.
template <class T>
struct backward_reduce_args_t {
    view v;
    const T* x;
    const T* dy;
    const float* mean;
    float* sum_dy;
    float* sum_dy_xc;
    float* scratch;
    bool from_memory = false;  // x and dy are past the caches: channels-last tiles stay small
};

// dx = a[c] * dy + (b[c] * (x - mean[c]) + k[c]); dx may equal x or dy.
template <class T>
struct backward_apply_args_t {
    view v;
    const T* x;
    const T* dy;
    const float* mean;
    const float* a;
    const float* b;
    const float* k;
    T* dx;
    std::size_t prefetch = 0;  // x and dy are prefetched this many elements ahead (0: not at all)
    bool stream = false;       // dx past the caches: non-temporal stores where the path has them
};

using infer_args = infer_args_t<float>;
using stats_args = stats_args_t<float>;
using normalize_args = normalize_args_t<float>;
using backward_reduce_args = backward_reduce_args_t<float>;
using backward_apply_args = backward_apply_args_t<float>;
using infer_f16_args = infer_args_t<bnkit_f16>;
using stats_f16_args = stats_args_t<bnkit_f16>;
using normalize_f16_args = normalize_args_t<bnkit_f16>;
using backward_reduce_f16_args = backward_reduce_args_t<bnkit_f16>;
using backward_apply_f16_args = backward_apply_args_t<bnkit_f16>;

}  // namespace bnkit::detail

// Global name: the C header forward-declares it so bnkit_bn_desc can point at one.
struct bnkit_kernel_table {
    bnkit_isa isa;
    void (*infer_f32)(const bnkit::detail::infer_args&) noexcept;
    void (*stats_f32)(const bnkit::detail::stats_args&) noexcept;
    void (*normalize_f32)(const bnkit::detail::normalize_args&) noexcept;
    void (*backward_reduce_f32)(const bnkit::detail::backward_reduce_args&) noexcept;
    void (*backward_apply_f32)(const bnkit::detail::backward_apply_args&) noexcept;
    void (*infer_f16)(const bnkit::detail::infer_f16_args&) noexcept;
    void (*stats_f16)(const bnkit::detail::stats_f16_args&) noexcept;
    void (*normalize_f16)(const bnkit::detail::normalize_f16_args&) noexcept;
    void (*backward_reduce_f16)(const bnkit::detail::backward_reduce_f16_args&) noexcept;
    void (*backward_apply_f16)(const bnkit::detail::backward_apply_f16_args&) noexcept;
    // Bulk conversions (bnkit_f16_to_f32_n, bnkit_f16_from_f32_n): n elements, no overlap.
    void (*f16_to_f32)(const bnkit_f16* src, float* dst, std::size_t n) noexcept;
    void (*f32_to_f16)(const float* src, bnkit_f16* dst, std::size_t n) noexcept;
};
