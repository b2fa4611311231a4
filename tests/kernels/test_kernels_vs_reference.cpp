// Every SIMD kernel path against the scalar reference path (BNKIT_ISA_SCALAR) through the
// public C API, on identical inputs: tile-aware shape sweeps over both layouts and generic
// ranks/axes, misaligned pointers (1..3 floats into a larger block), in-place calls, and guard
// zones before and after every output buffer that must stay untouched.
//
// Tolerances. ulp(M) is the spacing of float32 at magnitude M.
//  - Exact inputs (exact_x/exact_dy: per channel m +- d in pairs, d and dy small multiples of
//    1/8 and 1/16): every partial sum is exact in float, so mean, var, invstd, moving
//    statistics, dgamma and dbeta are bit-equal on every path (0 ulp), whatever the
//    summation order. Element-wise results are bit-equal on SSE2 (xsimd::fma is a multiply
//    then an add there, like the reference). On paths where it fuses: y within 1 ulp of
//    M = |x*s| + |t| (infer) or |(x-mean)*s| + |t| (train); dx within 2 ulp of
//    M = |a*dy| + |b*(x-mean)| + |k| (two multiply-adds; a, b, k as in bn_backward.cpp).
//  - Random inputs, reductions only (the element-wise math is covered above): both paths use
//    compensated sums, in different orders (the SIMD paths add each lane's terms in plain runs
//    of up to 5 before each compensated add: at most 4 roundings of a run, against a total
//    that grows with the count), so each is within about 1 ulp of the exact sum of its float
//    terms. mean within 3 ulp of T = |x0| + mean(|x - x0|); var within 3 ulp of var
//    plus |d_simd^2 - d_ref^2| (d = the mean's error against the double oracle, which shifts
//    the second pass); invstd within half var's relative bound plus 2 ulp; dbeta within 3 ulp
//    of sum|dy|; dgamma within 3 ulp of invstd * sum|dy * (x - mean)|. (Measured: 2 ulp
//    passes every case here, with runs as without; 1 ulp fails a few short sums; plain float
//    sums needed 8.)
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/each_isa.hpp"
#include "support/ulp.hpp"

