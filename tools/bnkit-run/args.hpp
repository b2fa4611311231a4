// bnkit-run's command line: the flags of docs/bnkit-run.md, parsed strictly (unknown flags,
// missing values, bad numbers and repeated flags are Errors). Nothing here touches files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"

namespace bnkit_run {

enum class Framework { keras, mindspore };

struct Options {
    bool help = false;
    Framework framework = Framework::keras;

    // keras
    bnkit::keras::Config keras;          // axis, momentum, epsilon, center, scale, trainable, fused,
                                         // regularizers, constraints, renorm*, virtual_batch_size
    std::optional<bool> keras_training;  // None (false)
    std::optional<float> keras_sgd_lr;   // --sgd-step: one SGD step after the backward
    bool keras_regularized = false;      // a regularizer flag was given: write regularization_loss.npy

    // mindspore
    std::size_t num_features = 0;
    bnkit::mindspore::Config mindspore;  // eps, momentum, affine, data_format, use_batch_statistics, moving_variance
    bool mindspore_train = false;        // a fresh Cell is in eval mode

    // common
    std::vector<std::string> x;
    std::optional<std::string> gamma, beta, moving_mean, moving_variance, dy;
    std::string out;
    bnkit_activation activation = BNKIT_ACTIVATION_NONE;  // --activation: fused into inference calls
};

/// Parse argv[1..argc). "--help" anywhere sets help and skips every other check.
Options parse_args(int argc, const char* const* argv);

/// The usage text --help prints.
const char* usage();

}  // namespace bnkit_run
