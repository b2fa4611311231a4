// How an API entry point calls a kernel. Targets with a single path (BNKIT_SINGLE_PATH:
// Cortex-M and other CPUs without a SIMD path) call the reference kernel directly, a
// compile-time dispatch, so a firmware links only the kernels it calls (an inference-only
// firmware carries no training kernels). Other targets go through the table the descriptor
// points at.
#pragma once

#include "kernel_table.hpp"

#if BNKIT_SINGLE_PATH
#include "../reference/bn_reference.hpp"
#define BNKIT_KERNEL(desc, op) ((void)(desc), ::bnkit::detail::reference::op)
#else
#define BNKIT_KERNEL(desc, op) ((desc)->kernels->op)
#endif
