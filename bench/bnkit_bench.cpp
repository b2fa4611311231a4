// bnkit_bench: single-thread batch normalization benchmarks, float32 and float16 activations.
//
// Names: <op>/<impl>/<layout>/<N>x<C>x<H>x<W>
//   op     infer | train | backward
//   impl   bnkit (auto path), bnkit_scalar, bnkit_sse2, bnkit_avx2, bnkit_avx512,
//          onednn (plain nchw/nhwc), onednn_blocked (nChw16c with AVX-512, else nChw8c),
//          memcpy, scale (streaming ceilings over the same arrays);
//          infer and train also with float16 x/y: the bnkit impls suffixed _f16
//          (bnkit_f16, bnkit_avx2_f16, ...) and memcpy_f16 (memcpy of the f16 bytes)
//   layout nchw | nhwc
// Byte model (SetBytesProcessed): compulsory traffic only.
//   infer, train: x read + y write         = 2 * count * 4 bytes per call
//   backward:     x, dy read + dx write    = 3 * count * 4 bytes per call
//   memcpy rows count what they actually copy (backward: x->a and dy->b, 4 * count * 4).
//   _f16 rows: the same with 2-byte elements (infer, train: 2 * count * 2 bytes per call).
// items_per_second counts tensor elements (count) per call.
#include <benchmark/benchmark.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_util.hpp"
#include "bnkit/batch_norm.h"

#if defined(BNKIT_BENCH_ONEDNN)
#include "oneapi/dnnl/dnnl.hpp"
#endif

namespace {

struct Shape {
    std::size_t n, c, h, w;
    std::size_t count() const { return n * c * h * w; }
    std::string name() const {
        return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
    }
};

enum class Op { infer, train, backward };
enum class Layout { nchw, nhwc };

const char* op_name(Op op) { return op == Op::infer ? "infer" : op == Op::train ? "train" : "backward"; }
const char* layout_name(Layout l) { return l == Layout::nchw ? "nchw" : "nhwc"; }

constexpr float kEpsilon = 1e-3f;

void set_counters(benchmark::State& state, const Shape& s, std::size_t bytes_per_call) {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes_per_call));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.count()));
}

std::size_t op_bytes(Op op, const Shape& s) {
    return (op == Op::backward ? 3u : 2u) * s.count() * sizeof(float);
}

// ---- streaming ceilings ------------------------------------------------------------------
// Multiversioned so the ceiling uses the widest vectors this CPU has, like bnkit's auto path.
__attribute__((noinline, target_clones("avx512f", "avx2", "default"))) void scale_kernel(
    const float* __restrict x, float* __restrict y, float a, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i];
}

__attribute__((noinline, target_clones("avx512f", "avx2", "default"))) void scale2_kernel(
    const float* __restrict dy, const float* __restrict x, float* __restrict dx, float a, float b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) dx[i] = a * dy[i] + b * x[i];
}

void bm_memcpy(benchmark::State& state, Op op, Shape s) {
    const std::size_t n = s.count();
    auto x = bench::make_buffer(n, 1.0f), y = bench::make_buffer(n, 0.0f);
    bench::Buffer dy, y2;
    if (op == Op::backward) {
        dy = bench::make_buffer(n, 0.5f);
        y2 = bench::make_buffer(n, 0.0f);
    }
    for (auto _ : state) {
        std::memcpy(y.get(), x.get(), n * sizeof(float));
        if (op == Op::backward) std::memcpy(y2.get(), dy.get(), n * sizeof(float));
        benchmark::ClobberMemory();
    }
    set_counters(state, s, (op == Op::backward ? 4u : 2u) * n * sizeof(float));
}

