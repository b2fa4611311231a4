// The bad-input contract of the C++ front-ends (docs/status.md): bnkit::keras::BatchNormalization
// and bnkit::mindspore::BatchNorm{1d,2d,3d} return the documented status for each class of bad
// input and change nothing on error: not the caller's buffers (canary-filled, compared with
// memcmp) and not the layer's gamma / beta / moving statistics / gradients (read through the
// accessors and compared bit for bit). A failing first Keras call leaves the layer unbuilt.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/initializers.hpp"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "support/canary.hpp"

using bnkit::Shape;
using bnkit::Span;
using bnkit::Status;
using bnkit_test::Arena;
using bnkit_test::Guarded;
using bnkit_test::Snapshot;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void fill_data(float* p, std::size_t n, float scale, float offset) {
    for (std::size_t i = 0; i < n; ++i)
        p[i] = offset + scale * static_cast<float>(static_cast<int>((i * 5u + 2u) % 13u) - 6);
}

// Everything a layer exposes, copied bit for bit.
struct LayerState {
    std::vector<std::vector<unsigned char>> arrays;
    std::vector<std::size_t> sizes;
    static LayerState of(const bnkit::keras::BatchNormalizationBase& l) { return from(l); }
    static LayerState of(const bnkit::mindspore::BatchNormBase& l) { return from(l); }
    bool operator==(const LayerState& o) const { return sizes == o.sizes && arrays == o.arrays; }

private:
    template <class L>
    static LayerState from(const L& l) {
        LayerState s;
        for (const Span<const float> a : {l.gamma(), l.beta(), l.moving_mean(), l.moving_variance(), l.dgamma(),
                                          l.dbeta()}) {
            s.sizes.push_back(a.size);
            const auto* b = reinterpret_cast<const unsigned char*>(a.data);
            s.arrays.emplace_back(b, b + (a.data ? a.size * sizeof(float) : 0));
        }
        return s;
    }
};

struct Row {
    const char* what;
    std::function<Status()> run;
    Status expect;
};

// Run each row against a layer: the status must match and neither the layer's state nor the
// arena holding every caller buffer may change.
template <class L>
void run_rows(const L& layer, const Arena& arena, const std::vector<Row>& rows) {
    for (const Row& r : rows) {
        const LayerState before = LayerState::of(layer);
        const Snapshot mem = arena.snapshot();
        const Status s = r.run();
        INFO(std::string(r.what) << " -> " << std::string(bnkit_status_str(s)));
        CHECK(s == r.expect);
        CHECK(LayerState::of(layer) == before);
        CHECK(mem.unchanged());
    }
}

constexpr std::size_t kBig = SIZE_MAX / 2;

}  // namespace

// ========================================================================================
// Keras

namespace {

using Keras8 = bnkit::keras::BatchNormalization<8>;

// A Keras layer (axis -1, C = 3) built on [4, 3], with non-trivial weights, one training call
// and one backward behind it, so every array it exposes holds distinct values.
struct KerasFixture {
    static constexpr std::size_t N = 12, C = 3;
    const Shape shape{4, 3};
    Keras8 layer;
    Arena arena{8 * N};
    float* x = arena.at(0);
    float* y = arena.at(2 * N);
    float* dy = arena.at(4 * N);
    float* dx = arena.at(6 * N);
    KerasFixture() {
        fill_data(x, N, 0.3f, 0.5f);
        fill_data(dy, N, -0.2f, 0.1f);
        REQUIRE(layer.build(shape) == BNKIT_OK);
        const float g[] = {1.5f, 0.5f, 2.0f}, b[] = {0.1f, -0.2f, 0.3f}, m[] = {0.4f, 0.5f, -0.6f},
                    v[] = {1.1f, 0.9f, 2.5f};
        const Span<const float> w[] = {g, b, m, v};
        REQUIRE(layer.set_weights(w, 4) == BNKIT_OK);
        REQUIRE(layer.call(shape, {x, N}, {y, N}, true) == BNKIT_OK);
        REQUIRE(layer.backward(shape, {x, N}, {dy, N}, {dx, N}) == BNKIT_OK);
        REQUIRE(layer.dgamma().size == C);  // accessors callable on the concrete template
        // Outputs back to canary: any write on an error path shows up bitwise.
        bnkit_test::fill_canary(y, N * sizeof(float));
        bnkit_test::fill_canary(dx, N * sizeof(float));
    }
};

}  // namespace

TEST_CASE("errors layers: Keras call rejects bad buffers and shapes without touching the layer") {
    KerasFixture f;
    auto& L = f.layer;
    const std::size_t N = f.N;
    float *x = f.x, *y = f.y;
    std::vector<Row> rows;
    for (const bool training : {true, false}) {
        const std::optional<bool> t = training;
        rows.push_back({"x one element short", [&, t] { return L.call(f.shape, {x, N - 1}, {y, N}, t); },
                        BNKIT_ERR_BUFFER_TOO_SMALL});
        rows.push_back({"y one element short", [&, t] { return L.call(f.shape, {x, N}, {y, N - 1}, t); },
                        BNKIT_ERR_BUFFER_TOO_SMALL});
        rows.push_back({"y empty non-null", [&, t] { return L.call(f.shape, {x, N}, {y, 0}, t); },
                        BNKIT_ERR_BUFFER_TOO_SMALL});
        rows.push_back({"x null span", [&, t] { return L.call(f.shape, {}, {y, N}, t); }, BNKIT_ERR_NULL_POINTER});
        rows.push_back({"y null span", [&, t] { return L.call(f.shape, {x, N}, {}, t); }, BNKIT_ERR_NULL_POINTER});
        rows.push_back({"x null data with a size", [&, t] { return L.call(f.shape, {nullptr, N}, {y, N}, t); },
                        BNKIT_ERR_NULL_POINTER});
        rows.push_back({"channel mismatch [4, 5]", [&, t] { return L.call(Shape{4, 5}, {x, 20}, {y, 20}, t); },
                        BNKIT_ERR_CHANNEL_MISMATCH});
        rows.push_back({"rank mismatch [4, 1, 3]", [&, t] { return L.call(Shape{4, 1, 3}, {x, N}, {y, N}, t); },
                        BNKIT_ERR_BAD_RANK});
        rows.push_back({"rank 6", [&, t] { return L.call(Shape{1, 1, 1, 1, 4, 3}, {x, N}, {y, N}, t); },
                        BNKIT_ERR_BAD_RANK});
        rows.push_back({"rank 0", [&, t] { return L.call(Shape{}, {x, N}, {y, N}, t); }, BNKIT_ERR_BAD_RANK});
        rows.push_back({"zero dim [0, 3]", [&, t] { return L.call(Shape{0, 3}, {x, N}, {y, N}, t); },
                        BNKIT_ERR_ZERO_DIM});
        rows.push_back({"overflowing [SIZE_MAX/2, 3]", [&, t] { return L.call(Shape{kBig, 3}, {x, N}, {y, N}, t); },
                        BNKIT_ERR_SHAPE_OVERFLOW});
        rows.push_back({"y overlapping x by one element",
                        [&, t] { return L.call(f.shape, {x, N}, {x + N - 1, N}, t); }, BNKIT_ERR_ALIASING});
        rows.push_back({"y = x + 1", [&, t] { return L.call(f.shape, {x, N}, {x + 1, N}, t); }, BNKIT_ERR_ALIASING});
    }
    run_rows(L, f.arena, rows);
    CHECK(L.built());
    CHECK(L.channels() == 3);
    // In place (y == x) is allowed.
    CHECK(L.call(f.shape, {x, N}, {x, N}, false) == BNKIT_OK);
}

