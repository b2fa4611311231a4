// The bad-input contract of the C API (docs/status.md): every public function validates every
// argument before it writes, returns the documented status for each class of invalid input,
// and on any status but BNKIT_OK leaves everything the caller owns bit-identical. Buffers are
// carved from one canary-filled arena (tests/support/canary.hpp) and the whole arena, guard
// zones included, is compared with memcmp after each failing call.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"
#include "support/canary.hpp"

using bnkit_test::Arena;
using bnkit_test::Guarded;
using bnkit_test::Snapshot;
using bnkit_test::same_bits;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// The largest channel count whose workspace, 4 floats per channel rounded up to 16 channels
// plus 64 bytes (batch_norm.h), fits size_t: the next count's rounded channels take more than
// (SIZE_MAX - 64) / 16 floats' worth.
constexpr std::size_t kRoundedMax = (SIZE_MAX - 64) / 16;
constexpr std::size_t kMaxChannels = kRoundedMax / 16 * 16;
static_assert((kMaxChannels + 15) / 16 * 16 <= kRoundedMax && (kMaxChannels + 16) / 16 * 16 > kRoundedMax);

// The tensor every table case uses: [2, 3, 4] with feature axis 1 (outer 2, C 3, inner 4).
constexpr std::size_t kOuter = 2, kC = 3, kInner = 4, kN = kOuter * kC * kInner;
constexpr std::size_t kWsFloats = BNKIT_BN_WORKSPACE_BYTES(kC) / sizeof(float);

bnkit_bn_desc make_desc() {
    const std::size_t dims[] = {kOuter, kC, kInner};
    const std::int32_t axes[] = {1};
    bnkit_bn_desc d;
    REQUIRE(bnkit_bn_desc_init(&d, 3, dims, 1, axes) == BNKIT_OK);
    return d;
}

bnkit_bn_train_params good_params() { return {1e-3f, 0.9, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP}; }

// ----------------------------------------------------------------------------------------
// The table: each buffer-taking function as a list of buffer slots and one call.

struct Slot {
    const char* name;
    std::size_t n;   // floats
    bool written;    // an output (or in/out, or workspace)
    bool nullable;   // NULL is a documented "skip" / default
};

// Everything a call may take besides its buffers; tests mutate one field at a time.
struct Ctx {
    const bnkit_bn_desc* desc = nullptr;
    bnkit_bn_train_params params = good_params();
    bnkit_bn_phase phase = BNKIT_PHASE_TRAINING;
    std::size_t channels = kC;  // fold / invstd
    float eps = 1e-3f;          // fold / invstd
    std::size_t ws_bytes = BNKIT_BN_WORKSPACE_BYTES(kC);
    float* p[9] = {};
    const void* ws_override = nullptr;  // non-NULL: workspace.data (byte-granular overlap tests)
};

struct Fn {
    const char* name;
    std::vector<Slot> slots;
    std::vector<std::pair<int, int>> in_place;  // (written slot, slot it may equal exactly)
    bnkit_status (*call)(const Ctx&);
};

bnkit_buffer ws_of(const Ctx& c, int slot) {
    return {c.ws_override ? const_cast<void*>(c.ws_override) : static_cast<void*>(c.p[slot]), c.ws_bytes};
}

const std::vector<Fn>& functions() {
    static const std::vector<Fn> fns = {
        {"bnkit_bn_fold_f32",
         {{"gamma", kC, false, true}, {"beta", kC, false, true}, {"mean", kC, false, false},
          {"var", kC, false, false}, {"scale", kC, true, false}, {"shift", kC, true, false}},
         {{4, 0}, {5, 1}},
         [](const Ctx& c) {
             return bnkit_bn_fold_f32(c.channels, c.p[0], c.p[1], c.p[2], c.p[3], c.eps, c.p[4], c.p[5]);
         }},
        {"bnkit_bn_invstd_f32",
         {{"var", kC, false, false}, {"invstd", kC, true, false}},
         {{1, 0}},
         [](const Ctx& c) { return bnkit_bn_invstd_f32(c.channels, c.p[0], c.eps, c.p[1]); }},
        {"bnkit_bn_infer_f32",
         {{"x", kN, false, false}, {"y", kN, true, false}, {"scale", kC, false, false}, {"shift", kC, false, false}},
         {{1, 0}},
         [](const Ctx& c) { return bnkit_bn_infer_f32(c.desc, c.p[0], c.p[1], c.p[2], c.p[3]); }},
        {"bnkit_bn_train_f32",
         {{"x", kN, false, false},
          {"y", kN, true, false},
          {"gamma", kC, false, true},
          {"beta", kC, false, true},
          {"moving_mean", kC, true, false},  // alone NULL is an error; both NULL: own test
          {"moving_var", kC, true, false},
          {"saved_mean", kC, true, false},
          {"saved_invstd", kC, true, false},
          {"workspace", kWsFloats, true, false}},
         {{1, 0}},
         [](const Ctx& c) {
             return bnkit_bn_train_f32(c.desc, &c.params, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6],
                                       c.p[7], ws_of(c, 8));
         }},
        {"bnkit_bn_backward_f32 (training phase)",
         {{"x", kN, false, false},
          {"dy", kN, false, false},
          {"gamma", kC, false, true},
          {"mean", kC, false, false},
          {"invstd", kC, false, false},
          {"dx", kN, true, true},
          {"dgamma", kC, true, true},
          {"dbeta", kC, true, true},
          {"workspace", kWsFloats, true, false}},
         {{5, 0}, {5, 1}},
         [](const Ctx& c) {
             return bnkit_bn_backward_f32(c.desc, c.phase, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6],
                                          c.p[7], ws_of(c, 8));
         }},
    };
    return fns;
}

const Fn& fn(const char* prefix) {
    for (const Fn& f : functions())
        if (std::strncmp(f.name, prefix, std::strlen(prefix)) == 0) return f;
    FAIL("no function " << prefix);
    return functions()[0];
}

constexpr std::size_t kGap = 16;  // floats of canary between neighbouring buffers (> a workspace)

std::size_t total_floats(const Fn& f) {
    std::size_t t = 0;
    for (const Slot& s : f.slots) t += s.n + kGap;
    return t;
}

// One canary arena with every slot laid out apart, plus a spare zone at the end where a test
// can place two buffers at chosen relative offsets. All slots hold the canary (or data).
struct Layout {
    const Fn& f;
    Arena arena;
    Ctx ctx;
    std::size_t zone;  // start of the spare zone
    explicit Layout(const Fn& fn_, const bnkit_bn_desc* desc)
        : f(fn_), arena(total_floats(fn_) + 4 * (kN + kWsFloats + kGap)), zone(total_floats(fn_)) {
        ctx.desc = desc;
        std::size_t off = 0;
        for (std::size_t k = 0; k < f.slots.size(); ++k) {
            ctx.p[k] = arena.at(off);
            off += f.slots[k].n + kGap;
        }
    }
};

// Run one call that must fail with `expect` and prove the arena is bit-identical afterwards.
void expect_error(Layout& L, bnkit_status expect, const char* what) {
    const Snapshot before = L.arena.snapshot();
    const bnkit_status s = L.f.call(L.ctx);
    INFO(std::string(L.f.name) << ": " << std::string(what) << " -> " << std::string(bnkit_status_str(s)));
    CHECK(s == expect);
    CHECK(before.unchanged());
}

bool in_place_ok(const Fn& f, int i, int j) {
    for (const auto& pr : f.in_place)
        if ((pr.first == i && pr.second == j) || (pr.first == j && pr.second == i)) return true;
    return false;
}

const bnkit_bn_desc& the_desc() {
    static const bnkit_bn_desc d = make_desc();
    return d;
}

}  // namespace

