// The numeric checks on a successful call. Each bound is a docs/numerics.md tolerance, in
// float32 ulps of the magnitude the result is built from (computed here in double):
//  - SIMD path vs scalar path (infer, train, backward): y <= 1 ulp of |x*s| + |t| (bit-equal on
//    SSE2 and AVX-512, which multiply and add separately, like the reference); mean, dgamma, dbeta <= 3 ulp of their terms' magnitude; what depends on them
//    (invstd, y, moving statistics, dx) is allowed that difference carried through its
//    formula plus its own roundings (dx: 2 ulp of |a*dy| + |b*(x-mean)| + |k|).
//  - fold and invstd (no kernel path) against the double formula: scale 2 ulp (the fold
//    carries up to 1.5), shift |mean| * that + 1 ulp of |beta| + |mean*scale|, invstd 2 ulp.
// Only finite inputs whose magnitudes stay below 1e30 are compared: past that a fused and an
// unfused multiply-add may overflow differently, which no tolerance describes.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bnkit/bnkit.h"
#include "call_plan.hpp"
#include "guarded_arena.hpp"
#include "report.hpp"

namespace bnkit_fuzz {

constexpr double comparable = 1e30;

// n floats at p as they were before the call (from the snapshot), or as they are now.
inline std::vector<float> load_before(const std::vector<std::uint8_t>& before, const guarded_arena& arena,
                                      const void* p, std::size_t n) {
    std::vector<float> v(p ? n : 0);
    if (p && n) std::memcpy(v.data(), before.data() + arena.offset_of(p), n * sizeof(float));
    return v;
}
inline std::vector<float> load_now(const void* p, std::size_t n) {
    std::vector<float> v(p ? n : 0);
    if (p && n) std::memcpy(v.data(), p, n * sizeof(float));  // no memcpy from a NULL data() when n == 0
    return v;
}

// n elements of buffer i of the plan as floats: halves (per_element_f16) widened exactly.
inline std::vector<float> widen_halves(const std::uint8_t* bytes, std::size_t n) {
    std::vector<float> v(n);
    for (std::size_t k = 0; k < n; ++k) {
        bnkit_f16 h;
        std::memcpy(&h, bytes + k * sizeof h, sizeof h);
        v[k] = bnkit_f16_to_f32(h);
    }
    return v;
}
inline bool is_half(const call_plan& p, int i) { return p.spec->buffers[i].length == per_element_f16; }
inline std::vector<float> tensor_before(const std::vector<std::uint8_t>& before, const call_plan& p, int i,
                                        std::size_t n) {
    if (!is_half(p, i)) return load_before(before, p.arena, p.ptr[i], n);
    if (!p.ptr[i]) return {};
    return widen_halves(before.data() + p.arena.offset_of(p.ptr[i]), n);
}
inline std::vector<float> tensor_now(const call_plan& p, int i, const void* ptr, std::size_t n) {
    if (!is_half(p, i)) return load_now(ptr, n);
    if (!ptr) return {};
    return widen_halves(static_cast<const std::uint8_t*>(ptr), n);
}

// One f16 ulp at |m| (2^-24 below 2^-14, the subnormal spacing), infinite from 65504 on, where
// one path may round to 65504 and the other to inf.
inline double f16_ulp_of(double m) {
    m = std::fabs(m);
    if (!(m < 65504.0)) return INFINITY;
    if (m < 0x1p-14) return 0x1p-24;
    int e;
    std::frexp(m, &e);  // m in [2^(e-1), 2^e)
    return std::ldexp(1.0, e - 1 - 10);
}

// A float32 bound `tol` between the paths' float results becomes, after each is rounded once
// to f16 (numerics.md: an f16 output is the _f32 result rounded), tol plus one f16 ulp.
inline double tensor_tol(const call_plan& p, int i, float got, float ref, double tol) {
    if (!is_half(p, i) || tol == 0.0) return tol;
    return tol + f16_ulp_of(std::fmax(std::fabs(got), std::fabs(ref)));
}

inline bool all_finite(const std::vector<float>& v) {
    for (float f : v)
        if (!std::isfinite(f)) return false;
    return true;
}

// Every value the call reads finite and within +-moderate (read where the pointers really
// point: an overlapping read-only buffer reads its neighbour's bytes).
inline bool inputs_moderate(const call_plan& p, const std::vector<std::uint8_t>& before) {
    for (int i = 0; i < p.spec->count; ++i) {
        if (!p.spec->buffers[i].has_values || !p.ptr[i]) continue;
        for (float v : tensor_before(before, p, i, p.contract_bytes(i) / element_bytes(p.spec->buffers[i].length)))
            if (!(std::fabs(v) <= moderate)) return false;
    }
    return true;
}

// Moderate inputs (and, where it divides, epsilon >= 1e-6 and a variance >= 0) give finite
// outputs; this also catches an output left unwritten (it starts as NaN). A half output of a
// tensor op may overflow to inf (|y| > 65504 from moderate inputs): it must not be NaN.
inline void check_finite_outputs(const fuzz_case& c, const call_plan& p, const std::vector<std::uint8_t>& before) {
    if (!inputs_moderate(p, before)) return;
    const int op = base_op(c.op);
    if (op == op_fold || op == op_invstd || op == op_train) {
        if (!(c.epsilon >= moderate_epsilon)) return;
        if (op != op_train) {
            const int var = c.op == op_fold ? 3 : 0;
            for (float v : load_before(before, p.arena, p.ptr[var], p.channels))
                if (v < 0.0f) return;
        }
    }
    for (int i = 0; i < p.spec->count; ++i) {
        const length_kind k = p.spec->buffers[i].length;
        if (!p.spec->buffers[i].written || !p.ptr[i] || !(holds_floats(k) || k == per_element_f16)) continue;
        const std::vector<float> out =
            tensor_now(p, i, p.ptr[i], p.contract_bytes(i) / element_bytes(p.spec->buffers[i].length));
        const bool inf_ok = is_half(p, i) && !is_conversion(c.op);
        for (std::size_t k = 0; k < out.size(); ++k)
            FUZZ_REQUIRE(inf_ok ? !std::isnan(out[k]) : std::isfinite(out[k]), "%s: %s[%zu] = %g from moderate inputs", p.spec->name,
                         p.spec->buffers[i].name, k, static_cast<double>(out[k]));
    }
}

// bnkit_bn_fold_f32 and bnkit_bn_invstd_f32 against the double formula.
inline void check_against_double(const fuzz_case& c, const call_plan& p, const std::vector<std::uint8_t>& before) {
    const std::size_t C = p.channels;
    const double eps = c.epsilon;
    if (c.op == op_invstd) {
        const std::vector<float> var = load_before(before, p.arena, p.ptr[0], C), out = load_now(p.ptr[1], C);
        for (std::size_t k = 0; k < C; ++k) {
            const double ve = static_cast<double>(var[k]) + eps;
            if (!std::isfinite(var[k]) || !(ve >= 1e-30) || ve > FLT_MAX) continue;
            const double inv = 1.0 / std::sqrt(ve);
            require_near("invstd", k, out[k], inv, 2 * ulp_of(inv));
        }
        return;
    }
    const std::vector<float> gamma = load_before(before, p.arena, p.ptr[0], C),
                             beta = load_before(before, p.arena, p.ptr[1], C),
                             mean = load_before(before, p.arena, p.ptr[2], C),
                             var = load_before(before, p.arena, p.ptr[3], C), scale = load_now(p.ptr[4], C),
                             shift = load_now(p.ptr[5], C);
    for (std::size_t k = 0; k < C; ++k) {
        const double g = gamma.empty() ? 1.0 : gamma[k], b = beta.empty() ? 0.0 : beta[k], m = mean[k];
        const double ve = static_cast<double>(var[k]) + eps;
        if (!std::isfinite(g) || !std::isfinite(b) || !std::isfinite(m) || !std::isfinite(var[k])) continue;
        if (!(ve >= 1e-30) || ve > FLT_MAX) continue;
        const double s = g / std::sqrt(ve), t = b - m * s, mag = std::fabs(b) + std::fabs(m * s);
        if (std::fabs(s) > comparable || mag > comparable) continue;
        const double scale_tol = 2 * ulp_of(s);
        require_near("scale", k, scale[k], s, scale_tol);
        require_near("shift", k, shift[k], t, std::fabs(m) * scale_tol + ulp_of(mag));
    }
}

// Element e of channel k: e = (o * C + k) * inner + i.
template <class F>
void for_channel(const bnkit_bn_desc& d, std::size_t k, F f) {
    for (std::size_t o = 0; o < d.outer; ++o)
        for (std::size_t i = 0; i < d.inner; ++i) f((o * d.channels + k) * d.inner + i);
}

inline void compare_infer(const call_plan& p, const bnkit_bn_desc& d, int isa, const std::vector<std::uint8_t>& before,
                          void* const* ref) {
    const std::size_t T = p.elements, C = p.channels;
    const std::vector<float> x = tensor_before(before, p, 0, T), s = load_before(before, p.arena, p.ptr[2], C),
                             t = load_before(before, p.arena, p.ptr[3], C), y = tensor_now(p, 1, p.ptr[1], T),
                             y_ref = tensor_now(p, 1, ref[1], T);
    for (std::size_t k = 0; k < C; ++k)
        for_channel(d, k, [&](std::size_t e) {
            const double mag = std::fabs(static_cast<double>(x[e]) * s[k]) + std::fabs(t[k]);
            if (!std::isfinite(x[e]) || !std::isfinite(s[k]) || !std::isfinite(t[k]) || mag > comparable) return;
            const double tol = isa == BNKIT_ISA_SSE2 || isa == BNKIT_ISA_AVX512 ? 0.0 : ulp_of(mag);
            require_close("infer y", e, y[e], y_ref[e], tensor_tol(p, 1, y[e], y_ref[e], tol));
        });
}

inline void compare_train(const fuzz_case& c, const call_plan& p, const bnkit_bn_desc& d,
                          const std::vector<std::uint8_t>& before, void* const* ref) {
    const std::size_t T = p.elements, C = p.channels, n = d.outer * d.inner;
    auto in = [&](int i, std::size_t len) { return load_before(before, p.arena, p.ptr[i], len); };
    const std::vector<float> x = tensor_before(before, p, 0, T), gamma = in(2, C), beta = in(3, C), mm_old = in(4, C),
                             mv_old = in(5, C);
    const std::vector<float> y = tensor_now(p, 1, p.ptr[1], T), y_ref = tensor_now(p, 1, ref[1], T), mm = load_now(p.ptr[4], C),
                             mm_ref = load_now(ref[4], C), mv = load_now(p.ptr[5], C), mv_ref = load_now(ref[5], C),
                             sm = load_now(p.ptr[6], C), sm_ref = load_now(ref[6], C), si = load_now(p.ptr[7], C),
                             si_ref = load_now(ref[7], C);
    const double eps = c.epsilon;
    const double f = static_cast<float>(1.0 - c.momentum);
    const bool unbiased = c.moving_variance == BNKIT_VARIANCE_UNBIASED;
    for (std::size_t k = 0; k < C; ++k) {
        const double g = gamma.empty() ? 1.0 : gamma[k], b = beta.empty() ? 0.0 : beta[k];
        bool finite = std::isfinite(g) && std::isfinite(b);
        double sum = 0, spread = 0;
        const double x0 = x[k * d.inner];
        for_channel(d, k, [&](std::size_t e) {
            finite = finite && std::isfinite(x[e]);
            sum += x[e];
            spread += std::fabs(x[e] - x0);
        });
        if (!finite) continue;
        const double mu = sum / n, mean_mag = std::fabs(x0) + spread / n;
        if (mean_mag > comparable) continue;
        require_close("saved_mean", k, sm[k], sm_ref[k], 3 * ulp_of(mean_mag));
        const double ms = sm_ref[k], D = std::fabs(static_cast<double>(sm[k]) - ms);
        double V = 0;
        for_channel(d, k, [&](std::size_t e) { V += (x[e] - ms) * (x[e] - ms); });
        V /= n;
        if (V > comparable) continue;
        const double dvar = 6 * ulp_of(V) + 2 * D * std::fabs(mu - ms) + D * D;
        const double is_ref = si_ref[k], is_tol = std::fabs(is_ref) * 0.6 * dvar / (V + eps) + 4 * ulp_of(is_ref);
        require_close("saved_invstd", k, si[k], si_ref[k], is_tol);
        const double scale = g * is_ref;
        for_channel(d, k, [&](std::size_t e) {
            const double xc = std::fabs(x[e] - ms);
            const double tol = std::fabs(scale) * (D + 2 * ulp_of(std::fabs(x[e]) + std::fabs(ms))) +
                               xc * std::fabs(g) * (is_tol + ulp_of(is_ref)) * 1.01 +
                               2 * ulp_of(xc * std::fabs(scale) + std::fabs(b));
            if (std::isfinite(tol) && xc * std::fabs(scale) < comparable) require_close("train y", e, y[e], y_ref[e], tensor_tol(p, 1, y[e], y_ref[e], tol));
        });
        if (mm.empty() || !std::isfinite(mm_old[k]) || !std::isfinite(mv_old[k])) continue;
        require_close("moving_mean", k, mm[k], mm_ref[k], f * D * 1.01 + 3 * ulp_of(std::fabs(mm_old[k]) + std::fabs(ms)));
        const double correction = unbiased ? (n > 1 ? static_cast<double>(n) / (n - 1) : 0.0) : 1.0;
        const double batch = V * correction, dbatch = dvar * correction * 1.01 + 2 * ulp_of(batch);
        require_close("moving_var", k, mv[k], mv_ref[k], f * dbatch + 3 * ulp_of(std::fabs(mv_old[k]) + batch));
    }
}

inline void compare_backward(const fuzz_case& c, const call_plan& p, const bnkit_bn_desc& d,
                             const std::vector<std::uint8_t>& before, void* const* ref) {
    const std::size_t T = p.elements, C = p.channels;
    const double n = static_cast<double>(d.outer * d.inner);
    auto in = [&](int i, std::size_t len) { return load_before(before, p.arena, p.ptr[i], len); };
    const std::vector<float> x = tensor_before(before, p, 0, T), dy = tensor_before(before, p, 1, T), gamma = in(2, C),
                             mean = in(3, C), invstd = in(4, C);
    const std::vector<float> dx = tensor_now(p, 5, p.ptr[5], T), dx_ref = tensor_now(p, 5, ref[5], T), dg = load_now(p.ptr[6], C),
                             dg_ref = load_now(ref[6], C), db = load_now(p.ptr[7], C), db_ref = load_now(ref[7], C);
    const bool training = c.phase == BNKIT_PHASE_TRAINING;
    for (std::size_t k = 0; k < C; ++k) {
        const double g = gamma.empty() ? 1.0 : gamma[k], m = mean[k], is = invstd[k];
        bool finite = std::isfinite(g) && std::isfinite(m) && std::isfinite(is);
        double sum_abs_dy = 0, sum_abs_dyxc = 0, sum_dy = 0, sum_dyxc = 0;
        for_channel(d, k, [&](std::size_t e) {
            finite = finite && std::isfinite(x[e]) && std::isfinite(dy[e]);
            const double xc = static_cast<float>(x[e] - m);  // the kernels' float x - mean
            sum_abs_dy += std::fabs(dy[e]);
            sum_abs_dyxc += std::fabs(dy[e] * xc);
            sum_dy += dy[e];
            sum_dyxc += dy[e] * xc;
        });
        if (!finite) continue;
        const double db_mag = sum_abs_dy, dg_mag = std::fabs(is) * sum_abs_dyxc;
        if (db_mag > comparable || dg_mag > comparable) continue;
        const double db_tol = 3 * ulp_of(db_mag), dg_tol = 3 * ulp_of(dg_mag);
        if (!db.empty()) require_close("dbeta", k, db[k], db_ref[k], db_tol);
        if (!dg.empty()) require_close("dgamma", k, dg[k], dg_ref[k], dg_tol);
        if (dx.empty()) continue;
        const double a = static_cast<float>(g * is);
        const double b_mag = training ? std::fabs(a * is * is * sum_dyxc / n) : 0.0;
        const double k_mag = training ? std::fabs(a * sum_dy / n) : 0.0;
        const double b_tol = training ? std::fabs(a * is / n) * dg_tol * 1.01 + 4 * ulp_of(b_mag) : 0.0;
        const double k_tol = training ? std::fabs(a / n) * db_tol * 1.01 + 4 * ulp_of(k_mag) : 0.0;
        if (b_mag > comparable || k_mag > comparable) continue;
        for_channel(d, k, [&](std::size_t e) {
            const double xc = std::fabs(static_cast<float>(x[e] - m));
            const double mag = std::fabs(a * dy[e]) + b_mag * xc + k_mag;
            if (mag > comparable) return;
            require_close("dx", e, dx[e], dx_ref[e], tensor_tol(p, 5, dx[e], dx_ref[e], 2 * ulp_of(mag) + xc * b_tol + k_tol));
        });
    }
}

inline void check_against_scalar(const fuzz_case& c, const call_plan& p, const bnkit_bn_desc& d, int isa,
                                 const std::vector<std::uint8_t>& before, void* const* ref) {
    switch (base_op(c.op)) {
        case op_infer: compare_infer(p, d, isa, before, ref); break;
        case op_train: compare_train(c, p, d, before, ref); break;
        default: compare_backward(c, p, d, before, ref); break;
    }
}

}  // namespace bnkit_fuzz
