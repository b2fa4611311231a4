#include "run.hpp"

#include "error.hpp"
#include "layer_support.hpp"

namespace bnkit_run {

Inputs load_inputs(const Options& o) {
    Inputs in;
    for (const std::string& path : o.x) {
        in.x.push_back(read_activation_npy(path));
        // One dtype per run: y and dx are written in it.
        if (in.x.back().stored != in.x.front().stored)
            throw Error("--x " + path + ": dtype " + dtype_name(in.x.back().stored) + " differs from the first --x's " +
                        dtype_name(in.x.front().stored));
    }
    auto load = [](const std::optional<std::string>& path) -> std::optional<Array> {
        if (!path) return std::nullopt;
        return read_npy(*path);
    };
    in.gamma = load(o.gamma);
    in.beta = load(o.beta);
    in.moving_mean = load(o.moving_mean);
    in.moving_variance = load(o.moving_variance);
    if (o.dy) in.dy = read_activation_npy(*o.dy);
    if (in.dy && in.dy->stored != in.x.front().stored)
        throw Error("--dy " + *o.dy + ": dtype " + dtype_name(in.dy->stored) + " differs from x's " +
                    dtype_name(in.x.front().stored));
    if (in.dy && in.dy->shape != in.x.front().shape)
        throw Error("--dy " + *o.dy + ": shape " + shape_str(in.dy->shape) + " differs from x shape " +
                    shape_str(in.x.front().shape));
    return in;
}

// --activation on a finished inference output: the layer front-ends have no activation, so
// y = act(y * 1 + -0.0) through bnkit_bn_infer_act_f32 over one channel. Bit-identical to
// the fused call: y * 1 + -0.0 is y exactly (-0.0 included) and the clamp is exact.
void apply_activation(Array& y, bnkit_activation a) {
    if (a == BNKIT_ACTIVATION_NONE || y.data.empty()) return;
    const std::size_t dims[] = {y.data.size(), 1};
    const std::int32_t axis = 1;
    const float one = 1.0f, minus_zero = -0.0f;
    bnkit_bn_desc d{};
    check_status(bnkit_bn_desc_init(&d, 2, dims, 1, &axis), "activation: describing y");
    check_status(bnkit_bn_infer_act_f32(&d, y.data.data(), y.data.data(), &one, &minus_zero, a), "activation");
}

std::vector<OutputFile> compute(const Options& o) {
    const Inputs in = load_inputs(o);
    RunResult r = o.framework == Framework::keras ? run_keras(o, in) : run_mindspore(o, in);
    for (Step& step : r.steps) apply_activation(step.y, o.activation);

    std::vector<OutputFile> files;
    const bool several = r.steps.size() > 1;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const std::string suffix = several ? "_step" + std::to_string(i) : "";
        files.push_back({"y" + suffix + ".npy", std::move(r.steps[i].y)});
        files.push_back({"moving_mean" + suffix + ".npy", std::move(r.steps[i].moving_mean)});
        files.push_back({"moving_variance" + suffix + ".npy", std::move(r.steps[i].moving_variance)});
        if (r.steps[i].moving_stddev) {
            files.push_back({"moving_stddev" + suffix + ".npy", std::move(*r.steps[i].moving_stddev)});
            files.push_back({"renorm_mean" + suffix + ".npy", std::move(*r.steps[i].renorm_mean)});
            files.push_back({"renorm_stddev" + suffix + ".npy", std::move(*r.steps[i].renorm_stddev)});
        }
    }
    if (r.dx) files.push_back({"dx.npy", std::move(*r.dx)});
    if (r.dgamma) files.push_back({"dgamma.npy", std::move(*r.dgamma)});
    if (r.dbeta) files.push_back({"dbeta.npy", std::move(*r.dbeta)});
    if (r.regularization_loss) files.push_back({"regularization_loss.npy", std::move(*r.regularization_loss)});
    if (r.gamma) files.push_back({"gamma.npy", std::move(*r.gamma)});
    if (r.beta) files.push_back({"beta.npy", std::move(*r.beta)});
    return files;
}

}  // namespace bnkit_run
