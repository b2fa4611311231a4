// libFuzzer target for the bnkit C API (docs/fuzzing.md). Each input decodes (fuzz_input.hpp)
// into one descriptor and one call of a compute function, with arbitrary shapes, axes, forced
// kernel paths, hyper-parameters, NULLs, pointer offsets, overlaps and data. For every call:
//  - the status is one docs/status.md documents for that function, and the one its check
//    order gives for these arguments (contract_model.hpp);
//  - on error nothing changed: descriptor, *bytes, every buffer and every guard zone;
//  - on success only the outputs changed (guard zones and inputs intact), the results agree
//    with the scalar path (same call, BNKIT_ISA_SCALAR forced) within docs/numerics.md's
//    tolerances (scalar_agreement.hpp), and they are finite when the inputs are moderate.
// ASan and UBSan catch the rest (out-of-bounds access, overflow, misaligned loads).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "bnkit/bnkit.h"
#include "call_plan.hpp"
#include "contract_model.hpp"
#include "conversion_check.hpp"
#include "enum_shim.h"
#include "f16_specs.hpp"
#include "fuzz_input.hpp"
#include "guarded_arena.hpp"
#include "merge_check.hpp"
#include "report.hpp"
#include "scalar_agreement.hpp"
#include "stats_agreement.hpp"
#include "stats_specs.hpp"