// ========================================================================================
// bnkit_bn_desc_init

TEST_CASE("errors C API: desc_init rejects each bad shape with its status and leaves desc untouched") {
    const std::size_t M = SIZE_MAX;
    const std::size_t half = std::size_t(1) << (sizeof(std::size_t) * 4);  // half * half wraps to 0
    struct Row {
        const char* what;
        std::uint32_t rank;
        std::vector<std::size_t> dims;
        std::uint32_t num_axes;
        std::vector<std::int32_t> axes;
        bnkit_status expect;
    };
    const Row rows[] = {
        {"rank 0", 0, {2, 3, 4}, 1, {0}, BNKIT_ERR_BAD_RANK},
        {"rank 6", 6, {1, 1, 1, 1, 1, 1}, 1, {1}, BNKIT_ERR_BAD_RANK},
        {"rank 7", 7, {1, 1, 1, 1, 1, 1, 1}, 1, {1}, BNKIT_ERR_BAD_RANK},
        {"axis == rank", 3, {2, 3, 4}, 1, {3}, BNKIT_ERR_BAD_AXIS},
        {"axis == -rank - 1", 3, {2, 3, 4}, 1, {-4}, BNKIT_ERR_BAD_AXIS},
        {"axis INT32_MAX", 3, {2, 3, 4}, 1, {INT32_MAX}, BNKIT_ERR_BAD_AXIS},
        {"axis INT32_MIN", 3, {2, 3, 4}, 1, {INT32_MIN}, BNKIT_ERR_BAD_AXIS},
        {"duplicate axis", 3, {2, 3, 4}, 2, {1, 1}, BNKIT_ERR_BAD_AXIS},
        {"duplicate axis via negative", 3, {2, 3, 4}, 2, {1, -2}, BNKIT_ERR_BAD_AXIS},
        {"second axis out of range", 3, {2, 3, 4}, 2, {1, 5}, BNKIT_ERR_BAD_AXIS},
        {"num_axes 0", 3, {2, 3, 4}, 0, {1}, BNKIT_ERR_BAD_AXIS},
        {"num_axes > rank", 3, {2, 3, 4}, 4, {0, 1, 2, 0}, BNKIT_ERR_BAD_AXIS},
        {"axes 0 and 2 of 3", 3, {2, 3, 4}, 2, {0, 2}, BNKIT_ERR_AXES_NOT_ADJACENT},
        {"axes 2 and 0 of 3", 3, {2, 3, 4}, 2, {2, 0}, BNKIT_ERR_AXES_NOT_ADJACENT},
        {"axes -1 and 0 of 3", 3, {2, 3, 4}, 2, {-1, 0}, BNKIT_ERR_AXES_NOT_ADJACENT},
        {"axes 0 1 3 of 4", 4, {2, 3, 4, 5}, 3, {0, 1, 3}, BNKIT_ERR_AXES_NOT_ADJACENT},
        {"zero leading dim", 3, {0, 3, 4}, 1, {1}, BNKIT_ERR_ZERO_DIM},
        {"zero feature dim", 3, {2, 0, 4}, 1, {1}, BNKIT_ERR_ZERO_DIM},
        {"zero trailing dim", 3, {2, 3, 0}, 1, {1}, BNKIT_ERR_ZERO_DIM},
        {"zero dim after huge dims", 3, {M, M, 0}, 1, {1}, BNKIT_ERR_ZERO_DIM},
        {"zero dim before huge dims", 3, {0, M, M}, 1, {1}, BNKIT_ERR_ZERO_DIM},
        {"zero dim between huge dims", 3, {M, 0, M}, 1, {2}, BNKIT_ERR_ZERO_DIM},
        {"SIZE_MAX/2 x 3", 2, {M / 2, 3}, 1, {1}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"SIZE_MAX/2 x 3 (product of outer only)", 3, {M / 2, 3, 1}, 1, {2}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"product wraps to 0", 3, {half, half, 1}, 1, {2}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"parts fit but their product does not", 2, {half, half}, 1, {0}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"count fits but bytes do not", 1, {M / sizeof(float) + 1}, 1, {0}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"count * 4 fits but the workspace of C does not", 1, {M / sizeof(float)}, 1, {0}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"SIZE_MAX alone", 1, {M}, 1, {0}, BNKIT_ERR_SHAPE_OVERFLOW},
        {"rank checked before axes", 0, {2}, 0, {9}, BNKIT_ERR_BAD_RANK},
        {"axes checked before zero dim", 3, {0, 3, 4}, 1, {7}, BNKIT_ERR_BAD_AXIS},
        {"adjacency checked before zero dim", 3, {0, 3, 4}, 2, {0, 2}, BNKIT_ERR_AXES_NOT_ADJACENT},
    };
    for (const Row& r : rows) {
        INFO(std::string(r.what));
        bnkit_bn_desc d;
        bnkit_test::fill_canary(&d, sizeof d);
        const Snapshot before(&d, sizeof d);
        CHECK(bnkit_bn_desc_init(&d, r.rank, r.dims.data(), r.num_axes, r.axes.data()) == r.expect);
        CHECK(before.unchanged());
    }
}

TEST_CASE("errors C API: desc_init NULL arguments") {
    const std::size_t dims[] = {2, 3, 4};
    const std::int32_t axes[] = {1};
    bnkit_bn_desc d;
    bnkit_test::fill_canary(&d, sizeof d);
    const Snapshot before(&d, sizeof d);
    CHECK(bnkit_bn_desc_init(nullptr, 3, dims, 1, axes) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_bn_desc_init(&d, 3, nullptr, 1, axes) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_bn_desc_init(&d, 3, dims, 1, nullptr) == BNKIT_ERR_NULL_POINTER);
    // NULL wins over every other check.
    CHECK(bnkit_bn_desc_init(&d, 0, nullptr, 0, nullptr) == BNKIT_ERR_NULL_POINTER);
    CHECK(before.unchanged());
}

TEST_CASE("errors C API: desc_init accepts the edge shapes") {
    struct Row {
        std::uint32_t rank;
        std::vector<std::size_t> dims;
        std::vector<std::int32_t> axes;
        std::size_t outer, channels, inner;
    };
    const Row rows[] = {
        {1, {7}, {0}, 1, 7, 1},
        {1, {7}, {-1}, 1, 7, 1},
        {3, {2, 3, 4}, {-3}, 1, 2, 12},
        {3, {2, 3, 4}, {2, 1}, 2, 12, 1},
        {5, {1, 2, 3, 4, 5}, {-2, -3, -4}, 1, 24, 5},
        {5, {1, 2, 3, 4, 5}, {0, 1, 2, 3, 4}, 1, 120, 1},
        {2, {kMaxChannels, 1}, {0}, 1, kMaxChannels, 1},  // the largest C whose workspace fits
    };
    for (const Row& r : rows) {
        bnkit_bn_desc d;
        REQUIRE(bnkit_bn_desc_init(&d, r.rank, r.dims.data(), static_cast<std::uint32_t>(r.axes.size()),
                                   r.axes.data()) == BNKIT_OK);
        CHECK(d.outer == r.outer);
        CHECK(d.channels == r.channels);
        CHECK(d.inner == r.inner);
        CHECK(d.count == r.outer * r.channels * r.inner);
    }
}

// ========================================================================================
// ISA selection, names, status strings

