// The opt-in ARMv8.2-A FP16-arithmetic path (BNKIT_ISA_NEON64_FP16, platform/arm/
// infer_fp16_arith.hpp):
//  - it is available exactly when the build has it (BNKIT_ARM_FP16_ARITH) and HWCAP has FPHP
//    and ASIMDHP; forcing it otherwise is BNKIT_ERR_UNSUPPORTED_ISA with the descriptor
//    untouched; AUTO never picks it;
//  - f16 inference stays within its derived bound against the double oracle applied to the
//    f16 inputs and the float32 scale/shift: |y - (x*s + t)| <= 1/2 ulp16(y) + 2^-11 (|x s| + |t|),
//    i.e. <= 1.5 f16 ulps of max(|y|, |x s| + |t|), over NCHW and NHWC shapes with ragged tails,
//    more than one 256-channel block, odd element offsets and in place;
//  - scale/shift outside binary16's normal range fall back to the float32-arithmetic kernel
//    (bit-equal to neon64), as do fused activations, and every other table entry is neon64's
//    (bit-equal results).
// Under qemu-aarch64 -cpu max (ctest qemu_aarch64_max) the path runs; under the default
// cortex-a72 and on other targets only the availability checks do.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/half_oracle.hpp"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace {

bool cpu_has_fp16_arith() {
#if defined(__aarch64__) && defined(__linux__)
    const unsigned long hw = getauxval(AT_HWCAP);
    return (hw & HWCAP_FPHP) && (hw & HWCAP_ASIMDHP);
#else
    return false;
#endif
}

bool built_with_fp16_arith() {
#ifdef BNKIT_TEST_ARM_FP16_ARITH
    return true;
#else
    return false;
#endif
}

bnkit_bn_desc make_desc(const std::vector<std::size_t>& dims, std::int32_t axis, bnkit_isa isa) {
    bnkit_bn_desc d;
    REQUIRE(bnkit_bn_desc_init(&d, static_cast<std::uint32_t>(dims.size()), dims.data(), 1, &axis) == BNKIT_OK);
    REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
    return d;
}

// Deterministic values in [-1, 1).
struct Lcg {
    std::uint32_t s;
    float next() {
        s = s * 1664525u + 1013904223u;
        return static_cast<float>(s >> 8) * 0x1p-23f - 1.0f;
    }
};

}  // namespace

TEST_CASE("fp16 arith: available exactly with the build option and FPHP+ASIMDHP, never by AUTO") {
    const bool expected = built_with_fp16_arith() && cpu_has_fp16_arith();
    CHECK(bnkit_isa_available(BNKIT_ISA_NEON64_FP16) == (expected ? 1 : 0));
    const std::string state = expected ? "available" : "not available (build option or CPU)";
    MESSAGE("neon64_fp16: " << state);

    const std::size_t dims[] = {2, 3};
    const std::int32_t axis = 1;
    bnkit_bn_desc d;
    REQUIRE(bnkit_bn_desc_init(&d, 2, dims, 1, &axis) == BNKIT_OK);
    CHECK(bnkit_bn_desc_isa(&d) != BNKIT_ISA_NEON64_FP16);  // AUTO keeps the one-rounding contract
    if (!expected) {
        bnkit_bn_desc before;
        std::memcpy(&before, &d, sizeof d);
        CHECK(bnkit_bn_desc_set_isa(&d, BNKIT_ISA_NEON64_FP16) == BNKIT_ERR_UNSUPPORTED_ISA);
        CHECK(std::memcmp(&before, &d, sizeof d) == 0);
    } else {
        CHECK(bnkit_bn_desc_set_isa(&d, BNKIT_ISA_NEON64_FP16) == BNKIT_OK);
        CHECK(bnkit_bn_desc_isa(&d) == BNKIT_ISA_NEON64_FP16);
    }
}

