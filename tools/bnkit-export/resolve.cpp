#include "resolve.hpp"

#include <cmath>
#include <cstdio>

#include "bnkit/batch_norm.h"
#include "bnkit/keras.hpp"
#include "errors.hpp"

namespace bnkit_export {
namespace {

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

// Keras 2 only offers the fused kernel for a single axis among these (its constructor check).
bool fusable_axis(const bnkit::Axes& a) {
    const int v = a.v[0];
    return a.count == 1 && (v == -4 || v == -3 || v == -1 || v == 1 || v == 3 || v == 4);
}

Resolved keras_epsilon(const Options& o) {
    using bnkit::keras::fused_min_epsilon;
    Resolved r;
    if (o.input_rank) {
        // Let the real front-end decide, on a probe layer of the stated rank (1 channel).
        bnkit::keras::Config cfg;
        cfg.axis = o.axis;
        cfg.epsilon = o.epsilon;
        cfg.momentum = o.keras_momentum;
        cfg.fused = o.fused;
        bnkit::keras::BatchNormalization<1> probe(cfg);
        bnkit::Shape shape;
        shape.rank = *o.input_rank;
        for (std::uint32_t k = 0; k < shape.rank; ++k) shape.dims[k] = 1;
        if (const bnkit::Status s = probe.build(shape))
            throw UsageError("--axis " + o.axis_text + " --input-rank " + std::to_string(*o.input_rank) +
                             (o.fused ? (*o.fused ? " --fused true" : " --fused false") : "") + ": Keras rejects this layer (" +
                             bnkit_status_str(s) + ")");
        r.epsilon = probe.effective_epsilon();
        r.epsilon_why = probe.fused() ? "the layer runs Keras' fused kernel (rank " + std::to_string(*o.input_rank) +
                                            ", axis " + o.axis_text + "): epsilon raised to at least " + num(fused_min_epsilon)
                                      : "the layer runs Keras' non-fused path: epsilon as given";
        return r;
    }
    if (o.fused && *o.fused && !fusable_axis(o.axis))
        throw UsageError("--fused true: Keras only fuses a single axis among -4, -3, -1, 1, 3, 4");
    if (o.fused && !*o.fused) {
        r.epsilon = static_cast<float>(o.epsilon);
        r.epsilon_why = "fused=False: epsilon as given";
    } else if (o.fused && *o.fused) {
        r.epsilon = static_cast<float>(o.epsilon > fused_min_epsilon ? o.epsilon : fused_min_epsilon);
        r.epsilon_why = "fused=True: Keras' fused kernel raises epsilon to at least " + num(fused_min_epsilon);
    } else if (o.epsilon >= fused_min_epsilon) {
        r.epsilon = static_cast<float>(o.epsilon);
        r.epsilon_why = "epsilon as given (at or above the fused kernel's floor " + num(fused_min_epsilon) + ", so fused or not alike)";
    } else {
        throw UsageError("--epsilon " + num(o.epsilon) + " is below Keras' fused-kernel floor " + num(fused_min_epsilon) +
                         ", so the epsilon the layer used depends on whether it ran the fused kernel (4-D input with axis 1/3 or "
                         "5-D with axis 1/4, fused not False): give --input-rank R (with --axis), or --fused true|false");
    }
    return r;
}

}  // namespace

Resolved resolve(const Options& o, const LayerParams& p) {
    Resolved r;
    if (o.framework == Framework::keras) {
        r = keras_epsilon(o);
    } else {
        r.epsilon = static_cast<float>(o.eps);
        r.epsilon_why = "MindSpore eps as given";
    }
    if (!o.fold) return r;
    const std::size_t c = p.channels;
    r.scale.resize(c);
    r.shift.resize(c);
    const bnkit_status s = bnkit_bn_fold_f32(c, p.gamma ? p.gamma->values.data() : nullptr, p.beta ? p.beta->values.data() : nullptr,
                                             p.moving_mean.values.data(), p.moving_variance.values.data(), r.epsilon,
                                             r.scale.data(), r.shift.data());
    if (s != BNKIT_OK) throw ParamError(std::string("bnkit_bn_fold_f32 failed: ") + bnkit_status_str(s));
    for (std::size_t k = 0; k < c; ++k)
        if (!std::isfinite(r.scale[k]) || !std::isfinite(r.shift[k]))
            throw ParamError("--fold: channel " + std::to_string(k) + " folds to a non-finite scale/shift (moving_variance " +
                             num(p.moving_variance.values[k]) + " + epsilon " + num(r.epsilon) + "); it cannot be pre-folded");
    return r;
}

}  // namespace bnkit_export