TEST_CASE("errors C API: desc_set_isa NULL / bad enum / unavailable ISA") {
    bnkit_bn_desc d = make_desc();
    const Snapshot before(&d, sizeof d);
    CHECK(bnkit_bn_desc_set_isa(nullptr, BNKIT_ISA_SCALAR) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_bn_desc_set_isa(nullptr, static_cast<bnkit_isa>(99)) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_bn_desc_set_isa(&d, static_cast<bnkit_isa>(99)) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bnkit_bn_desc_set_isa(&d, static_cast<bnkit_isa>(8)) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bnkit_bn_desc_set_isa(&d, static_cast<bnkit_isa>(-1)) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(before.unchanged());

    int missing = 0;
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const auto isa = static_cast<bnkit_isa>(i);
        INFO(std::string(bnkit_isa_name(isa)));
        bnkit_bn_desc e = make_desc();
        const Snapshot e_before(&e, sizeof e);
        if (bnkit_isa_available(isa)) {
            CHECK(bnkit_bn_desc_set_isa(&e, isa) == BNKIT_OK);
            CHECK(bnkit_bn_desc_isa(&e) == isa);
        } else {
            ++missing;
            CHECK(bnkit_bn_desc_set_isa(&e, isa) == BNKIT_ERR_UNSUPPORTED_ISA);
            CHECK(e_before.unchanged());
        }
    }
    // x86 and Arm paths cannot all be available in one build: at least one ISA is missing.
    CHECK(missing >= 1);
    CHECK(bnkit_isa_available(BNKIT_ISA_SCALAR) == 1);
    CHECK(bnkit_bn_desc_set_isa(&d, BNKIT_ISA_AUTO) == BNKIT_OK);
    CHECK(bnkit_bn_desc_isa(&d) != BNKIT_ISA_AUTO);
}

TEST_CASE("errors C API: desc_set_isa rejects a zeroed or uninitialised descriptor without writing it") {
    // A descriptor that bnkit_bn_desc_init never filled is BNKIT_ERR_BAD_ARGUMENT for every
    // function that takes one; set_isa must not "bless" it by writing a kernel table into it.
    bnkit_bn_desc zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    const Snapshot z_before(&zeroed, sizeof zeroed);
    CHECK(bnkit_bn_desc_set_isa(&zeroed, BNKIT_ISA_SCALAR) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(z_before.unchanged());
    CHECK(bnkit_bn_desc_set_isa(&zeroed, BNKIT_ISA_AUTO) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(z_before.unchanged());

    bnkit_bn_desc garbage;
    bnkit_test::fill_canary(&garbage, sizeof garbage);
    const Snapshot g_before(&garbage, sizeof garbage);
    CHECK(bnkit_bn_desc_set_isa(&garbage, BNKIT_ISA_SCALAR) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(g_before.unchanged());
}

TEST_CASE("errors C API: desc_isa / isa_available / isa_name on bad input") {
    CHECK(bnkit_bn_desc_isa(nullptr) == BNKIT_ISA_SCALAR);
    bnkit_bn_desc zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    CHECK(bnkit_bn_desc_isa(&zeroed) == BNKIT_ISA_SCALAR);
    bnkit_bn_desc garbage;
    bnkit_test::fill_canary(&garbage, sizeof garbage);
    const Snapshot g_before(&garbage, sizeof garbage);
    CHECK(bnkit_bn_desc_isa(&garbage) == BNKIT_ISA_SCALAR);
    CHECK(g_before.unchanged());
    const bnkit_bn_desc d = make_desc();
    CHECK(bnkit_bn_desc_isa(&d) != BNKIT_ISA_AUTO);

    CHECK(bnkit_isa_available(BNKIT_ISA_AUTO) == 1);
    CHECK(bnkit_isa_available(static_cast<bnkit_isa>(99)) == 0);
    CHECK(bnkit_isa_available(static_cast<bnkit_isa>(8)) == 0);
    CHECK(bnkit_isa_available(static_cast<bnkit_isa>(-1)) == 0);

    const char* names[] = {"auto", "scalar", "sse2", "avx2", "avx512", "neon", "neon64", "neon64_fp16"};
    for (int i = 0; i <= BNKIT_ISA_NEON64_FP16; ++i) {
        const char* n = bnkit_isa_name(static_cast<bnkit_isa>(i));
        REQUIRE(n != nullptr);
        CHECK(std::strcmp(n, names[i]) == 0);
    }
    for (int bad : {8, 99, -1}) {
        const char* n = bnkit_isa_name(static_cast<bnkit_isa>(bad));
        REQUIRE(n != nullptr);
        CHECK(std::strcmp(n, "unknown") == 0);
    }
}

TEST_CASE("errors C API: status_str on unknown values") {
    for (int bad : {-1, BNKIT_ERR_BAD_DISTRIBUTION + 1, 99, 999}) {
        const char* t = bnkit_status_str(static_cast<bnkit_status>(bad));
        REQUIRE(t != nullptr);
        CHECK(std::strcmp(t, "unknown status") == 0);
    }
    for (int s = BNKIT_OK; s <= BNKIT_ERR_BAD_DISTRIBUTION; ++s)
        CHECK(bnkit_status_str(static_cast<bnkit_status>(s)) != nullptr);
}

// ========================================================================================
// Descriptors: NULL, zeroed, garbage, tampered

TEST_CASE("errors C API: workspace_size NULL and bad descriptors") {
    std::size_t bytes = 12345;
    const bnkit_bn_desc d = make_desc();
    CHECK(bnkit_bn_workspace_size(nullptr, &bytes) == BNKIT_ERR_NULL_POINTER);
    CHECK(bnkit_bn_workspace_size(&d, nullptr) == BNKIT_ERR_NULL_POINTER);
    bnkit_bn_desc zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    CHECK(bnkit_bn_workspace_size(&zeroed, &bytes) == BNKIT_ERR_BAD_ARGUMENT);
    bnkit_bn_desc garbage;
    bnkit_test::fill_canary(&garbage, sizeof garbage);
    CHECK(bnkit_bn_workspace_size(&garbage, &bytes) == BNKIT_ERR_BAD_ARGUMENT);
    bnkit_bn_desc tampered = d;
    tampered.count += 1;
    CHECK(bnkit_bn_workspace_size(&tampered, &bytes) == BNKIT_ERR_BAD_ARGUMENT);
    CHECK(bytes == 12345);
    REQUIRE(bnkit_bn_workspace_size(&d, &bytes) == BNKIT_OK);
    CHECK(bytes == BNKIT_BN_WORKSPACE_BYTES(kC));
}

TEST_CASE("errors C API: NULL zeroed garbage and tampered descriptors for infer train and backward") {
    const bnkit_bn_desc good = make_desc();
    bnkit_bn_desc zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    bnkit_bn_desc garbage;
    bnkit_test::fill_canary(&garbage, sizeof garbage);
    bnkit_bn_desc count_off = good;
    count_off.count += 1;
    bnkit_bn_desc inner_zero = good;
    inner_zero.inner = 0;
    bnkit_bn_desc huge_c = good;  // channels whose workspace overflows size_t
    huge_c.channels = SIZE_MAX / 4;
    huge_c.outer = huge_c.inner = 1;
    huge_c.count = huge_c.channels;
    bnkit_bn_desc count_bytes = good;  // consistent sizes, but count * 4 overflows
    count_bytes.outer = SIZE_MAX / 4 + 1;
    count_bytes.channels = 1;
    count_bytes.inner = 1;
    count_bytes.count = count_bytes.outer;
    bnkit_bn_desc no_kernels = good;
    no_kernels.kernels = nullptr;
    struct Row {
        const char* what;
        const bnkit_bn_desc* desc;
        bnkit_status expect;
    };
    const Row rows[] = {
        {"NULL desc", nullptr, BNKIT_ERR_NULL_POINTER},
        {"zeroed desc", &zeroed, BNKIT_ERR_BAD_ARGUMENT},
        {"canary-filled desc", &garbage, BNKIT_ERR_BAD_ARGUMENT},
        {"count != outer*C*inner", &count_off, BNKIT_ERR_BAD_ARGUMENT},
        {"inner 0", &inner_zero, BNKIT_ERR_BAD_ARGUMENT},
        {"kernels NULL", &no_kernels, BNKIT_ERR_BAD_ARGUMENT},
        {"channels workspace overflow", &huge_c, BNKIT_ERR_SHAPE_OVERFLOW},
        {"count bytes overflow", &count_bytes, BNKIT_ERR_BAD_ARGUMENT},
    };
    for (const char* name : {"bnkit_bn_infer_f32", "bnkit_bn_train_f32", "bnkit_bn_backward_f32"}) {
        for (const Row& r : rows) {
            Layout L(fn(name), r.desc);
            expect_error(L, r.expect, r.what);
        }
    }
}

// ========================================================================================
// NULL pointers, one argument at a time

TEST_CASE("errors C API: each NULL buffer argument separately") {
    for (const Fn& f : functions()) {
        for (std::size_t k = 0; k < f.slots.size(); ++k) {
            Layout L(f, &the_desc());
            L.ctx.p[k] = nullptr;
            if (f.slots[k].nullable) {
                const bnkit_status s = f.call(L.ctx);
                INFO(std::string(f.name) << ": NULL " << std::string(f.slots[k].name) << " is allowed");
                CHECK(s == BNKIT_OK);
                CHECK(L.arena.guards_intact());
            } else {
                expect_error(L, BNKIT_ERR_NULL_POINTER, f.slots[k].name);
            }
        }
    }
}

TEST_CASE("errors C API: NULL params / workspace / moving statistics pairs") {
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        const Snapshot before = L.arena.snapshot();
        const Ctx& c = L.ctx;
        CHECK(bnkit_bn_train_f32(c.desc, nullptr, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6], c.p[7],
                                 {c.p[8], c.ws_bytes}) == BNKIT_ERR_NULL_POINTER);
        // workspace.data NULL is NULL_POINTER even with size 0 and with a size that is enough.
        CHECK(bnkit_bn_train_f32(c.desc, &c.params, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6], c.p[7],
                                 {nullptr, 0}) == BNKIT_ERR_NULL_POINTER);
        CHECK(bnkit_bn_train_f32(c.desc, &c.params, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6], c.p[7],
                                 {nullptr, c.ws_bytes}) == BNKIT_ERR_NULL_POINTER);
        CHECK(before.unchanged());
        // Both moving statistics NULL: the documented "no moving update".
        L.ctx.p[4] = L.ctx.p[5] = nullptr;
        CHECK(L.f.call(L.ctx) == BNKIT_OK);
        CHECK(L.arena.guards_intact());
    }
    {
        Layout L(fn("bnkit_bn_backward_f32"), &the_desc());
        const Snapshot before = L.arena.snapshot();
        const Ctx& c = L.ctx;
        CHECK(bnkit_bn_backward_f32(c.desc, c.phase, c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6], c.p[7],
                                    {nullptr, c.ws_bytes}) == BNKIT_ERR_NULL_POINTER);
        CHECK(before.unchanged());
        // Every optional output NULL at once (nothing to compute but still valid).
        L.ctx.p[2] = L.ctx.p[5] = L.ctx.p[6] = L.ctx.p[7] = nullptr;
        CHECK(L.f.call(L.ctx) == BNKIT_OK);
        CHECK(L.arena.guards_intact());
    }
    {
        Layout L(fn("bnkit_bn_fold_f32"), &the_desc());
        L.ctx.p[0] = L.ctx.p[1] = nullptr;  // gamma = 1, beta = 0
        CHECK(L.f.call(L.ctx) == BNKIT_OK);
        CHECK(L.arena.guards_intact());
    }
}

