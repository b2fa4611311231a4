// One compute call's buffers: which buffers each function takes (function_spec), where they
// sit in a guarded arena, what they hold, and the pointers passed for them after the decoded
// NULLs, offsets and overlaps are applied.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "bnkit/bnkit.h"
#include "byte_reader.hpp"
#include "contract_model.hpp"
#include "fuzz_input.hpp"
#include "guarded_arena.hpp"

namespace bnkit_fuzz {

// Inputs at most this large (and finite) must give finite outputs (with epsilon >= 1e-6).
constexpr float moderate = 1e4f;
constexpr float moderate_epsilon = 1e-6f;

// per_element_f16: a bnkit_f16 tensor (count elements of 2 bytes); one_u64: one uint64_t
// (bnkit_bn_stats_f32's count).
enum length_kind { per_element, per_channel, workspace_bytes, per_element_f16, one_u64 };

inline std::size_t element_bytes(length_kind k) {
    switch (k) {
        case workspace_bytes: return 1;
        case per_element_f16: return sizeof(bnkit_f16);
        case one_u64: return sizeof(std::uint64_t);
        default: return sizeof(float);
    }
}
inline bool holds_floats(length_kind k) { return k == per_element || k == per_channel; }
enum need_kind { optional, required, paired };  // paired: moving statistics, both or neither

struct buffer_spec {
    const char* name;
    length_kind length;
    bool written;
    need_kind need;
    bool has_values;  // filled with decoded data (inputs, and the moving statistics)
};

struct function_spec {
    const char* name;
    int count;
    buffer_spec buffers[max_buffers];
    int num_in_place;
    int in_place[4][2];  // {written buffer, the buffer it may equal}
    status_set documented;
};

inline const function_spec fold_spec = {
    "bnkit_bn_fold_f32",
    6,
    {{"gamma", per_channel, false, optional, true},
     {"beta", per_channel, false, optional, true},
     {"mean", per_channel, false, required, true},
     {"var", per_channel, false, required, true},
     {"scale", per_channel, true, required, false},
     {"shift", per_channel, true, required, false}},
    2,
    {{4, 0}, {5, 1}},
    documented_fold};

inline const function_spec invstd_spec = {"bnkit_bn_invstd_f32",
                                   2,
                                   {{"var", per_channel, false, required, true},
                                    {"invstd", per_channel, true, required, false}},
                                   1,
                                   {{1, 0}},
                                   documented_invstd};

inline const function_spec infer_spec = {"bnkit_bn_infer_f32",
                                  4,
                                  {{"x", per_element, false, required, true},
                                   {"y", per_element, true, required, false},
                                   {"scale", per_channel, false, required, true},
                                   {"shift", per_channel, false, required, true}},
                                  1,
                                  {{1, 0}},
                                  documented_infer};

inline const function_spec train_spec = {"bnkit_bn_train_f32",
                                  9,
                                  {{"x", per_element, false, required, true},
                                   {"y", per_element, true, required, false},
                                   {"gamma", per_channel, false, optional, true},
                                   {"beta", per_channel, false, optional, true},
                                   {"moving_mean", per_channel, true, paired, true},
                                   {"moving_var", per_channel, true, paired, true},
                                   {"saved_mean", per_channel, true, required, false},
                                   {"saved_invstd", per_channel, true, required, false},
                                   {"workspace", workspace_bytes, true, required, false}},
                                  1,
                                  {{1, 0}},
                                  documented_train};

inline const function_spec backward_spec = {"bnkit_bn_backward_f32",
                                     9,
                                     {{"x", per_element, false, required, true},
                                      {"dy", per_element, false, required, true},
                                      {"gamma", per_channel, false, optional, true},
                                      {"mean", per_channel, false, required, true},
                                      {"invstd", per_channel, false, required, true},
                                      {"dx", per_element, true, optional, false},
                                      {"dgamma", per_channel, true, optional, false},
                                      {"dbeta", per_channel, true, optional, false},
                                      {"workspace", workspace_bytes, true, required, false}},
                                     2,
                                     {{5, 0}, {5, 1}},
                                     documented_backward};

// One call's buffers, laid out in a guarded arena, and the pointers passed for them.
struct call_plan {
    const function_spec* spec;
    std::size_t elements, channels;  // as the function will see them
    std::size_t ws_required, ws_claim;
    guarded_arena arena;
    void* ptr[max_buffers] = {};

