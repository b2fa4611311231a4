// Mergeable statistics and the synchronized forward/backward (bnkit/stats.h): a batch split into
// parts along its first axis, each part reduced on its own and the partials merged, against the
// double oracle of the whole batch and against the one-device functions, on every kernel path.
//
// Bounds (ulps of the oracle's magnitudes; measured worst on x86-64 in brackets, printed with
// BNKIT_ORACLE_REPORT=1 build/host/tests/bnkit_tests -tc="sync_stats:*"):
//   merged mean      <= 3 ulp of |mean| + mean(|x|)                      [1.72] (one device: 3)
//   merged variance  <= 2 ulp of var + 2 (|mean| + mean(|x|)) sqrt(var)  [0.71]: each part's
//                    float mean is off by ~1 ulp of its magnitude, and Chan's d^2 na nb / n term
//                    turns that into variance error (38 ulp of var alone at mean -40, std 1.2)
//   y, moving statistics, invstd, dx, dgamma, dbeta: the one-device bounds, 4 ulp  [<= 1.82]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/batch_norm.h"
#include "bnkit/stats.h"
#include "support/canary.hpp"
#include "support/each_isa.hpp"
#include "support/oracle_double.hpp"

namespace {

template <class F>
void for_each_path(F&& body) {
    {
        INFO("isa scalar");
        body(BNKIT_ISA_SCALAR);
    }
    bnkit_test::for_each_simd_isa(body);
}

// A batch of `rows` samples, channels first ([rows, C, inner]) or last ([rows, inner, C]).
struct Layout {
    std::size_t C, inner;
    bool channels_last;
    bnkit_bn_desc desc(std::size_t rows, bnkit_isa isa) const {
        bnkit_bn_desc d{};
        const std::size_t dims[3] = {rows, channels_last ? inner : C, channels_last ? C : inner};
        const int32_t axis = channels_last ? 2 : 1;
        REQUIRE(bnkit_bn_desc_init(&d, 3, dims, 1, &axis) == BNKIT_OK);
        REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
        return d;
    }
    oracle::Dims dims(std::size_t rows) const {
        return channels_last ? oracle::Dims{rows * inner, C, 1} : oracle::Dims{rows, C, inner};
    }
    std::size_t row_floats() const { return C * inner; }
};

// Random part sizes (>= 1 row each) summing to rows.
std::vector<std::size_t> random_split(std::size_t rows, std::size_t parts, oracle::Rng& rng) {
    std::vector<std::size_t> cut{0, rows};
    while (cut.size() < parts + 1) {
        const std::size_t c = 1 + rng.below(rows - 1);
        bool dup = false;
        for (std::size_t k : cut) dup |= k == c;
        if (!dup) cut.push_back(c);
    }
    std::sort(cut.begin(), cut.end());
    std::vector<std::size_t> sizes;
    for (std::size_t k = 1; k < cut.size(); ++k) sizes.push_back(cut[k] - cut[k - 1]);
    return sizes;
}

struct Partial {
    std::uint64_t count = 0;
    std::vector<float> mean, m2;
};

// Partials of each part, merged left to right (tree = false) or pairwise (tree = true).
Partial merged_stats(const Layout& L, const std::vector<std::size_t>& sizes, const float* x, bnkit_isa isa,
                     bool tree) {
    std::vector<Partial> parts;
    std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(L.C));
    std::size_t row = 0;
    for (std::size_t s : sizes) {
        const bnkit_bn_desc d = L.desc(s, isa);
        Partial p;
        p.mean.resize(L.C);
        p.m2.resize(L.C);
        REQUIRE(bnkit_bn_stats_f32(&d, x + row * L.row_floats(), &p.count, p.mean.data(), p.m2.data(),
                                   {ws.data(), ws.size()}) == BNKIT_OK);
        CHECK(p.count == s * L.inner);
        parts.push_back(p);
        row += s;
    }
    const auto merge = [&](Partial& a, const Partial& b) {
        REQUIRE(bnkit_bn_stats_merge_f32(L.C, a.count, a.mean.data(), a.m2.data(), b.count, b.mean.data(),
                                         b.m2.data(), &a.count, a.mean.data(), a.m2.data()) == BNKIT_OK);
    };
    if (!tree) {
        for (std::size_t k = 1; k < parts.size(); ++k) merge(parts[0], parts[k]);
        return parts[0];
    }
    for (std::size_t step = 1; step < parts.size(); step *= 2)
        for (std::size_t k = 0; k + step < parts.size(); k += 2 * step) merge(parts[k], parts[k + step]);
    return parts[0];
}

