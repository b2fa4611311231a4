// Runs bnkit::keras::BatchNormalization through training steps and a backward pass on one kernel
// path and checks every output against keras_oracle.hpp. Each step's oracle starts from the
// layer's own state before that step, so the bounds are per step, not accumulated.
//
// Bounds (ulps of the magnitudes keras_oracle computes; measured worst on x86-64 in brackets,
// BNKIT_ORACLE_REPORT=1 build/host/tests/bnkit_tests -tc="keras*"): y 4 [2.47] (xhat from the
// training kernel, then * (r gamma) + (d gamma + beta) in float, r and d a few ulp off);
// moving and renorm statistics 2 of |old| + |new| + mean|x| [0.75]; dx, dgamma, dbeta 3 of
// their magnitudes [1.16] (the kernel's backward, the r/d composition, the float sum over
// ghost batches).
#pragma once

#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "keras_oracle.hpp"
#include "support/each_isa.hpp"
#include "support/oracle_double.hpp"

namespace keras_case {

using keras_oracle::Layout;
using keras_oracle::Params;
using keras_oracle::State;

struct Geometry {
    std::size_t B, C, H, W;
    bool channels_last;  // NHWC (axis -1) or NCHW (axis 1); H = W = 1 gives a 2-D (B, C) input
    bnkit::Shape shape() const {
        if (H * W == 1) return {B, C};
        return channels_last ? bnkit::Shape{B, H, W, C} : bnkit::Shape{B, C, H, W};
    }
    Layout layout() const { return {B, C, C * H * W, channels_last}; }
};

inline std::vector<double> to_double(bnkit::Span<const float> s) { return {s.begin(), s.end()}; }
inline std::vector<double> to_double(const std::vector<float>& s) { return {s.begin(), s.end()}; }

struct Run {
    Geometry g;
    Params p;
    std::vector<float> gamma, beta, moving_mean, moving_var;
    bnkit::keras::RenormClipping clipping;
};

inline bnkit::keras::Config config_of(const Run& run) {
    bnkit::keras::Config cfg;
    cfg.axis = run.g.channels_last || run.g.H * run.g.W == 1 ? -1 : 1;
    cfg.epsilon = run.p.eps;
    cfg.momentum = run.p.momentum;
    cfg.scale = !run.gamma.empty();
    cfg.center = !run.beta.empty();
    if (cfg.scale) cfg.gamma_initializer = bnkit::tensor(run.gamma.data(), run.gamma.size());
    if (cfg.center) cfg.beta_initializer = bnkit::tensor(run.beta.data(), run.beta.size());
    cfg.moving_mean_initializer = bnkit::tensor(run.moving_mean.data(), run.moving_mean.size());
    cfg.moving_variance_initializer = bnkit::tensor(run.moving_var.data(), run.moving_var.size());
    cfg.renorm = run.p.renorm;
    cfg.renorm_momentum = run.p.renorm_momentum;
    cfg.renorm_clipping = run.clipping;
    cfg.virtual_batch_size = run.p.vbs;
    return cfg;
}

inline State state_of(const bnkit::keras::BatchNormalizationBase& bn) {
    State s;
    s.moving_mean = to_double(bn.moving_mean());
    s.moving_var = to_double(bn.moving_variance());
    s.moving_stddev = to_double(bn.moving_stddev());
    s.renorm_mean = to_double(bn.renorm_mean());
    s.renorm_stddev = to_double(bn.renorm_stddev());
    return s;
}

inline std::vector<double> stat_mag(const std::vector<double>& old, const std::vector<double>& now,
                                    const std::vector<double>& extra) {
    std::vector<double> m;
    for (std::size_t c = 0; c < old.size(); ++c) m.push_back(std::fabs(old[c]) + std::fabs(now[c]) + extra[c]);
    return m;
}

// Two training steps (in place when asked) and a backward of the second, on path `isa`.
inline void check_run(const Run& run, bnkit_isa isa, bool in_place, std::uint64_t seed) {
    const Layout L = run.g.layout();
    const bnkit::Shape shape = run.g.shape();
    bnkit::keras::BatchNormalization<16> bn(config_of(run));
    REQUIRE(bn.set_isa(isa) == BNKIT_OK);
    std::vector<float> ws(bn.virtual_batch_workspace_floats(shape) + 1);
    bn.set_virtual_batch_workspace({ws.data() + 1, ws.size() - 1});  // an odd float offset
    Params p = run.p;
    p.gamma = to_double(run.gamma);
    p.beta = to_double(run.beta);
    p.eps = bn.effective_epsilon();

    oracle::Rng rng(seed);
    std::vector<float> x(L.count() + 1), y(L.count() + 1), dy(L.count());
    float* xs = x.data() + 1;  // unaligned
    float* ys = in_place ? xs : y.data() + 1;
    for (int step = 0; step < 2; ++step) {
        INFO("step " << step);
        for (std::size_t e = 0; e < L.count(); ++e) xs[e] = rng.uniform(-3.0f, 5.0f) + 0.5f * static_cast<float>(L.channel(e));
        const std::vector<double> xd(xs, xs + L.count());
        if (step == 0) REQUIRE(bn.build(shape) == BNKIT_OK);
        const State before = state_of(bn);
        const keras_oracle::Forward f = keras_oracle::forward(L, p, before, xd);
        const State after = keras_oracle::update(p, before, f);
        REQUIRE(bn.call(shape, {xs, L.count()}, {ys, L.count()}, true) == BNKIT_OK);
        CHECK_ARRAY_ULPS("keras extras y", ys, f.y, f.y_mag, 4);
        std::vector<double> mean_abs(L.C, 0.0);
        for (std::size_t e = 0; e < L.count(); ++e) mean_abs[L.channel(e)] += std::fabs(xd[e]) * L.C / L.count();
        CHECK_ARRAY_ULPS("keras extras moving_mean", bn.moving_mean().data, after.moving_mean,
                         stat_mag(before.moving_mean, after.moving_mean, mean_abs), 2);
        const std::vector<double> none(L.C, 0.0);
        CHECK_ARRAY_ULPS("keras extras moving_variance", bn.moving_variance().data, after.moving_var,
                         stat_mag(before.moving_var, f.new_var, none), 2);
        if (p.renorm) {
            CHECK_ARRAY_ULPS("keras extras renorm_mean", bn.renorm_mean().data, after.renorm_mean,
                             stat_mag(before.renorm_mean, after.renorm_mean, mean_abs), 2);
            CHECK_ARRAY_ULPS("keras extras renorm_stddev", bn.renorm_stddev().data, after.renorm_stddev,
                             stat_mag(before.renorm_stddev, after.renorm_stddev, none), 2);
            CHECK_ARRAY_ULPS("keras extras moving_stddev", bn.moving_stddev().data, after.moving_stddev,
                             stat_mag(before.moving_stddev, after.moving_stddev, none), 2);
        }
        if (step == 1) {
            for (auto& v : dy) v = rng.uniform(-1.0f, 1.0f);
            const std::vector<double> dyd(dy.begin(), dy.end());
            if (in_place)  // the call overwrote x: restore it for the backward
                for (std::size_t e = 0; e < L.count(); ++e) xs[e] = static_cast<float>(xd[e]);
            const keras_oracle::Gradients g = keras_oracle::gradients(L, p, before, xd, dyd);
            const keras_oracle::Gradients m = keras_oracle::magnitudes(L, p, f, xd, dyd);
            std::vector<float> dx(dy);  // dx == dy, in place
            REQUIRE(bn.backward(shape, {xs, L.count()}, {dx.data(), dx.size()}, {dx.data(), dx.size()}) == BNKIT_OK);
            CHECK_ARRAY_ULPS("keras extras dx", dx.data(), g.dx, m.dx, 3);
            if (!run.gamma.empty()) CHECK_ARRAY_ULPS("keras extras dgamma", bn.dgamma().data, g.dgamma, m.dgamma, 3);
            if (!run.beta.empty()) CHECK_ARRAY_ULPS("keras extras dbeta", bn.dbeta().data, g.dbeta, m.dbeta, 3);
        }
    }
}

// The run on the scalar reference and on every SIMD path this build and CPU offer.
template <class F>
void each_path(F&& body) {
    body(BNKIT_ISA_SCALAR);
    bnkit_test::for_each_simd_isa(body);
}

inline std::vector<float> channel_values(std::size_t C, float lo, float hi, std::uint64_t seed) {
    oracle::Rng rng(seed);
    std::vector<float> v(C);
    for (auto& e : v) e = rng.uniform(lo, hi);
    return v;
}

}  // namespace keras_case