TEST_CASE("errors layers: Keras backward rejects bad buffers and shapes without touching the gradients") {
    KerasFixture f;
    auto& L = f.layer;
    const std::size_t N = f.N;
    float *x = f.x, *dy = f.dy, *dx = f.dx;
    const std::vector<Row> rows = {
        {"x one element short", [&] { return L.backward(f.shape, {x, N - 1}, {dy, N}, {dx, N}); },
         BNKIT_ERR_BUFFER_TOO_SMALL},
        {"dy one element short", [&] { return L.backward(f.shape, {x, N}, {dy, N - 1}, {dx, N}); },
         BNKIT_ERR_BUFFER_TOO_SMALL},
        {"dx one element short", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {dx, N - 1}); },
         BNKIT_ERR_BUFFER_TOO_SMALL},
        {"x null span", [&] { return L.backward(f.shape, {}, {dy, N}, {dx, N}); }, BNKIT_ERR_NULL_POINTER},
        {"dy null span", [&] { return L.backward(f.shape, {x, N}, {}, {dx, N}); }, BNKIT_ERR_NULL_POINTER},
        {"channel mismatch [4, 5]", [&] { return L.backward(Shape{4, 5}, {x, 20}, {dy, 20}, {dx, 20}); },
         BNKIT_ERR_CHANNEL_MISMATCH},
        {"rank mismatch [4, 1, 3]", [&] { return L.backward(Shape{4, 1, 3}, {x, N}, {dy, N}, {dx, N}); },
         BNKIT_ERR_BAD_RANK},
        {"rank 6", [&] { return L.backward(Shape{1, 1, 1, 1, 4, 3}, {x, N}, {dy, N}, {dx, N}); }, BNKIT_ERR_BAD_RANK},
        {"zero dim", [&] { return L.backward(Shape{0, 3}, {x, N}, {dy, N}, {dx, N}); }, BNKIT_ERR_ZERO_DIM},
        {"dx = dy + 1", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {dy + 1, N}); }, BNKIT_ERR_ALIASING},
        {"dx = x + N - 1", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {x + N - 1, N}); },
         BNKIT_ERR_ALIASING},
    };
    run_rows(L, f.arena, rows);
    // dx == dy and an empty dx (skip) are allowed.
    CHECK(L.backward(f.shape, {x, N}, {dy, N}, {}) == BNKIT_OK);
    CHECK(L.backward(f.shape, {x, N}, {dy, N}, {dy, N}) == BNKIT_OK);
}

TEST_CASE("errors layers: Keras build set_weights and get_weights reject bad arguments without writing") {
    KerasFixture f;
    bnkit::keras::BatchNormalizationBase& L = f.layer;
    const float a[] = {9.0f, 9.0f, 9.0f}, b[] = {8.0f, 8.0f, 8.0f}, c[] = {7.0f, 7.0f, 7.0f}, d[] = {6.0f, 6.0f, 6.0f};
    const float two[] = {1.0f, 2.0f}, four[] = {1.0f, 2.0f, 3.0f, 4.0f};
    const Span<const float> good[] = {a, b, c, d};
    const Span<const float> last_short[] = {a, b, c, two};
    const Span<const float> first_long[] = {four, b, c, d};
    const Span<const float> third_null[] = {a, b, {}, d};
    Guarded<float> o0(3), o1(3), o2(3), o3(3), o_short(2);
    const Span<float> outs[] = {{o0.data(), 3}, {o1.data(), 3}, {o2.data(), 3}, {o3.data(), 3}};
    const Span<float> outs_short[] = {{o0.data(), 3}, {o1.data(), 3}, {o2.data(), 3}, {o_short.data(), 2}};
    const Span<float> outs_null[] = {{o0.data(), 3}, {}, {o2.data(), 3}, {o3.data(), 3}};
    const std::vector<Row> rows = {
        {"build with another channel count", [&] { return L.build(Shape{4, 5}); }, BNKIT_ERR_CHANNEL_MISMATCH},
        {"build with another rank", [&] { return L.build(Shape{2, 2, 3}); }, BNKIT_ERR_BAD_RANK},
        {"build with rank 6", [&] { return L.build(Shape{1, 1, 1, 1, 4, 3}); }, BNKIT_ERR_BAD_RANK},
        {"build with a zero dim", [&] { return L.build(Shape{0, 3}); }, BNKIT_ERR_ZERO_DIM},
        {"build again, compatible (no-op)", [&] { return L.build(Shape{7, 3}); }, BNKIT_OK},
        {"set_weights 3 of 4", [&] { return L.set_weights(good, 3); }, BNKIT_ERR_BAD_ARGUMENT},
        {"set_weights 5 of 4", [&] { return L.set_weights(good, 5); }, BNKIT_ERR_BAD_ARGUMENT},
        {"set_weights 0", [&] { return L.set_weights(good, 0); }, BNKIT_ERR_BAD_ARGUMENT},
        {"set_weights NULL array", [&] { return L.set_weights(nullptr, 4); }, BNKIT_ERR_NULL_POINTER},
        {"set_weights last weight size 2", [&] { return L.set_weights(last_short, 4); }, BNKIT_ERR_CHANNEL_MISMATCH},
        {"set_weights first weight size 4", [&] { return L.set_weights(first_long, 4); }, BNKIT_ERR_CHANNEL_MISMATCH},
        {"set_weights third weight null", [&] { return L.set_weights(third_null, 4); }, BNKIT_ERR_NULL_POINTER},
        {"get_weights 3 of 4", [&] { return L.get_weights(outs, 3); }, BNKIT_ERR_BAD_ARGUMENT},
        {"get_weights NULL array", [&] { return L.get_weights(nullptr, 4); }, BNKIT_ERR_NULL_POINTER},
        {"get_weights last output short", [&] { return L.get_weights(outs_short, 4); }, BNKIT_ERR_BUFFER_TOO_SMALL},
        {"get_weights second output null", [&] { return L.get_weights(outs_null, 4); }, BNKIT_ERR_NULL_POINTER},
    };
    run_rows(L, f.arena, rows);
    for (const Guarded<float>* g : {&o0, &o1, &o2, &o3, &o_short}) CHECK(g->all_canary());
    // The valid counterparts succeed.
    CHECK(L.get_weights(outs, 4) == BNKIT_OK);
    CHECK(o0.guards_intact());
    CHECK(o3.guards_intact());
    CHECK(L.set_weights(good, 4) == BNKIT_OK);
    CHECK(L.moving_mean()[0] == 7.0f);
}

