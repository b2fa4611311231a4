// What both front-end runners share: heap storage sized at run time for bnkit's layers
// (whose own classes hold fixed-capacity arrays), span views of Arrays, and the check that
// a parameter file fits the layer's parameter shape.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "bnkit/layer_core.hpp"
#include "error.hpp"
#include "npy.hpp"
#include "run.hpp"

namespace bnkit_run {

/// Per-channel arrays and workspace for a layer of `capacity` channels, on the heap.
/// Inherit it before the bnkit base class so it is constructed first.
class HeapLayerStorage {
protected:
    explicit HeapLayerStorage(std::size_t capacity)
        : capacity_(std::max<std::size_t>(capacity, 1)), floats_(capacity_ * 10 + bnkit::workspace_bytes(capacity_) / sizeof(float)) {}

    bnkit::detail::LayerStorage layer_storage() noexcept {
        float* p = floats_.data();
        auto next = [&p, this] { float* a = p; p += capacity_; return a; };
        bnkit::detail::LayerStorage s{};
        s.capacity = capacity_;
        s.gamma = next();
        s.beta = next();
        s.moving_mean = next();
        s.moving_var = next();
        s.scale = next();
        s.shift = next();
        s.saved_mean = next();
        s.saved_invstd = next();
        s.dgamma = next();
        s.dbeta = next();
        s.workspace = p;
        return s;
    }

private:
    std::size_t capacity_;
    std::vector<float> floats_;
};

inline bnkit::Shape to_shape(const Array& a) {
    return bnkit::Shape(static_cast<std::uint32_t>(a.shape.size()), a.shape.data());
}
inline bnkit::Span<const float> view(const Array& a) { return {a.data.data(), a.data.size()}; }
inline bnkit::Span<float> view(Array& a) { return {a.data.data(), a.data.size()}; }

/// An Array of `shape` holding a copy of `s`.
inline Array copy_of(bnkit::Span<const float> s, const std::vector<std::size_t>& shape) {
    Array a;
    a.shape = shape;
    a.data.assign(s.begin(), s.end());
    return a;
}

/// A parameter file fits when its shape, ignoring dims of 1, equals the layer's parameter
/// shape ignoring dims of 1, or when it is flat with one value per channel: for Keras'
/// (1, H, W, 1) of axis [1, 2], (H, W), (1, H, W, 1) and (H*W,) all fit.
inline void check_param_shape(const Array& a, const std::vector<std::size_t>& param_shape, const std::string& flag) {
    auto squeeze = [](const std::vector<std::size_t>& s) {
        std::vector<std::size_t> r;
        for (std::size_t d : s)
            if (d != 1) r.push_back(d);
        return r;
    };
    std::size_t channels = 1;
    for (std::size_t d : param_shape) channels *= d;
    const bool flat = a.shape.size() == 1 && a.shape[0] == channels;
    if (!flat && squeeze(a.shape) != squeeze(param_shape))
        throw Error(flag + ": shape " + shape_str(a.shape) + " does not fit the layer's parameter shape " +
                    shape_str(param_shape));
}

/// One layer call per --x (state carried across calls), then the backward pass for --dy;
/// `call(x_shape, x, y)` is the front-end's forward call, `what` names it in messages,
/// `after_call(step)` adds front-end specific state to each step's outputs.
template <class Layer, class Call, class AfterCall>
RunResult run_layer(Layer& layer, const Options& o, const Inputs& in, const std::vector<std::size_t>& pshape,
                    const std::string& what, Call call, AfterCall after_call) {
    RunResult r;
    for (std::size_t i = 0; i < in.x.size(); ++i) {
        const Array& x = in.x[i];
        Step step;
        step.y.shape = x.shape;
        step.y.stored = x.stored;  // float16 x: y rounded once to float16 when written
        step.y.data.resize(x.data.size());
        check_status(call(to_shape(x), view(x), view(step.y)),
                     what + ": call on " + o.x[i] + " of shape " + shape_str(x.shape));
        step.moving_mean = copy_of(layer.moving_mean(), pshape);
        step.moving_variance = copy_of(layer.moving_variance(), pshape);
        after_call(step);
        r.steps.push_back(std::move(step));
    }
    if (in.dy) {
        const Array& x = in.x.front();
        Array dx;
        dx.shape = x.shape;
        dx.stored = x.stored;
        dx.data.resize(x.data.size());
        check_status(layer.backward(to_shape(x), view(x), view(*in.dy), view(dx)), what + ": backward");
        r.dx = std::move(dx);
        if (layer.dgamma().size) r.dgamma = copy_of(layer.dgamma(), pshape);
        if (layer.dbeta().size) r.dbeta = copy_of(layer.dbeta(), pshape);
    }
    return r;
}

template <class Layer, class Call>
RunResult run_layer(Layer& layer, const Options& o, const Inputs& in, const std::vector<std::size_t>& pshape,
                    const std::string& what, Call call) {
    return run_layer(layer, o, in, pshape, what, call, [](Step&) {});
}

}  // namespace bnkit_run
