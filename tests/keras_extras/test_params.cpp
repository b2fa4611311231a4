// include/bnkit/params.h: Keras regularizers and constraints on one weight vector, against
// the formulas of semantics-reference §7 evaluated in double here, and T15's numbers.
//
// Tolerances: losses 2 ulp (sums in double, then one float product and one float add);
// gradients 1 ulp of |l1| + |2 l2 w| (two float products and an add); constraints 2 ulp (a
// float32 factor from the correctly rounded norm, then one product or quotient). T15's
// printed float32 values: 1 ulp.
#include <cmath>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/params.h"
#include "support/canary.hpp"
#include "support/oracle_double.hpp"
#include "support/ulp.hpp"

namespace {

std::vector<float> random_weights(std::size_t n, std::uint64_t seed) {
    oracle::Rng rng(seed);
    std::vector<float> w(n);
    for (auto& v : w) v = rng.uniform(-2.0f, 2.0f);
    return w;
}

double norm(const std::vector<float>& w) {
    double s = 0;
    for (float v : w) s += static_cast<double>(v) * v;
    return std::sqrt(s);
}

}  // namespace

TEST_CASE("params: regularization loss and gradient of l1, l2, l1_l2") {
    for (std::size_t n : {1u, 3u, 17u, 64u}) {
        const std::vector<float> w = random_weights(n, 7 + n);
        const bnkit_regularizer regs[] = {{0.0f, 0.0f}, {0.01f, 0.0f}, {0.0f, 0.01f}, {0.003f, 0.25f}};
        for (const bnkit_regularizer& reg : regs) {
            INFO("n " << n << " l1 " << reg.l1 << " l2 " << reg.l2);
            double abs_sum = 0, sq_sum = 0;
            for (float v : w) {
                abs_sum += std::fabs(v);
                sq_sum += static_cast<double>(v) * v;
            }
            const double expected = static_cast<double>(reg.l1) * abs_sum + static_cast<double>(reg.l2) * sq_sum;
            float loss = -1.0f;
            REQUIRE(bnkit_regularization_loss_f32(&reg, n, w.data(), &loss) == BNKIT_OK);
            CHECK_ULP(loss, expected, 2);

            std::vector<float> grad(n, 0.5f);
            REQUIRE(bnkit_regularizer_grad_add_f32(&reg, n, w.data(), grad.data()) == BNKIT_OK);
            std::vector<double> eg, mag;
            for (float v : w) {
                const double sign = v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
                eg.push_back(0.5 + reg.l1 * sign + 2.0 * reg.l2 * v);
                mag.push_back(0.5 + reg.l1 + std::fabs(2.0 * reg.l2 * v));
            }
            CHECK_ARRAY_ULPS("regularizer gradient", grad.data(), eg, mag, 1);
        }
    }
}

TEST_CASE("params: l1 gradient of 0 is 0, as TF's abs gradient") {
    const bnkit_regularizer reg{0.5f, 0.0f};
    const float w[3] = {0.0f, -0.0f, 2.0f};
    float g[3] = {0.0f, 0.0f, 0.0f};
    REQUIRE(bnkit_regularizer_grad_add_f32(&reg, 3, w, g) == BNKIT_OK);
    CHECK(g[0] == 0.0f);
    CHECK(g[1] == 0.0f);
    CHECK(g[2] == 0.5f);
}

TEST_CASE("params: constraints against the Keras formulas") {
    for (std::size_t n : {1u, 2u, 5u, 33u}) {
        const std::vector<float> w0 = random_weights(n, 100 + n);
        const double nrm = norm(w0);
        struct Case {
            bnkit_constraint c;
            double factor;  // expected w * factor (not used for non_neg)
        };
        const double e = 1e-7;
        const auto clip = [](double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); };
        const Case cases[] = {
            {{BNKIT_CONSTRAINT_NONE, 0, 0, 0}, 1.0},
            {{BNKIT_CONSTRAINT_MAX_NORM, 0, 2.0f, 0}, clip(nrm, 0, 2.0) / (e + nrm)},
            {{BNKIT_CONSTRAINT_MAX_NORM, 0, 100.0f, 0}, nrm / (e + nrm)},
            {{BNKIT_CONSTRAINT_UNIT_NORM, 0, 0, 0}, 1.0 / (e + nrm)},
            {{BNKIT_CONSTRAINT_MIN_MAX_NORM, 0.0f, 1.0f, 1.0f}, clip(nrm, 0, 1) / (e + nrm)},
            {{BNKIT_CONSTRAINT_MIN_MAX_NORM, 3.0f, 4.0f, 0.25f},
             (0.25 * clip(nrm, 3, 4) + 0.75 * nrm) / (e + nrm)},
        };
        for (const Case& k : cases) {
            INFO("n " << n << " kind " << static_cast<int>(k.c.kind));
            std::vector<float> w = w0;
            REQUIRE(bnkit_constraint_apply_f32(&k.c, n, w.data()) == BNKIT_OK);
            std::vector<double> ew;
            for (float v : w0) ew.push_back(v * k.factor);
            CHECK_ARRAY_ULPS("constraint", w.data(), ew, std::vector<double>{}, 2);
        }
        std::vector<float> w = w0;
        const bnkit_constraint nn{BNKIT_CONSTRAINT_NON_NEG, 0, 0, 0};
        REQUIRE(bnkit_constraint_apply_f32(&nn, n, w.data()) == BNKIT_OK);
        for (std::size_t i = 0; i < n; ++i) CHECK(w[i] == (w0[i] >= 0 ? w0[i] : 0.0f));
    }
}