TEST_CASE("errors layers: Keras scale=False center=False weight count") {
    bnkit::keras::Config cfg;
    cfg.scale = false;
    cfg.center = false;
    bnkit::keras::BatchNormalization<4> L(cfg);
    REQUIRE(L.build(Shape{2, 3}) == BNKIT_OK);
    const float m[] = {1.0f, 2.0f, 3.0f}, v[] = {4.0f, 5.0f, 6.0f};
    const Span<const float> four[] = {m, v, m, v};
    Arena arena(1);
    run_rows(L, arena, {{"4 weights for a 2-weight layer", [&] { return L.set_weights(four, 4); }, BNKIT_ERR_BAD_ARGUMENT}});
    CHECK(L.num_weights() == 2);
    CHECK(L.set_weights(four, 2) == BNKIT_OK);
}

TEST_CASE("errors layers: Keras use before build is NOT_BUILT") {
    Keras8 layer;
    bnkit::keras::BatchNormalizationBase& L = layer;
    Guarded<float> x(12), dy(12), dx(12), o(3);
    fill_data(x.data(), 12, 0.3f, 0.5f);
    fill_data(dy.data(), 12, 0.2f, 0.0f);
    const Snapshot sdx = dx.snapshot(), so = o.snapshot();
    const float w[] = {1.0f, 2.0f, 3.0f};
    const Span<const float> ws[] = {w, w, w, w};
    const Span<float> outs[] = {{o.data(), 3}, {o.data(), 3}, {o.data(), 3}, {o.data(), 3}};
    CHECK(L.backward(Shape{4, 3}, {x.data(), 12}, {dy.data(), 12}, {dx.data(), 12}) == BNKIT_ERR_NOT_BUILT);
    CHECK(L.set_weights(ws, 4) == BNKIT_ERR_NOT_BUILT);
    CHECK(L.get_weights(outs, 4) == BNKIT_ERR_NOT_BUILT);
    CHECK_FALSE(L.built());
    CHECK(L.gamma().size == 0);
    CHECK(L.moving_mean().size == 0);
    CHECK(L.dgamma().size == 0);
    CHECK(sdx.unchanged());
    CHECK(so.unchanged());

    // Built but never called: no statistics to differentiate through yet.
    REQUIRE(L.build(Shape{4, 3}) == BNKIT_OK);
    const LayerState before = LayerState::of(L);
    CHECK(L.backward(Shape{4, 3}, {x.data(), 12}, {dy.data(), 12}, {dx.data(), 12}) == BNKIT_ERR_NOT_BUILT);
    CHECK(LayerState::of(L) == before);
    CHECK(sdx.unchanged());
}