// ========================================================================================
// Workspace size

TEST_CASE("errors C API: workspace one byte too small for train and backward") {
    for (const char* name : {"bnkit_bn_train_f32", "bnkit_bn_backward_f32"}) {
        {
            Layout L(fn(name), &the_desc());
            L.ctx.ws_bytes = BNKIT_BN_WORKSPACE_BYTES(kC) - 1;
            expect_error(L, BNKIT_ERR_WORKSPACE_TOO_SMALL, "workspace - 1 byte");
        }
        {
            Layout L(fn(name), &the_desc());
            L.ctx.ws_bytes = 0;
            expect_error(L, BNKIT_ERR_WORKSPACE_TOO_SMALL, "workspace 0 bytes");
        }
        {
            Layout L(fn(name), &the_desc());
            L.ctx.ws_bytes = BNKIT_BN_WORKSPACE_BYTES(kC);
            CHECK(L.f.call(L.ctx) == BNKIT_OK);
            CHECK(L.arena.guards_intact());
        }
        {
            // A larger workspace is fine; only the first workspace_size bytes are used.
            Layout L(fn(name), &the_desc());
            L.ctx.ws_bytes = BNKIT_BN_WORKSPACE_BYTES(kC) + 4 * kGap;
            CHECK(L.f.call(L.ctx) == BNKIT_OK);
            CHECK(L.arena.guards_intact());
        }
    }
}

// ========================================================================================
// Aliasing: every pair of buffers, partial and exact overlaps

TEST_CASE("errors C API: partial overlap of every pair of buffers is ALIASING when one is written") {
    int checked = 0;
    for (const Fn& f : functions()) {
        const int k = static_cast<int>(f.slots.size());
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j) {
                if (i == j) continue;
                const Slot &si = f.slots[i], &sj = f.slots[j];
                const bool written = si.written || sj.written;
                // Offsets of j relative to i, in floats: j starts on i's last element; j ends on
                // i's first element; j starts one element into i. All are partial overlaps.
                const std::ptrdiff_t shifts[] = {static_cast<std::ptrdiff_t>(si.n) - 1,
                                                 1 - static_cast<std::ptrdiff_t>(sj.n), 1};
                for (const std::ptrdiff_t shift : shifts) {
                    if (shift == 0) continue;
                    Layout L(f, &the_desc());
                    const std::size_t base = L.zone + sj.n + kGap;
                    L.ctx.p[i] = L.arena.at(base);
                    L.ctx.p[j] = L.arena.at(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(base) + shift));
                    INFO(std::string(f.name) << ": " << std::string(sj.name) << " at " << std::string(si.name) << " + " << shift << " floats");
                    if (written) {
                        expect_error(L, BNKIT_ERR_ALIASING, "partial overlap");
                    } else {
                        CHECK(f.call(L.ctx) == BNKIT_OK);  // inputs may overlap freely
                        CHECK(L.arena.guards_intact());
                    }
                    ++checked;
                }
            }
    }
    CHECK(checked > 100);
}

TEST_CASE("errors C API: exact overlap is allowed only for the documented in-place pairs") {
    for (const Fn& f : functions()) {
        const int k = static_cast<int>(f.slots.size());
        for (int i = 0; i < k; ++i)
            for (int j = i + 1; j < k; ++j) {
                const Slot &si = f.slots[i], &sj = f.slots[j];
                Layout L(f, &the_desc());
                L.ctx.p[i] = L.ctx.p[j] = L.arena.at(L.zone);
                INFO(std::string(f.name) << ": " << std::string(si.name) << " == " << std::string(sj.name));
                const bool ok = (!si.written && !sj.written) || (in_place_ok(f, i, j) && si.n == sj.n);
                if (ok) {
                    CHECK(f.call(L.ctx) == BNKIT_OK);
                    CHECK(L.arena.guards_intact());
                } else {
                    expect_error(L, BNKIT_ERR_ALIASING, "exact overlap");
                }
            }
    }
}