namespace {

// Floats that hold one workspace for C channels (the API asks for BNKIT_BN_WORKSPACE_BYTES).
std::size_t ws_floats(std::size_t C) { return (BNKIT_BN_WORKSPACE_BYTES(C) + sizeof(float) - 1) / sizeof(float); }

using bnkit_test::for_each_simd_isa;

// ulp(M): spacing of float32 at |M|.
double ulp_at(double m) {
    const float f = static_cast<float>(std::fabs(m));
    return static_cast<double>(std::nextafter(f, INFINITY)) - f;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// n floats `offset` floats into a larger block whose other floats (the guard zones) hold a
// NaN pattern no kernel produces.
class guarded {
   public:
    guarded(std::size_t n, std::size_t offset) : mem_(offset + n + guard, sentinel()), off_(offset), n_(n) {}
    float* data() { return mem_.data() + off_; }
    float& operator[](std::size_t i) { return mem_[off_ + i]; }
    float operator[](std::size_t i) const { return mem_[off_ + i]; }
    std::size_t size() const { return n_; }
    bool guards_intact() const {
        for (std::size_t i = 0; i < mem_.size(); ++i)
            if ((i < off_ || i >= off_ + n_) && !same_bits(mem_[i], sentinel())) return false;
        return true;
    }

   private:
    static constexpr std::size_t guard = 19;  // more than one AVX-512 vector
    static float sentinel() {
        const std::uint32_t bits = 0x7fc0beefu;
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    }
    std::vector<float> mem_;
    std::size_t off_, n_;
};

struct lcg {
    std::uint32_t s;
    float uniform(float lo, float hi) {
        s = s * 1664525u + 1013904223u;
        return lo + (hi - lo) * static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
    }
};

// A tensor shape, its feature axes, and the [outer, C, inner] view bnkit must derive.
struct shape {
    std::vector<std::size_t> dims;
    std::vector<std::int32_t> axes;
    std::size_t outer, channels, inner;
    std::size_t count() const { return outer * channels * inner; }
    std::size_t n() const { return outer * inner; }
};

shape view_shape(std::size_t outer, std::size_t c, std::size_t inner) { return {{outer, c, inner}, {1}, outer, c, inner}; }

// Generic ranks and axes, both layouts.
std::vector<shape> rank_shapes(std::size_t c) {
    return {
        {{c}, {0}, 1, c, 1},                           // rank 1
        {{5, c}, {-1}, 5, c, 1},                       // NC
        {{c, 9}, {0}, 1, c, 9},                        // channels first, no batch
        {{2, c, 3, 5}, {1}, 2, c, 15},                 // NCHW
        {{2, 3, 5, c}, {3}, 30, c, 1},                 // NHWC
        {{2, 3, 4, 5, c}, {-1}, 120, c, 1},            // NDHWC
        {{2, c, 4, 5, 6}, {2, 1}, 2, 4 * c, 30},       // two adjacent feature axes
    };
}

// Tile-aware sweep for W lanes: channels 1..5W+1 step W-1 plus primes; inner below, at and
// above the vector width, a run of 4 vectors summed before each compensated add (4W, 4W + 1:
// the last run takes the partial vector), two runs (8W + 5) and a whole step of 4 runs
// (16W, 17W + 1); outer 1..3, and 4, 5, 9 for some; a few long rows and the generic-rank shapes.
std::vector<shape> sweep(std::size_t W) {
    std::vector<std::size_t> channels;
    for (std::size_t c = 1; c <= 5 * W + 1; c += W - 1) channels.push_back(c);
    for (std::size_t p : {3, 5, 7, 11, 13, 17, 31, 61}) channels.push_back(p);
    // Channels-last rows of whole vectors past the short rows, whose misaligned coefficient
    // arrays go by blocks of 4 + 2 channel vectors (map_column_blocks).
    channels.push_back(6 * W);
    const std::size_t inners[] = {1, 2, 3, W - 1, W, W + 1, 2 * W + 3, 4 * W, 4 * W + 1, 8 * W + 5, 16 * W, 17 * W + 1, 67};
    std::vector<shape> out;
    for (std::size_t c : channels)
        for (std::size_t inner : inners)
            for (std::size_t outer = 1; outer <= 3; ++outer) out.push_back(view_shape(outer, c, inner));
    // Rows in runs of 4 (channels-last) and 4 short rows side by side (channels-first), with
    // and without leftover rows.
    for (std::size_t c : channels)
        for (std::size_t inner : {std::size_t{1}, W + 1, 4 * W + 1})
            for (std::size_t outer : {4, 5, 9}) out.push_back(view_shape(outer, c, inner));
    for (std::size_t c : {std::size_t{1}, std::size_t{3}, W + 1})
        for (std::size_t outer : {1, 3}) out.push_back(view_shape(outer, c, 3136));
    for (std::size_t c : {std::size_t{3}, W + 1, 2 * W + 1})
        for (shape& s : rank_shapes(c)) out.push_back(s);
    // Long channels, thousands of additions per accumulator lane, in each reduction loop:
    // short period, channels-last, channels-first.
    out.push_back(view_shape(5000, 3, 1));
    out.push_back(view_shape(1100, W + 1, 1));
    out.push_back(view_shape(2, 2, 9000));
    // Channels-first tensors above the 128 KiB block budget (lib/core/channel_blocks.hpp),
    // trained and back-propagated in blocks of channels: 36 + 36 + 8 channels (float32; float16
    // 72 + 8), 20 + 5 channels of short rows (float32), one channel per block.
    out.push_back(view_shape(3, 80, 300));
    out.push_back(view_shape(32, 25, 49));
    out.push_back(view_shape(2, 3, 20483));
    return out;
}

bnkit_bn_desc make_desc(const shape& s, bnkit_isa isa) {
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, static_cast<std::uint32_t>(s.dims.size()), s.dims.data(),
                               static_cast<std::uint32_t>(s.axes.size()), s.axes.data()) == BNKIT_OK);
    REQUIRE(d.outer == s.outer);
    REQUIRE(d.channels == s.channels);
    REQUIRE(d.inner == s.inner);
    REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
    REQUIRE(bnkit_bn_desc_isa(&d) == isa);
    return d;
}

