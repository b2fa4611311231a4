// bnkit-export's command line: which framework, where the parameters come from, the layer's
// hyper-parameters, and how to name and write the header. parse_args only checks the
// syntax and the ranges; whether the files hold a usable layer is load_params' job.
#pragma once

#include <optional>
#include <string>

#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"

namespace bnkit_export {

enum class Framework { keras, mindspore };
enum class MsKind { bn1d, bn2d, bn3d };

struct Options {
    bool help = false;
    Framework framework = Framework::keras;

    // Sources: one .npz, or up to four .npy files.
    std::optional<std::string> npz;
    std::optional<std::string> gamma, beta, moving_mean, moving_variance;
    std::optional<std::string> prefix;  // MindSpore checkpoint cell name, "bn1" for bn1.gamma

    // Keras
    std::optional<bool> center, scale;  // unset: inferred from what the source holds
    bnkit::Axes axis = -1;
    std::string axis_text = "-1";
    double keras_momentum = 0.99, epsilon = 1e-3;
    std::optional<bool> fused;             // Keras' constructor argument: None / True / False
    std::optional<std::uint32_t> input_rank;  // lets the tool apply Keras' fused-kernel choice

    // MindSpore
    MsKind kind = MsKind::bn2d;
    double eps = 1e-5, ms_momentum = 0.9;
    bool affine = true;
    bnkit::mindspore::DataFormat data_format = bnkit::mindspore::DataFormat::NCHW;
    bnkit::mindspore::MovingVariance moving_variance_kind = bnkit::mindspore::MovingVariance::unbiased;

    // Output
    std::string name = "bn";
    std::optional<std::string> guard;
    bool fold = false;
    std::string out;
    std::string command_line;  // as given, for the header's "regenerate with" line
};

/// Parse argv; throws UsageError (see errors.hpp) for anything malformed or inconsistent.
Options parse_args(int argc, char** argv);
const char* usage();

}  // namespace bnkit_export