std::vector<float> spread_data(std::size_t n, oracle::Rng& rng, float centre, float spread) {
    std::vector<float> v(n);
    for (float& f : v) f = centre + rng.uniform(-spread, spread);
    return v;
}

const Layout layouts[] = {{3, 5, false}, {7, 1, false}, {5, 4, true}, {16, 9, false}, {1, 33, true}};

}  // namespace

TEST_CASE("sync_stats: any split of a batch merges to the one-device statistics") {
    oracle::Rng rng(1);
    for_each_path([&](bnkit_isa isa) {
        for (const Layout& L : layouts)
            for (const float centre : {0.0f, 3.0f, -40.0f})
                for (std::size_t parts : {1u, 2u, 3u, 8u}) {
                    const std::size_t rows = 9;
                    INFO("C " << L.C << " inner " << L.inner << " last " << L.channels_last << " centre " << centre
                              << " parts " << parts);
                    const std::vector<float> x = spread_data(rows * L.row_floats(), rng, centre, 2.0f);
                    const std::vector<std::size_t> sizes = random_split(rows, parts, rng);
                    const oracle::Stats ref = oracle::stats(L.dims(rows), x.data(), 0.0);
                    for (const bool tree : {false, true}) {
                        const Partial p = merged_stats(L, sizes, x.data(), isa, tree);
                        CHECK(p.count == rows * L.inner);
                        std::vector<float> var(L.C);
                        REQUIRE(bnkit_bn_stats_finalize_f32(L.C, p.count, p.m2.data(), var.data()) == BNKIT_OK);
                        for (std::size_t c = 0; c < L.C; ++c) {
                            const double em = oracle::err_ulps(p.mean[c], ref.mean[c], ref.mean_mag[c]);
                            const double ev = oracle::err_ulps(
                                var[c], ref.var[c], ref.var[c] + 2.0 * ref.mean_mag[c] * std::sqrt(ref.var[c]));
                            oracle::record("merged mean", em);
                            oracle::record("merged variance", ev);
                            CHECK(em <= 3.0);
                            CHECK(ev <= 2.0);
                        }
                    }
                }
    });
}

TEST_CASE("sync_stats: one part gives the training forward's mean bit for bit") {
    oracle::Rng rng(2);
    for_each_path([&](bnkit_isa isa) {
        for (const Layout& L : layouts) {
            const std::size_t rows = 6;
            const bnkit_bn_desc d = L.desc(rows, isa);
            const std::vector<float> x = spread_data(d.count, rng, 1.0f, 3.0f);
            std::vector<float> y(d.count), sm(L.C), si(L.C), mean(L.C), m2(L.C);
            std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(L.C));
            const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
            REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), nullptr, nullptr, nullptr, nullptr, sm.data(),
                                       si.data(), {ws.data(), ws.size()}) == BNKIT_OK);
            std::uint64_t n = 0;
            REQUIRE(bnkit_bn_stats_f32(&d, x.data(), &n, mean.data(), m2.data(), {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(n == rows * L.inner);
            CHECK(bnkit_test::same_bits(mean.data(), sm.data(), L.C));
        }
    });
}