TEST_CASE("errors layers: a failing first Keras call leaves the layer unbuilt") {
    struct Case {
        const char* what;
        bnkit::keras::Config cfg;
        Shape shape;
        std::optional<bool> training;
        int y_offset;        // y = x + y_offset (floats); 0 = separate buffer
        std::size_t x_size;  // 0 = shape.count()
        Status expect;
    };
    auto cfg_with = [](auto mutate) {
        bnkit::keras::Config c;
        mutate(c);
        return c;
    };
    using C = bnkit::keras::Config;
    const Case cases[] = {
        {"x one element short", C{}, Shape{4, 3}, true, 0, 11, BNKIT_ERR_BUFFER_TOO_SMALL},
        {"zero dim", C{}, Shape{0, 3}, true, 0, 12, BNKIT_ERR_ZERO_DIM},
        {"rank 6", C{}, Shape{1, 1, 1, 1, 4, 3}, true, 0, 12, BNKIT_ERR_BAD_RANK},
        {"overflowing shape", C{}, Shape{kBig, 3}, true, 0, 12, BNKIT_ERR_SHAPE_OVERFLOW},
        {"capacity exceeded (9 > 8 channels)", C{}, Shape{2, 9}, true, 0, 0, BNKIT_ERR_CAPACITY},
        {"y overlaps x (training)", C{}, Shape{4, 3}, true, 1, 0, BNKIT_ERR_ALIASING},
        {"y overlaps x (inference)", C{}, Shape{4, 3}, false, 1, 0, BNKIT_ERR_ALIASING},
        {"epsilon -1 (non-fused)", cfg_with([](C& c) { c.epsilon = -1.0; }), Shape{4, 3}, false, 0, 0,
         BNKIT_ERR_BAD_EPSILON},
        {"epsilon NaN (non-fused, training)", cfg_with([](C& c) { c.epsilon = kNaN; }), Shape{4, 3}, true, 0, 0,
         BNKIT_ERR_BAD_EPSILON},
        {"epsilon +inf (non-fused)", cfg_with([](C& c) { c.epsilon = kInf; }), Shape{4, 3}, false, 0, 0,
         BNKIT_ERR_BAD_EPSILON},
        {"epsilon 1e300 (inf as float32)", cfg_with([](C& c) { c.epsilon = 1e300; }), Shape{4, 3}, false, 0, 0,
         BNKIT_ERR_BAD_EPSILON},
        {"momentum 1.5 (training)", cfg_with([](C& c) { c.momentum = 1.5; }), Shape{4, 3}, true, 0, 0,
         BNKIT_ERR_BAD_MOMENTUM},
        {"momentum -0.1 (training)", cfg_with([](C& c) { c.momentum = -0.1; }), Shape{4, 3}, true, 0, 0,
         BNKIT_ERR_BAD_MOMENTUM},
        {"momentum NaN (training)", cfg_with([](C& c) { c.momentum = kNaN; }), Shape{4, 3}, true, 0, 0,
         BNKIT_ERR_BAD_MOMENTUM},
        {"fused=True with axis 2", cfg_with([](C& c) { c.axis = 2; c.fused = true; }), Shape{2, 3, 2, 2}, false, 0, 0,
         BNKIT_ERR_BAD_AXIS},
        {"fused=True on rank 3", cfg_with([](C& c) { c.fused = true; }), Shape{2, 2, 3}, false, 0, 0,
         BNKIT_ERR_BAD_RANK},
        {"fused=None rank 4 axis -4", cfg_with([](C& c) { c.axis = -4; }), Shape{3, 2, 2, 2}, false, 0, 0,
         BNKIT_ERR_BAD_AXIS},
        {"non-adjacent axes", cfg_with([](C& c) { c.axis = bnkit::Axes{0, 2}; }), Shape{3, 2, 2}, false, 0, 0,
         BNKIT_ERR_AXES_NOT_ADJACENT},
        {"axis out of range", cfg_with([](C& c) { c.axis = 3; }), Shape{3, 2, 2}, false, 0, 0, BNKIT_ERR_BAD_AXIS},
        {"empty axis list", cfg_with([](C& c) { c.axis = bnkit::Axes{}; }), Shape{3, 2, 2}, false, 0, 0,
         BNKIT_ERR_BAD_AXIS},
    };
    for (const Case& k : cases) {
        INFO(std::string(k.what));
        Keras8 layer(k.cfg);
        bnkit::keras::BatchNormalizationBase& L = layer;
        const std::size_t n = k.x_size ? k.x_size : k.shape.count();
        Arena arena(2 * 64 + 8);
        float* x = arena.at(0);
        fill_data(x, 64, 0.3f, 0.5f);
        float* y = k.y_offset ? x + k.y_offset : arena.at(64 + 4);
        const Snapshot mem = arena.snapshot();
        CHECK(L.call(k.shape, {x, n}, {y, k.shape.count() < 64 ? k.shape.count() : 64}, k.training) == k.expect);
        CHECK(mem.unchanged());
        CHECK_FALSE(L.built());
        CHECK(L.channels() == 0);
        CHECK_FALSE(L.fused());
        CHECK(L.gamma().size == 0);
        CHECK(L.beta().size == 0);
        CHECK(L.moving_mean().size == 0);
        CHECK(L.moving_variance().size == 0);
        CHECK(L.dgamma().size == 0);
        CHECK(L.dbeta().size == 0);
        Guarded<float> dy(64), dx(64);
        CHECK(L.backward(k.shape, {x, 64}, {dy.data(), 64}, {dx.data(), 64}) == BNKIT_ERR_NOT_BUILT);
    }
    // The layer is still usable after a failed first call: a valid call builds it.
    Keras8 L;
    Guarded<float> x(20), y(20);
    fill_data(x.data(), 20, 0.3f, 0.5f);
    REQUIRE(L.call(Shape{4, 5}, {x.data(), 4}, {y.data(), 20}, true) == BNKIT_ERR_BUFFER_TOO_SMALL);
    REQUIRE_FALSE(L.built());
    CHECK(L.call(Shape{4, 5}, {x.data(), 20}, {y.data(), 20}, true) == BNKIT_OK);
    CHECK(L.built());
    CHECK(L.channels() == 5);
    CHECK(x.guards_intact());
    CHECK(y.guards_intact());
}

TEST_CASE("errors layers: Keras capacity exceeded via build") {
    bnkit::keras::BatchNormalization<2> L;
    Arena arena(1);
    run_rows(L, arena,
             {{"build [4, 3] on a 2-channel layer", [&] { return L.build(Shape{4, 3}); }, BNKIT_ERR_CAPACITY},
              {"build [4, 0]", [&] { return L.build(Shape{4, 0}); }, BNKIT_ERR_ZERO_DIM}});
    CHECK_FALSE(L.built());
    CHECK(L.build(Shape{4, 2}) == BNKIT_OK);
}

TEST_CASE("errors layers: Keras fused path rejects a negative or NaN epsilon instead of raising it to the floor") {
    // The fused kernel raises epsilon to at least 1.001e-5; that floor must not turn an
    // invalid epsilon (negative, NaN) into a valid one: BNKIT_ERR_BAD_EPSILON is "epsilon
    // negative, NaN or infinite" and docs/semantics.md section 9 rejects them.
    for (const double eps : {-1.0, kNaN, -1e-6}) {
        INFO("epsilon " << eps);
        bnkit::keras::Config cfg;
        cfg.epsilon = eps;  // axis -1 on a rank-4 input: fused
        Keras8 L(cfg);
        Guarded<float> x(24), y(24);
        fill_data(x.data(), 24, 0.3f, 0.5f);
        const Snapshot sy = y.snapshot();
        CHECK(L.call(Shape{2, 2, 2, 3}, {x.data(), 24}, {y.data(), 24}, false) == BNKIT_ERR_BAD_EPSILON);
        CHECK(sy.unchanged());
        CHECK_FALSE(L.built());
    }
}