TEST_CASE("errors C API: the inference-phase backward has the same aliasing rules") {
    const Fn& f = fn("bnkit_bn_backward_f32");
    Layout L(f, &the_desc());
    L.ctx.phase = BNKIT_PHASE_INFERENCE;
    L.ctx.p[5] = L.ctx.p[0] + 1;  // dx one element into x
    expect_error(L, BNKIT_ERR_ALIASING, "dx = x + 1 (inference phase)");
    L.ctx.p[5] = L.ctx.p[1];  // dx == dy exactly is fine
    CHECK(f.call(L.ctx) == BNKIT_OK);
}

TEST_CASE("errors C API: workspace overlapping x or an output by a single byte") {
    for (const char* name : {"bnkit_bn_train_f32", "bnkit_bn_backward_f32"}) {
        const Fn& f = fn(name);
        for (int other = 0; other < 8; ++other) {
            {
                // The workspace's first byte is the other buffer's last byte.
                Layout L(f, &the_desc());
                L.ctx.ws_override = reinterpret_cast<const unsigned char*>(L.ctx.p[other] + f.slots[other].n) - 1;
                INFO(std::string(name) << ": workspace starts on the last byte of " << std::string(f.slots[other].name));
                expect_error(L, BNKIT_ERR_ALIASING, "1-byte overlap");
            }
            {
                // The workspace's last byte is the other buffer's first byte.
                Layout L(f, &the_desc());
                L.ctx.ws_override = reinterpret_cast<const unsigned char*>(L.ctx.p[other]) - L.ctx.ws_bytes + 1;
                INFO(std::string(name) << ": workspace ends on the first byte of " << std::string(f.slots[other].name));
                expect_error(L, BNKIT_ERR_ALIASING, "1-byte overlap");
            }
        }
    }
}

TEST_CASE("errors C API: named partial overlaps from the contract") {
    struct Row {
        const char* fn;
        int a, b;            // slot b placed at slot a + shift floats
        std::ptrdiff_t shift;
        const char* what;
    };
    const Row rows[] = {
        {"bnkit_bn_infer_f32", 0, 1, 1, "y overlapping x by all but one element"},
        {"bnkit_bn_infer_f32", 0, 1, static_cast<std::ptrdiff_t>(kN) - 1, "y overlapping x by one element"},
        {"bnkit_bn_infer_f32", 1, 2, static_cast<std::ptrdiff_t>(kN) - 1, "scale overlapping y"},
        {"bnkit_bn_infer_f32", 1, 3, 5, "shift inside y"},
        {"bnkit_bn_fold_f32", 0, 4, 1, "scale one element past gamma"},
        {"bnkit_bn_fold_f32", 1, 5, -1, "shift one element before beta"},
        {"bnkit_bn_fold_f32", 4, 5, 1, "shift overlapping scale"},
        {"bnkit_bn_fold_f32", 3, 4, 2, "scale overlapping var"},
        {"bnkit_bn_invstd_f32", 0, 1, 1, "invstd one element past var"},
        {"bnkit_bn_train_f32", 0, 1, static_cast<std::ptrdiff_t>(kN) - 1, "y overlapping x by one element"},
        {"bnkit_bn_train_f32", 6, 4, 2, "moving_mean overlapping saved_mean"},
        {"bnkit_bn_train_f32", 4, 5, 1, "moving_var overlapping moving_mean"},
        {"bnkit_bn_train_f32", 7, 6, -2, "saved_mean overlapping saved_invstd"},
        {"bnkit_bn_train_f32", 0, 8, static_cast<std::ptrdiff_t>(kN) - 1, "workspace overlapping x"},
        {"bnkit_bn_train_f32", 2, 8, 1, "workspace overlapping gamma"},
        {"bnkit_bn_train_f32", 1, 3, 0, "beta == y (start)"},
        {"bnkit_bn_backward_f32", 2, 6, 1, "dgamma overlapping gamma"},
        {"bnkit_bn_backward_f32", 2, 6, 0, "dgamma == gamma"},
        {"bnkit_bn_backward_f32", 7, 6, 1, "dgamma overlapping dbeta"},
        {"bnkit_bn_backward_f32", 0, 5, 1, "dx = x + 1"},
        {"bnkit_bn_backward_f32", 1, 5, -1, "dx = dy - 1"},
        {"bnkit_bn_backward_f32", 5, 8, 3, "workspace inside dx"},
        {"bnkit_bn_backward_f32", 4, 7, 0, "dbeta == invstd"},
    };
    for (const Row& r : rows) {
        const Fn& f = fn(r.fn);
        Layout L(f, &the_desc());
        const std::size_t base = L.zone + kN + kWsFloats + kGap;
        L.ctx.p[r.a] = L.arena.at(base);
        L.ctx.p[r.b] = L.arena.at(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(base) + r.shift));
        expect_error(L, BNKIT_ERR_ALIASING, r.what);
    }
}

// ========================================================================================
// Hyper-parameters and enums

TEST_CASE("errors C API: bad epsilon for fold invstd and train") {
    const float bad[] = {-1.0f, -0.0f - 1e-30f, -std::numeric_limits<float>::denorm_min(), kNaN, -kNaN, kInf, -kInf};
    for (const char* name : {"bnkit_bn_fold_f32", "bnkit_bn_invstd_f32", "bnkit_bn_train_f32"}) {
        for (const float e : bad) {
            Layout L(fn(name), &the_desc());
            L.ctx.eps = e;
            L.ctx.params.epsilon = e;
            INFO("epsilon " << e);
            expect_error(L, BNKIT_ERR_BAD_EPSILON, "bad epsilon");
        }
        for (const float e : {0.0f, -0.0f, std::numeric_limits<float>::denorm_min(), 1e-5f, 1e30f}) {
            Layout L(fn(name), &the_desc());
            L.ctx.eps = e;
            L.ctx.params.epsilon = e;
            INFO(std::string(name) << ": epsilon " << e << " is valid");
            CHECK(L.f.call(L.ctx) == BNKIT_OK);
            CHECK(L.arena.guards_intact());
        }
    }
}

TEST_CASE("errors C API: bad momentum for train") {
    const double bad[] = {-0.1, 1.1, -1e-300, 1.0 + 1e-15, std::nan(""), -std::nan(""),
                          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (const double m : bad) {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.momentum = m;
        INFO("momentum " << m);
        expect_error(L, BNKIT_ERR_BAD_MOMENTUM, "bad momentum");
    }
    for (const double m : {0.0, -0.0, 0.5, 1.0}) {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.momentum = m;
        INFO("momentum " << m << " is valid");
        CHECK(L.f.call(L.ctx) == BNKIT_OK);
        CHECK(L.arena.guards_intact());
    }
    // Momentum is checked even when the moving update is skipped (both NULL).
    Layout L(fn("bnkit_bn_train_f32"), &the_desc());
    L.ctx.params.momentum = 1.5;
    L.ctx.p[4] = L.ctx.p[5] = nullptr;
    expect_error(L, BNKIT_ERR_BAD_MOMENTUM, "bad momentum without moving statistics");
}

TEST_CASE("errors C API: bad enum values for train and backward") {
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.moving_variance = static_cast<bnkit_variance_correction>(7);
        expect_error(L, BNKIT_ERR_BAD_ARGUMENT, "variance correction 7");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.update = static_cast<bnkit_update_form>(9);
        expect_error(L, BNKIT_ERR_BAD_ARGUMENT, "update form 9");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.moving_variance = static_cast<bnkit_variance_correction>(-1);
        expect_error(L, BNKIT_ERR_BAD_ARGUMENT, "variance correction -1");
    }
    // -1 is a valid bad value from C, but a C++ bnkit_bn_phase object cannot hold it (loading
    // it is undefined, and UBSan says so): the largest representable value stands in for it.
    for (const int phase : {5, 2, 0x7fffffff}) {
        Layout L(fn("bnkit_bn_backward_f32"), &the_desc());
        L.ctx.phase = static_cast<bnkit_bn_phase>(phase);
        INFO("phase " << phase);
        expect_error(L, BNKIT_ERR_BAD_ARGUMENT, "bad phase");
    }
    for (const auto corr : {BNKIT_VARIANCE_BIASED, BNKIT_VARIANCE_UNBIASED})
        for (const auto form : {BNKIT_UPDATE_LERP, BNKIT_UPDATE_ASSIGN_SUB}) {
            Layout L(fn("bnkit_bn_train_f32"), &the_desc());
            L.ctx.params.moving_variance = corr;
            L.ctx.params.update = form;
            CHECK(L.f.call(L.ctx) == BNKIT_OK);
        }
}