TEST_CASE("sync_stats: a split batch trains and back-propagates like one device") {
    oracle::Rng rng(3);
    for_each_path([&](bnkit_isa isa) {
        for (const Layout& L : layouts)
            for (const bnkit_variance_correction corr : {BNKIT_VARIANCE_BIASED, BNKIT_VARIANCE_UNBIASED}) {
                const std::size_t rows = 10;
                const std::vector<std::size_t> sizes = random_split(rows, 4, rng);
                const std::size_t total = rows * L.row_floats();
                const std::vector<float> x = spread_data(total, rng, 0.5f, 2.0f), dy = spread_data(total, rng, 0.0f, 1.0f);
                const std::vector<float> gamma = spread_data(L.C, rng, 1.0f, 0.5f), beta = spread_data(L.C, rng, 0.0f, 1.0f);
                const std::vector<float> mm0 = spread_data(L.C, rng, 0.0f, 1.0f), mv0 = spread_data(L.C, rng, 1.5f, 0.5f);
                const float eps = 1e-3f;
                const double momentum = 0.9;
                const bnkit_bn_train_params prm{eps, momentum, corr, BNKIT_UPDATE_LERP};

                // Forward: merge, finalize, then every part normalizes with the global statistics.
                const Partial g = merged_stats(L, sizes, x.data(), isa, false);
                std::vector<float> var(L.C), y(total), sm(L.C), si(L.C), dx(total);
                REQUIRE(bnkit_bn_stats_finalize_f32(L.C, g.count, g.m2.data(), var.data()) == BNKIT_OK);
                std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(L.C));
                std::vector<double> sum_dy(L.C, 0.0), sum_dy_xhat(L.C, 0.0);
                std::size_t row = 0;
                std::vector<float> mm, mv;
                for (std::size_t s : sizes) {
                    const bnkit_bn_desc d = L.desc(s, isa);
                    // Every rank updates its own copy of the moving statistics identically.
                    mm = mm0;
                    mv = mv0;
                    const std::size_t off = row * L.row_floats();
                    REQUIRE(bnkit_bn_train_with_stats_f32(&d, &prm, g.count, g.mean.data(), var.data(), x.data() + off,
                                                          y.data() + off, gamma.data(), beta.data(), mm.data(),
                                                          mv.data(), sm.data(), si.data(),
                                                          {ws.data(), ws.size()}) == BNKIT_OK);
                    std::vector<float> sdy(L.C), sdx(L.C);
                    REQUIRE(bnkit_bn_backward_sums_f32(&d, x.data() + off, dy.data() + off, sm.data(), si.data(),
                                                       sdy.data(), sdx.data(), {ws.data(), ws.size()}) == BNKIT_OK);
                    for (std::size_t c = 0; c < L.C; ++c) {
                        sum_dy[c] += sdy[c];
                        sum_dy_xhat[c] += sdx[c];
                    }
                    row += s;
                }
                std::vector<float> dbeta(L.C), dgamma(L.C);
                for (std::size_t c = 0; c < L.C; ++c) {
                    dbeta[c] = static_cast<float>(sum_dy[c]);
                    dgamma[c] = static_cast<float>(sum_dy_xhat[c]);
                }
                row = 0;
                for (std::size_t s : sizes) {
                    const bnkit_bn_desc d = L.desc(s, isa);
                    const std::size_t off = row * L.row_floats();
                    REQUIRE(bnkit_bn_backward_apply_sums_f32(&d, g.count, x.data() + off, dy.data() + off, gamma.data(),
                                                             sm.data(), si.data(), dbeta.data(), dgamma.data(),
                                                             dx.data() + off, {ws.data(), ws.size()}) == BNKIT_OK);
                    row += s;
                }

                const oracle::Dims D = L.dims(rows);
                const oracle::Train t = oracle::train(D, x.data(), gamma.data(), beta.data(), mm0.data(), mv0.data(), eps,
                                                      momentum,
                                                      corr == BNKIT_VARIANCE_BIASED ? oracle::Correction::biased
                                                                                    : oracle::Correction::unbiased,
                                                      oracle::Form::lerp);
                const oracle::Worst wy = oracle::worst(y.data(), t.y, t.mag);
                const oracle::Worst wm = oracle::worst(mm.data(), t.new_mm, t.mm_mag);
                const oracle::Worst wv = oracle::worst(mv.data(), t.new_mv, t.mv_mag);
                const oracle::Worst ws_ = oracle::worst(si.data(), t.st.invstd, {});
                const oracle::Backward b = oracle::backward_training(D, x.data(), dy.data(), gamma.data(), eps);
                const oracle::Worst wdx = oracle::worst(dx.data(), b.dx, b.dx_mag);
                const oracle::Worst wdg = oracle::worst(dgamma.data(), b.dgamma, b.dgamma_mag);
                const oracle::Worst wdb = oracle::worst(dbeta.data(), b.dbeta, b.dbeta_mag);
                INFO("C " << L.C << " inner " << L.inner << " corr " << corr << " y " << wy.ulps << " mm " << wm.ulps
                          << " mv " << wv.ulps << " invstd " << ws_.ulps << " dx " << wdx.ulps << " dgamma "
                          << wdg.ulps << " dbeta " << wdb.ulps);
                oracle::record("sync y", wy.ulps);
                oracle::record("sync moving var", wv.ulps);
                oracle::record("sync invstd", ws_.ulps);
                oracle::record("sync dx", wdx.ulps);
                oracle::record("sync dgamma", wdg.ulps);
                CHECK(wy.ulps <= 4.0);
                CHECK(wm.ulps <= 4.0);
                CHECK(wv.ulps <= 4.0);
                CHECK(ws_.ulps <= 4.0);
                CHECK(wdx.ulps <= 4.0);
                CHECK(wdg.ulps <= 4.0);
                CHECK(wdb.ulps <= 4.0);
            }
    });
}