TEST_CASE("errors layers: Keras bad momentum or epsilon fails every call and build and the layer stays unbuilt") {
    struct Case {
        double momentum, epsilon;
        Status expect;
    };
    const Case cases[] = {
        {1.5, 1e-3, BNKIT_ERR_BAD_MOMENTUM},  {-0.1, 1e-3, BNKIT_ERR_BAD_MOMENTUM},
        {kNaN, 1e-3, BNKIT_ERR_BAD_MOMENTUM}, {kInf, 1e-3, BNKIT_ERR_BAD_MOMENTUM},
        {0.99, -1.0, BNKIT_ERR_BAD_EPSILON},  {0.99, kNaN, BNKIT_ERR_BAD_EPSILON},
        {0.99, kInf, BNKIT_ERR_BAD_EPSILON},  {0.99, 1e300, BNKIT_ERR_BAD_EPSILON},
        {2.0, -1.0, BNKIT_ERR_BAD_MOMENTUM},  // both bad: momentum is reported
    };
    for (const Case& k : cases) {
        INFO("momentum " << k.momentum << " epsilon " << k.epsilon);
        bnkit::keras::Config cfg;
        cfg.momentum = k.momentum;
        cfg.epsilon = k.epsilon;
        Keras8 L(cfg);
        Guarded<float> x(12), y(12), dx(12);
        fill_data(x.data(), 12, 0.3f, 0.5f);
        const Snapshot sy = y.snapshot(), sdx = dx.snapshot();
        // Keras never checks either; bnkit rejects them in inference calls too.
        CHECK(L.call(Shape{4, 3}, {x.data(), 12}, {y.data(), 12}, false) == k.expect);
        CHECK(L.call(Shape{4, 3}, {x.data(), 12}, {y.data(), 12}, true) == k.expect);
        CHECK(L.call(Shape{4, 3}, {x.data(), 12}, {y.data(), 12}) == k.expect);
        CHECK(L.build(Shape{4, 3}) == k.expect);
        CHECK(L.backward(Shape{4, 3}, {x.data(), 12}, {x.data(), 12}, {dx.data(), 12}) == BNKIT_ERR_NOT_BUILT);
        CHECK_FALSE(L.built());
        CHECK(L.moving_mean().size == 0);
        CHECK(sy.unchanged());
        CHECK(sdx.unchanged());
    }
    // The edges of the valid ranges: momentum 0 and 1, epsilon 0.
    for (const Case& k : {Case{0.0, 1e-3, BNKIT_OK}, Case{1.0, 1e-3, BNKIT_OK}, Case{0.5, 0.0, BNKIT_OK}}) {
        bnkit::keras::Config cfg;
        cfg.momentum = k.momentum;
        cfg.epsilon = k.epsilon;
        Keras8 L(cfg);
        Guarded<float> x(12), y(12);
        fill_data(x.data(), 12, 0.3f, 0.5f);
        CHECK(L.call(Shape{4, 3}, {x.data(), 12}, {y.data(), 12}, true) == BNKIT_OK);
        CHECK(y.guards_intact());
    }
}

// ========================================================================================
// MindSpore

namespace {

using MsConfig = bnkit::mindspore::Config;

template <class L>
void check_dead_layer(L& layer, Status expect, const Shape& shape) {
    CHECK(layer.init_status() == expect);
    CHECK(layer.num_features() == 0);
    Arena arena(4 * 64);
    float* x = arena.at(0);
    fill_data(x, 64, 0.3f, 0.5f);
    const std::size_t n = shape.count();
    const Snapshot mem = arena.snapshot();
    const LayerState before = LayerState::of(layer);
    for (const bool train : {false, true}) {
        layer.set_train(train);
        CHECK(layer.call(shape, {x, n}, {arena.at(64), n}) == expect);
        CHECK(layer.backward(shape, {x, n}, {x, n}, {arena.at(128), n}) == expect);
    }
    const float three[] = {1.0f, 2.0f, 3.0f};
    for (const char* name : {"gamma", "beta", "moving_mean", "moving_variance", "bn.gamma", "nonsense"})
        CHECK(layer.load_parameter(name, three) == expect);
    CHECK(layer.load_parameter(nullptr, three) == expect);
    CHECK(mem.unchanged());
    CHECK(LayerState::of(layer) == before);
    for (const std::size_t s : before.sizes) CHECK(s == 0);
}

}  // namespace

