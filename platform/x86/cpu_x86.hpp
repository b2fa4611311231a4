// What this x86 CPU and OS support, read from CPUID and XGETBV on every call: a pure function
// of the machine, no cached state. Include only from translation units built without ISA
// flags (select_x86.cpp): its inline functions must never be compiled with AVX enabled.
//
// Not xsimd::available_architectures(): xsimd 8.1 reads SSE2 from CPUID.1:ECX bit 26 (that
// is XSAVE, absent on Nehalem) and AVX from leaf 0x80000001, never checks XGETBV (so it
// reports AVX-512 under an OS that does not save the ZMM state), and caches its answer in a
// function-local static.
#pragma once

#include <cpuid.h>

#include <cstddef>
#include <cstdint>

namespace bnkit::detail::x86 {

struct cpu_features {
    bool sse2;    // kernels_sse2.cpp
    bool avx2;    // kernels_avx2.cpp: AVX2 + FMA + F16C, YMM state enabled by the OS
    bool avx512;  // kernels_avx512.cpp: AVX-512 F/CD/DQ/BW, opmask + ZMM state enabled by the OS
};

// XCR0: which register states the OS saves on context switch. Only valid when
// CPUID.1:ECX.OSXSAVE is set. Spelled as an instruction so this TU needs no -mxsave.
inline std::uint64_t xcr0() noexcept {
    std::uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

inline cpu_features detect_cpu() noexcept {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return {};
    const bool sse2 = d >> 26 & 1, fma = c >> 12 & 1, osxsave = c >> 27 & 1, avx = c >> 28 & 1, f16c = c >> 29 & 1;
    const std::uint64_t xcr = osxsave ? xcr0() : 0;
    const bool os_ymm = (xcr & 0x6) == 0x6;     // SSE + AVX state
    const bool os_zmm = (xcr & 0xe6) == 0xe6;   // + opmask, ZMM0-15 upper halves, ZMM16-31
    unsigned b7 = 0;
    if (__get_cpuid_count(7, 0, &a, &b7, &c, &d) == 0) b7 = 0;
    const bool avx2 = b7 >> 5 & 1, avx512 = (b7 >> 16 & 1) && (b7 >> 17 & 1) && (b7 >> 28 & 1) && (b7 >> 30 & 1);
    return {sse2, sse2 && avx && avx2 && fma && f16c && os_ymm, avx512 && os_zmm};
}

// Bytes of the highest-level data or unified cache, from CPUID's deterministic cache
// parameters: leaf 4 (Intel; AMD reserves it and returns zeros), else leaf 0x8000001D (AMD;
// zeros without TOPOEXT); 0 when neither describes a cache (hypervisors may zero both, as on
// the benchmark machine). Not AMD's leaf 0x80000006: on EPYC it gives the whole package's L3
// (508 MiB on the benchmark machine) where one core reaches its CCX's share (32 MiB).
// Four CPUID instructions when no leaf answers (8 us each under the benchmark machine's
// hypervisor), once per bnkit_bn_desc_init.
inline std::size_t last_level_cache_bytes() noexcept {
    const auto scan = [](unsigned leaf) {
        std::size_t bytes = 0;
        for (unsigned i = 0, top = 0; i < 16; ++i) {
            unsigned a, b, c, d;
            __cpuid_count(leaf, i, a, b, c, d);
            const unsigned type = a & 31, level = a >> 5 & 7;  // type 0: no more caches, 2: instructions
            if (type == 0) break;
            if (type == 2 || level < top) continue;
            top = level;
            bytes = std::size_t{(b >> 22) + 1} * ((b >> 12 & 0x3ff) + 1) * ((b & 0xfff) + 1) * (std::size_t{c} + 1);
        }
        return bytes;
    };
    // __get_cpuid_max returns unsigned in GCC's cpuid.h, int in clang's.
    const auto max_leaf = [](unsigned base) { return static_cast<unsigned>(__get_cpuid_max(base, nullptr)); };
    std::size_t bytes = max_leaf(0) >= 4 ? scan(4) : 0;
    if (bytes == 0 && max_leaf(0x80000000u) >= 0x8000001Du) bytes = scan(0x8000001Du);
    return bytes;
}

}  // namespace bnkit::detail::x86
