/* bnkit: batch normalization for firmware and edge devices. Umbrella header of the C API. */
#ifndef BNKIT_BNKIT_H
#define BNKIT_BNKIT_H

#define BNKIT_VERSION_MAJOR 0
#define BNKIT_VERSION_MINOR 1
#define BNKIT_VERSION_PATCH 0

#include "bnkit/batch_norm.h"
#include "bnkit/half.h"
#include "bnkit/params.h"
#include "bnkit/status.h"
#include "bnkit/types.h"
#include "bnkit/random.h"
#include "bnkit/fold_linear.h"
#include "bnkit/stats.h"

#endif