TEST_CASE("errors layers: MindSpore bad construction is init_status and every call returns it") {
    struct Case {
        const char* what;
        std::size_t num_features;
        MsConfig cfg;
        Status expect;
    };
    auto with = [](auto mutate) {
        MsConfig c;
        mutate(c);
        return c;
    };
    const float two[] = {1.0f, 2.0f};
    const Case cases[] = {
        {"eps 0", 3, with([](MsConfig& c) { c.eps = 0.0; }), BNKIT_ERR_BAD_EPSILON},
        {"eps -0", 3, with([](MsConfig& c) { c.eps = -0.0; }), BNKIT_ERR_BAD_EPSILON},
        {"eps -1e-5", 3, with([](MsConfig& c) { c.eps = -1e-5; }), BNKIT_ERR_BAD_EPSILON},
        {"eps 1.5", 3, with([](MsConfig& c) { c.eps = 1.5; }), BNKIT_ERR_BAD_EPSILON},
        {"eps NaN", 3, with([](MsConfig& c) { c.eps = kNaN; }), BNKIT_ERR_BAD_EPSILON},
        {"eps +inf", 3, with([](MsConfig& c) { c.eps = kInf; }), BNKIT_ERR_BAD_EPSILON},
        {"momentum -0.1", 3, with([](MsConfig& c) { c.momentum = -0.1; }), BNKIT_ERR_BAD_MOMENTUM},
        {"momentum 1.1", 3, with([](MsConfig& c) { c.momentum = 1.1; }), BNKIT_ERR_BAD_MOMENTUM},
        {"momentum NaN", 3, with([](MsConfig& c) { c.momentum = kNaN; }), BNKIT_ERR_BAD_MOMENTUM},
        {"eps and momentum bad: eps first", 3, with([](MsConfig& c) { c.eps = -1; c.momentum = 2; }),
         BNKIT_ERR_BAD_EPSILON},
        {"num_features 0", 0, MsConfig{}, BNKIT_ERR_ZERO_DIM},
        {"num_features 5 > capacity 4", 5, MsConfig{}, BNKIT_ERR_CAPACITY},
        {"data_format 7", 3, with([](MsConfig& c) { c.data_format = static_cast<bnkit::mindspore::DataFormat>(7); }),
         BNKIT_ERR_BAD_ARGUMENT},
        {"moving_variance 5",
         3, with([](MsConfig& c) { c.moving_variance = static_cast<bnkit::mindspore::MovingVariance>(5); }),
         BNKIT_ERR_BAD_ARGUMENT},
        {"gamma_init tensor of 2 for 3 features", 3, with([&](MsConfig& c) { c.gamma_init = bnkit::tensor(two, 2); }),
         BNKIT_ERR_CHANNEL_MISMATCH},
        {"moving_var_init tensor without data", 3,
         with([](MsConfig& c) { c.moving_var_init = bnkit::tensor(nullptr, 3); }), BNKIT_ERR_NULL_POINTER},
    };
    for (const Case& k : cases) {
        INFO(std::string(k.what));
        bnkit::mindspore::BatchNorm2d<4> bn2(k.num_features, k.cfg);
        check_dead_layer(bn2, k.expect, Shape{2, 3, 2, 2});
        bnkit::mindspore::BatchNorm1d<4> bn1(k.num_features, k.cfg);
        check_dead_layer(bn1, k.expect, Shape{4, 3});
        if (k.cfg.data_format == bnkit::mindspore::DataFormat::NCHW) {
            bnkit::mindspore::BatchNorm3d<4> bn3(k.num_features, k.cfg);
            check_dead_layer(bn3, k.expect, Shape{2, 3, 1, 2, 2});
        }
    }
    {
        INFO("BatchNorm3d with NHWC");
        MsConfig c;
        c.data_format = bnkit::mindspore::DataFormat::NHWC;
        bnkit::mindspore::BatchNorm3d<4> bn3(3, c);
        check_dead_layer(bn3, BNKIT_ERR_BAD_ARGUMENT, Shape{2, 3, 1, 2, 2});
    }
    // The edges of the valid ranges construct fine.
    for (const auto& c : {with([](MsConfig& m) { m.eps = 1.0; }), with([](MsConfig& m) { m.momentum = 0.0; }),
                          with([](MsConfig& m) { m.momentum = 1.0; }), with([](MsConfig& m) { m.eps = 1e-300; })}) {
        bnkit::mindspore::BatchNorm2d<4> bn(3, c);
        CHECK(bn.init_status() == BNKIT_OK);
    }
}

namespace {

// A BatchNorm2d (C = 3, NCHW [2, 3, 2, 2]) with loaded parameters, one training call and one
// backward behind it.
struct MsFixture {
    static constexpr std::size_t N = 24, C = 3;
    const Shape shape{2, 3, 2, 2};
    bnkit::mindspore::BatchNorm2d<4> layer{3};
    Arena arena{8 * N};
    float* x = arena.at(0);
    float* y = arena.at(2 * N);
    float* dy = arena.at(4 * N);
    float* dx = arena.at(6 * N);
    MsFixture() {
        REQUIRE(layer.init_status() == BNKIT_OK);
        fill_data(x, N, 0.3f, 0.5f);
        fill_data(dy, N, -0.2f, 0.1f);
        const float g[] = {1.5f, 0.5f, 2.0f}, b[] = {0.1f, -0.2f, 0.3f}, m[] = {0.4f, 0.5f, -0.6f},
                    v[] = {1.1f, 0.9f, 2.5f};
        REQUIRE(layer.load_parameter("gamma", g) == BNKIT_OK);
        REQUIRE(layer.load_parameter("bn1.beta", b) == BNKIT_OK);
        REQUIRE(layer.load_parameter("moving_mean", m) == BNKIT_OK);
        REQUIRE(layer.load_parameter("net.bn1.moving_variance", v) == BNKIT_OK);
        layer.set_train(true);
        REQUIRE(layer.call(shape, {x, N}, {y, N}) == BNKIT_OK);
        REQUIRE(layer.backward(shape, {x, N}, {dy, N}, {dx, N}) == BNKIT_OK);
        REQUIRE(layer.dgamma().size == C);  // accessors callable on the concrete template
        bnkit_test::fill_canary(y, N * sizeof(float));
        bnkit_test::fill_canary(dx, N * sizeof(float));
    }
};

}  // namespace