    std::size_t contract_bytes(int i) const {
        switch (spec->buffers[i].length) {
            case per_element: return elements * sizeof(float);
            case per_element_f16: return elements * sizeof(bnkit_f16);
            case one_u64: return sizeof(std::uint64_t);
            case per_channel: return channels * sizeof(float);
            default: return ws_required;
        }
    }
    float* f(int i) const { return static_cast<float*>(ptr[i]); }
};

inline std::size_t claimed_workspace(std::uint8_t w, std::size_t required) {
    if (w < 0xC0) return required + (w % 4 == 3 ? w % 32 : 0);  // exact, or a little more
    if (w < 0xF0) {                                            // short by 1..16 bytes
        const std::size_t shortfall = 1u + w % 16;
        return required > shortfall ? required - shortfall : 0;
    }
    return w < 0xF8 ? 0 : SIZE_MAX;  // none, or a claim far beyond the real block
}

inline void build_plan(call_plan& p, const fuzz_case& c, byte_reader& in) {
    const function_spec& s = *p.spec;
    p.ws_required = BNKIT_BN_WORKSPACE_BYTES(p.channels);
    p.ws_claim = claimed_workspace(c.workspace, p.ws_required);
    const std::size_t ws_block = p.ws_claim < p.ws_required + 32 ? p.ws_claim : p.ws_required;
    std::size_t slot[max_buffers];
    for (int i = 0; i < s.count; ++i) {
        const bool ws = s.buffers[i].length == workspace_bytes;
        // Floats (halves) stay float- (half-) aligned but take any offset from a 64-byte
        // boundary; the workspace (void*) any byte offset.
        const std::size_t misalign = c.offsets[i] % 16u * element_bytes(s.buffers[i].length);
        slot[i] = p.arena.reserve(ws ? ws_block : p.contract_bytes(i), misalign);
    }
    p.arena.allocate();
    for (int i = 0; i < s.count; ++i) {
        p.ptr[i] = p.arena.at(slot[i]);
        if (s.buffers[i].length == workspace_bytes || s.buffers[i].length == one_u64) continue;  // guard pattern
        if (s.buffers[i].length == per_element_f16) {
            // Halves of the decoded values (bnkit_f16_from_f32 is checked bit-exact by the unit
            // tests); outputs start as a quiet-NaN half.
            for (std::size_t k = 0; k < p.elements; ++k) {
                const bnkit_f16 h = s.buffers[i].has_values ? bnkit_f16_from_f32(in.value()) : bnkit_f16{0x7E00};
                std::memcpy(static_cast<bnkit_f16*>(p.ptr[i]) + k, &h, sizeof h);
            }
            continue;
        }
        const std::size_t n = p.contract_bytes(i) / sizeof(float);
        for (std::size_t k = 0; k < n; ++k) {
            // Outputs start as a NaN canary: an output left unwritten is then not finite.
            const float v = s.buffers[i].has_values ? in.value() : std::numeric_limits<float>::quiet_NaN();
            std::memcpy(static_cast<float*>(p.ptr[i]) + k, &v, sizeof v);
        }
    }
    for (const alias_directive& a : c.alias) {
        if (a.kind % 4 == 1 && s.num_in_place > 0) {  // an allowed exact in-place pair
            const int* pair = s.in_place[a.pick % s.num_in_place];
            p.ptr[pair[0]] = p.ptr[pair[1]];
        } else if (a.kind % 4 == 2) {  // buffer j placed at buffer i, displaced by -3..3 units
            const int i = a.pick % s.count;
            int j = (a.pick / 16) % s.count;
            if (j == i) j = (j + 1) % s.count;
            const int unit = static_cast<int>(element_bytes(s.buffers[j].length));
            // A float* (half*) stays aligned even inside the (byte-aligned) workspace: C gives
            // no meaning to a misaligned one.
            std::uint8_t* base = static_cast<std::uint8_t*>(p.ptr[i]);
            base -= reinterpret_cast<std::uintptr_t>(base) % unit;
            p.ptr[j] = base + (static_cast<int>(a.disp % 7) - 3) * unit;
        }
    }
    for (int i = 0; i < s.count; ++i)
        if (c.nulls >> i & 1) p.ptr[i] = nullptr;
}

}  // namespace bnkit_fuzz