TEST_CASE("errors C API: channels 0 and overflowing for fold and invstd") {
    struct Row {
        std::size_t channels;
        bnkit_status expect;
    };
    const Row rows[] = {
        {0, BNKIT_ERR_ZERO_DIM},
        {SIZE_MAX, BNKIT_ERR_SHAPE_OVERFLOW},
        {SIZE_MAX / 2, BNKIT_ERR_SHAPE_OVERFLOW},
        {SIZE_MAX / 4 + 1, BNKIT_ERR_SHAPE_OVERFLOW},
        {kMaxChannels + 1, BNKIT_ERR_SHAPE_OVERFLOW},
    };
    for (const char* name : {"bnkit_bn_fold_f32", "bnkit_bn_invstd_f32"})
        for (const Row& r : rows) {
            Layout L(fn(name), &the_desc());
            L.ctx.channels = r.channels;
            INFO("channels " << r.channels);
            expect_error(L, r.expect, "bad channel count");
        }
}

TEST_CASE("errors C API: check order - NULL before descriptor before hyper-parameters before workspace before aliasing") {
    bnkit_bn_desc zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    {
        Layout L(fn("bnkit_bn_train_f32"), &zeroed);
        L.ctx.p[0] = nullptr;
        expect_error(L, BNKIT_ERR_NULL_POINTER, "NULL x + zeroed desc");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &zeroed);
        L.ctx.params.epsilon = -1.0f;
        expect_error(L, BNKIT_ERR_BAD_ARGUMENT, "zeroed desc + bad epsilon");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.epsilon = kNaN;
        L.ctx.params.momentum = 2.0;
        expect_error(L, BNKIT_ERR_BAD_EPSILON, "bad epsilon + bad momentum");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.params.momentum = 2.0;
        L.ctx.params.update = static_cast<bnkit_update_form>(9);
        expect_error(L, BNKIT_ERR_BAD_MOMENTUM, "bad momentum + bad enum");
    }
    {
        Layout L(fn("bnkit_bn_train_f32"), &the_desc());
        L.ctx.ws_bytes = 1;
        L.ctx.p[1] = L.ctx.p[0] + 1;
        expect_error(L, BNKIT_ERR_WORKSPACE_TOO_SMALL, "small workspace + aliasing");
    }
    {
        Layout L(fn("bnkit_bn_fold_f32"), &the_desc());
        L.ctx.channels = 0;
        L.ctx.eps = -1.0f;
        expect_error(L, BNKIT_ERR_ZERO_DIM, "channels 0 + bad epsilon");
    }
    {
        Layout L(fn("bnkit_bn_fold_f32"), &the_desc());
        L.ctx.eps = -1.0f;
        L.ctx.p[4] = L.ctx.p[5];
        expect_error(L, BNKIT_ERR_BAD_EPSILON, "bad epsilon + aliasing");
    }
}

// ========================================================================================
// Success paths: guard zones intact, inputs untouched, in-place == out-of-place bit for bit

namespace {

void fill_data(float* p, std::size_t n, float scale, float offset) {
    for (std::size_t i = 0; i < n; ++i)
        p[i] = offset + scale * static_cast<float>(static_cast<int>((i * 7u + 3u) % 11u) - 5);
}

struct Data {
    Guarded<float> x, dy, gamma, beta, mean, var;
    Data() : x(kN), dy(kN), gamma(kC), beta(kC), mean(kC), var(kC) {
        fill_data(x.data(), kN, 0.37f, 1.5f);
        fill_data(dy.data(), kN, -0.11f, 0.25f);
        fill_data(gamma.data(), kC, 0.1f, 1.0f);
        fill_data(beta.data(), kC, 0.2f, -0.5f);
        fill_data(mean.data(), kC, 0.3f, 0.1f);
        fill_data(var.data(), kC, 0.05f, 0.7f);
    }
};

}  // namespace

TEST_CASE("errors C API: success paths write only their outputs (guard zones intact)") {
    const bnkit_bn_desc& d = the_desc();
    Data in;
    const Snapshot sx = in.x.snapshot(), sdy = in.dy.snapshot(), sg = in.gamma.snapshot(), sb = in.beta.snapshot(),
                   sm = in.mean.snapshot(), sv = in.var.snapshot();

    Guarded<float> scale(kC), shift(kC), invstd(kC), y(kN), mm(kC), mv(kC), saved_mean(kC), saved_invstd(kC);
    Guarded<float> dx(kN), dgamma(kC), dbeta(kC);
    Guarded<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(kC));
    fill_data(mm.data(), kC, 0.1f, 0.0f);
    fill_data(mv.data(), kC, 0.1f, 1.0f);

    REQUIRE(bnkit_bn_fold_f32(kC, in.gamma.data(), in.beta.data(), in.mean.data(), in.var.data(), 1e-3f,
                              scale.data(), shift.data()) == BNKIT_OK);
    REQUIRE(bnkit_bn_invstd_f32(kC, in.var.data(), 1e-3f, invstd.data()) == BNKIT_OK);
    REQUIRE(bnkit_bn_infer_f32(&d, in.x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
    const bnkit_bn_train_params p = good_params();
    REQUIRE(bnkit_bn_train_f32(&d, &p, in.x.data(), y.data(), in.gamma.data(), in.beta.data(), mm.data(), mv.data(),
                               saved_mean.data(), saved_invstd.data(), {ws.data(), ws.size()}) == BNKIT_OK);
    for (const auto phase : {BNKIT_PHASE_TRAINING, BNKIT_PHASE_INFERENCE})
        REQUIRE(bnkit_bn_backward_f32(&d, phase, in.x.data(), in.dy.data(), in.gamma.data(), saved_mean.data(),
                                      saved_invstd.data(), dx.data(), dgamma.data(), dbeta.data(),
                                      {ws.data(), ws.size()}) == BNKIT_OK);

    for (const Guarded<float>* g : {&scale, &shift, &invstd, &y, &mm, &mv, &saved_mean, &saved_invstd, &dx, &dgamma,
                                    &dbeta}) {
        CHECK(g->guards_intact());
        for (std::size_t i = 0; i < g->size(); ++i) CHECK(std::isfinite((*g)[i]));  // every element written
    }
    CHECK(ws.guards_intact());
    for (const Snapshot* s : {&sx, &sdy, &sg, &sb, &sm, &sv}) CHECK(s->unchanged());
}

TEST_CASE("errors C API: train without moving statistics and backward without outputs write nothing else") {
    const bnkit_bn_desc& d = the_desc();
    Data in;
    Guarded<float> y(kN), saved_mean(kC), saved_invstd(kC);
    Guarded<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(kC));
    const bnkit_bn_train_params p = good_params();
    REQUIRE(bnkit_bn_train_f32(&d, &p, in.x.data(), y.data(), nullptr, nullptr, nullptr, nullptr, saved_mean.data(),
                               saved_invstd.data(), {ws.data(), ws.size()}) == BNKIT_OK);
    CHECK(y.guards_intact());
    CHECK(saved_mean.guards_intact());
    CHECK(saved_invstd.guards_intact());
    CHECK(ws.guards_intact());

    Guarded<float> dgamma(kC);  // only dgamma requested: dx and dbeta stay NULL
    const Snapshot sx = in.x.snapshot(), sdy = in.dy.snapshot();
    REQUIRE(bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, in.x.data(), in.dy.data(), nullptr, saved_mean.data(),
                                  saved_invstd.data(), nullptr, dgamma.data(), nullptr, {ws.data(), ws.size()}) ==
            BNKIT_OK);
    CHECK(dgamma.guards_intact());
    CHECK(!dgamma.all_canary());
    CHECK(sx.unchanged());
    CHECK(sdy.unchanged());
}