TEST_CASE("errors layers: MindSpore call and backward reject bad buffers and shapes without touching the cell") {
    MsFixture f;
    auto& L = f.layer;
    const std::size_t N = f.N;
    float *x = f.x, *y = f.y, *dy = f.dy, *dx = f.dx;
    for (const bool train : {true, false}) {
        INFO("set_train(" << train << ")");
        L.set_train(train);
        const std::vector<Row> rows = {
            {"call: x one element short", [&] { return L.call(f.shape, {x, N - 1}, {y, N}); },
             BNKIT_ERR_BUFFER_TOO_SMALL},
            {"call: y one element short", [&] { return L.call(f.shape, {x, N}, {y, N - 1}); },
             BNKIT_ERR_BUFFER_TOO_SMALL},
            {"call: x null span", [&] { return L.call(f.shape, {}, {y, N}); }, BNKIT_ERR_NULL_POINTER},
            {"call: y null span", [&] { return L.call(f.shape, {x, N}, {}); }, BNKIT_ERR_NULL_POINTER},
            {"call: 4 channels for num_features 3", [&] { return L.call(Shape{2, 4, 2, 2}, {x, 32}, {y, 32}); },
             BNKIT_ERR_CHANNEL_MISMATCH},
            {"call: rank 3 on BatchNorm2d", [&] { return L.call(Shape{2, 3, 4}, {x, N}, {y, N}); }, BNKIT_ERR_BAD_RANK},
            {"call: rank 5 on BatchNorm2d", [&] { return L.call(Shape{1, 2, 3, 2, 2}, {x, N}, {y, N}); },
             BNKIT_ERR_BAD_RANK},
            {"call: rank 6", [&] { return L.call(Shape{1, 1, 2, 3, 2, 2}, {x, N}, {y, N}); }, BNKIT_ERR_BAD_RANK},
            {"call: zero dim", [&] { return L.call(Shape{0, 3, 2, 2}, {x, N}, {y, N}); }, BNKIT_ERR_ZERO_DIM},
            {"call: overflowing batch", [&] { return L.call(Shape{kBig, 3, 2, 2}, {x, N}, {y, N}); },
             BNKIT_ERR_SHAPE_OVERFLOW},
            {"call: y = x + 1", [&] { return L.call(f.shape, {x, N}, {x + 1, N}); }, BNKIT_ERR_ALIASING},
            {"call: y overlapping x by one element", [&] { return L.call(f.shape, {x, N}, {x + N - 1, N}); },
             BNKIT_ERR_ALIASING},
            {"backward: x short", [&] { return L.backward(f.shape, {x, N - 1}, {dy, N}, {dx, N}); },
             BNKIT_ERR_BUFFER_TOO_SMALL},
            {"backward: dy short", [&] { return L.backward(f.shape, {x, N}, {dy, N - 1}, {dx, N}); },
             BNKIT_ERR_BUFFER_TOO_SMALL},
            {"backward: dx short", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {dx, N - 1}); },
             BNKIT_ERR_BUFFER_TOO_SMALL},
            {"backward: x null span", [&] { return L.backward(f.shape, {}, {dy, N}, {dx, N}); },
             BNKIT_ERR_NULL_POINTER},
            {"backward: dy null span", [&] { return L.backward(f.shape, {x, N}, {}, {dx, N}); },
             BNKIT_ERR_NULL_POINTER},
            {"backward: channel mismatch", [&] { return L.backward(Shape{2, 4, 2, 2}, {x, 32}, {dy, 32}, {dx, 32}); },
             BNKIT_ERR_CHANNEL_MISMATCH},
            {"backward: rank 3", [&] { return L.backward(Shape{2, 3, 4}, {x, N}, {dy, N}, {dx, N}); },
             BNKIT_ERR_BAD_RANK},
            {"backward: dx = dy + 1", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {dy + 1, N}); },
             BNKIT_ERR_ALIASING},
            {"backward: dx overlapping x", [&] { return L.backward(f.shape, {x, N}, {dy, N}, {x + N - 1, N}); },
             BNKIT_ERR_ALIASING},
        };
        run_rows(L, f.arena, rows);
    }
    CHECK(L.num_features() == 3);
    CHECK(L.call(f.shape, {x, N}, {x, N}) == BNKIT_OK);  // in place is allowed
}

TEST_CASE("errors layers: MindSpore load_parameter rejects unknown names and bad values without writing") {
    MsFixture f;
    bnkit::mindspore::BatchNormBase& L = f.layer;
    const float three[] = {7.0f, 7.0f, 7.0f}, two[] = {7.0f, 7.0f}, four[] = {7.0f, 7.0f, 7.0f, 7.0f};
    std::vector<Row> rows;
    for (const char* bad : {"dgamma", "dbeta", "Gamma", "gamma.", "", "moving_var", "weight", "bias", "gamma ",
                            "running_mean", "bn1.moving_variance.x"})
        rows.push_back({bad, [&L, bad, &three] { return L.load_parameter(bad, three); }, BNKIT_ERR_BAD_ARGUMENT});
    rows.push_back({"NULL name", [&] { return L.load_parameter(nullptr, three); }, BNKIT_ERR_NULL_POINTER});
    rows.push_back({"bn1.gamma with 2 values", [&] { return L.load_parameter("bn1.gamma", two); },
                    BNKIT_ERR_CHANNEL_MISMATCH});
    rows.push_back({"beta with 4 values", [&] { return L.load_parameter("beta", four); }, BNKIT_ERR_CHANNEL_MISMATCH});
    rows.push_back({"moving_mean with a null span", [&] { return L.load_parameter("moving_mean", {}); },
                    BNKIT_ERR_NULL_POINTER});
    rows.push_back({"moving_variance with an empty span", [&] { return L.load_parameter("moving_variance", {three, 0}); },
                    BNKIT_ERR_CHANNEL_MISMATCH});
    run_rows(L, f.arena, rows);
    CHECK(L.load_parameter("x.y.gamma", three) == BNKIT_OK);
    CHECK(L.gamma()[0] == 7.0f);
}

TEST_CASE("errors layers: MindSpore backward before any call is NOT_BUILT") {
    bnkit::mindspore::BatchNorm2d<4> L(3);
    REQUIRE(L.init_status() == BNKIT_OK);
    Arena arena(3 * 24 + 8);
    float* x = arena.at(0);
    fill_data(x, 24, 0.3f, 0.5f);
    const bnkit::mindspore::BatchNormBase& base = L;
    run_rows(L, arena,
             {{"backward before call",
               [&] { return L.backward(Shape{2, 3, 2, 2}, {x, 24}, {arena.at(24), 24}, {arena.at(48), 24}); },
               BNKIT_ERR_NOT_BUILT}});
    CHECK(base.dgamma().size == 0);
    // A failing first call does not count as a call either.
    run_rows(L, arena,
             {{"short call", [&] { return L.call(Shape{2, 3, 2, 2}, {x, 23}, {arena.at(24), 24}); },
               BNKIT_ERR_BUFFER_TOO_SMALL},
              {"backward after a failed call",
               [&] { return L.backward(Shape{2, 3, 2, 2}, {x, 24}, {arena.at(24), 24}, {arena.at(48), 24}); },
               BNKIT_ERR_NOT_BUILT}});
}

