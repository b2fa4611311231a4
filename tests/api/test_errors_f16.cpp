// The bad-input contract of the float16 functions (docs/status.md): each class of bad input
// gets its documented status and leaves every byte the caller owns as it was (one canary
// arena, compared whole with memcmp after each failing call). The aliasing checks measure
// float16 tensors in 2-byte elements: buffers that only touch are accepted, a one-element
// overlap is not.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/canary.hpp"

using bnkit_test::Arena;
using bnkit_test::Snapshot;

namespace {

constexpr std::size_t kOuter = 2, kC = 3, kInner = 4, kN = kOuter * kC * kInner;  // 24 halves = 12 floats
constexpr std::size_t kSlot = 64;  // floats between buffer starts: apart, with canary between

bnkit_bn_desc make_desc() {
    const std::size_t dims[] = {kOuter, kC, kInner};
    const std::int32_t axes[] = {1};
    bnkit_bn_desc d;
    REQUIRE(bnkit_bn_desc_init(&d, 3, dims, 1, axes) == BNKIT_OK);
    return d;
}

bnkit_f16* halves(float* p) { return reinterpret_cast<bnkit_f16*>(p); }

// Slots: 0 x, 1 y / dy, 2 dx, 3..8 per-channel arrays, 9 workspace, 10.. spare.
struct Bufs {
    Arena arena{16 * kSlot};
    float* slot(std::size_t k) { return arena.at(k * kSlot); }
    bnkit_buffer ws(std::size_t bytes = BNKIT_BN_WORKSPACE_BYTES(kC)) { return {slot(9), bytes}; }
};

template <class Call>
void expect_error(Bufs& b, bnkit_status want, const char* what, Call call) {
    const Snapshot before = b.arena.snapshot();
    const bnkit_status s = call();
    INFO(std::string(what) << " -> " << std::string(bnkit_status_str(s)));
    CHECK(s == want);
    CHECK(before.unchanged());
}

}  // namespace

