// A double-precision oracle of the Keras extras (semantics-reference.md §7-§8), written from the
// formulas and sharing no code with lib/: batch norm with virtual batches (ghost batch j =
// samples {j, j + B/vbs, ...}) and Batch Renormalization, the moving and renorm updates, and the
// gradients by central finite differences of sum(dy * y) with r and d held fixed (stop-gradient).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace keras_oracle {

// A tensor (B, ...) with its channel axis either right after the batch (NCHW-like) or last.
struct Layout {
    std::size_t B, C, S;  // S: floats per sample
    bool channels_last;
    std::size_t count() const { return B * S; }
    std::size_t batch(std::size_t e) const { return e / S; }
    std::size_t channel(std::size_t e) const { return channels_last ? e % C : (e % S) / (S / C); }
};

struct Params {
    std::vector<double> gamma, beta;  // empty: absent (scale / center false)
    double eps = 1e-3, momentum = 0.99, renorm_momentum = 0.99;
    std::size_t vbs = 0;  // 0: no virtual batches
    bool renorm = false;
    std::optional<double> rmax, rmin, dmax;
};

struct State {
    std::vector<double> moving_mean, moving_var, moving_stddev, renorm_mean, renorm_stddev;
};

struct Forward {
    std::vector<double> y, y_mag;         // y and the size of the terms its float evaluation combines
    std::vector<double> mean, var, invstd;  // per (group, channel): group * C + c
    std::vector<double> r, d;             // renorm corrections (1, 0 without renorm)
    std::vector<double> new_mean, new_var;  // ghost-averaged moments per channel
    std::size_t groups = 1;
};

inline std::size_t group_of(const Layout& L, const Params& p, std::size_t e) {
    return p.vbs ? L.batch(e) % (L.B / p.vbs) : 0;
}

// Training forward. With fixed_rd, r and d are taken from it instead of computed.
inline Forward forward(const Layout& L, const Params& p, const State& s, const std::vector<double>& x,
                       const Forward* fixed_rd = nullptr) {
    Forward f;
    const std::size_t C = L.C;
    f.groups = p.vbs ? L.B / p.vbs : 1;
    const std::size_t GC = f.groups * C;
    std::vector<double> n(GC, 0.0);
    f.mean.assign(GC, 0.0);
    f.var.assign(GC, 0.0);
    for (std::size_t e = 0; e < L.count(); ++e) {
        const std::size_t k = group_of(L, p, e) * C + L.channel(e);
        f.mean[k] += x[e];
        n[k] += 1;
    }
    for (std::size_t k = 0; k < GC; ++k) f.mean[k] /= n[k];
    for (std::size_t e = 0; e < L.count(); ++e) {
        const std::size_t k = group_of(L, p, e) * C + L.channel(e);
        f.var[k] += (x[e] - f.mean[k]) * (x[e] - f.mean[k]);
    }
    f.invstd.resize(GC);
    for (std::size_t k = 0; k < GC; ++k) {
        f.var[k] /= n[k];
        f.invstd[k] = 1.0 / std::sqrt(f.var[k] + p.eps);
    }
    f.new_mean.assign(C, 0.0);
    f.new_var.assign(C, 0.0);
    for (std::size_t g = 0; g < f.groups; ++g)
        for (std::size_t c = 0; c < C; ++c) {
            f.new_mean[c] += f.mean[g * C + c] / static_cast<double>(f.groups);
            f.new_var[c] += f.var[g * C + c] / static_cast<double>(f.groups);
        }
    f.r.assign(C, 1.0);
    f.d.assign(C, 0.0);
    if (fixed_rd) {
        f.r = fixed_rd->r;
        f.d = fixed_rd->d;
    } else if (p.renorm) {
        for (std::size_t c = 0; c < C; ++c) {
            const double rs = std::max(s.renorm_stddev[c], std::sqrt(p.eps));
            double r = std::sqrt(f.new_var[c] + p.eps) / rs;
            double d = (f.new_mean[c] - s.renorm_mean[c]) / rs;
            if (p.rmin) r = std::max(r, *p.rmin);
            if (p.rmax) r = std::min(r, *p.rmax);
            if (p.dmax) d = std::min(std::max(d, -*p.dmax), *p.dmax);
            f.r[c] = r;
            f.d[c] = d;
        }
    }
    f.y.resize(L.count());
    f.y_mag.resize(L.count());
    for (std::size_t e = 0; e < L.count(); ++e) {
        const std::size_t c = L.channel(e), k = group_of(L, p, e) * C + c;
        const double g = p.gamma.empty() ? 1.0 : p.gamma[c];
        const double b = p.beta.empty() ? 0.0 : p.beta[c];
        const double xhat = (x[e] - f.mean[k]) * f.invstd[k];
        f.y[e] = xhat * (f.r[c] * g) + (f.d[c] * g + b);
        f.y_mag[e] = (std::fabs(x[e] - f.mean[k]) + std::fabs(f.mean[k])) * f.invstd[k] * std::fabs(f.r[c] * g) +
                     std::fabs(f.d[c] * g) + std::fabs(b);
    }
    return f;
}