void bm_scale(benchmark::State& state, Op op, Shape s) {
    const std::size_t n = s.count();
    auto x = bench::make_buffer(n, 1.0f), y = bench::make_buffer(n, 0.0f), dy = bench::make_buffer(n, 0.5f);
    for (auto _ : state) {
        if (op == Op::backward)
            scale2_kernel(dy.get(), x.get(), y.get(), 1.25f, -0.5f, n);
        else
            scale_kernel(x.get(), y.get(), 1.25f, n);
        benchmark::ClobberMemory();
    }
    set_counters(state, s, op_bytes(op, s));
}

// ---- bnkit -------------------------------------------------------------------------------
bool make_desc(bnkit_bn_desc& d, Layout l, const Shape& s, bnkit_isa isa) {
    const std::size_t nchw[4] = {s.n, s.c, s.h, s.w};
    const std::size_t nhwc[4] = {s.n, s.h, s.w, s.c};
    const int32_t axis = l == Layout::nchw ? 1 : 3;
    if (bnkit_bn_desc_init(&d, 4, l == Layout::nchw ? nchw : nhwc, 1, &axis) != BNKIT_OK) return false;
    return bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK;
}

void bm_bnkit(benchmark::State& state, Op op, Layout l, Shape s, bnkit_isa isa) {
    bnkit_bn_desc d;
    if (!make_desc(d, l, s, isa)) {
        state.SkipWithError("bnkit descriptor / isa unavailable");
        return;
    }
    const std::size_t n = s.count(), c = s.c;
    auto x = bench::make_buffer(n, 1.0f), y = bench::make_buffer(n, 0.0f), dy = bench::make_buffer(n, 0.25f);
    auto gamma = bench::make_buffer(c, 1.0f), beta = bench::make_buffer(c, 0.1f);
    auto mean = bench::make_buffer(c, 0.0f), var = bench::make_buffer(c, 2.0f);
    auto scale = bench::make_buffer(c, 0.0f), shift = bench::make_buffer(c, 0.0f);
    auto saved_mean = bench::make_buffer(c, 0.0f), saved_invstd = bench::make_buffer(c, 0.0f);
    auto dgamma = bench::make_buffer(c, 0.0f), dbeta = bench::make_buffer(c, 0.0f);
    for (std::size_t i = 0; i < c; ++i) var[i] = 1.0f + 0.01f * static_cast<float>(i);  // positive
    std::vector<unsigned char> ws_storage(BNKIT_BN_WORKSPACE_BYTES(c) + 64u, 0u);
    bnkit_buffer ws{ws_storage.data(), ws_storage.size()};
    bnkit_bn_train_params p{};
    p.epsilon = kEpsilon;
    p.momentum = 0.99;
    p.moving_variance = BNKIT_VARIANCE_UNBIASED;
    p.update = BNKIT_UPDATE_LERP;

    bnkit_status st = BNKIT_OK;
    switch (op) {
    case Op::infer:
        st = bnkit_bn_fold_f32(c, gamma.get(), beta.get(), mean.get(), var.get(), kEpsilon, scale.get(), shift.get());
        for (auto _ : state) {
            bnkit_status r = bnkit_bn_infer_f32(&d, x.get(), y.get(), scale.get(), shift.get());
            benchmark::DoNotOptimize(r);
            benchmark::ClobberMemory();
        }
        break;
    case Op::train:
        for (auto _ : state) {
            bnkit_status r = bnkit_bn_train_f32(&d, &p, x.get(), y.get(), gamma.get(), beta.get(), mean.get(),
                                                var.get(), saved_mean.get(), saved_invstd.get(), ws);
            benchmark::DoNotOptimize(r);
            benchmark::ClobberMemory();
        }
        break;
    case Op::backward:
        // Saved statistics from one real forward, outside the timed loop.
        st = bnkit_bn_train_f32(&d, &p, x.get(), y.get(), gamma.get(), beta.get(), mean.get(), var.get(),
                                saved_mean.get(), saved_invstd.get(), ws);
        for (auto _ : state) {
            bnkit_status r = bnkit_bn_backward_f32(&d, BNKIT_PHASE_TRAINING, x.get(), dy.get(), gamma.get(),
                                                   saved_mean.get(), saved_invstd.get(), y.get(), dgamma.get(),
                                                   dbeta.get(), ws);
            benchmark::DoNotOptimize(r);
            benchmark::ClobberMemory();
        }
        break;
    }
    if (st != BNKIT_OK) {
        state.SkipWithError("bnkit setup call failed");
        return;
    }
    set_counters(state, s, op_bytes(op, s));
}

