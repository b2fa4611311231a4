// `bnkit-run keras`: bnkit::keras::BatchNormalization, built from the first x's shape, with
// the given parameter files loaded through set_weights().
#include "bnkit/keras.hpp"
#include "layer_support.hpp"
#include "run.hpp"

namespace bnkit_run {
namespace {

class KerasLayer : private HeapLayerStorage, public bnkit::keras::BatchNormalizationBase {
public:
    KerasLayer(const bnkit::keras::Config& cfg, std::size_t capacity)
        : HeapLayerStorage(capacity), BatchNormalizationBase(cfg, layer_storage()) {}
};

// Keras' parameter shape: (C,) for one axis, else the input rank with the axis dims kept
// and 1 elsewhere (Keras 2 BatchNormalization.build). Axes are valid: build() succeeded.
std::vector<std::size_t> param_shape(const bnkit::Axes& axes, const std::vector<std::size_t>& x_shape) {
    const auto rank = static_cast<std::int32_t>(x_shape.size());
    auto resolve = [rank](std::int32_t a) { return static_cast<std::size_t>(a < 0 ? a + rank : a); };
    if (axes.count == 1) return {x_shape[resolve(axes.v[0])]};
    std::vector<std::size_t> shape(x_shape.size(), 1);
    for (std::uint32_t k = 0; k < axes.count; ++k) shape[resolve(axes.v[k])] = x_shape[resolve(axes.v[k])];
    return shape;
}

void load_weights(KerasLayer& layer, const Options& o, const Inputs& in, const std::vector<std::size_t>& pshape) {
    const std::size_t n = layer.num_weights();
    std::vector<std::vector<float>> w(n, std::vector<float>(layer.channels()));
    std::vector<bnkit::Span<float>> out;
    for (auto& v : w) out.push_back({v.data(), v.size()});
    check_status(layer.get_weights(out.data(), n), "keras: get_weights");

    // Keras' order: [gamma?, beta?, moving_mean, moving_variance].
    std::size_t k = 0;
    auto take = [&](bool present, const std::optional<Array>& file, const char* flag) {
        if (!present) return;
        if (file) {
            check_param_shape(*file, pshape, flag);
            w[k] = file->data;
        }
        ++k;
    };
    take(o.keras.scale, in.gamma, "--gamma");
    take(o.keras.center, in.beta, "--beta");
    take(true, in.moving_mean, "--moving-mean");
    take(true, in.moving_variance, "--moving-variance-in");

    std::vector<bnkit::Span<const float>> spans;
    for (const auto& v : w) spans.push_back({v.data(), v.size()});
    check_status(layer.set_weights(spans.data(), n), "keras: set_weights");
}

}  // namespace

RunResult run_keras(const Options& o, const Inputs& in) {
    const Array& x0 = in.x.front();
    bnkit_bn_desc desc{};
    const bool described = bnkit::describe(to_shape(x0), o.keras.axis, desc) == BNKIT_OK;
    KerasLayer layer(o.keras, described ? desc.channels : 1);
    check_status(layer.build(to_shape(x0)), "keras: build from " + o.x.front() + " of shape " + shape_str(x0.shape));
    const std::vector<std::size_t> pshape = param_shape(o.keras.axis, x0.shape);
    load_weights(layer, o, in, pshape);

    RunResult r;
    for (std::size_t i = 0; i < in.x.size(); ++i) {
        const Array& x = in.x[i];
        Step step;
        step.y.shape = x.shape;
        step.y.data.resize(x.data.size());
        check_status(layer.call(to_shape(x), view(x), view(step.y), o.keras_training),
                     "keras: call on " + o.x[i] + " of shape " + shape_str(x.shape));
        step.moving_mean = copy_of(layer.moving_mean(), pshape);
        step.moving_variance = copy_of(layer.moving_variance(), pshape);
        r.steps.push_back(std::move(step));
    }

    if (in.dy) {
        const Array& x = in.x.front();
        Array dx;
        dx.shape = x.shape;
        dx.data.resize(x.data.size());
        check_status(layer.backward(to_shape(x), view(x), view(*in.dy), view(dx)), "keras: backward");
        r.dx = std::move(dx);
        if (layer.dgamma().size) r.dgamma = copy_of(layer.dgamma(), pshape);
        if (layer.dbeta().size) r.dbeta = copy_of(layer.dbeta(), pshape);
    }
    return r;
}

}  // namespace bnkit_run