TEST_CASE("errors C API: in-place infer and train (y == x) match out-of-place bit for bit") {
    const bnkit_bn_desc& d = the_desc();
    Data in;
    Guarded<float> scale(kC), shift(kC);
    REQUIRE(bnkit_bn_fold_f32(kC, in.gamma.data(), in.beta.data(), in.mean.data(), in.var.data(), 1e-3f,
                              scale.data(), shift.data()) == BNKIT_OK);
    {
        Guarded<float> y(kN), xy(kN);
        std::memcpy(xy.data(), in.x.data(), kN * sizeof(float));
        REQUIRE(bnkit_bn_infer_f32(&d, in.x.data(), y.data(), scale.data(), shift.data()) == BNKIT_OK);
        REQUIRE(bnkit_bn_infer_f32(&d, xy.data(), xy.data(), scale.data(), shift.data()) == BNKIT_OK);
        CHECK(same_bits(y.data(), xy.data(), kN));
        CHECK(xy.guards_intact());
    }
    {
        const bnkit_bn_train_params p = good_params();
        Guarded<float> y(kN), xy(kN), mm1(kC), mv1(kC), mm2(kC), mv2(kC), sm1(kC), si1(kC), sm2(kC), si2(kC);
        Guarded<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(kC));
        for (Guarded<float>* g : {&mm1, &mm2}) fill_data(g->data(), kC, 0.1f, 0.0f);
        for (Guarded<float>* g : {&mv1, &mv2}) fill_data(g->data(), kC, 0.1f, 1.0f);
        std::memcpy(xy.data(), in.x.data(), kN * sizeof(float));
        REQUIRE(bnkit_bn_train_f32(&d, &p, in.x.data(), y.data(), in.gamma.data(), in.beta.data(), mm1.data(),
                                   mv1.data(), sm1.data(), si1.data(), {ws.data(), ws.size()}) == BNKIT_OK);
        REQUIRE(bnkit_bn_train_f32(&d, &p, xy.data(), xy.data(), in.gamma.data(), in.beta.data(), mm2.data(),
                                   mv2.data(), sm2.data(), si2.data(), {ws.data(), ws.size()}) == BNKIT_OK);
        CHECK(same_bits(y.data(), xy.data(), kN));
        CHECK(same_bits(mm1.data(), mm2.data(), kC));
        CHECK(same_bits(mv1.data(), mv2.data(), kC));
        CHECK(same_bits(sm1.data(), sm2.data(), kC));
        CHECK(same_bits(si1.data(), si2.data(), kC));
        CHECK(xy.guards_intact());
    }
}