TEST_CASE("errors layers: MindSpore BatchNorm1d and BatchNorm3d rank and channel checks") {
    {
        bnkit::mindspore::BatchNorm1d<4> L(3);
        Arena arena(128);
        float* x = arena.at(0);
        fill_data(x, 48, 0.3f, 0.5f);
        float* y = arena.at(64);
        run_rows(L, arena,
                 {{"1d: rank 1", [&] { return L.call(Shape{3}, {x, 3}, {y, 3}); }, BNKIT_ERR_BAD_RANK},
                  {"1d: rank 4", [&] { return L.call(Shape{2, 3, 2, 2}, {x, 24}, {y, 24}); }, BNKIT_ERR_BAD_RANK},
                  {"1d: [4, 5]", [&] { return L.call(Shape{4, 5}, {x, 20}, {y, 20}); }, BNKIT_ERR_CHANNEL_MISMATCH},
                  {"1d: [4, 3, 0]", [&] { return L.call(Shape{4, 3, 0}, {x, 12}, {y, 12}); }, BNKIT_ERR_ZERO_DIM},
                  {"1d: [4, 3, 2] y short", [&] { return L.call(Shape{4, 3, 2}, {x, 24}, {y, 23}); },
                   BNKIT_ERR_BUFFER_TOO_SMALL}});
        CHECK(L.call(Shape{4, 3}, {x, 12}, {y, 12}) == BNKIT_OK);
        CHECK(L.call(Shape{4, 3, 2}, {x, 24}, {y, 24}) == BNKIT_OK);
    }
    {
        MsConfig c;
        c.data_format = bnkit::mindspore::DataFormat::NHWC;
        bnkit::mindspore::BatchNorm1d<4> L(3, c);
        Arena arena(128);
        float* x = arena.at(0);
        fill_data(x, 48, 0.3f, 0.5f);
        float* y = arena.at(64);
        run_rows(L, arena,
                 {{"1d NHWC: [3, 4] (channels last = 4)", [&] { return L.call(Shape{3, 4}, {x, 12}, {y, 12}); },
                   BNKIT_ERR_CHANNEL_MISMATCH}});
        CHECK(L.call(Shape{4, 3}, {x, 12}, {y, 12}) == BNKIT_OK);
    }
    {
        bnkit::mindspore::BatchNorm3d<4> L(3);
        Arena arena(128);
        float* x = arena.at(0);
        fill_data(x, 48, 0.3f, 0.5f);
        float* y = arena.at(64);
        run_rows(L, arena,
                 {{"3d: rank 4", [&] { return L.call(Shape{2, 3, 2, 2}, {x, 24}, {y, 24}); }, BNKIT_ERR_BAD_RANK},
                  {"3d: rank 6", [&] { return L.call(Shape{1, 2, 3, 1, 2, 2}, {x, 24}, {y, 24}); }, BNKIT_ERR_BAD_RANK},
                  {"3d: 2 channels", [&] { return L.call(Shape{2, 2, 1, 2, 3}, {x, 24}, {y, 24}); },
                   BNKIT_ERR_CHANNEL_MISMATCH}});
        CHECK(L.call(Shape{2, 3, 1, 2, 2}, {x, 24}, {y, 24}) == BNKIT_OK);
    }
}

TEST_CASE("errors layers: Keras initializers - wrong tensor size, tensor without data, bad random parameters") {
    using bnkit::keras::BatchNormalization;
    using bnkit::keras::Config;
    const float two[2] = {1, 2};
    struct Row {
        const char* what;
        std::function<void(Config&)> edit;
        Status expected;
    };
    const std::vector<Row> rows = {
        {"gamma tensor of 2 for 3 channels", [&](Config& c) { c.gamma_initializer = bnkit::tensor(two, 2); },
         BNKIT_ERR_CHANNEL_MISMATCH},
        {"moving_variance tensor without data", [](Config& c) { c.moving_variance_initializer = bnkit::tensor(nullptr, 3); },
         BNKIT_ERR_NULL_POINTER},
        {"random_normal stddev -1", [](Config& c) { c.beta_initializer = bnkit::keras_init::random_normal(1, 0.0f, -1.0f); },
         BNKIT_ERR_BAD_DISTRIBUTION},
        {"random_uniform minval > maxval",
         [](Config& c) { c.moving_mean_initializer = bnkit::keras_init::random_uniform(1, 1.0f, -1.0f); },
         BNKIT_ERR_BAD_DISTRIBUTION},
        {"random_normal mean NaN",
         [](Config& c) { c.gamma_initializer = bnkit::keras_init::random_normal(1, static_cast<float>(kNaN), 1.0f); },
         BNKIT_ERR_BAD_DISTRIBUTION},
        {"truncated_normal stddev inf",
         [](Config& c) { c.gamma_initializer = bnkit::keras_init::truncated_normal(1, 0.0f, static_cast<float>(kInf)); },
         BNKIT_ERR_BAD_DISTRIBUTION},
        {"MindSpore uniform with a negative scale",
         [](Config& c) { c.beta_initializer = bnkit::mindspore_init::uniform(1, -0.5f); }, BNKIT_ERR_BAD_DISTRIBUTION},
    };
    for (const Row& r : rows) {
        INFO(r.what);
        Config cfg;
        r.edit(cfg);
        BatchNormalization<4> bn(cfg);
        float x[6] = {1, 2, 3, 4, 5, 6}, y[6];
        bnkit_test::fill_canary(y, sizeof y);
        CHECK(bn.build({2, 3}) == r.expected);
        CHECK(bn.call({2, 3}, x, y, true) == r.expected);
        CHECK(bn.call({2, 3}, x, y, false) == r.expected);
        CHECK(bnkit_test::is_canary(y, sizeof y));
        CHECK_FALSE(bn.built());
        CHECK(bn.gamma().size == 0);
        CHECK(bn.moving_mean().size == 0);
    }
}
