// The scalar reference kernels: straight loops in memory order, compensated (Neumaier)
// accumulation. They are the oracle every SIMD path is tested against, the Cortex-M path,
// and the fallback on any CPU without a SIMD path.
#pragma once

#include "../dispatch/kernel_table.hpp"

namespace bnkit::detail::reference {

void infer_f32(const infer_args& a) noexcept;
void stats_f32(const stats_args& a) noexcept;
void normalize_f32(const normalize_args& a) noexcept;
void backward_reduce_f32(const backward_reduce_args& a) noexcept;
void backward_apply_f32(const backward_apply_args& a) noexcept;

extern const bnkit_kernel_table table;

}  // namespace bnkit::detail::reference