TEST_CASE("fp16 arith: f16 inference within 1.5 f16 ulps of the double oracle") {
    if (!bnkit_isa_available(BNKIT_ISA_NEON64_FP16)) {
        MESSAGE("neon64_fp16 not available here: skipped");
        return;
    }
    struct Case {
        std::vector<std::size_t> dims;
        std::int32_t axis;
    };
    const Case cases[] = {{{2, 3, 17}, 1},    {{3, 5, 8}, 1},  {{1, 7, 1}, 1},   {{4, 19}, 1},
                          {{5, 300}, 1},      {{2, 300, 3}, 1}, {{3, 2, 2, 13}, 3}, {{1, 1, 65}, 1}};
    Lcg rng{12345};
    double worst_terms = 0, worst_result = 0, worst_same_sign = 0;
    for (const Case& c : cases) {
        for (const bool in_place : {false, true}) {
            CAPTURE(c.dims.size());
            CAPTURE(in_place);
            const bnkit_bn_desc d = make_desc(c.dims, c.axis, BNKIT_ISA_NEON64_FP16);
            const std::size_t n = d.count, ch = d.channels;
            std::vector<float> scale(ch), shift(ch);
            for (std::size_t k = 0; k < ch; ++k) {
                // |scale| from 2^-13 to 2^7, shifts from 0 to +-100: both signs, cancellation included.
                scale[k] = std::ldexp(rng.next() + (k % 2 ? 1.5f : -1.5f), static_cast<int>(k % 21) - 13);
                shift[k] = k % 5 == 0 ? 0.0f : 100.0f * rng.next();
            }
            // One extra element in front: the tensors start at an odd half offset.
            std::vector<bnkit_f16> xs(n + 1), ys(n + 1);
            for (std::size_t k = 0; k < n; ++k) xs[k + 1] = bnkit_f16_from_f32(std::ldexp(rng.next(), static_cast<int>(k % 9) - 2));
            const bnkit_f16* x = xs.data() + 1;
            bnkit_f16* y = in_place ? xs.data() + 1 : ys.data() + 1;
            std::vector<double> exact(n), terms(n), none(n, 0.0);
            std::vector<bool> same_sign(n);
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t cidx = (k / d.inner) % ch;
                const double xv = bnkit_f16_to_f32(x[k]), s = scale[cidx], t = shift[cidx];
                exact[k] = xv * s + t;
                terms[k] = std::fabs(xv * s) + std::fabs(t);
                same_sign[k] = xv * s * t >= 0;
            }
            REQUIRE(bnkit_bn_infer_f16(&d, x, y, scale.data(), shift.data()) == BNKIT_OK);
            CHECK_F16_ULPS("neon64_fp16 infer, ulps of the terms", y, exact, terms, 1.5);
            // No cancellation: the terms are at most |y|, so the bound is 1.5 ulps of y itself.
            for (std::size_t k = 0; k < n; ++k)
                if (same_sign[k]) {
                    const double e = bnkit_test::f16_err(y[k], exact[k]);
                    CHECK(e <= 1.5);
                    worst_same_sign = std::max(worst_same_sign, e);
                }
            worst_terms = std::max(worst_terms, bnkit_test::f16_worst(y, exact, terms).ulps);
            worst_result = std::max(worst_result, bnkit_test::f16_worst(y, exact, none).ulps);
        }
    }
    MESSAGE("neon64_fp16 infer: worst " << worst_terms << " f16 ulp of max(|y|, |x s| + |t|) (bound 1.5); "
                                        << worst_same_sign << " f16 ulp of y where x s and t share a sign (bound 1.5); "
                                        << worst_result << " f16 ulp of y overall (cancellation)");
}