// float16 x and y (infer, train); parameters and statistics float32.
void bm_bnkit_f16(benchmark::State& state, Op op, Layout l, Shape s, bnkit_isa isa) {
    bnkit_bn_desc d;
    if (!make_desc(d, l, s, isa)) {
        state.SkipWithError("bnkit descriptor / isa unavailable");
        return;
    }
    const std::size_t n = s.count(), c = s.c;
    std::vector<bnkit_f16> x(n), y(n);
    {
        auto xf = bench::make_buffer(n, 1.0f);
        if (bnkit_f16_from_f32_n(xf.get(), x.data(), n) != BNKIT_OK) state.SkipWithError("conversion failed");
    }
    auto gamma = bench::make_buffer(c, 1.0f), beta = bench::make_buffer(c, 0.1f);
    auto mean = bench::make_buffer(c, 0.0f), var = bench::make_buffer(c, 2.0f);
    auto scale = bench::make_buffer(c, 0.0f), shift = bench::make_buffer(c, 0.0f);
    auto saved_mean = bench::make_buffer(c, 0.0f), saved_invstd = bench::make_buffer(c, 0.0f);
    for (std::size_t i = 0; i < c; ++i) var[i] = 1.0f + 0.01f * static_cast<float>(i);
    std::vector<unsigned char> ws_storage(BNKIT_BN_WORKSPACE_BYTES(c) + 64u, 0u);
    const bnkit_buffer ws{ws_storage.data(), ws_storage.size()};
    const bnkit_bn_train_params p{kEpsilon, 0.99, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    if (bnkit_bn_fold_f32(c, gamma.get(), beta.get(), mean.get(), var.get(), kEpsilon, scale.get(), shift.get()) !=
        BNKIT_OK) {
        state.SkipWithError("bnkit setup call failed");
        return;
    }
    for (auto _ : state) {
        bnkit_status r = op == Op::infer ? bnkit_bn_infer_f16(&d, x.data(), y.data(), scale.get(), shift.get())
                                         : bnkit_bn_train_f16(&d, &p, x.data(), y.data(), gamma.get(), beta.get(),
                                                              mean.get(), var.get(), saved_mean.get(),
                                                              saved_invstd.get(), ws);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    set_counters(state, s, 2u * n * sizeof(bnkit_f16));
}

void bm_memcpy_f16(benchmark::State& state, Shape s) {
    const std::size_t n = s.count();
    std::vector<bnkit_f16> x(n, bnkit_f16{0x3c00}), y(n);
    for (auto _ : state) {
        std::memcpy(y.data(), x.data(), n * sizeof(bnkit_f16));
        benchmark::ClobberMemory();
    }
    set_counters(state, s, 2u * n * sizeof(bnkit_f16));
}

// ---- oneDNN ------------------------------------------------------------------------------
#if defined(BNKIT_BENCH_ONEDNN)
bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f") != 0; }

void bm_onednn(benchmark::State& state, Op op, Layout l, Shape s, bool blocked) {
    using namespace dnnl;
    using tag = memory::format_tag;
    try {
        engine eng(engine::kind::cpu, 0);
        stream strm(eng);
        const memory::dims dims = {static_cast<memory::dim>(s.n), static_cast<memory::dim>(s.c),
                                   static_cast<memory::dim>(s.h), static_cast<memory::dim>(s.w)};
        const tag user_tag = l == Layout::nchw ? tag::nchw : tag::nhwc;
        const tag run_tag = blocked ? (cpu_has_avx512() ? tag::nChw16c : tag::nChw8c) : user_tag;
        const memory::desc user_md(dims, memory::data_type::f32, user_tag);
        const memory::desc run_md(dims, memory::data_type::f32, run_tag);
        const memory::desc c_md({static_cast<memory::dim>(s.c)}, memory::data_type::f32, tag::a);

        const std::size_t n = s.count(), c = s.c;
        auto xb = bench::make_buffer(n, 1.0f), dyb = bench::make_buffer(n, 0.25f);
        auto var_b = bench::make_buffer(c, 0.0f);
        for (std::size_t i = 0; i < c; ++i) var_b[i] = 1.0f + 0.01f * static_cast<float>(i);
        memory x_user(user_md, eng, xb.get()), dy_user(user_md, eng, dyb.get());
        // Reorder the inputs to the run layout outside the timed loop.
        memory x(run_md, eng), dy(run_md, eng), y(run_md, eng), dx(run_md, eng);
        reorder(x_user, x).execute(strm, x_user, x);
        reorder(dy_user, dy).execute(strm, dy_user, dy);
        std::memset(y.get_data_handle(), 0, run_md.get_size());
        std::memset(dx.get_data_handle(), 0, run_md.get_size());
        memory gamma(c_md, eng), beta(c_md, eng), mean(c_md, eng), var(c_md, eng);
        memory dgamma(c_md, eng), dbeta(c_md, eng);
        for (std::size_t i = 0; i < c; ++i) {
            static_cast<float*>(gamma.get_data_handle())[i] = 1.0f;
            static_cast<float*>(beta.get_data_handle())[i] = 0.1f;
            static_cast<float*>(mean.get_data_handle())[i] = 0.0f;
            static_cast<float*>(var.get_data_handle())[i] = var_b[i];
        }
        strm.wait();

        const auto ss = normalization_flags::use_scale | normalization_flags::use_shift;
        if (op == Op::infer) {
            batch_normalization_forward::primitive_desc pd(
                {prop_kind::forward_inference, run_md, kEpsilon, ss | normalization_flags::use_global_stats}, eng);
            batch_normalization_forward prim(pd);
            std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, x},      {DNNL_ARG_DST, y},
                                                    {DNNL_ARG_MEAN, mean},  {DNNL_ARG_VARIANCE, var},
                                                    {DNNL_ARG_SCALE, gamma}, {DNNL_ARG_SHIFT, beta}};
            for (auto _ : state) {
                prim.execute(strm, args);
                strm.wait();
            }
        } else {
            batch_normalization_forward::primitive_desc fpd({prop_kind::forward_training, run_md, kEpsilon, ss}, eng);
            batch_normalization_forward fwd(fpd);
            std::unordered_map<int, memory> fargs = {{DNNL_ARG_SRC, x},      {DNNL_ARG_DST, y},
                                                     {DNNL_ARG_MEAN, mean},  {DNNL_ARG_VARIANCE, var},
                                                     {DNNL_ARG_SCALE, gamma}, {DNNL_ARG_SHIFT, beta}};
            if (op == Op::train) {
                for (auto _ : state) {
                    fwd.execute(strm, fargs);
                    strm.wait();
                }
            } else {
                fwd.execute(strm, fargs);  // batch statistics for the backward, untimed
                strm.wait();
                batch_normalization_backward::primitive_desc bpd({prop_kind::backward, run_md, run_md, kEpsilon, ss},
                                                                 eng, fpd);
                batch_normalization_backward bwd(bpd);
                std::unordered_map<int, memory> bargs = {
                    {DNNL_ARG_SRC, x},          {DNNL_ARG_DIFF_DST, dy},      {DNNL_ARG_MEAN, mean},
                    {DNNL_ARG_VARIANCE, var},   {DNNL_ARG_SCALE, gamma},      {DNNL_ARG_DIFF_SRC, dx},
                    {DNNL_ARG_DIFF_SCALE, dgamma}, {DNNL_ARG_DIFF_SHIFT, dbeta},
                    // oneDNN 2.6 rejects a use_shift backward without the (unused) shift.
                    {DNNL_ARG_SHIFT, beta}};
                for (auto _ : state) {
                    bwd.execute(strm, bargs);
                    strm.wait();
                }
            }
        }
        set_counters(state, s, op_bytes(op, s));
    } catch (const dnnl::error& e) {
        state.SkipWithError(e.what());
    }
}
#endif