namespace bnkit_fuzz {
namespace {

// Caps one call's tensors so one execution stays well under a millisecond.
constexpr std::size_t max_elements = 4096;

void check_status(const char* function, bnkit_status got, status_set documented, bnkit_status expected) {
    FUZZ_REQUIRE(contains(documented, got), "%s returned %d, not a status docs/status.md lists for it", function,
                 static_cast<int>(got));
    FUZZ_REQUIRE(got == expected, "%s returned %d (%s), the contract says %d (%s)", function, static_cast<int>(got),
                 bnkit_status_str(got), static_cast<int>(expected), bnkit_status_str(expected));
}

bool same_bytes(const void* a, const void* b, std::size_t n) { return std::memcmp(a, b, n) == 0; }

// ---- the queries that take no buffers ----------------------------------------------------

bool cpu_has(int isa) {
#if defined(__x86_64__) || defined(__i386__)
    switch (isa) {
        case BNKIT_ISA_SSE2: return __builtin_cpu_supports("sse2");
        case BNKIT_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case BNKIT_ISA_AVX512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
        case BNKIT_ISA_NEON:
        case BNKIT_ISA_NEON64:
        case BNKIT_ISA_NEON64_FP16: return false;
        default: return true;
    }
#else
    (void)isa;
    return true;  // no independent probe here: trust bnkit_isa_available
#endif
}

void check_queries(std::int32_t isa) {
    static const char* const names[] = {"auto", "scalar", "sse2", "avx2", "avx512", "neon", "neon64", "neon64_fp16"};
    const bool known = isa >= BNKIT_ISA_AUTO && isa <= BNKIT_ISA_NEON64_FP16;
    const char* name = fuzz_isa_name(isa);
    FUZZ_REQUIRE(name != nullptr, "bnkit_isa_name(%d) is NULL", isa);
    FUZZ_REQUIRE(std::strcmp(name, known ? names[isa] : "unknown") == 0, "bnkit_isa_name(%d) = \"%s\"", isa, name);
    const int available = fuzz_isa_available(isa);
    FUZZ_REQUIRE(available == 0 || available == 1, "bnkit_isa_available(%d) = %d", isa, available);
    if (!known) FUZZ_REQUIRE(available == 0, "bnkit_isa_available(%d) = 1 for no bnkit_isa", isa);
    if (isa == BNKIT_ISA_AUTO || isa == BNKIT_ISA_SCALAR)
        FUZZ_REQUIRE(available == 1, "bnkit_isa_available(%s) = 0", name);
    if (known && available) FUZZ_REQUIRE(cpu_has(isa), "bnkit_isa_available(%s) = 1 on a CPU without it", name);

    // Any int as a status: a description, "unknown status" exactly for the non-statuses.
    const char* text = fuzz_status_str(isa);
    FUZZ_REQUIRE(text != nullptr && text[0] != '\0', "bnkit_status_str(%d) is NULL or empty", isa);
    const bool status_known = isa >= BNKIT_OK && isa <= BNKIT_ERR_BAD_DISTRIBUTION;  // the last status
    FUZZ_REQUIRE((std::strcmp(text, "unknown status") == 0) == !status_known, "bnkit_status_str(%d) = \"%s\"", isa,
                 text);
    FUZZ_REQUIRE(bnkit_bn_desc_isa(nullptr) == BNKIT_ISA_SCALAR, "bnkit_bn_desc_isa(NULL) is not scalar");
}

// ---- the descriptor ----------------------------------------------------------------------

struct descriptor {
    bnkit_bn_desc desc;
    bool bound;  // its kernel pointer was set by desc_init / set_isa and not tampered with since
};

// The path bnkit_bn_desc_isa reports must be a real, available one, and the forced one if any.
void check_desc_isa(const descriptor& d, std::int32_t forced) {
    const bnkit_isa isa = bnkit_bn_desc_isa(&d.desc);
    const std::int32_t v = enum_value_of(isa);
    if (!d.bound) {
        FUZZ_REQUIRE(v == BNKIT_ISA_SCALAR, "bnkit_bn_desc_isa of an unbound descriptor = %d", v);
        return;
    }
    FUZZ_REQUIRE(v > BNKIT_ISA_AUTO && v <= BNKIT_ISA_NEON64_FP16 && fuzz_isa_available(v),
                 "bnkit_bn_desc_isa = %d, not an available path", v);
    if (forced != BNKIT_ISA_AUTO) FUZZ_REQUIRE(v == forced, "forced path %d, descriptor runs %d", forced, v);
}

descriptor make_descriptor(const fuzz_case& c) {
    descriptor d{};
    switch (c.mode) {
        case desc_zeroed: std::memset(&d.desc, 0, sizeof d.desc); return d;
        case desc_garbage: std::memcpy(&d.desc, c.garbage, sizeof d.desc); return d;
        default: break;
    }
    std::memset(&d.desc, guarded_arena::pattern, sizeof d.desc);
    const bnkit_bn_desc before = d.desc;
    // Exactly the caller's arrays (rank and num_axes entries): ASan flags any read past them.
    // A rank above the decoded 8 dims gets 8: the library must reject it before reading.
    const std::uint32_t dims_len = c.rank < max_rank_decoded ? c.rank : max_rank_decoded;
    std::unique_ptr<std::size_t[]> dims(new std::size_t[dims_len]);
    std::unique_ptr<std::int32_t[]> axes(new std::int32_t[c.num_axes]);
    std::copy(c.dims, c.dims + dims_len, dims.get());
    std::copy(c.axes, c.axes + c.num_axes, axes.get());
    const bool null_d = c.nulls >> null_desc & 1, null_dm = c.nulls >> null_dims & 1, null_ax = c.nulls >> null_axes & 1;

    const bnkit_status s = bnkit_bn_desc_init(null_d ? nullptr : &d.desc, c.rank, null_dm ? nullptr : dims.get(),
                                              c.num_axes, null_ax ? nullptr : axes.get());
    bnkit_bn_desc sizes{};
    const bnkit_status expected =
        expected_desc_init(null_d || null_dm || null_ax, c.rank, dims.get(), c.num_axes, axes.get(), &sizes);
    check_status("bnkit_bn_desc_init", s, documented_desc_init, expected);
    if (s != BNKIT_OK) {
        FUZZ_REQUIRE(same_bytes(&d.desc, &before, sizeof before), "bnkit_bn_desc_init wrote desc on error %d", s);
        return d;
    }
    FUZZ_REQUIRE(d.desc.outer == sizes.outer && d.desc.channels == sizes.channels && d.desc.inner == sizes.inner &&
                     d.desc.count == sizes.count,
                 "bnkit_bn_desc_init sizes %zu x %zu x %zu = %zu, expected %zu x %zu x %zu = %zu", d.desc.outer,
                 d.desc.channels, d.desc.inner, d.desc.count, sizes.outer, sizes.channels, sizes.inner, sizes.count);
    d.bound = true;
    check_desc_isa(d, BNKIT_ISA_AUTO);
    if (c.mode != desc_tampered) return d;
    switch (c.tamper_kind) {
        case 0: d.desc.outer += 1; break;
        case 1: d.desc.channels += 1; break;
        case 2: d.desc.inner = 0; break;
        case 3: d.desc.count += 1; break;
        case 4: d.desc.count = 0; break;
        case 5: d.desc.kernels = nullptr; d.bound = false; break;
        case 6:  // an address that is no kernel table
            d.desc.kernels = reinterpret_cast<const bnkit_kernel_table*>(&d.desc);
            d.bound = false;
            break;
        default:  // consistent sizes, but the workspace of so many channels overflows
            d.desc.outer = d.desc.inner = 1;
            d.desc.channels = d.desc.count = std::size_t{1} << 61;
            break;
    }
    return d;
}

void check_workspace_size(const descriptor& d, const fuzz_case& c) {
    const bool null_d = c.nulls >> null_desc & 1, null_b = c.nulls >> null_bytes & 1;
    const std::size_t sentinel = 0xA5A5A5A5u;
    std::size_t bytes = sentinel;
    const bnkit_bn_desc before = d.desc;
    const bnkit_status s = bnkit_bn_workspace_size(null_d ? nullptr : &d.desc, null_b ? nullptr : &bytes);
    bnkit_status expected = expected_desc_shape(d.desc);
    if (expected == BNKIT_OK && !d.bound) expected = BNKIT_ERR_BAD_ARGUMENT;
    if (null_d || null_b) expected = BNKIT_ERR_NULL_POINTER;
    check_status("bnkit_bn_workspace_size", s, documented_workspace_size, expected);
    FUZZ_REQUIRE(same_bytes(&before, &d.desc, sizeof before), "bnkit_bn_workspace_size wrote its descriptor");
    if (s == BNKIT_OK)
        FUZZ_REQUIRE(bytes == documented_workspace_bytes(d.desc.channels), "workspace of %zu channels: %zu bytes",
                     d.desc.channels, bytes);
    else
        FUZZ_REQUIRE(bytes == sentinel, "bnkit_bn_workspace_size wrote *bytes on error %d", s);
}

void apply_set_isa(descriptor& d, const fuzz_case& c) {
    if (!c.set_isa) return;
    const bool null_d = c.nulls >> null_desc & 1;
    const bnkit_bn_desc before = d.desc;
    const bnkit_status s = fuzz_desc_set_isa(null_d ? nullptr : &d.desc, c.isa);
    bnkit_status expected = expected_desc_shape(d.desc);
    if (expected == BNKIT_OK) {
        if (c.isa < BNKIT_ISA_AUTO || c.isa > BNKIT_ISA_NEON64_FP16)
            expected = BNKIT_ERR_BAD_ARGUMENT;
        else if (!fuzz_isa_available(c.isa))
            expected = BNKIT_ERR_UNSUPPORTED_ISA;
    }
    if (null_d) expected = BNKIT_ERR_NULL_POINTER;
    check_status("bnkit_bn_desc_set_isa", s, documented_set_isa, expected);
    if (s != BNKIT_OK) {
        FUZZ_REQUIRE(same_bytes(&before, &d.desc, sizeof before), "bnkit_bn_desc_set_isa wrote desc on error %d", s);
        return;
    }
    FUZZ_REQUIRE(before.outer == d.desc.outer && before.channels == d.desc.channels &&
                     before.inner == d.desc.inner && before.count == d.desc.count,
                 "bnkit_bn_desc_set_isa changed the sizes");
    d.bound = true;
    check_desc_isa(d, c.isa);
}

// ---- the compute functions -----------------------------------------------------------------

// The status the contract gives this call, from its check order (docs/status.md):
// NULL, descriptor, channels, epsilon, momentum, enums, workspace size, aliasing.
bnkit_status expected_compute(const call_plan& p, const fuzz_case& c, const descriptor* d, bool desc_null) {
    const function_spec& s = *p.spec;
    const int op = base_op(c.op);
    bool null = desc_null || (op == op_train && (c.nulls >> null_params & 1));
    for (int i = 0; i < s.count; ++i)
        if (s.buffers[i].need == required && !p.ptr[i]) null = true;
    if (op == op_train && (p.ptr[4] == nullptr) != (p.ptr[5] == nullptr)) null = true;
    if (null) return BNKIT_ERR_NULL_POINTER;
    if (is_conversion(op)) {
        if (!convert_count_ok(c.fold_channels)) return BNKIT_ERR_SHAPE_OVERFLOW;
    } else if (d) {
        const bnkit_status shape = expected_desc_shape(d->desc);
        if (shape != BNKIT_OK) return shape;
        if (!d->bound) return BNKIT_ERR_BAD_ARGUMENT;
    } else {
        if (c.fold_channels == 0) return BNKIT_ERR_ZERO_DIM;
        if (!channels_ok(c.fold_channels)) return BNKIT_ERR_SHAPE_OVERFLOW;
    }
    if (op == op_stats_merge && c.counts[0] > UINT64_MAX - c.counts[1]) return BNKIT_ERR_SHAPE_OVERFLOW;
    if (op == op_stats_finalize && c.counts[0] == 0) return BNKIT_ERR_BAD_ARGUMENT;
    if ((op == op_fold || op == op_invstd || op == op_train) && !epsilon_ok(c.epsilon))
        return BNKIT_ERR_BAD_EPSILON;
    if (op == op_train) {
        if (!momentum_ok(c.momentum)) return BNKIT_ERR_BAD_MOMENTUM;
        if (c.moving_variance < 0 || c.moving_variance > 1 || c.update < 0 || c.update > 1)
            return BNKIT_ERR_BAD_ARGUMENT;
    }
    if (op == op_backward && (c.phase < 0 || c.phase > 1)) return BNKIT_ERR_BAD_ARGUMENT;
    const bool has_workspace = op == op_train || op == op_backward || op == op_stats || op == op_backward_sums;
    if (has_workspace && p.ws_claim < p.ws_required) return BNKIT_ERR_WORKSPACE_TOO_SMALL;
    region_model r[max_buffers];
    for (int i = 0; i < s.count; ++i) r[i] = {p.ptr[i], p.contract_bytes(i), s.buffers[i].written};
    if (bad_overlap(r, s.count, s.in_place, s.num_in_place)) return BNKIT_ERR_ALIASING;
    return BNKIT_OK;
}

bnkit_bn_train_params train_params(const fuzz_case& c) {
    bnkit_bn_train_params tp{};
    tp.epsilon = c.epsilon;
    tp.momentum = c.momentum;
    // Any int32 in the enum fields, as C code may store (no enum-typed load here).
    std::memcpy(&tp.moving_variance, &c.moving_variance, sizeof c.moving_variance);
    std::memcpy(&tp.update, &c.update, sizeof c.update);
    return tp;
}

// The call itself, with the pointers of `ptr` (those of either arena).
bnkit_status invoke(const fuzz_case& c, const call_plan& p, void* const* ptr, const bnkit_bn_desc* desc) {
    auto f = [&](int i) { return static_cast<float*>(ptr[i]); };
    auto h = [&](int i) { return static_cast<bnkit_f16*>(ptr[i]); };
    const bnkit_bn_train_params tp = train_params(c);
    switch (c.op) {
        case op_fold:
            return bnkit_bn_fold_f32(c.fold_channels, f(0), f(1), f(2), f(3), c.epsilon, f(4), f(5));
        case op_invstd: return bnkit_bn_invstd_f32(c.fold_channels, f(0), c.epsilon, f(1));
        case op_infer: return bnkit_bn_infer_f32(desc, f(0), f(1), f(2), f(3));
        case op_train:
            return bnkit_bn_train_f32(desc, (c.nulls >> null_params & 1) ? nullptr : &tp, f(0), f(1), f(2), f(3),
                                      f(4), f(5), f(6), f(7), {ptr[8], p.ws_claim});
        case op_backward:
            return fuzz_backward(desc, c.phase, f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), {ptr[8], p.ws_claim});
        case op_infer_f16: return bnkit_bn_infer_f16(desc, h(0), h(1), f(2), f(3));
        case op_train_f16:
            return bnkit_bn_train_f16(desc, (c.nulls >> null_params & 1) ? nullptr : &tp, h(0), h(1), f(2), f(3),
                                      f(4), f(5), f(6), f(7), {ptr[8], p.ws_claim});
        case op_backward_f16:
            return fuzz_backward_f16(desc, c.phase, h(0), h(1), f(2), f(3), f(4), h(5), f(6), f(7),
                                     {ptr[8], p.ws_claim});
        case op_stats:
            return bnkit_bn_stats_f32(desc, f(0), static_cast<std::uint64_t*>(ptr[1]), f(2), f(3), {ptr[4], p.ws_claim});
        case op_backward_sums:
            return bnkit_bn_backward_sums_f32(desc, f(0), f(1), f(2), f(3), f(4), f(5), {ptr[6], p.ws_claim});
        case op_stats_merge:
            return bnkit_bn_stats_merge_f32(c.fold_channels, c.counts[0], f(0), f(1), c.counts[1], f(2), f(3),
                                            static_cast<std::uint64_t*>(ptr[4]), f(5), f(6));
        case op_stats_finalize: return bnkit_bn_stats_finalize_f32(c.fold_channels, c.counts[0], f(0), f(1));
        case op_f16_to_f32_n: return bnkit_f16_to_f32_n(h(0), f(1), c.fold_channels);
        default: return bnkit_f16_from_f32_n(f(0), h(1), c.fold_channels);
    }
}

std::vector<guarded_arena::range> written_ranges(const call_plan& p, void* const* ptr, const guarded_arena& arena) {
    std::vector<guarded_arena::range> w;
    for (int i = 0; i < p.spec->count; ++i)
        if (p.spec->buffers[i].written && ptr[i]) w.push_back({arena.offset_of(ptr[i]), p.contract_bytes(i)});
    return w;
}

void check_writes(const char* function, const call_plan& p, void* const* ptr, const guarded_arena& arena,
                  const std::vector<std::uint8_t>& before, bnkit_status s) {
    const std::size_t changed = arena.first_change_outside(
        before, s == BNKIT_OK ? written_ranges(p, ptr, arena) : std::vector<guarded_arena::range>{});
    FUZZ_REQUIRE(changed == arena.size(), "%s (status %d) changed byte %zu of %zu outside what it may write", function,
                 static_cast<int>(s), changed, arena.size());
}

void run_compute(const fuzz_case& c, descriptor* d, byte_reader& in) {
    static const function_spec* const specs[op_count] = {
        nullptr,        &fold_spec,      &invstd_spec,       &infer_spec,         &train_spec,         &backward_spec,
        &infer_f16_spec, &train_f16_spec, &backward_f16_spec, &f16_to_f32_n_spec, &f16_from_f32_n_spec,
        &stats_spec,     &backward_sums_spec, &stats_merge_spec, &stats_finalize_spec};
    call_plan p;
    p.spec = specs[c.op];
    const bool desc_null = d && (c.nulls >> null_desc & 1);
    if (is_conversion(c.op)) {  // n from the fold channels field; 0 is a valid, empty call
        if (convert_count_ok(c.fold_channels) && c.fold_channels > max_elements) return;  // needs huge arrays
        p.elements = convert_count_ok(c.fold_channels) ? c.fold_channels : 2;
        p.channels = 0;
    } else if (!d) {  // fold, invstd: a valid count gets its buffers; an invalid one two floats each
        p.channels = channels_ok(c.fold_channels) ? c.fold_channels : 2;
        p.elements = 0;
    } else if (!desc_null && d->bound && expected_desc_shape(d->desc) == BNKIT_OK) {
        if (d->desc.count > max_elements) return;  // a valid call this large needs large buffers
        p.elements = d->desc.count;
        p.channels = d->desc.channels;
    } else {  // the call must fail on its descriptor: small buffers suffice
        p.elements = 4;
        p.channels = 2;
    }
    build_plan(p, c, in);
    const function_spec& s = *p.spec;

    // The scalar reference runs on a copy of the arena taken before the call.
    guarded_arena ref;
    ref.copy_from(p.arena);
    const std::vector<std::uint8_t> before = p.arena.snapshot();
    const bnkit_bn_desc desc_before = d ? d->desc : bnkit_bn_desc{};
    const bnkit_bn_desc* desc_arg = d && !desc_null ? &d->desc : nullptr;

    const bnkit_status status = invoke(c, p, p.ptr, desc_arg);
    check_status(s.name, status, s.documented, expected_compute(p, c, d, desc_null));
    if (d) FUZZ_REQUIRE(same_bytes(&desc_before, &d->desc, sizeof desc_before), "%s wrote its descriptor", s.name);
    check_writes(s.name, p, p.ptr, p.arena, before, status);
    if (status != BNKIT_OK) return;

    check_finite_outputs(c, p, before);
    if (is_conversion(c.op)) {
        check_conversion(c, p, before);
        return;
    }
    if (c.op == op_stats_merge || c.op == op_stats_finalize) {
        check_merge(c, p, before);
        return;
    }
    if (!d) {
        check_against_double(c, p, before);
        return;
    }
    // Same call on the scalar path, same layout, from the same starting bytes.
    bnkit_bn_desc scalar = d->desc;
    FUZZ_REQUIRE(fuzz_desc_set_isa(&scalar, BNKIT_ISA_SCALAR) == BNKIT_OK, "forcing the scalar path failed");
    void* ref_ptr[max_buffers] = {};
    for (int i = 0; i < s.count; ++i) ref_ptr[i] = p.ptr[i] ? ref.at(p.arena.offset_of(p.ptr[i])) : nullptr;
    const bnkit_status ref_status = invoke(c, p, ref_ptr, &scalar);
    FUZZ_REQUIRE(ref_status == BNKIT_OK, "%s: path %d gave OK, scalar path %d", s.name,
                 enum_value_of(bnkit_bn_desc_isa(&d->desc)), static_cast<int>(ref_status));
    check_writes(s.name, p, ref_ptr, ref, before, ref_status);
    if (c.op == op_stats)
        compare_stats(p, d->desc, before, ref_ptr);
    else if (c.op == op_backward_sums)
        compare_backward_sums(p, d->desc, before, ref_ptr);
    else
        check_against_scalar(c, p, d->desc, enum_value_of(bnkit_bn_desc_isa(&d->desc)), before, ref_ptr);
}

}  // namespace
}  // namespace bnkit_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace bnkit_fuzz;
    byte_reader in(data, size);
    const fuzz_case c = decode(in);
    check_queries(c.isa);
    if (takes_channels(c.op) || is_conversion(c.op)) {
        run_compute(c, nullptr, in);
        return 0;
    }
    descriptor d = make_descriptor(c);
    check_workspace_size(d, c);
    apply_set_isa(d, c);
    check_workspace_size(d, c);
    if (c.op != op_shape) run_compute(c, &d, in);
    return 0;
}
