// bnkit_stream_bench: where non-temporal output stores start to pay (lib/dispatch/stream_policy.hpp).
// Inference on one NCHW tensor [1, 64, n/64] whose x + y take 1..64 MiB, the descriptor's
// recorded cache size forced so the call streams (llc_bytes = 64) or never does (SIZE_MAX);
// the same buffers every iteration, as a layer re-run on the same activations.
// Benchmarks are named stream/<plain|streamed>/<x + y MiB>. See docs/performance.md.
#include <cstdint>

#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "bnkit/bnkit.h"

namespace {

void bm_stream(benchmark::State& state, bool streamed) {
    const std::size_t mib = static_cast<std::size_t>(state.range(0));
    const std::size_t C = 64, n = mib * (std::size_t{1} << 20) / 2 / sizeof(float), inner = n / C;
    const std::size_t dims[] = {1, C, inner};
    const int32_t axis = 1;
    bnkit_bn_desc d;
    if (bnkit_bn_desc_init(&d, 3, dims, 1, &axis) != BNKIT_OK) {
        state.SkipWithError("bnkit descriptor");
        return;
    }
    d.llc_bytes = streamed ? 64 : SIZE_MAX;
    auto x = bench::make_buffer(C * inner, 1.0f), y = bench::make_buffer(C * inner, 0.0f);
    auto scale = bench::make_buffer(C, 1.5f), shift = bench::make_buffer(C, 0.25f);
    for (auto _ : state) {
        bnkit_status r = bnkit_bn_infer_f32(&d, x.get(), y.get(), scale.get(), shift.get());
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * C * inner * sizeof(float)));
}

void sizes(benchmark::internal::Benchmark* b) {
    for (int mib : {1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64}) b->Arg(mib);
    b->UseRealTime();
}

}  // namespace

BENCHMARK_CAPTURE(bm_stream, plain, false)->Name("stream/plain")->Apply(sizes);
BENCHMARK_CAPTURE(bm_stream, streamed, true)->Name("stream/streamed")->Apply(sizes);

BENCHMARK_MAIN();
