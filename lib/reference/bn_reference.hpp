// The scalar reference kernels: straight loops in memory order, compensated (Neumaier)
// accumulation. They are the oracle every SIMD path is tested against, the Cortex-M path,
// and the fallback on any CPU without a SIMD path. The _f16 kernels are the _f32 ones over
// float16 storage: each element widened exactly, the same float32 arithmetic, each result
// rounded once (lib/half/half_scalar.hpp).
#pragma once

#include "../dispatch/kernel_table.hpp"

namespace bnkit::detail::reference {

void infer_f32(const infer_args& a) noexcept;
void stats_f32(const stats_args& a) noexcept;
void normalize_f32(const normalize_args& a) noexcept;
void backward_reduce_f32(const backward_reduce_args& a) noexcept;
void backward_apply_f32(const backward_apply_args& a) noexcept;

void infer_f16(const infer_f16_args& a) noexcept;
void stats_f16(const stats_f16_args& a) noexcept;
void normalize_f16(const normalize_f16_args& a) noexcept;
void backward_reduce_f16(const backward_reduce_f16_args& a) noexcept;
void backward_apply_f16(const backward_apply_f16_args& a) noexcept;

void f16_to_f32(const bnkit_f16* src, float* dst, std::size_t n) noexcept;
void f32_to_f16(const float* src, bnkit_f16* dst, std::size_t n) noexcept;

// infer with BNKIT_ACTIVATION_NONE whatever a.activation says: what the single-path entry
// points without an activation call, so that they link no activation loop.
void infer_plain(const infer_args& a) noexcept;
void infer_plain(const infer_f16_args& a) noexcept;

extern const bnkit_kernel_table table;

}  // namespace bnkit::detail::reference
