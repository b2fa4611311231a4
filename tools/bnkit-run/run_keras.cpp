// `bnkit-run keras`: bnkit::keras::BatchNormalization, built from the first x's shape, with
// the given parameter files loaded through set_weights().
#include "bnkit/keras.hpp"
#include "layer_support.hpp"
#include "run.hpp"

namespace bnkit_run {
namespace {

// The Keras-only per-channel arrays (renorm variables and scratch), on the heap.
class HeapKerasStorage {
protected:
    explicit HeapKerasStorage(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)), floats_(capacity_ * 7) {}
    bnkit::keras::KerasStorage keras_storage() noexcept {
        float* p = floats_.data();
        auto next = [&p, this] { float* a = p; p += capacity_; return a; };
        bnkit::keras::KerasStorage s{};
        s.moving_stddev = next();
        s.renorm_mean = next();
        s.renorm_stddev = next();
        s.r = next();
        s.d = next();
        s.scratch_a = next();
        s.scratch_b = next();
        return s;
    }

private:
    std::size_t capacity_;
    std::vector<float> floats_;
};

class KerasLayer : private HeapLayerStorage, private HeapKerasStorage, public bnkit::keras::BatchNormalizationBase {
public:
    KerasLayer(const bnkit::keras::Config& cfg, std::size_t capacity)
        : HeapLayerStorage(capacity), HeapKerasStorage(capacity),
          BatchNormalizationBase(cfg, layer_storage(), keras_storage()) {}
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
    // With --renorm, moving_stddev, renorm_mean and renorm_stddev keep their initializer values.

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
    // Ghost batches are gathered through this workspace, sized for the largest --x.
    std::size_t ws_floats = 0;
    for (const Array& x : in.x) ws_floats = std::max(ws_floats, layer.virtual_batch_workspace_floats(to_shape(x)));
    std::vector<float> ghost_ws(ws_floats);
    layer.set_virtual_batch_workspace({ghost_ws.data(), ghost_ws.size()});

    RunResult r;
    if (o.keras_regularized) {  // Keras' layer.losses for the loaded weights
        float loss = 0.0f;
        check_status(layer.regularization_loss(loss), "keras: regularization_loss");
        r.regularization_loss = Array{{1}, {loss}};
    }
    RunResult run = run_layer(
        layer, o, in, pshape, "keras",
        [&](const bnkit::Shape& shape, auto x, auto y) { return layer.call(shape, x, y, o.keras_training); },
        [&](Step& step) {
            if (!o.keras.renorm) return;
            step.moving_stddev = copy_of(layer.moving_stddev(), pshape);
            step.renorm_mean = copy_of(layer.renorm_mean(), pshape);
            step.renorm_stddev = copy_of(layer.renorm_stddev(), pshape);
        });
    run.regularization_loss = std::move(r.regularization_loss);
    if (o.keras_sgd_lr) {
        check_status(layer.sgd_step(*o.keras_sgd_lr), "keras: sgd_step");
        if (layer.dgamma().size) run.gamma = copy_of(layer.gamma(), pshape);
        if (layer.dbeta().size) run.beta = copy_of(layer.beta(), pshape);
    }
    return run;
}

}  // namespace bnkit_run
