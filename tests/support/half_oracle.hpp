// float16 helpers for the tests: the library's portable conversion (lib/half/half_soft.hpp),
// itself checked against the IEEE definitions in double by tests/kernels/test_f16_convert.cpp,
// and error measures in float16 ulps.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "bnkit/half.h"
#include "half/half_soft.hpp"
#include "support/oracle_double.hpp"

namespace bnkit_test {

inline float f16_value(bnkit_f16 h) { return bnkit::detail::soft_half::to_f32(h.bits); }
inline bnkit_f16 f16_of(float f) { return {bnkit::detail::soft_half::from_f32(f)}; }
inline bool f16_is_nan(bnkit_f16 h) { return (h.bits & 0x7fffu) > 0x7c00u; }

// The exact value of a non-NaN half pattern from the IEEE binary16 definition.
inline double f16_exact(std::uint16_t h) {
    const int e = h >> 10 & 0x1f, m = h & 0x3ff;
    const double s = (h & 0x8000u) ? -1.0 : 1.0;
    if (e == 0x1f) return s * INFINITY;
    if (e == 0) return s * std::ldexp(m, -24);
    return s * std::ldexp(1024 + m, e - 25);
}

// One float16 ulp at magnitude m: 2^-24 below 2^-14, else 2^(floor(log2 m) - 10); 32 at and
// beyond 65504.
inline double f16_ulp_at(double m) {
    m = std::fabs(m);
    if (m < 0x1p-14) return 0x1p-24;
    if (m >= 65504.0) return 32.0;
    int e;
    std::frexp(m, &e);  // m = f * 2^e, f in [0.5, 1)
    return std::ldexp(1.0, e - 11);
}

// |actual - expected| in float16 ulps of max(|expected|, mag). Infinity counts as 65536 (the
// first value that rounds to it), and expected values beyond it are clamped there, so "inf
// where the exact result rounds to inf" is 0. NaN matches only NaN.
inline double f16_err(bnkit_f16 actual, double expected, double mag = 0.0) {
    const float a = f16_value(actual);
    if (std::isnan(a) || std::isnan(expected)) return std::isnan(a) && std::isnan(expected) ? 0.0 : 1e30;
    const auto clamp = [](double v) { return v > 65536.0 ? 65536.0 : v < -65536.0 ? -65536.0 : v; };
    const double m = std::fabs(mag) > std::fabs(expected) ? std::fabs(mag) : std::fabs(expected);
    return std::fabs(clamp(a) - clamp(expected)) / f16_ulp_at(m > 65536.0 ? 65536.0 : m);
}

struct F16Worst {
    double ulps = 0;
    std::size_t at = 0;
    float actual = 0;
    double expected = 0, mag = 0;
};

inline F16Worst f16_worst(const bnkit_f16* actual, const std::vector<double>& expected, const std::vector<double>& mag) {
    F16Worst w;
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const double m = mag.empty() ? 0.0 : mag[k];
        const double e = f16_err(actual[k], expected[k], m);
        if (k == 0 || e > w.ulps) w = {e, k, f16_value(actual[k]), expected[k], m};
    }
    return w;
}

}  // namespace bnkit_test

// Every element of `actual` (bnkit_f16*) within `n` float16 ulps (f16_err) of `expected`; with
// BNKIT_ORACLE_REPORT set the worst error per quantity is printed at exit.
#define CHECK_F16_ULPS(WHAT_, ACTUAL_, EXPECTED_, MAG_, N_)                                                   \
    do {                                                                                                      \
        const ::bnkit_test::F16Worst w_ = ::bnkit_test::f16_worst((ACTUAL_), (EXPECTED_), (MAG_));            \
        INFO(WHAT_ << ": worst " << w_.ulps << " f16 ulp at " << w_.at << " actual " << w_.actual << " expected " \
                   << w_.expected << " magnitude " << w_.mag << " (bound " << (N_) << ")");                    \
        ::oracle::record(WHAT_ " (f16 ulp)", w_.ulps);                                                        \
        CHECK(w_.ulps <= static_cast<double>(N_));                                                            \
    } while (0)