TEST_CASE("fp16 arith: special values, fallback and the other table entries equal neon64") {
    if (!bnkit_isa_available(BNKIT_ISA_NEON64_FP16)) {
        MESSAGE("neon64_fp16 not available here: skipped");
        return;
    }
    const std::vector<std::size_t> dims = {3, 4, 11};
    const bnkit_bn_desc fp16 = make_desc(dims, 1, BNKIT_ISA_NEON64_FP16);
    const bnkit_bn_desc neon = make_desc(dims, 1, BNKIT_ISA_NEON64);
    const std::size_t n = fp16.count;
    Lcg rng{777};
    std::vector<bnkit_f16> x(n);
    for (std::size_t k = 0; k < n; ++k) x[k] = bnkit_f16_from_f32(8.0f * rng.next());

    SUBCASE("NaN and infinity propagate") {
        x[0] = {0x7e00};  // NaN
        x[1] = {0x7c00};  // +inf
        x[2] = {0xfc00};  // -inf
        const std::vector<float> scale = {1.5f, 0.5f, 2.0f, 1.0f}, shift = {0.25f, 0.0f, -1.0f, 3.0f};
        std::vector<bnkit_f16> y(n);
        REQUIRE(bnkit_bn_infer_f16(&fp16, x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
        CHECK(bnkit_test::f16_is_nan(y[0]));
        CHECK(y[1].bits == 0x7c00);
        CHECK(y[2].bits == 0xfc00);
    }
    SUBCASE("scale or shift outside binary16's normal range: the float32-arithmetic kernel") {
        for (const float bad_scale : {1e-6f, 70000.0f, 1.0f}) {
            const float bad_shift = bad_scale == 1.0f ? -70000.0f : 0.5f;
            CAPTURE(bad_scale);
            const std::vector<float> scale = {1.5f, bad_scale, 2.0f, 1.0f}, shift = {0.25f, bad_shift, -1.0f, 3.0f};
            std::vector<bnkit_f16> a(n), b(n);
            REQUIRE(bnkit_bn_infer_f16(&fp16, x.data(), a.data(), scale.data(), shift.data()) == BNKIT_OK);
            REQUIRE(bnkit_bn_infer_f16(&neon, x.data(), b.data(), scale.data(), shift.data()) == BNKIT_OK);
            CHECK(std::memcmp(a.data(), b.data(), n * sizeof(bnkit_f16)) == 0);
        }
    }
    SUBCASE("fused activations run the float32-arithmetic kernel") {
        const std::vector<float> scale = {1.5f, -0.5f, 2.0f, 1.0f}, shift = {0.25f, 0.0f, -1.0f, 3.0f};
        for (const bnkit_activation act : {BNKIT_ACTIVATION_RELU, BNKIT_ACTIVATION_RELU6}) {
            CAPTURE(static_cast<int>(act));
            std::vector<bnkit_f16> a(n), b(n);
            REQUIRE(bnkit_bn_infer_act_f16(&fp16, x.data(), a.data(), scale.data(), shift.data(), act) == BNKIT_OK);
            REQUIRE(bnkit_bn_infer_act_f16(&neon, x.data(), b.data(), scale.data(), shift.data(), act) == BNKIT_OK);
            CHECK(std::memcmp(a.data(), b.data(), n * sizeof(bnkit_f16)) == 0);
        }
    }
    SUBCASE("float32 inference and f16 training are neon64's") {
        const std::vector<float> scale = {1.5f, 0.5f, 2.0f, 1.0f}, shift = {0.25f, 0.0f, -1.0f, 3.0f};
        std::vector<float> xf(n), ya(n), yb(n);
        for (std::size_t k = 0; k < n; ++k) xf[k] = rng.next();
        REQUIRE(bnkit_bn_infer_f32(&fp16, xf.data(), ya.data(), scale.data(), shift.data()) == BNKIT_OK);
        REQUIRE(bnkit_bn_infer_f32(&neon, xf.data(), yb.data(), scale.data(), shift.data()) == BNKIT_OK);
        CHECK(ya == yb);

        const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
        std::vector<float> mm[2], mv[2], sm[2], si[2];
        std::vector<bnkit_f16> y[2];
        std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(4));
        const bnkit_bn_desc* ds[2] = {&fp16, &neon};
        for (int k = 0; k < 2; ++k) {
            mm[k].assign(4, 0.0f);
            mv[k].assign(4, 1.0f);
            sm[k].assign(4, 0.0f);
            si[k].assign(4, 0.0f);
            y[k].assign(n, bnkit_f16{0});
            REQUIRE(bnkit_bn_train_f16(ds[k], &p, x.data(), y[k].data(), scale.data(), shift.data(), mm[k].data(),
                                       mv[k].data(), sm[k].data(), si[k].data(), {ws.data(), ws.size()}) == BNKIT_OK);
        }
        CHECK(std::memcmp(y[0].data(), y[1].data(), n * sizeof(bnkit_f16)) == 0);
        CHECK(mm[0] == mm[1]);
        CHECK(mv[0] == mv[1]);
        CHECK(si[0] == si[1]);
    }
}
