// Helpers for bnkit_bench: aligned, pre-touched float buffers.
#ifndef BNKIT_BENCH_UTIL_HPP
#define BNKIT_BENCH_UTIL_HPP

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace bench {

struct FreeDeleter {
    void operator()(float* p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<float[], FreeDeleter>;

/// 64-byte aligned buffer of n floats, every element written (pages faulted in).
inline Buffer make_buffer(std::size_t n, float base) {
    std::size_t bytes = (n * sizeof(float) + 63u) / 64u * 64u;
    if (bytes == 0) bytes = 64;
    auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (p == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < n; ++i) p[i] = base + static_cast<float>(i % 97u) * 0.03125f - 1.5f;
    return Buffer(p);
}

}  // namespace bench

#endif
