// The kernel interface every instruction-set path implements, and the table that binds one
// path's functions. Kernels never validate and cannot fail: the API layer (lib/api/) has
// checked every argument before it calls them.
#pragma once

#include <cstddef>

#include "bnkit/types.h"

namespace bnkit::detail {

// [outer, C, inner] view; element (o, c, i) is at ((o * channels) + c) * inner + i.
struct view {
    std::size_t outer, channels, inner;
};

// y = x * scale[c] + shift[c]
struct infer_args {
    view v;
    const float* x;
    float* y;
    const float* scale;
    const float* shift;
};

// Per-channel mean and biased variance of x, stably (shifted two-pass, never E[x^2]-E[x]^2).
// scratch: 2 * C floats the kernel may overwrite.
struct stats_args {
    view v;
    const float* x;
    float* mean;
    float* var;
    float* scratch;
};

// y = (x - mean[c]) * scale[c] + shift[c]: training-mode normalization. Centering first
// keeps y accurate when |mean| >> std, where the folded x * s + t would cancel.
struct normalize_args {
    view v;
    const float* x;
    float* y;
    const float* mean;
    const float* scale;
    const float* shift;
};

// sum_dy[c] = sum(dy), sum_dy_xc[c] = sum(dy * (x - mean[c])). scratch: 2 * C floats.
struct backward_reduce_args {
    view v;
    const float* x;
    const float* dy;
    const float* mean;
    float* sum_dy;
    float* sum_dy_xc;
    float* scratch;
};

// dx = a[c] * dy + (b[c] * (x - mean[c]) + k[c]); dx may equal x or dy.
struct backward_apply_args {
    view v;
    const float* x;
    const float* dy;
    const float* mean;
    const float* a;
    const float* b;
    const float* k;
    float* dx;
};

}  // namespace bnkit::detail

// Global name: the C header forward-declares it so bnkit_bn_desc can point at one.
struct bnkit_kernel_table {
    bnkit_isa isa;
    void (*infer_f32)(const bnkit::detail::infer_args&) noexcept;
    void (*stats_f32)(const bnkit::detail::stats_args&) noexcept;
    void (*normalize_f32)(const bnkit::detail::normalize_args&) noexcept;
    void (*backward_reduce_f32)(const bnkit::detail::backward_reduce_args&) noexcept;
    void (*backward_apply_f32)(const bnkit::detail::backward_apply_args&) noexcept;
};
