// Running a layer over the inputs, all in memory: load every input file, run one layer call
// per --x (state carried across calls), then the backward pass for --dy. The result is the
// list of output files, not yet written (write_outputs.hpp writes them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
#include "npy.hpp"

namespace bnkit_run {

struct Inputs {
    std::vector<Array> x;  // one per --x, in order
    std::optional<Array> gamma, beta, moving_mean, moving_variance, dy;
};

struct Step {
    Array y, moving_mean, moving_variance;  // after the call
    std::optional<Array> moving_stddev, renorm_mean, renorm_stddev;  // Keras --renorm
};

struct RunResult {
    std::vector<Step> steps;
    std::optional<Array> dx, dgamma, dbeta;  // with --dy; dgamma/dbeta only where trained
    std::optional<Array> regularization_loss;  // Keras with a regularizer: shape (1,)
    std::optional<Array> gamma, beta;          // Keras --sgd-step: trained weights after the step
};

struct OutputFile {
    std::string name;  // file name inside --out
    Array array;
};

/// Read and check every input file named by the options.
Inputs load_inputs(const Options& o);
/// The front-ends (run_keras.cpp, run_mindspore.cpp).
RunResult run_keras(const Options& o, const Inputs& in);
RunResult run_mindspore(const Options& o, const Inputs& in);
/// load_inputs + the chosen front-end, named as docs/bnkit-run.md says
/// (y.npy, ... for one --x; y_step0.npy, ... for several).
std::vector<OutputFile> compute(const Options& o);

}  // namespace bnkit_run