TEST_CASE("params: T15 max_norm is one joint norm over the channels") {
    const bnkit_constraint m1{BNKIT_CONSTRAINT_MAX_NORM, 0, 1.0f, 0};
    float a[2] = {1.0f, 1.0f};
    REQUIRE(bnkit_constraint_apply_f32(&m1, 2, a) == BNKIT_OK);
    CHECK_ULP(a[0], 0.7071067f, 1);
    CHECK_ULP(a[1], 0.7071067f, 1);
    const bnkit_constraint m2{BNKIT_CONSTRAINT_MAX_NORM, 0, 2.0f, 0};
    float b[2] = {3.0f, 0.5f};
    REQUIRE(bnkit_constraint_apply_f32(&m2, 2, b) == BNKIT_OK);
    CHECK_ULP(b[0], 1.9727879f, 1);
    CHECK_ULP(b[1], 0.32879797f, 1);
}

TEST_CASE("params: non_neg keeps NaN and maps negatives to -0 as w * cast(w >= 0)") {
    const bnkit_constraint nn{BNKIT_CONSTRAINT_NON_NEG, 0, 0, 0};
    float w[3] = {std::nanf(""), -3.0f, 0.0f};
    REQUIRE(bnkit_constraint_apply_f32(&nn, 3, w) == BNKIT_OK);
    CHECK(std::isnan(w[0]));
    CHECK(w[1] == 0.0f);
    CHECK(std::signbit(w[1]));
    CHECK(w[2] == 0.0f);
}

TEST_CASE("params: bad input gets its status and writes nothing") {
    const float inf = INFINITY, nan = std::nanf("");
    float w[4] = {1, -2, 3, -4};
    float out[5];
    bnkit_test::fill_canary(out, sizeof out);
    const bnkit_regularizer ok{0.1f, 0.1f};
    float* loss = &out[4];
    auto untouched = [&] {
        CHECK(bnkit_test::is_canary(out, sizeof out));
        CHECK(w[0] == 1.0f);
    };
    // regularizers
    for (const bnkit_regularizer bad : {bnkit_regularizer{-0.1f, 0}, bnkit_regularizer{0, -1e-30f},
                                        bnkit_regularizer{nan, 0}, bnkit_regularizer{0, inf}}) {
        CHECK(bnkit_regularizer_check(&bad) == BNKIT_ERR_BAD_REGULARIZER);
        CHECK(bnkit_regularization_loss_f32(&bad, 4, w, loss) == BNKIT_ERR_BAD_REGULARIZER);
        CHECK(bnkit_regularizer_grad_add_f32(&bad, 4, w, out) == BNKIT_ERR_BAD_REGULARIZER);
    }
    CHECK(bnkit_regularizer_check(nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_regularization_loss_f32(nullptr, 4, w, loss) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_regularization_loss_f32(&ok, 4, nullptr, loss) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_regularization_loss_f32(&ok, 4, w, nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_regularization_loss_f32(&ok, 0, w, loss) == BNKIT_ERR_ZERO_DIM);
    CHECK(bnkit_regularization_loss_f32(&ok, SIZE_MAX / 2, w, loss) == BNKIT_ERR_SHAPE_OVERFLOW);
    CHECK(bnkit_regularizer_grad_add_f32(&ok, 4, w, nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_regularizer_grad_add_f32(&ok, 0, w, out) == BNKIT_ERR_ZERO_DIM);
    untouched();
    // grad overlapping w (exactly or partly)
    CHECK(bnkit_regularizer_grad_add_f32(&ok, 4, w, w) == BNKIT_ERR_ALIASING);
    CHECK(bnkit_regularizer_grad_add_f32(&ok, 3, w, w + 1) == BNKIT_ERR_ALIASING);
    untouched();
    // constraints
    const bnkit_constraint bad_c[] = {
        {static_cast<bnkit_constraint_kind>(5), 0, 0, 0},
        {static_cast<bnkit_constraint_kind>(-1), 0, 0, 0},
        {BNKIT_CONSTRAINT_MAX_NORM, 0, -1.0f, 0},
        {BNKIT_CONSTRAINT_MAX_NORM, 0, nan, 0},
        {BNKIT_CONSTRAINT_MIN_MAX_NORM, 2.0f, 1.0f, 1.0f},   // lo > hi
        {BNKIT_CONSTRAINT_MIN_MAX_NORM, -1.0f, 1.0f, 1.0f},  // lo < 0
        {BNKIT_CONSTRAINT_MIN_MAX_NORM, 0.0f, inf, 1.0f},
        {BNKIT_CONSTRAINT_MIN_MAX_NORM, 0.0f, 1.0f, 1.5f},   // rate > 1
        {BNKIT_CONSTRAINT_MIN_MAX_NORM, 0.0f, 1.0f, -0.5f},  // rate < 0
    };
    for (const bnkit_constraint& c : bad_c) {
        CHECK(bnkit_constraint_check(&c) == BNKIT_ERR_BAD_CONSTRAINT);
        CHECK(bnkit_constraint_apply_f32(&c, 4, w) == BNKIT_ERR_BAD_CONSTRAINT);
    }
    const bnkit_constraint unit{BNKIT_CONSTRAINT_UNIT_NORM, 0, 0, 0};
    CHECK(bnkit_constraint_check(nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_constraint_apply_f32(nullptr, 4, w) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_constraint_apply_f32(&unit, 4, nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_constraint_apply_f32(&unit, 0, w) == BNKIT_ERR_ZERO_DIM);
    CHECK(w[0] == 1.0f);
    CHECK(w[1] == -2.0f);
    CHECK(w[2] == 3.0f);
    CHECK(w[3] == -4.0f);
}
