// `bnkit-run mindspore`: bnkit::mindspore::BatchNorm1d/2d/3d (chosen by the first x's rank:
// 2-D or 3-D -> 1d, 4-D -> 2d, 5-D -> 3d), parameters loaded through load_parameter().
#include "bnkit/mindspore.hpp"
#include "layer_support.hpp"
#include "run.hpp"

namespace bnkit_run {
namespace {

namespace ms = bnkit::mindspore;

class MindSporeLayer : private HeapLayerStorage, public ms::BatchNormBase {
public:
    MindSporeLayer(ms::Kind kind, std::size_t num_features, const ms::Config& cfg)
        : HeapLayerStorage(num_features), BatchNormBase(kind, num_features, cfg, layer_storage()) {}
};

ms::Kind kind_for_rank(std::size_t rank) {
    if (rank == 4) return ms::Kind::bn2d;
    if (rank == 5) return ms::Kind::bn3d;
    return ms::Kind::bn1d;  // 2-D, 3-D; other ranks: the layer reports a bad rank
}

}  // namespace

RunResult run_mindspore(const Options& o, const Inputs& in) {
    // The layer allocates num_features channels: refuse absurd counts before allocating
    // (no input can have more channels than elements).
    std::size_t largest = 0;
    for (const Array& x : in.x) largest = std::max(largest, x.data.size());
    if (o.num_features > largest && o.num_features > 1)
        check_status(BNKIT_ERR_CHANNEL_MISMATCH, "mindspore: --num-features " + std::to_string(o.num_features) +
                                                     " exceeds the element count of every x");

    MindSporeLayer layer(kind_for_rank(in.x.front().shape.size()), o.num_features, o.mindspore);
    check_status(layer.init_status(), "mindspore: constructing the cell");
    layer.set_train(o.mindspore_train);
    const std::vector<std::size_t> pshape{o.num_features};
    const std::pair<const char*, const std::optional<Array>*> params[] = {{"gamma", &in.gamma},
                                                                          {"beta", &in.beta},
                                                                          {"moving_mean", &in.moving_mean},
                                                                          {"moving_variance", &in.moving_variance}};
    for (const auto& [name, file] : params) {
        if (!*file) continue;
        check_param_shape(**file, pshape, std::string("parameter ") + name);
        check_status(layer.load_parameter(name, view(**file)), std::string("mindspore: load_parameter ") + name);
    }

    return run_layer(layer, o, in, pshape, "mindspore",
                     [&](const bnkit::Shape& shape, auto x, auto y) { return layer.call(shape, x, y); });
}

}  // namespace bnkit_run