// Exact data: channel c's element e (of n, in memory order) is m_c +- d_p in consecutive pairs
// (m_c alone last when n is odd), d_p a multiple of 1/8 in [1/8, 2]: the mean is exactly m_c
// and every sum of x - x0, (x - mean)^2 and dy * (x - mean) is exact in float.
float exact_mean(std::size_t c) { return c % 3 == 0 ? 0.0f : 1000.0f + static_cast<float>(c % 50); }
float exact_x(std::size_t c, std::size_t e, std::size_t n) {
    if (n % 2 == 1 && e == n - 1) return exact_mean(c);
    const float d = static_cast<float>((e / 2 * 5 + c) % 16 + 1) / 8.0f;
    return e % 2 ? exact_mean(c) - d : exact_mean(c) + d;
}
float exact_dy(std::size_t c, std::size_t e) { return static_cast<float>(static_cast<int>((e * 3 + c) % 9) - 4) / 16.0f; }

// Fills x[(o * C + c) * inner + i] = f(c, o * inner + i).
template <class F>
void fill(guarded& x, const shape& s, F f) {
    for (std::size_t o = 0; o < s.outer; ++o)
        for (std::size_t c = 0; c < s.channels; ++c)
            for (std::size_t i = 0; i < s.inner; ++i) x[(o * s.channels + c) * s.inner + i] = f(c, o * s.inner + i);
}

// Checks got[e] against ref[e] within tol(e) (absolute; 0 = bit-equal), reporting the first
// failure only so a broken path does not flood the log.
template <class Tol>
void check_close(const char* what, const guarded& got, const guarded& ref, Tol tol) {
    REQUIRE(got.size() == ref.size());
    std::size_t bad = 0, first = 0;
    for (std::size_t e = 0; e < got.size(); ++e) {
        const double t = tol(e);
        const bool ok = t == 0.0 ? same_bits(got[e], ref[e])
                                 : std::fabs(static_cast<double>(got[e]) - static_cast<double>(ref[e])) <= t;
        if (!ok && bad++ == 0) first = e;
    }
    INFO(std::string(what) << ": " << bad << " of " << got.size() << " outside tolerance; first at " << first << ": got "
              << (bad ? got[first] : 0.0f) << " reference " << (bad ? ref[first] : 0.0f) << " tolerance "
              << (bad ? tol(first) : 0.0));
    CHECK(bad == 0);
}

void check_guards(const char* what, const guarded& b) {
    INFO(std::string(what));
    CHECK(b.guards_intact());
}

std::size_t channel_of(const shape& s, std::size_t e) { return e / s.inner % s.channels; }

// Element-wise results are bit-equal where xsimd::fma is a multiply then an add (SSE2).
bool mul_add_path(bnkit_isa isa) { return isa == BNKIT_ISA_SSE2; }

// Describes one case in failure messages.
#define BNKIT_CASE_INFO(s, offset, mode)                                                                    \
    INFO("view [" << (s).outer << ", " << (s).channels << ", " << (s).inner << "] rank " << (s).dims.size() \
                  << " offset " << (offset) << " in-place mode " << (mode))

}  // namespace