// The state after the training step f (Keras' order, semantics-reference §8).
inline State update(const Params& p, const State& s, const Forward& f) {
    State t = s;
    const double dec = 1.0 - p.momentum, rdec = 1.0 - p.renorm_momentum;
    for (std::size_t c = 0; c < f.new_mean.size(); ++c) {
        t.moving_mean[c] = s.moving_mean[c] - (s.moving_mean[c] - f.new_mean[c]) * dec;
        if (!p.renorm) {
            t.moving_var[c] = s.moving_var[c] - (s.moving_var[c] - f.new_var[c]) * dec;
            continue;
        }
        const double stddev = std::sqrt(f.new_var[c] + p.eps);
        t.renorm_mean[c] = s.renorm_mean[c] - (s.renorm_mean[c] - f.new_mean[c]) * rdec;
        t.renorm_stddev[c] = s.renorm_stddev[c] - (s.renorm_stddev[c] - stddev) * rdec;
        t.moving_stddev[c] = s.moving_stddev[c] - (s.moving_stddev[c] - stddev) * dec;
        t.moving_var[c] = std::max(t.moving_stddev[c] * t.moving_stddev[c] - p.eps, 0.0);
    }
    return t;
}

inline double loss(const Layout& L, const Params& p, const State& s, const std::vector<double>& x,
                   const std::vector<double>& dy, const Forward& rd) {
    const Forward f = forward(L, p, s, x, &rd);
    double l = 0.0;
    for (std::size_t e = 0; e < L.count(); ++e) l += dy[e] * f.y[e];
    return l;
}

struct Gradients {
    std::vector<double> dx, dgamma, dbeta;
};

// Central differences of sum(dy * y) (r and d fixed at the unperturbed step's values).
inline Gradients gradients(const Layout& L, const Params& p, const State& s, const std::vector<double>& x,
                           const std::vector<double>& dy) {
    const Forward rd = forward(L, p, s, x);
    Gradients g;
    auto diff = [&](double& v, auto&& eval) {
        const double h = 1e-6 * std::max(1.0, std::fabs(v)), keep = v;
        v = keep + h;
        const double up = eval();
        v = keep - h;
        const double down = eval();
        v = keep;
        return (up - down) / (2 * h);
    };
    std::vector<double> xs = x;
    Params q = p;
    for (std::size_t e = 0; e < L.count(); ++e)
        g.dx.push_back(diff(xs[e], [&] { return loss(L, q, s, xs, dy, rd); }));
    for (std::size_t c = 0; c < q.gamma.size(); ++c)
        g.dgamma.push_back(diff(q.gamma[c], [&] { return loss(L, q, s, x, dy, rd); }));
    for (std::size_t c = 0; c < q.beta.size(); ++c)
        g.dbeta.push_back(diff(q.beta[c], [&] { return loss(L, q, s, x, dy, rd); }));
    return g;
}

// Magnitudes of the backward's float terms: dx ~ |gamma'| invstd (|dy| + mean|dy| + |xhat| mean|dy xhat|),
// dgamma ~ sum |dy| (|r xhat| + |d|), dbeta ~ sum |dy|, per channel.
inline Gradients magnitudes(const Layout& L, const Params& p, const Forward& f, const std::vector<double>& x,
                            const std::vector<double>& dy) {
    const std::size_t C = L.C, GC = f.groups * C;
    std::vector<double> sdy(GC, 0.0), sdyx(GC, 0.0), n(GC, 0.0);
    auto xhat = [&](std::size_t e) {
        const std::size_t k = group_of(L, p, e) * C + L.channel(e);
        return (std::fabs(x[e] - f.mean[k]) + std::fabs(f.mean[k])) * f.invstd[k];
    };
    Gradients m;
    m.dgamma.assign(C, 0.0);
    m.dbeta.assign(C, 0.0);
    for (std::size_t e = 0; e < L.count(); ++e) {
        const std::size_t c = L.channel(e), k = group_of(L, p, e) * C + c;
        sdy[k] += std::fabs(dy[e]);
        sdyx[k] += std::fabs(dy[e]) * xhat(e);
        n[k] += 1;
        m.dgamma[c] += std::fabs(dy[e]) * (std::fabs(f.r[c]) * xhat(e) + std::fabs(f.d[c]));
        m.dbeta[c] += std::fabs(dy[e]);
    }
    for (std::size_t e = 0; e < L.count(); ++e) {
        const std::size_t c = L.channel(e), k = group_of(L, p, e) * C + c;
        const double g = std::fabs(f.r[c] * (p.gamma.empty() ? 1.0 : p.gamma[c]));
        m.dx.push_back(g * f.invstd[k] * (std::fabs(dy[e]) + sdy[k] / n[k] + xhat(e) * sdyx[k] / n[k]));
    }
    return m;
}

}  // namespace keras_oracle