TEST_CASE("errors f16: bnkit_bn_infer_f16 rejects each bad input class and writes nothing") {
    const bnkit_bn_desc d = make_desc();
    Bufs b;
    const bnkit_f16* x = halves(b.slot(0));
    bnkit_f16* y = halves(b.slot(1));
    const float *scale = b.slot(3), *shift = b.slot(4);
    expect_error(b, BNKIT_ERR_NULL_POINTER, "desc NULL", [&] { return bnkit_bn_infer_f16(nullptr, x, y, scale, shift); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "x NULL", [&] { return bnkit_bn_infer_f16(&d, nullptr, y, scale, shift); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "y NULL", [&] { return bnkit_bn_infer_f16(&d, x, nullptr, scale, shift); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "scale NULL", [&] { return bnkit_bn_infer_f16(&d, x, y, nullptr, shift); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "shift NULL", [&] { return bnkit_bn_infer_f16(&d, x, y, scale, nullptr); });
    const bnkit_bn_desc zero{};
    expect_error(b, BNKIT_ERR_BAD_ARGUMENT, "zeroed desc", [&] { return bnkit_bn_infer_f16(&zero, x, y, scale, shift); });
    expect_error(b, BNKIT_ERR_ALIASING, "y one half into x",
                 [&] { return bnkit_bn_infer_f16(&d, x, halves(b.slot(0)) + 1, scale, shift); });
    expect_error(b, BNKIT_ERR_ALIASING, "y's last half on x's first",
                 [&] { return bnkit_bn_infer_f16(&d, x, halves(b.slot(0)) - (kN - 1), scale, shift); });
    expect_error(b, BNKIT_ERR_ALIASING, "scale on y's last two halves",
                 [&] { return bnkit_bn_infer_f16(&d, x, y, reinterpret_cast<const float*>(y + kN - 2), shift); });

    // Touching is not overlapping: y right after x, scale right after y (2-byte elements).
    float* arena = b.slot(10);
    bnkit_f16* x2 = halves(arena);
    for (std::size_t i = 0; i < kN; ++i) x2[i].bits = 0x3c00;  // 1.0
    float* sc = reinterpret_cast<float*>(x2 + 2 * kN);
    float* sh = sc + kC;
    for (std::size_t c = 0; c < kC; ++c) sc[c] = 2.0f, sh[c] = 0.0f;
    CHECK(bnkit_bn_infer_f16(&d, x2, x2 + kN, sc, sh) == BNKIT_OK);
    CHECK(x2[kN].bits == 0x4000);  // 2.0
    CHECK(x2[2 * kN - 1].bits == 0x4000);
}

TEST_CASE("errors f16: bnkit_bn_train_f16 rejects each bad input class and writes nothing") {
    const bnkit_bn_desc d = make_desc();
    Bufs b;
    const bnkit_f16* x = halves(b.slot(0));
    bnkit_f16* y = halves(b.slot(1));
    float *g = b.slot(3), *be = b.slot(4), *mm = b.slot(5), *mv = b.slot(6), *sm = b.slot(7), *si = b.slot(8);
    bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    auto call = [&](const bnkit_bn_desc* desc, const bnkit_f16* xx, bnkit_f16* yy, float* m1, float* m2, float* s1,
                    float* s2, bnkit_buffer ws) {
        return bnkit_bn_train_f16(desc, &p, xx, yy, g, be, m1, m2, s1, s2, ws);
    };
    expect_error(b, BNKIT_ERR_NULL_POINTER, "desc NULL", [&] { return call(nullptr, x, y, mm, mv, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "params NULL",
                 [&] { return bnkit_bn_train_f16(&d, nullptr, x, y, g, be, mm, mv, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "x NULL", [&] { return call(&d, nullptr, y, mm, mv, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "y NULL", [&] { return call(&d, x, nullptr, mm, mv, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "saved_mean NULL", [&] { return call(&d, x, y, mm, mv, nullptr, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "saved_invstd NULL", [&] { return call(&d, x, y, mm, mv, sm, nullptr, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "only moving_var NULL", [&] { return call(&d, x, y, mm, nullptr, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "workspace NULL",
                 [&] { return call(&d, x, y, mm, mv, sm, si, bnkit_buffer{nullptr, 1024}); });
    p.epsilon = std::numeric_limits<float>::quiet_NaN();
    expect_error(b, BNKIT_ERR_BAD_EPSILON, "epsilon NaN", [&] { return call(&d, x, y, mm, mv, sm, si, b.ws()); });
    p.epsilon = 1e-3f;
    p.momentum = 1.5;
    expect_error(b, BNKIT_ERR_BAD_MOMENTUM, "momentum 1.5", [&] { return call(&d, x, y, mm, mv, sm, si, b.ws()); });
    p.momentum = 0.9;
    std::int32_t bad = 7;
    std::memcpy(&p.moving_variance, &bad, sizeof bad);
    expect_error(b, BNKIT_ERR_BAD_ARGUMENT, "variance correction 7", [&] { return call(&d, x, y, mm, mv, sm, si, b.ws()); });
    p.moving_variance = BNKIT_VARIANCE_UNBIASED;
    expect_error(b, BNKIT_ERR_WORKSPACE_TOO_SMALL, "workspace one byte short",
                 [&] { return call(&d, x, y, mm, mv, sm, si, b.ws(BNKIT_BN_WORKSPACE_BYTES(kC) - 1)); });
    expect_error(b, BNKIT_ERR_ALIASING, "y one half into x",
                 [&] { return call(&d, x, halves(b.slot(0)) + 1, mm, mv, sm, si, b.ws()); });
    expect_error(b, BNKIT_ERR_ALIASING, "saved_mean on y's last half",
                 [&] { return call(&d, x, y, mm, mv, reinterpret_cast<float*>(y + kN - 1) , si, b.ws()); });
    expect_error(b, BNKIT_ERR_ALIASING, "workspace on x",
                 [&] { return call(&d, x, y, mm, mv, sm, si, bnkit_buffer{b.slot(0), BNKIT_BN_WORKSPACE_BYTES(kC)}); });
}

TEST_CASE("errors f16: bnkit_bn_backward_f16 rejects each bad input class and writes nothing") {
    const bnkit_bn_desc d = make_desc();
    Bufs b;
    const bnkit_f16* x = halves(b.slot(0));
    const bnkit_f16* dy = halves(b.slot(1));
    bnkit_f16* dx = halves(b.slot(2));
    const float *g = b.slot(3), *m = b.slot(4), *is = b.slot(5);
    float *dg = b.slot(6), *db = b.slot(7);
    bnkit_bn_phase phase = BNKIT_PHASE_TRAINING;
    auto call = [&](const bnkit_f16* xx, const bnkit_f16* dyy, bnkit_f16* dxx, float* dgg, bnkit_buffer ws) {
        return bnkit_bn_backward_f16(&d, phase, xx, dyy, g, m, is, dxx, dgg, db, ws);
    };
    expect_error(b, BNKIT_ERR_NULL_POINTER, "desc NULL",
                 [&] { return bnkit_bn_backward_f16(nullptr, phase, x, dy, g, m, is, dx, dg, db, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "x NULL", [&] { return call(nullptr, dy, dx, dg, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "dy NULL", [&] { return call(x, nullptr, dx, dg, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "mean NULL",
                 [&] { return bnkit_bn_backward_f16(&d, phase, x, dy, g, nullptr, is, dx, dg, db, b.ws()); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "invstd NULL",
                 [&] { return bnkit_bn_backward_f16(&d, phase, x, dy, g, m, nullptr, dx, dg, db, b.ws()); });
    std::int32_t bad = 2;
    std::memcpy(&phase, &bad, sizeof bad);
    expect_error(b, BNKIT_ERR_BAD_ARGUMENT, "phase 2", [&] { return call(x, dy, dx, dg, b.ws()); });
    phase = BNKIT_PHASE_INFERENCE;
    expect_error(b, BNKIT_ERR_WORKSPACE_TOO_SMALL, "workspace one byte short",
                 [&] { return call(x, dy, dx, dg, b.ws(BNKIT_BN_WORKSPACE_BYTES(kC) - 1)); });
    expect_error(b, BNKIT_ERR_ALIASING, "dx one half into dy",
                 [&] { return call(x, dy, halves(b.slot(1)) + 1, dg, b.ws()); });
    expect_error(b, BNKIT_ERR_ALIASING, "dgamma on dx's last half",
                 [&] { return call(x, dy, dx, reinterpret_cast<float*>(dx + kN - 1), b.ws()); });
    expect_error(b, BNKIT_ERR_ALIASING, "dx on the workspace",
                 [&] { return call(x, dy, halves(b.slot(9)), dg, b.ws()); });
}

TEST_CASE("errors f16: bulk conversions reject NULL, overflowing counts and overlap, and write nothing") {
    Bufs b;
    const bnkit_f16* h = halves(b.slot(0));
    float* f = b.slot(1);
    const std::size_t n = 10;
    expect_error(b, BNKIT_ERR_NULL_POINTER, "to_f32 src NULL", [&] { return bnkit_f16_to_f32_n(nullptr, f, n); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "to_f32 dst NULL", [&] { return bnkit_f16_to_f32_n(h, nullptr, n); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "to_f32 dst NULL, n 0", [&] { return bnkit_f16_to_f32_n(h, nullptr, 0); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "from_f32 src NULL",
                 [&] { return bnkit_f16_from_f32_n(nullptr, halves(b.slot(0)), n); });
    expect_error(b, BNKIT_ERR_NULL_POINTER, "from_f32 dst NULL", [&] { return bnkit_f16_from_f32_n(f, nullptr, n); });
    expect_error(b, BNKIT_ERR_SHAPE_OVERFLOW, "to_f32 n = SIZE_MAX", [&] { return bnkit_f16_to_f32_n(h, f, SIZE_MAX); });
    expect_error(b, BNKIT_ERR_SHAPE_OVERFLOW, "from_f32 n = SIZE_MAX / 2",
                 [&] { return bnkit_f16_from_f32_n(f, halves(b.slot(0)), SIZE_MAX / 2); });
    // dst floats starting on the source's last half; in place is not allowed either.
    expect_error(b, BNKIT_ERR_ALIASING, "to_f32 dst on src's last half",
                 [&] { return bnkit_f16_to_f32_n(h, reinterpret_cast<float*>(halves(b.slot(0)) + n - 2), n); });
    expect_error(b, BNKIT_ERR_ALIASING, "to_f32 in place",
                 [&] { return bnkit_f16_to_f32_n(h, b.slot(0), n); });
    expect_error(b, BNKIT_ERR_ALIASING, "from_f32 in place",
                 [&] { return bnkit_f16_from_f32_n(f, halves(b.slot(1)), n); });
    // Touching: the floats right after the halves.
    bnkit_f16* src = halves(b.slot(10));
    for (std::size_t i = 0; i < n; ++i) src[i].bits = 0xc000;  // -2
    float* dst = reinterpret_cast<float*>(src + n);
    CHECK(bnkit_f16_to_f32_n(src, dst, n) == BNKIT_OK);
    CHECK(dst[0] == -2.0f);
    CHECK(dst[n - 1] == -2.0f);
    CHECK(bnkit_f16_to_f32_n(src, dst, 0) == BNKIT_OK);
}