TEST_CASE("sync_stats: one part's backward sums and apply equal bnkit_bn_backward_f32 bit for bit") {
    oracle::Rng rng(4);
    for_each_path([&](bnkit_isa isa) {
        for (const Layout& L : layouts) {
            const bnkit_bn_desc d = L.desc(5, isa);
            const std::vector<float> x = spread_data(d.count, rng, 0.0f, 2.0f), dy = spread_data(d.count, rng, 0.0f, 1.0f);
            const std::vector<float> gamma = spread_data(L.C, rng, 1.0f, 0.5f), mean = spread_data(L.C, rng, 0.0f, 0.3f);
            const std::vector<float> invstd = spread_data(L.C, rng, 1.0f, 0.5f);
            std::vector<float> dx(d.count), dg(L.C), db(L.C), dx2(d.count), s_dy(L.C), s_dxh(L.C);
            std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(L.C));
            REQUIRE(bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, x.data(), dy.data(), gamma.data(), mean.data(),
                                          invstd.data(), dx.data(), dg.data(), db.data(),
                                          {ws.data(), ws.size()}) == BNKIT_OK);
            REQUIRE(bnkit_bn_backward_sums_f32(&d, x.data(), dy.data(), mean.data(), invstd.data(), s_dy.data(),
                                               s_dxh.data(), {ws.data(), ws.size()}) == BNKIT_OK);
            REQUIRE(bnkit_bn_backward_apply_sums_f32(&d, d.outer * d.inner, x.data(), dy.data(), gamma.data(),
                                                     mean.data(), invstd.data(), s_dy.data(), s_dxh.data(), dx2.data(),
                                                     {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(bnkit_test::same_bits(s_dy.data(), db.data(), L.C));
            CHECK(bnkit_test::same_bits(s_dxh.data(), dg.data(), L.C));
            CHECK(bnkit_test::same_bits(dx2.data(), dx.data(), d.count));
            // In place on dy, then on x.
            std::vector<float> in_place = dy;
            REQUIRE(bnkit_bn_backward_apply_sums_f32(&d, d.outer * d.inner, x.data(), in_place.data(), gamma.data(),
                                                     mean.data(), invstd.data(), s_dy.data(), s_dxh.data(),
                                                     in_place.data(), {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(bnkit_test::same_bits(in_place.data(), dx.data(), d.count));
            in_place = x;
            REQUIRE(bnkit_bn_backward_apply_sums_f32(&d, d.outer * d.inner, in_place.data(), dy.data(), gamma.data(),
                                                     mean.data(), invstd.data(), s_dy.data(), s_dxh.data(),
                                                     in_place.data(), {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(bnkit_test::same_bits(in_place.data(), dx.data(), d.count));
        }
    });
}

TEST_CASE("sync_stats: train_with_stats uses the given count for the unbiased correction, y may be x") {
    const std::size_t dims[2] = {2, 3};
    const int32_t axis = 1;
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, 2, dims, 1, &axis) == BNKIT_OK);
    const float mean[3] = {1.0f, -2.0f, 0.5f}, var[3] = {4.0f, 0.25f, 1.0f};
    float x[6] = {1, 2, 3, 4, 5, 6}, y[6], mm[3] = {0, 0, 0}, mv[3] = {1, 1, 1}, sm[3], si[3];
    unsigned char ws[BNKIT_BN_WORKSPACE_BYTES(3)];
    const bnkit_bn_train_params p{0.0f, 0.5, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    // count 5 (global) although this part holds 2 elements per channel: v = var * 5/4.
    REQUIRE(bnkit_bn_train_with_stats_f32(&d, &p, 5, mean, var, x, y, nullptr, nullptr, mm, mv, sm, si,
                                          {ws, sizeof ws}) == BNKIT_OK);
    for (std::size_t c = 0; c < 3; ++c) {
        CHECK(mm[c] == 0.5f * mean[c]);
        CHECK(mv[c] == 0.5f + 0.5f * (var[c] * 1.25f));
        CHECK(sm[c] == mean[c]);
        CHECK(si[c] == 1.0f / std::sqrt(var[c]));
        for (std::size_t o = 0; o < 2; ++o) CHECK(y[o * 3 + c] == (x[o * 3 + c] - mean[c]) * (1.0f / std::sqrt(var[c])));
    }
    // count 1: the unbiased input is 0, as for one element on one device.
    float mv1[3] = {1, 1, 1}, mm1[3] = {0, 0, 0};
    REQUIRE(bnkit_bn_train_with_stats_f32(&d, &p, 1, mean, var, x, x, nullptr, nullptr, mm1, mv1, sm, si,
                                          {ws, sizeof ws}) == BNKIT_OK);
    for (std::size_t c = 0; c < 3; ++c) CHECK(mv1[c] == 0.5f);
    CHECK(bnkit_test::same_bits(x, y, 6));  // in place gave the same y
}

TEST_CASE("sync_stats: merging with an empty partial, and two empty ones, and finalize in place") {
    const float ma[2] = {1.0f, 2.0f}, qa[2] = {3.0f, 4.0f};
    const float junk[2] = {1e30f, -7.0f};
    float m[2], q[2];
    std::uint64_t n = 99;
    REQUIRE(bnkit_bn_stats_merge_f32(2, 4, ma, qa, 0, junk, junk, &n, m, q) == BNKIT_OK);
    CHECK(n == 4);
    CHECK(bnkit_test::same_bits(m, ma, 2));
    CHECK(bnkit_test::same_bits(q, qa, 2));
    REQUIRE(bnkit_bn_stats_merge_f32(2, 0, junk, junk, 4, ma, qa, &n, m, q) == BNKIT_OK);
    CHECK(n == 4);
    CHECK(bnkit_test::same_bits(m, ma, 2));
    CHECK(bnkit_test::same_bits(q, qa, 2));
    REQUIRE(bnkit_bn_stats_merge_f32(2, 0, junk, junk, 0, junk, junk, &n, m, q) == BNKIT_OK);
    CHECK(n == 0);
    CHECK((m[0] == 0.0f && m[1] == 0.0f && q[0] == 0.0f && q[1] == 0.0f));
    // Chan's update on small exact numbers: {1, 3} and {5}: mean 3, M2 = 2 + 0 + 4*2*1/3 = 8.
    const float a_mean[1] = {2.0f}, a_m2[1] = {2.0f}, b_mean[1] = {5.0f}, b_m2[1] = {0.0f};
    REQUIRE(bnkit_bn_stats_merge_f32(1, 2, a_mean, a_m2, 1, b_mean, b_m2, &n, m, q) == BNKIT_OK);
    CHECK(n == 3);
    CHECK(m[0] == 3.0f);
    CHECK(q[0] == 8.0f);
    // Finalize in place: var = M2 / n.
    REQUIRE(bnkit_bn_stats_finalize_f32(1, n, q, q) == BNKIT_OK);
    CHECK(q[0] == static_cast<float>(8.0 / 3.0));
}

TEST_CASE("sync_stats: bad input returns a status and writes nothing") {
    const std::size_t dims[2] = {2, 4};
    const int32_t axis = 1;
    bnkit_bn_desc d{};
    REQUIRE(bnkit_bn_desc_init(&d, 2, dims, 1, &axis) == BNKIT_OK);
    const bnkit_bn_desc zero{};
    bnkit_test::Arena a(64);
    for (std::size_t i = 0; i < 32; ++i) *a.at(i) = 1.0f + 0.125f * static_cast<float>(i);
    // inputs: x [0, 8), dy [8, 16), mean [16, 20), var/invstd [20, 24), gamma [24, 28);
    // outputs: [32, 40) [40, 44) [44, 48) [48, 52) [52, 56)
    const float *x = a.at(0), *dy = a.at(8), *mean = a.at(16), *var = a.at(20), *gamma = a.at(24);
    float *o8 = a.at(32), *o4a = a.at(40), *o4b = a.at(44), *o4c = a.at(48), *o4d = a.at(52);
    bnkit_test::Guarded<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(4));
    bnkit_test::Guarded<std::uint64_t> count(1);
    const bnkit_buffer W{ws.data(), ws.size()}, small{ws.data(), ws.size() - 1};
    const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_BIASED, BNKIT_UPDATE_LERP};
    bnkit_bn_train_params bad_eps = p, bad_mom = p, bad_corr = p;
    bad_eps.epsilon = -1.0f;
    bad_mom.momentum = 2.0;
    bad_corr.moving_variance = static_cast<bnkit_variance_correction>(7);
    const auto unchanged = [&](bnkit_status got, bnkit_status want) {
        const bool arena_ok = a.guards_intact() && bnkit_test::is_canary(a.at(32), 32 * sizeof(float));
        CHECK(got == want);
        CHECK(arena_ok);
        CHECK(ws.all_canary());
        CHECK(count.all_canary());
    };

    // bnkit_bn_stats_f32
    unchanged(bnkit_bn_stats_f32(nullptr, x, count.data(), o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_stats_f32(&d, nullptr, count.data(), o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_stats_f32(&d, x, nullptr, o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_stats_f32(&zero, x, count.data(), o4a, o4b, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(bnkit_bn_stats_f32(&d, x, count.data(), o4a, o4b, small), BNKIT_ERR_WORKSPACE_TOO_SMALL);
    unchanged(bnkit_bn_stats_f32(&d, x, count.data(), o4a, o4a, W), BNKIT_ERR_ALIASING);
    unchanged(bnkit_bn_stats_f32(&d, x, count.data(), a.at(6), o4b, W), BNKIT_ERR_ALIASING);
    unchanged(bnkit_bn_stats_f32(&d, x, reinterpret_cast<std::uint64_t*>(o4a), o4a, o4b, W), BNKIT_ERR_ALIASING);

    // bnkit_bn_stats_merge_f32
    unchanged(bnkit_bn_stats_merge_f32(4, 1, mean, var, 1, nullptr, var, count.data(), o4a, o4b), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_stats_merge_f32(0, 1, mean, var, 1, mean, var, count.data(), o4a, o4b), BNKIT_ERR_ZERO_DIM);
    unchanged(bnkit_bn_stats_merge_f32(SIZE_MAX, 1, mean, var, 1, mean, var, count.data(), o4a, o4b),
              BNKIT_ERR_SHAPE_OVERFLOW);
    unchanged(bnkit_bn_stats_merge_f32(4, UINT64_MAX, mean, var, 1, mean, var, count.data(), o4a, o4b),
              BNKIT_ERR_SHAPE_OVERFLOW);
    unchanged(bnkit_bn_stats_merge_f32(4, 1, mean, var, 1, mean, var, count.data(), a.at(20), o4b), BNKIT_ERR_ALIASING);
    unchanged(bnkit_bn_stats_merge_f32(4, 1, mean, var, 1, mean, var, count.data(), a.at(17), o4b), BNKIT_ERR_ALIASING);
    unchanged(bnkit_bn_stats_merge_f32(4, 1, mean, var, 1, mean, var, count.data(), o4a, o4a), BNKIT_ERR_ALIASING);

    // bnkit_bn_stats_finalize_f32
    unchanged(bnkit_bn_stats_finalize_f32(4, 2, nullptr, o4a), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_stats_finalize_f32(0, 2, var, o4a), BNKIT_ERR_ZERO_DIM);
    unchanged(bnkit_bn_stats_finalize_f32(SIZE_MAX, 2, var, o4a), BNKIT_ERR_SHAPE_OVERFLOW);
    unchanged(bnkit_bn_stats_finalize_f32(4, 0, var, o4a), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(bnkit_bn_stats_finalize_f32(4, 2, var, a.at(21)), BNKIT_ERR_ALIASING);

    // bnkit_bn_train_with_stats_f32
    const auto train = [&](const bnkit_bn_desc* dd, const bnkit_bn_train_params* pp, std::uint64_t n, const float* xx,
                           float* y, float* mm, float* mv, bnkit_buffer w) {
        return bnkit_bn_train_with_stats_f32(dd, pp, n, mean, var, xx, y, gamma, nullptr, mm, mv, o4c, o4d, w);
    };
    unchanged(train(nullptr, &p, 2, x, o8, o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(train(&d, nullptr, 2, x, o8, o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(train(&d, &p, 2, x, o8, o4a, nullptr, W), BNKIT_ERR_NULL_POINTER);
    unchanged(train(&zero, &p, 2, x, o8, o4a, o4b, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(train(&d, &bad_eps, 2, x, o8, o4a, o4b, W), BNKIT_ERR_BAD_EPSILON);
    unchanged(train(&d, &bad_mom, 2, x, o8, o4a, o4b, W), BNKIT_ERR_BAD_MOMENTUM);
    unchanged(train(&d, &bad_corr, 2, x, o8, o4a, o4b, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(train(&d, &p, 0, x, o8, o4a, o4b, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(train(&d, &p, 2, x, o8, o4a, o4b, small), BNKIT_ERR_WORKSPACE_TOO_SMALL);
    unchanged(train(&d, &p, 2, x, a.at(1), o4a, o4b, W), BNKIT_ERR_ALIASING);
    unchanged(train(&d, &p, 2, x, o8, a.at(16), o4b, W), BNKIT_ERR_ALIASING);  // moving mean over mean

    // bnkit_bn_backward_sums_f32 and bnkit_bn_backward_apply_sums_f32
    unchanged(bnkit_bn_backward_sums_f32(&d, x, dy, mean, nullptr, o4a, o4b, W), BNKIT_ERR_NULL_POINTER);
    unchanged(bnkit_bn_backward_sums_f32(&zero, x, dy, mean, var, o4a, o4b, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(bnkit_bn_backward_sums_f32(&d, x, dy, mean, var, o4a, o4b, small), BNKIT_ERR_WORKSPACE_TOO_SMALL);
    unchanged(bnkit_bn_backward_sums_f32(&d, x, dy, mean, var, o4a, o4a, W), BNKIT_ERR_ALIASING);
    unchanged(bnkit_bn_backward_sums_f32(&d, x, dy, mean, var, a.at(10), o4b, W), BNKIT_ERR_ALIASING);
    const auto apply = [&](const bnkit_bn_desc* dd, std::uint64_t n, float* dx, bnkit_buffer w) {
        return bnkit_bn_backward_apply_sums_f32(dd, n, x, dy, gamma, mean, var, mean, var, dx, w);
    };
    unchanged(apply(&d, 2, nullptr, W), BNKIT_ERR_NULL_POINTER);
    unchanged(apply(&zero, 2, o8, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(apply(&d, 0, o8, W), BNKIT_ERR_BAD_ARGUMENT);
    unchanged(apply(&d, 2, o8, small), BNKIT_ERR_WORKSPACE_TOO_SMALL);
    unchanged(apply(&d, 2, a.at(4), W), BNKIT_ERR_ALIASING);  // dx half over x, half over dy
    unchanged(apply(&d, 2, a.at(16), W), BNKIT_ERR_ALIASING);  // dx over the statistics
}
