// bnkit_stream_bench: where non-temporal output stores start to pay (lib/dispatch/stream_policy.hpp).
// Inference on one NCHW tensor [1, 64, n/64] whose x + y take 1..64 MiB, the descriptor's
// recorded cache size forced so the call streams (llc_bytes = 64) or never does (SIZE_MAX);
// the same buffers every iteration, as a layer re-run on the same activations.
// Benchmarks are named stream/<plain|streamed>/<x + y MiB>. See docs/performance.md.
// rows/<plain|streamed>/<C>/<offset>: inference on NHWC [8, 56, 56, C] (out of cache) with
// scale and shift `offset` bytes past a 64-byte boundary: channels-last rows that are or are
// not whole vectors, coefficient arrays aligned or not (docs/performance.md, "Changes of
// 2026-12-03 (3)").
#include <cstdint>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "bnkit/bnkit.h"

namespace {

// Inference over a tensor of dims[0..rank) with feature axis `axis`, scale and shift given, the
// descriptor's recorded cache size forced so that the call streams (64) or never does.
void time_inference(benchmark::State& state, std::uint32_t rank, const std::size_t* dims, std::int32_t axis,
                    bool streamed, const float* scale, const float* shift) {
    bnkit_bn_desc d;
    if (bnkit_bn_desc_init(&d, rank, dims, 1, &axis) != BNKIT_OK) {
        state.SkipWithError("bnkit descriptor");
        return;
    }
    d.llc_bytes = streamed ? 64 : SIZE_MAX;
    auto x = bench::make_buffer(d.count, 1.0f), y = bench::make_buffer(d.count, 0.0f);
    for (auto _ : state) {
        bnkit_status r = bnkit_bn_infer_f32(&d, x.get(), y.get(), scale, shift);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * d.count * sizeof(float)));
}

void bm_stream(benchmark::State& state, bool streamed) {
    const std::size_t mib = static_cast<std::size_t>(state.range(0));
    const std::size_t C = 64, n = mib * (std::size_t{1} << 20) / 2 / sizeof(float);
    const std::size_t dims[] = {1, C, n / C};
    auto scale = bench::make_buffer(C, 1.5f), shift = bench::make_buffer(C, 0.25f);
    time_inference(state, 3, dims, 1, streamed, scale.get(), shift.get());
}

void bm_rows(benchmark::State& state, bool streamed) {
    const std::size_t C = static_cast<std::size_t>(state.range(0)), offset = static_cast<std::size_t>(state.range(1));
    const std::size_t dims[] = {8, 56, 56, C};
    const std::size_t stride = (C + 15) / 16 * 16 + 16;  // floats: a multiple of 64 bytes
    auto coef = bench::make_buffer(2 * stride, 0.5f);      // scale, then shift, each offset bytes in
    const float* scale = coef.get() + offset / sizeof(float);
    time_inference(state, 4, dims, 3, streamed, scale, scale + stride);
}

void row_cases(benchmark::internal::Benchmark* b) {
    for (int C : {250, 256})
        for (int offset : {0, 16}) b->Args({C, offset});
    b->UseRealTime();
}

void sizes(benchmark::internal::Benchmark* b) {
    for (int mib : {1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64}) b->Arg(mib);
    b->UseRealTime();
}

}  // namespace

BENCHMARK_CAPTURE(bm_stream, plain, false)->Name("stream/plain")->Apply(sizes);
BENCHMARK_CAPTURE(bm_stream, streamed, true)->Name("stream/streamed")->Apply(sizes);
BENCHMARK_CAPTURE(bm_rows, plain, false)->Name("rows/plain")->Apply(row_cases);
BENCHMARK_CAPTURE(bm_rows, streamed, true)->Name("rows/streamed")->Apply(row_cases);

BENCHMARK_MAIN();
