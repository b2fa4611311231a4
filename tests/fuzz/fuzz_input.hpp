// The decoded form of one fuzz input: which public function to drive and every argument of
// the call, good and bad. The byte layout (docs/fuzzing.md, "Input format") is read field by
// field in decode(); each field maps most byte values to ordinary arguments and the top few
// to the edge cases (NaN, inf, SIZE_MAX dims, INT32_MIN axes, out-of-range enums, ...).
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "bnkit/bnkit.h"
#include "byte_reader.hpp"

namespace bnkit_fuzz {

// The first six are the original ops (op byte % 6, as old corpus files decode); the ones added
// later (float16, mergeable statistics) are selected by op bytes >= 0xE0
// (op_first_added + (b - 0xE0) % num_added_ops).
enum op_kind : int {
    op_shape, op_fold, op_invstd, op_infer, op_train, op_backward,
    op_infer_f16, op_train_f16, op_backward_f16, op_f16_to_f32_n, op_f16_from_f32_n,
    op_stats, op_backward_sums, op_stats_merge, op_stats_finalize,
    op_count
};
constexpr int op_first_added = op_infer_f16;
constexpr int num_added_ops = op_count - op_first_added;

// The f16 tensor ops take the arguments of the _f32 op `base_op` returns.
inline int base_op(int op) {
    switch (op) {
        case op_infer_f16: return op_infer;
        case op_train_f16: return op_train;
        case op_backward_f16: return op_backward;
        default: return op;
    }
}
inline bool is_conversion(int op) { return op == op_f16_to_f32_n || op == op_f16_from_f32_n; }
// The ops that take a channel count (the fold channels field) and no descriptor.
inline bool takes_channels(int op) {
    return op == op_fold || op == op_invstd || op == op_stats_merge || op == op_stats_finalize;
}

// How the descriptor handed to the compute functions is made.
enum desc_mode : int {
    desc_from_init,  // bnkit_bn_desc_init over a garbage-filled descriptor
    desc_zeroed,     // all zero bytes, never initialised
    desc_garbage,    // raw input bytes, never initialised
    desc_tampered,   // bnkit_bn_desc_init, then one field changed (tamper_kind)
};

constexpr int max_buffers = 9;
constexpr int max_rank_decoded = 8;

struct alias_directive {
    std::uint8_t kind;  // %4: 0, 3 none; 1 an allowed in-place pair; 2 any pair, displaced
    std::uint8_t pick;  // which pair
    std::uint8_t disp;  // displacement of the second buffer, in its units (-3..3)
};

struct fuzz_case {
    int op;
    std::uint32_t rank;
    std::size_t dims[max_rank_decoded];
    std::uint32_t num_axes;
    std::int32_t axes[max_rank_decoded];
    std::int32_t isa;          // forced path for the run under test; any int
    bool set_isa;              // call bnkit_bn_desc_set_isa at all
    int mode;                  // desc_mode
    int tamper_kind;           // 0..7, for desc_tampered
    std::uint8_t garbage[sizeof(bnkit_bn_desc)];
    std::size_t fold_channels; // bnkit_bn_fold_f32 / bnkit_bn_invstd_f32
    float epsilon;
    double momentum;
    std::int32_t moving_variance, update, phase;
    std::uint32_t nulls;       // bit i: buffer i NULL; bits 9.. see null_bit
    std::uint8_t workspace;    // claimed workspace size (ws_claim)
    std::uint8_t offsets[max_buffers];
    alias_directive alias[2];
    std::uint64_t counts[2];   // bnkit_bn_stats_merge_f32's count_a, count_b (finalize: [0])
};

// NULL-able arguments beyond the buffers.
enum null_bit : int { null_desc = 9, null_params = 10, null_dims = 11, null_axes = 12, null_bytes = 13 };

// The largest channel count whose workspace size fits size_t (BNKIT_BN_WORKSPACE_BYTES: four
// arrays of C floats rounded up to 16, plus 64 bytes).
constexpr std::size_t max_channels = (SIZE_MAX - 64) / 16 / 16 * 16;

inline std::size_t decode_dim(std::uint8_t b) {
    if (b < 0xF0) return b % 17u;  // 0 (ZERO_DIM) one time in 17
    constexpr std::size_t M = SIZE_MAX;
    static constexpr std::size_t specials[16] = {
        M, M / 2, M / 3, M / 4, M / 16, M / 16 + 1, max_channels, max_channels + 1, std::size_t{1} << 32,
        (std::size_t{1} << 32) + 1, std::size_t{1} << 31, std::size_t{1} << 62, std::size_t{1} << 63, 65536, 4097,
        M / 4 / 3 + 1};
    return specials[b & 15];
}

inline std::int32_t decode_axis(std::uint8_t b) {
    if (b < 0xF0) return static_cast<std::int32_t>(b % 13u) - 6;  // -6..6 around every rank
    static constexpr std::int32_t specials[16] = {INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1, -7, 7, 8, -8,
                                                   127, -128, 255, -255, 1 << 16, -(1 << 16), 0, -1};
    return specials[b & 15];
}

inline std::int32_t decode_enum(std::uint8_t b, int valid_count) {
    if (b < 0xF0) return static_cast<std::int32_t>(b % (valid_count + 1));  // one out-of-range value
    static constexpr std::int32_t specials[16] = {-1, 2, 3, 7, 9, 99, INT32_MIN, INT32_MAX, 8, 5, 6, -2, 1 << 30, 255, 256, 0};
    return specials[b & 15];
}

inline float decode_epsilon(byte_reader& in) {
    const std::uint8_t b = in.u8();
    if (b < 0xF0) {
        static constexpr float ordinary[8] = {1e-3f, 1e-5f, 1.001e-5f, 0.1f, 1.0f, 1e-2f, 0.5f, 0.0f};
        return ordinary[b % 8];
    }
    if (b == 0xFF) return in.raw<float>();
    static constexpr float specials[15] = {
        std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(), INFINITY, -INFINITY,
        -1e-5f, -0.0f, std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
        1e30f, FLT_MAX, FLT_MIN, -FLT_MAX, 1e-30f, 0.0f, 1e6f};
    return specials[b - 0xF0];
}

inline double decode_momentum(byte_reader& in) {
    const std::uint8_t b = in.u8();
    if (b < 0xF0) {
        static constexpr double ordinary[8] = {0.99, 0.9, 0.0, 1.0, 0.5, 0.1, 0.999, 0.01};
        return ordinary[b % 8];
    }
    if (b == 0xFF) return in.raw<double>();
    static const double specials[15] = {
        std::numeric_limits<double>::quiet_NaN(), INFINITY, -INFINITY, -0.1, 1.1, -1e-300, 1.0 + 1e-15, -0.0,
        std::nextafter(1.0, 0.0), std::numeric_limits<double>::denorm_min(), DBL_MAX, -DBL_MAX,
        std::nextafter(1.0, 2.0), -std::numeric_limits<double>::denorm_min(), 1e-300};
    return specials[b - 0xF0];
}

// A partial's element count: mostly small (0, an empty partial, included), else values at the
// edges of uint64_t arithmetic (a sum that overflows, counts above 2^53).
inline std::uint64_t decode_count(std::uint8_t b) {
    if (b < 0xF0) return b % 9u;
    constexpr std::uint64_t M = UINT64_MAX;
    static constexpr std::uint64_t specials[16] = {M, M - 1, M / 2, M / 2 + 1, std::uint64_t{1} << 63, std::uint64_t{1} << 32,
                                                   (std::uint64_t{1} << 53) + 1, std::uint64_t{1} << 53, 1, 0, 2, 3,
                                                   1000000, std::uint64_t{1} << 62, M - 8, 4096};
    return specials[b & 15];
}

inline std::size_t decode_fold_channels(std::uint8_t b) {
    if (b < 0xF8) return 1u + b % 64u;
    constexpr std::size_t M = SIZE_MAX;
    // Only values that must be rejected: a valid huge count would need a huge buffer.
    static constexpr std::size_t specials[8] = {0, M, M / 2, max_channels + 1, M / 16 + 1, std::size_t{1} << 62,
                                                std::size_t{1} << 63, 0};
    return specials[b & 7];
}

// Reads the header fields in the order docs/fuzzing.md lists them.
inline fuzz_case decode(byte_reader& in) {
    fuzz_case c{};
    const std::uint8_t op = in.u8();
    c.op = op < 0xE0 ? op % op_first_added : op_first_added + (op - 0xE0) % num_added_ops;
    const std::uint8_t r = in.u8();
    c.rank = r == 0xFF ? UINT32_MAX : r == 0xFE ? 1000u : r % 8u;  // 0, 6, 7 invalid too
    for (auto& d : c.dims) d = decode_dim(in.u8());
    c.num_axes = in.u8() % 8u;
    for (auto& a : c.axes) a = decode_axis(in.u8());
    const std::uint8_t isa = in.u8();
    c.set_isa = isa != 0;  // 0: keep the path bnkit_bn_desc_init chose
    c.isa = decode_enum(isa, 7);  // 0..6 the bnkit_isa values, 7 and the specials invalid
    const std::uint8_t mode = in.u8();
    c.mode = mode < 0xC0 ? desc_from_init : static_cast<int>(1 + mode % 3);
    c.tamper_kind = in.u8() % 8;
    if (c.mode == desc_garbage)
        for (auto& g : c.garbage) g = in.u8();
    c.fold_channels = decode_fold_channels(in.u8());
    c.epsilon = decode_epsilon(in);
    c.momentum = decode_momentum(in);
    c.moving_variance = decode_enum(in.u8(), 2);
    c.update = decode_enum(in.u8(), 2);
    c.phase = decode_enum(in.u8(), 2);
    const std::uint8_t nulls = in.u8();
    const std::uint16_t mask = in.raw<std::uint16_t>();
    c.nulls = nulls < 0xE0 ? 0u : mask;
    c.workspace = in.u8();
    for (auto& o : c.offsets) o = in.u8();
    for (auto& a : c.alias) a = {in.u8(), in.u8(), in.u8()};
    if (c.op == op_stats_merge || c.op == op_stats_finalize)  // only these: other inputs decode as before
        for (auto& n : c.counts) n = decode_count(in.u8());
    return c;
}

}  // namespace bnkit_fuzz