TEST_CASE("auto path: the best available") {
    bnkit_bn_desc d{};
    const shape s = view_shape(1, 3, 5);
    REQUIRE(bnkit_bn_desc_init(&d, 3, s.dims.data(), 1, s.axes.data()) == BNKIT_OK);
    const bnkit_isa autop = bnkit_bn_desc_isa(&d);
    MESSAGE("auto path: " << std::string(bnkit_isa_name(autop)));
    CHECK(autop != BNKIT_ISA_AUTO);
    CHECK(bnkit_isa_available(autop));
    // Within one architecture a later enum value is a better path.
    for (int i = autop + 1; i <= BNKIT_ISA_NEON64; ++i) CHECK_FALSE(bnkit_isa_available(static_cast<bnkit_isa>(i)));
    CHECK(bnkit_isa_available(BNKIT_ISA_SCALAR));
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const bnkit_isa isa = static_cast<bnkit_isa>(i);
        const bnkit_status st = bnkit_bn_desc_set_isa(&d, isa);
        CHECK(st == (bnkit_isa_available(isa) ? BNKIT_OK : BNKIT_ERR_UNSUPPORTED_ISA));
    }
}

TEST_CASE("infer: every SIMD path vs the scalar path") {
    for_each_simd_isa([](bnkit_isa isa) {
        const std::vector<shape> shapes = sweep(bnkit_test::lanes(isa));
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            const shape& s = shapes[k];
            const std::size_t off = 1 + k % 3, C = s.channels;
            const bool inplace = k / 3 % 2 == 1;
            BNKIT_CASE_INFO(s, off, inplace);
            lcg r{static_cast<std::uint32_t>(k)};
            guarded x(s.count(), off), scale(C, off), shift(C, off + 1);
            fill(x, s, [&](std::size_t, std::size_t) { return r.uniform(-8.0f, 8.0f); });
            for (std::size_t c = 0; c < C; ++c) {
                scale[c] = r.uniform(-2.0f, 2.0f);
                shift[c] = r.uniform(-4.0f, 4.0f);
            }
            guarded y_ref(s.count(), off), y(s.count(), 3 - k % 3);
            const bnkit_bn_desc dr = make_desc(s, BNKIT_ISA_SCALAR), ds = make_desc(s, isa);
            REQUIRE(bnkit_bn_infer_f32(&dr, x.data(), y_ref.data(), scale.data(), shift.data()) == BNKIT_OK);
            if (inplace) {
                for (std::size_t e = 0; e < s.count(); ++e) y[e] = x[e];
                REQUIRE(bnkit_bn_infer_f32(&ds, y.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
            } else {
                REQUIRE(bnkit_bn_infer_f32(&ds, x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
            }
            check_close("y", y, y_ref, [&](std::size_t e) {
                const std::size_t c = channel_of(s, e);
                return mul_add_path(isa) ? 0.0 : ulp_at(std::fabs(double(x[e]) * scale[c]) + std::fabs(shift[c]));
            });
            check_guards("y", y);
        }
    });
}

TEST_CASE("train, exact inputs: statistics bit-equal, y within the fma bound") {
    for_each_simd_isa([](bnkit_isa isa) {
        const std::vector<shape> shapes = sweep(bnkit_test::lanes(isa));
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            const shape& s = shapes[k];
            const std::size_t off = 1 + k % 3, C = s.channels, n = s.n();
            const bool inplace = k / 3 % 2 == 1;
            BNKIT_CASE_INFO(s, off, inplace);
            lcg r{static_cast<std::uint32_t>(k)};
            guarded x(s.count(), off), gamma(C, off), beta(C, off);
            fill(x, s, [&](std::size_t c, std::size_t e) { return exact_x(c, e, n); });
            for (std::size_t c = 0; c < C; ++c) {
                gamma[c] = r.uniform(0.5f, 2.0f);
                beta[c] = r.uniform(-1.0f, 1.0f);
            }
            const bnkit_bn_train_params p{1e-3f, 0.9,
                                          k % 2 ? BNKIT_VARIANCE_UNBIASED : BNKIT_VARIANCE_BIASED,
                                          k % 4 < 2 ? BNKIT_UPDATE_LERP : BNKIT_UPDATE_ASSIGN_SUB};
            struct outputs {
                guarded y, mm, mv, sm, si, ws;
                outputs(std::size_t count, std::size_t C, std::size_t off)
                    : y(count, off), mm(C, off), mv(C, off), sm(C, off), si(C, off), ws(ws_floats(C), off) {
                    for (std::size_t c = 0; c < C; ++c) {
                        mm[c] = 0.25f * static_cast<float>(c);
                        mv[c] = 1.0f + 0.5f * static_cast<float>(c);
                    }
                }
                bnkit_status run(const bnkit_bn_desc& d, const bnkit_bn_train_params& p, const float* x,
                                 const float* g, const float* b) {
                    return bnkit_bn_train_f32(&d, &p, x, y.data(), g, b, mm.data(), mv.data(), sm.data(), si.data(),
                                              {ws.data(), ws.size() * sizeof(float)});
                }
            } ref(s.count(), C, off), got(s.count(), C, 4 - off);
            // gamma/beta NULL (Keras scale=False, center=False) on every fifth case.
            const float* g = k % 5 == 4 ? nullptr : gamma.data();
            const float* b = k % 5 == 4 ? nullptr : beta.data();
            REQUIRE(ref.run(make_desc(s, BNKIT_ISA_SCALAR), p, x.data(), g, b) == BNKIT_OK);
            if (inplace) {
                for (std::size_t e = 0; e < s.count(); ++e) got.y[e] = x[e];
                REQUIRE(got.run(make_desc(s, isa), p, got.y.data(), g, b) == BNKIT_OK);
            } else {
                REQUIRE(got.run(make_desc(s, isa), p, x.data(), g, b) == BNKIT_OK);
            }
            const auto exact = [](std::size_t) { return 0.0; };
            check_close("saved_mean", got.sm, ref.sm, exact);
            check_close("saved_invstd", got.si, ref.si, exact);
            check_close("moving_mean", got.mm, ref.mm, exact);
            check_close("moving_var", got.mv, ref.mv, exact);
            for (std::size_t c = 0; c < C; ++c) CHECK(ref.sm[c] == exact_mean(c));
            check_close("y", got.y, ref.y, [&](std::size_t e) {
                const std::size_t c = channel_of(s, e);
                const double sc = (g ? gamma[c] : 1.0) * ref.si[c];
                return mul_add_path(isa) ? 0.0
                                         : ulp_at(std::fabs((double(x[e]) - ref.sm[c]) * sc) + (b ? std::fabs(beta[c]) : 0.0));
            });
            for (guarded* o : {&got.y, &got.mm, &got.mv, &got.sm, &got.si, &got.ws}) check_guards("train output", *o);
        }
    });
}

TEST_CASE("train, random inputs: statistics within the summation-order bound") {
    for_each_simd_isa([](bnkit_isa isa) {
        const std::vector<shape> shapes = sweep(bnkit_test::lanes(isa));
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            const shape& s = shapes[k];
            const std::size_t off = 1 + k % 3, C = s.channels, n = s.n();
            BNKIT_CASE_INFO(s, off, 0);
            lcg r{static_cast<std::uint32_t>(k) + 77u};
            guarded x(s.count(), off);
            // Channel offsets from 0 to |mean| >> std, where an unshifted sum would cancel.
            const float centers[] = {0.0f, 10.0f, -50.0f, 1000.0f};
            fill(x, s, [&](std::size_t c, std::size_t) { return centers[c % 4] + r.uniform(-1.0f, 1.0f); });
            const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
            guarded y_ref(s.count(), off), sm_ref(C, off), si_ref(C, off), ws_ref(ws_floats(C), off);
            guarded y(s.count(), off), sm(C, off), si(C, off), ws(ws_floats(C), off);
            const bnkit_bn_desc dr = make_desc(s, BNKIT_ISA_SCALAR);
            REQUIRE(bnkit_bn_train_f32(&dr, &p, x.data(), y_ref.data(), nullptr, nullptr,
                                       nullptr, nullptr, sm_ref.data(), si_ref.data(),
                                       {ws_ref.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            const bnkit_bn_desc ds = make_desc(s, isa);
            REQUIRE(bnkit_bn_train_f32(&ds, &p, x.data(), y.data(), nullptr, nullptr, nullptr, nullptr, sm.data(),
                                       si.data(), {ws.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            // Per-channel double oracle: the true mean, the bound's magnitudes.
            std::vector<double> mean(C, 0.0), abs_dev(C, 0.0), var(C, 0.0);
            auto each = [&](auto&& f) {
                for (std::size_t e = 0; e < s.count(); ++e) f(channel_of(s, e), double(x[e]));
            };
            each([&](std::size_t c, double v) { mean[c] += v / double(n); });
            each([&](std::size_t c, double v) {
                abs_dev[c] += std::fabs(v - x[c * s.inner]) / double(n);
                var[c] += (v - mean[c]) * (v - mean[c]) / double(n);
            });
            check_close("saved_mean", sm, sm_ref,
                        [&](std::size_t c) { return 3 * ulp_at(std::fabs(x[c * s.inner]) + abs_dev[c]); });
            check_close("saved_invstd", si, si_ref, [&](std::size_t c) {
                const double ds_ = double(sm[c]) - mean[c], dr = double(sm_ref[c]) - mean[c];
                const double var_tol = 3 * ulp_at(var[c]) + std::fabs(ds_ * ds_ - dr * dr);
                // invstd = (var + eps)^-1/2: relative error half the variance's, plus 2 roundings.
                return 0.5 * si_ref[c] * var_tol / (var[c] + 1e-3) + 2 * ulp_at(si_ref[c]);
            });
            for (guarded* o : {&y, &sm, &si, &ws}) check_guards("train output", *o);
        }
    });
}

TEST_CASE("backward, exact inputs: sums bit-equal, dx within the fma bound") {
    for_each_simd_isa([](bnkit_isa isa) {
        const std::vector<shape> shapes = sweep(bnkit_test::lanes(isa));
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            const shape& s = shapes[k];
            const std::size_t off = 1 + k / 3 % 3, C = s.channels, n = s.n();
            const int mode = static_cast<int>(k % 3);  // 0: dx separate, 1: dx == x, 2: dx == dy
            const bnkit_bn_phase phase = k % 2 ? BNKIT_PHASE_INFERENCE : BNKIT_PHASE_TRAINING;
            BNKIT_CASE_INFO(s, off, mode);
            INFO("phase " << phase);
            lcg r{static_cast<std::uint32_t>(k) + 5u};
            guarded x(s.count(), off), dy(s.count(), off), gamma(C, off), mean(C, off), invstd(C, off);
            fill(x, s, [&](std::size_t c, std::size_t e) { return exact_x(c, e, n); });
            fill(dy, s, [&](std::size_t c, std::size_t e) { return exact_dy(c, e); });
            for (std::size_t c = 0; c < C; ++c) {
                gamma[c] = r.uniform(0.5f, 2.0f);
                mean[c] = exact_mean(c);
                invstd[c] = c % 3 == 0 ? 0.5f : c % 3 == 1 ? 2.0f : 0.25f;  // powers of two keep dgamma exact
            }
            const float* g = k % 5 == 4 ? nullptr : gamma.data();
            guarded dx_ref(s.count(), off), dg_ref(C, off), db_ref(C, off), ws_ref(ws_floats(C), off);
            const bnkit_bn_desc dr = make_desc(s, BNKIT_ISA_SCALAR);
            REQUIRE(bnkit_bn_backward_f32(&dr, phase, x.data(), dy.data(), g, mean.data(),
                                          invstd.data(), dx_ref.data(), dg_ref.data(), db_ref.data(),
                                          {ws_ref.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            guarded dx(s.count(), 4 - off), dg(C, 4 - off), db(C, 4 - off), ws(ws_floats(C), 4 - off);
            guarded x_in(s.count(), 4 - off), dy_in(s.count(), 4 - off);
            for (std::size_t e = 0; e < s.count(); ++e) {
                x_in[e] = x[e];
                dy_in[e] = dy[e];
            }
            guarded& out = mode == 1 ? x_in : mode == 2 ? dy_in : dx;
            const bnkit_bn_desc ds = make_desc(s, isa);
            REQUIRE(bnkit_bn_backward_f32(&ds, phase, x_in.data(), dy_in.data(), g, mean.data(), invstd.data(),
                                          out.data(), dg.data(), db.data(), {ws.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            const auto exact = [](std::size_t) { return 0.0; };
            check_close("dgamma", dg, dg_ref, exact);
            check_close("dbeta", db, db_ref, exact);
            check_close("dx", out, dx_ref, [&](std::size_t e) {
                if (mul_add_path(isa)) return 0.0;
                const std::size_t c = channel_of(s, e);
                const double a = (g ? gamma[c] : 1.0) * invstd[c];
                const bool train = phase == BNKIT_PHASE_TRAINING;
                const double bb = train ? a * invstd[c] * dg_ref[c] / double(n) : 0.0;
                const double kk = train ? a * db_ref[c] / double(n) : 0.0;
                return 2 * ulp_at(std::fabs(a * dy[e]) + std::fabs(bb * (double(x[e]) - mean[c])) + std::fabs(kk));
            });
            for (guarded* o : {&out, &dg, &db, &ws}) check_guards("backward output", *o);
        }
    });
}

TEST_CASE("backward, random inputs: sums within the summation-order bound") {
    for_each_simd_isa([](bnkit_isa isa) {
        const std::vector<shape> shapes = sweep(bnkit_test::lanes(isa));
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            const shape& s = shapes[k];
            const std::size_t off = 1 + k % 3, C = s.channels;
            BNKIT_CASE_INFO(s, off, 0);
            lcg r{static_cast<std::uint32_t>(k) + 99u};
            guarded x(s.count(), off), dy(s.count(), off), mean(C, off), invstd(C, off);
            fill(x, s, [&](std::size_t c, std::size_t) { return 10.0f * static_cast<float>(c % 4) + r.uniform(-3.0f, 3.0f); });
            fill(dy, s, [&](std::size_t, std::size_t) { return r.uniform(-1.0f, 1.0f); });
            for (std::size_t c = 0; c < C; ++c) {
                mean[c] = 10.0f * static_cast<float>(c % 4) + r.uniform(-0.1f, 0.1f);
                invstd[c] = r.uniform(0.5f, 2.0f);
            }
            guarded dg_ref(C, off), db_ref(C, off), ws_ref(ws_floats(C), off), dg(C, off), db(C, off), ws(ws_floats(C), off);
            const bnkit_bn_desc dr = make_desc(s, BNKIT_ISA_SCALAR);
            REQUIRE(bnkit_bn_backward_f32(&dr, BNKIT_PHASE_TRAINING, x.data(), dy.data(),
                                          nullptr, mean.data(), invstd.data(), nullptr, dg_ref.data(), db_ref.data(),
                                          {ws_ref.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            const bnkit_bn_desc ds = make_desc(s, isa);
            REQUIRE(bnkit_bn_backward_f32(&ds, BNKIT_PHASE_TRAINING, x.data(), dy.data(), nullptr, mean.data(),
                                          invstd.data(), nullptr, dg.data(), db.data(),
                                          {ws.data(), BNKIT_BN_WORKSPACE_BYTES(C)}) == BNKIT_OK);
            std::vector<double> abs_dy(C, 0.0), abs_dyxc(C, 0.0);
            for (std::size_t e = 0; e < s.count(); ++e) {
                const std::size_t c = channel_of(s, e);
                abs_dy[c] += std::fabs(double(dy[e]));
                abs_dyxc[c] += std::fabs(double(dy[e]) * (double(x[e]) - mean[c]));
            }
            check_close("dbeta", db, db_ref, [&](std::size_t c) { return 3 * ulp_at(abs_dy[c]); });
            check_close("dgamma", dg, dg_ref, [&](std::size_t c) { return 3 * ulp_at(invstd[c] * abs_dyxc[c]); });
            for (guarded* o : {&dg, &db, &ws}) check_guards("backward output", *o);
        }
    });
}
