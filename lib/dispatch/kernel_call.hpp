// How an API entry point calls a kernel. Targets with a single path (BNKIT_SINGLE_PATH:
// Cortex-M and other CPUs without a SIMD path) call the reference kernel directly, a
// compile-time dispatch, so a firmware links only the kernels it calls (an inference-only
// firmware carries no training kernels, and a float32-only one no float16 kernels). Other
// targets go through the table the descriptor points at.
#pragma once

#include <type_traits>

#include "kernel_table.hpp"

#if BNKIT_SINGLE_PATH
#include "../reference/bn_reference.hpp"
#define BNKIT_KERNEL(desc, op) ((void)(desc), ::bnkit::detail::reference::op)
#define BNKIT_KERNEL_AUTO(op) (::bnkit::detail::reference::op)
// No streaming stores here: no decision to link (on the M4, training's and backward's cost
// 192 B of flash and 8 B of stack each, tools/footprint.sh).
#define BNKIT_STREAMS(desc, in_bytes, out_bytes, in_place) \
    ((void)(desc), (void)(in_bytes), (void)(out_bytes), (void)(in_place), false)
#else
#include "select.hpp"
#include "stream_policy.hpp"
#define BNKIT_KERNEL(desc, op) ((desc)->kernels->op)
// The best path for this CPU, for calls without a descriptor (the bulk conversions).
#define BNKIT_KERNEL_AUTO(op) (::bnkit::detail::select_kernels(BNKIT_ISA_AUTO)->op)
// Whether a call writes its output with non-temporal stores (stream_policy.hpp).
#define BNKIT_STREAMS(desc, in_bytes, out_bytes, in_place) \
    (::bnkit::detail::stream_output((in_bytes), (out_bytes), (in_place), (desc)->llc_bytes))
#endif
// Whether a call's tensors are past the caches, as streaming judges it but in place too: the
// reductions' from_memory hint (kernel_table.hpp).
#define BNKIT_PAST_CACHES(desc, in_bytes, out_bytes) BNKIT_STREAMS(desc, in_bytes, out_bytes, false)

// The kernel `op` for tensor storage T (float: op_f32, bnkit_f16: op_f16), inside a template
// over T. Only the branch for T is instantiated, so the other kernel is not referenced (and
// not linked on single-path targets).
#define BNKIT_KERNEL_T(T, desc, op)                                  \
    [&]() {                                                          \
        if constexpr (std::is_same_v<T, float>)                      \
            return BNKIT_KERNEL(desc, op##_f32);                     \
        else                                                         \
            return BNKIT_KERNEL(desc, op##_f16);                     \
    }()