// oneDNN 2.6 here is built on OpenMP: pin it to one thread. OMP_NUM_THREADS is read when
// libgomp loads, before main, so call omp_set_num_threads through the already-loaded runtime.
void limit_threads_to_one() {
    using set_fn = void (*)(int);
    void* sym = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (sym != nullptr) {
        set_fn f;
        static_assert(sizeof(f) == sizeof(sym), "function pointer size");
        std::memcpy(&f, &sym, sizeof(f));
        f(1);
    }
}

void register_all() {
    const Shape shapes[] = {{1, 16, 8, 8}, {1, 32, 32, 32}, {1, 64, 56, 56}, {8, 256, 56, 56}, {32, 512, 7, 7}};
    struct Path {
        const char* name;
        bnkit_isa isa;
    };
    const Path paths[] = {{"bnkit", BNKIT_ISA_AUTO},          {"bnkit_scalar", BNKIT_ISA_SCALAR},
                          {"bnkit_sse2", BNKIT_ISA_SSE2},     {"bnkit_avx2", BNKIT_ISA_AVX2},
                          {"bnkit_avx512", BNKIT_ISA_AVX512}};
    for (Op op : {Op::infer, Op::train, Op::backward}) {
        for (Layout l : {Layout::nchw, Layout::nhwc}) {
            for (const Shape& s : shapes) {
                const std::string tail = std::string("/") + layout_name(l) + "/" + s.name();
                auto reg = [&](const char* impl, auto&& fn) {
                    benchmark::RegisterBenchmark((std::string(op_name(op)) + "/" + impl + tail).c_str(), fn)
                        ->UseRealTime()
                        ->Unit(benchmark::kNanosecond);
                };
                for (const Path& p : paths) {
                    if (!bnkit_isa_available(p.isa)) continue;  // CPU lacks it: not registered
                    const bnkit_isa isa = p.isa;
                    reg(p.name, [=](benchmark::State& st) { bm_bnkit(st, op, l, s, isa); });
                }
#if defined(BNKIT_BENCH_ONEDNN)
                reg("onednn", [=](benchmark::State& st) { bm_onednn(st, op, l, s, false); });
                reg("onednn_blocked", [=](benchmark::State& st) { bm_onednn(st, op, l, s, true); });
#endif
                reg("memcpy", [=](benchmark::State& st) { bm_memcpy(st, op, s); });
                reg("scale", [=](benchmark::State& st) { bm_scale(st, op, s); });
                if (op == Op::backward) continue;
                for (const Path& p : paths) {
                    if (!bnkit_isa_available(p.isa)) continue;
                    const bnkit_isa isa = p.isa;
                    reg((std::string(p.name) + "_f16").c_str(), [=](benchmark::State& st) { bm_bnkit_f16(st, op, l, s, isa); });
                }
                reg("memcpy_f16", [=](benchmark::State& st) { bm_memcpy_f16(st, s); });
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    limit_threads_to_one();
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("bnkit_auto_isa", [] {
        bnkit_bn_desc d;
        const std::size_t dims[2] = {1, 16};
        const int32_t axis = 1;
        if (bnkit_bn_desc_init(&d, 2, dims, 1, &axis) != BNKIT_OK) return std::string("unknown");
        return std::string(bnkit_isa_name(bnkit_bn_desc_isa(&d)));
    }());
    benchmark::AddCustomContext("threads", "1 (oneDNN OpenMP pinned via omp_set_num_threads(1))");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