TEST_CASE("errors C API: in-place backward (dx == dy and dx == x) matches out-of-place bit for bit") {
    const bnkit_bn_desc& d = the_desc();
    Data in;
    Guarded<float> invstd(kC);
    Guarded<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(kC));
    REQUIRE(bnkit_bn_invstd_f32(kC, in.var.data(), 1e-3f, invstd.data()) == BNKIT_OK);
    for (const auto phase : {BNKIT_PHASE_TRAINING, BNKIT_PHASE_INFERENCE}) {
        Guarded<float> dx(kN), dg(kC), db(kC);
        REQUIRE(bnkit_bn_backward_f32(&d, phase, in.x.data(), in.dy.data(), in.gamma.data(), in.mean.data(),
                                      invstd.data(), dx.data(), dg.data(), db.data(), {ws.data(), ws.size()}) ==
                BNKIT_OK);
        {
            Guarded<float> dy2(kN), dg2(kC), db2(kC);
            std::memcpy(dy2.data(), in.dy.data(), kN * sizeof(float));
            REQUIRE(bnkit_bn_backward_f32(&d, phase, in.x.data(), dy2.data(), in.gamma.data(), in.mean.data(),
                                          invstd.data(), dy2.data(), dg2.data(), db2.data(),
                                          {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(same_bits(dx.data(), dy2.data(), kN));
            CHECK(same_bits(dg.data(), dg2.data(), kC));
            CHECK(same_bits(db.data(), db2.data(), kC));
            CHECK(dy2.guards_intact());
        }
        {
            Guarded<float> x2(kN), dg2(kC), db2(kC);
            std::memcpy(x2.data(), in.x.data(), kN * sizeof(float));
            REQUIRE(bnkit_bn_backward_f32(&d, phase, x2.data(), in.dy.data(), in.gamma.data(), in.mean.data(),
                                          invstd.data(), x2.data(), dg2.data(), db2.data(),
                                          {ws.data(), ws.size()}) == BNKIT_OK);
            CHECK(same_bits(dx.data(), x2.data(), kN));
            CHECK(same_bits(dg.data(), dg2.data(), kC));
            CHECK(same_bits(db.data(), db2.data(), kC));
            CHECK(x2.guards_intact());
        }
    }
}

TEST_CASE("errors C API: in-place fold (scale == gamma and shift == beta) and invstd (invstd == var)") {
    Data in;
    Guarded<float> scale(kC), shift(kC);
    REQUIRE(bnkit_bn_fold_f32(kC, in.gamma.data(), in.beta.data(), in.mean.data(), in.var.data(), 1e-3f,
                              scale.data(), shift.data()) == BNKIT_OK);
    {
        Guarded<float> g(kC), b(kC);
        std::memcpy(g.data(), in.gamma.data(), kC * sizeof(float));
        std::memcpy(b.data(), in.beta.data(), kC * sizeof(float));
        REQUIRE(bnkit_bn_fold_f32(kC, g.data(), b.data(), in.mean.data(), in.var.data(), 1e-3f, g.data(), b.data()) ==
                BNKIT_OK);
        CHECK(same_bits(scale.data(), g.data(), kC));
        CHECK(same_bits(shift.data(), b.data(), kC));
    }
    {
        Guarded<float> g(kC), sh(kC);  // only scale in place
        std::memcpy(g.data(), in.gamma.data(), kC * sizeof(float));
        REQUIRE(bnkit_bn_fold_f32(kC, g.data(), in.beta.data(), in.mean.data(), in.var.data(), 1e-3f, g.data(),
                                  sh.data()) == BNKIT_OK);
        CHECK(same_bits(scale.data(), g.data(), kC));
        CHECK(same_bits(shift.data(), sh.data(), kC));
    }
    {
        Guarded<float> sc(kC), b(kC);  // only shift in place
        std::memcpy(b.data(), in.beta.data(), kC * sizeof(float));
        REQUIRE(bnkit_bn_fold_f32(kC, in.gamma.data(), b.data(), in.mean.data(), in.var.data(), 1e-3f, sc.data(),
                                  b.data()) == BNKIT_OK);
        CHECK(same_bits(scale.data(), sc.data(), kC));
        CHECK(same_bits(shift.data(), b.data(), kC));
    }
    {
        Guarded<float> inv(kC), v(kC);
        std::memcpy(v.data(), in.var.data(), kC * sizeof(float));
        REQUIRE(bnkit_bn_invstd_f32(kC, in.var.data(), 1e-3f, inv.data()) == BNKIT_OK);
        REQUIRE(bnkit_bn_invstd_f32(kC, v.data(), 1e-3f, v.data()) == BNKIT_OK);
        CHECK(same_bits(inv.data(), v.data(), kC));
        CHECK(v.guards_intact());
    }
    {
        // Swapped pairs are not in-place cases: scale == beta, shift == gamma.
        Guarded<float> g(kC), b(kC);
        std::memcpy(g.data(), in.gamma.data(), kC * sizeof(float));
        std::memcpy(b.data(), in.beta.data(), kC * sizeof(float));
        const Snapshot sg = g.snapshot(), sb = b.snapshot();
        CHECK(bnkit_bn_fold_f32(kC, g.data(), b.data(), in.mean.data(), in.var.data(), 1e-3f, b.data(), g.data()) ==
              BNKIT_ERR_ALIASING);
        CHECK(sg.unchanged());
        CHECK(sb.unchanged());
    }
}

TEST_CASE("errors C API: every available ISA - success paths stay inside their buffers and in place matches out of place") {
    struct ShapeRow {
        std::uint32_t rank;
        std::size_t dims[3];
        std::int32_t axis;
    };
    // Inner sizes that are not multiples of any vector width, and channels-last (inner 1).
    const ShapeRow shapes[] = {{3, {2, 3, 4}, 1}, {3, {3, 5, 7}, 1}, {2, {5, 17, 1}, -1},
                               {3, {2, 19, 33}, 1}, {1, {37, 1, 1}, 0}, {3, {1, 1, 1}, 1}};
    int isas = 0;
    for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i) {
        const auto isa = static_cast<bnkit_isa>(i);
        if (!bnkit_isa_available(isa)) continue;
        ++isas;
        for (const ShapeRow& sh : shapes) {
            bnkit_bn_desc d;
            REQUIRE(bnkit_bn_desc_init(&d, sh.rank, sh.dims, 1, &sh.axis) == BNKIT_OK);
            REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
            INFO(std::string(bnkit_isa_name(isa)) << " count " << d.count << " C " << d.channels);
            const std::size_t N = d.count, C = d.channels;
            Guarded<float> x(N), dy(N), gamma(C), beta(C), var(C);
            fill_data(x.data(), N, 0.37f, 1.5f);
            fill_data(dy.data(), N, -0.11f, 0.25f);
            fill_data(gamma.data(), C, 0.1f, 1.0f);
            fill_data(beta.data(), C, 0.2f, -0.5f);
            fill_data(var.data(), C, 0.05f, 0.7f);
            const Snapshot sx = x.snapshot(), sdy = dy.snapshot(), sg = gamma.snapshot(), sb = beta.snapshot(),
                           sv = var.snapshot();
            std::size_t wsb = 0;
            REQUIRE(bnkit_bn_workspace_size(&d, &wsb) == BNKIT_OK);
            Guarded<unsigned char> ws(wsb);
            const bnkit_buffer w{ws.data(), ws.size()};

            // Training forward, out of place and in place.
            const bnkit_bn_train_params p = good_params();
            Guarded<float> y(N), mm(C), mv(C), sm(C), si(C);
            fill_data(mm.data(), C, 0.1f, 0.0f);
            fill_data(mv.data(), C, 0.1f, 1.0f);
            Guarded<float> xy(N), mm2(C), mv2(C), sm2(C), si2(C);
            std::memcpy(xy.data(), x.data(), N * sizeof(float));
            std::memcpy(mm2.data(), mm.data(), C * sizeof(float));
            std::memcpy(mv2.data(), mv.data(), C * sizeof(float));
            REQUIRE(bnkit_bn_train_f32(&d, &p, x.data(), y.data(), gamma.data(), beta.data(), mm.data(), mv.data(),
                                       sm.data(), si.data(), w) == BNKIT_OK);
            REQUIRE(bnkit_bn_train_f32(&d, &p, xy.data(), xy.data(), gamma.data(), beta.data(), mm2.data(),
                                       mv2.data(), sm2.data(), si2.data(), w) == BNKIT_OK);
            CHECK(same_bits(y.data(), xy.data(), N));
            CHECK(same_bits(mm.data(), mm2.data(), C));
            CHECK(same_bits(mv.data(), mv2.data(), C));
            CHECK(same_bits(sm.data(), sm2.data(), C));
            CHECK(same_bits(si.data(), si2.data(), C));

            // Fold + inference, out of place and in place.
            Guarded<float> scale(C), shift(C), yi(N), xi(N);
            REQUIRE(bnkit_bn_fold_f32(C, gamma.data(), beta.data(), mm.data(), mv.data(), 1e-3f, scale.data(),
                                      shift.data()) == BNKIT_OK);
            std::memcpy(xi.data(), x.data(), N * sizeof(float));
            REQUIRE(bnkit_bn_infer_f32(&d, x.data(), yi.data(), scale.data(), shift.data()) == BNKIT_OK);
            REQUIRE(bnkit_bn_infer_f32(&d, xi.data(), xi.data(), scale.data(), shift.data()) == BNKIT_OK);
            CHECK(same_bits(yi.data(), xi.data(), N));

            // Backward in both phases: dx out of place, dx == dy, dx == x.
            Guarded<float> inv(C);
            REQUIRE(bnkit_bn_invstd_f32(C, mv.data(), 1e-3f, inv.data()) == BNKIT_OK);
            for (const auto phase : {BNKIT_PHASE_TRAINING, BNKIT_PHASE_INFERENCE}) {
                const float* mean = phase == BNKIT_PHASE_TRAINING ? sm.data() : mm.data();
                const float* is = phase == BNKIT_PHASE_TRAINING ? si.data() : inv.data();
                Guarded<float> dx(N), dg(C), db(C), dyc(N), dg2(C), db2(C), xc(N), dg3(C), db3(C);
                REQUIRE(bnkit_bn_backward_f32(&d, phase, x.data(), dy.data(), gamma.data(), mean, is, dx.data(),
                                              dg.data(), db.data(), w) == BNKIT_OK);
                std::memcpy(dyc.data(), dy.data(), N * sizeof(float));
                REQUIRE(bnkit_bn_backward_f32(&d, phase, x.data(), dyc.data(), gamma.data(), mean, is, dyc.data(),
                                              dg2.data(), db2.data(), w) == BNKIT_OK);
                std::memcpy(xc.data(), x.data(), N * sizeof(float));
                REQUIRE(bnkit_bn_backward_f32(&d, phase, xc.data(), dy.data(), gamma.data(), mean, is, xc.data(),
                                              dg3.data(), db3.data(), w) == BNKIT_OK);
                CHECK(same_bits(dx.data(), dyc.data(), N));
                CHECK(same_bits(dx.data(), xc.data(), N));
                CHECK(same_bits(dg.data(), dg2.data(), C));
                CHECK(same_bits(dg.data(), dg3.data(), C));
                CHECK(same_bits(db.data(), db2.data(), C));
                CHECK(same_bits(db.data(), db3.data(), C));
                for (const Guarded<float>* g : {&dx, &dg, &db, &dyc, &dg2, &db2, &xc, &dg3, &db3}) {
                    CHECK(g->guards_intact());
                    for (std::size_t k = 0; k < g->size(); ++k) CHECK(std::isfinite((*g)[k]));
                }
            }
            for (const Guarded<float>* g : {&y, &mm, &mv, &sm, &si, &xy, &mm2, &mv2, &sm2, &si2, &scale, &shift, &yi,
                                            &xi, &inv}) {
                CHECK(g->guards_intact());
                for (std::size_t k = 0; k < g->size(); ++k) CHECK(std::isfinite((*g)[k]));
            }
            CHECK(ws.guards_intact());
            for (const Snapshot* s : {&sx, &sdy, &sg, &sb, &sv}) CHECK(s->unchanged());
        }
    }
    CHECK(isas >= 1);
}
