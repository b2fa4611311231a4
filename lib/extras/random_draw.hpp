// The random initializers' generator and variates (include/bnkit/random.h has the spec), and
// their argument checks, shared by the C fill functions and LayerCore::init (which checks
// every initializer before it fills any).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "bnkit/random.h"

namespace bnkit::detail {

// Philox4x32-10: ten rounds of two 32x32->64 multiplies, the key bumped by the Weyl
// constants between rounds (Random123's philox4x32 with R = 10).
inline void philox4x32_10(const std::uint32_t in[4], const std::uint32_t key[2], std::uint32_t out[4]) noexcept {
    std::uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3], k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c0;
        const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c2;
        const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
        const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
        c0 = n0;
        c1 = static_cast<std::uint32_t>(p1);
        c2 = n2;
        c3 = static_cast<std::uint32_t>(p0);
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

// The block for element i, attempt `attempt` (random.h: counter and key layout).
struct block {
    std::uint32_t w[4];
};
inline block draw(const bnkit_rng& rng, std::uint64_t i, std::uint32_t attempt) noexcept {
    const std::uint32_t ctr[4] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32), attempt,
                                  rng.stream};
    const std::uint32_t key[2] = {static_cast<std::uint32_t>(rng.seed), static_cast<std::uint32_t>(rng.seed >> 32)};
    block b;
    philox4x32_10(ctr, key, b.w);
    return b;
}

constexpr double two_pow_minus_53 = 1.0 / 9007199254740992.0;

// 53-bit uniform in [0, 1) from words 0 and 1.
inline double uniform01(const block& b) noexcept {
    return static_cast<double>((static_cast<std::uint64_t>(b.w[0]) << 21) | (b.w[1] >> 11)) * two_pow_minus_53;
}

// Two independent standard normals (Box-Muller); the radius' uniform is in (0, 1] so the log
// is finite, which bounds |z| by sqrt(2 ln 2^53) ~ 8.57.
struct normal_pair {
    double z0, z1;
};
inline normal_pair normals(const block& b) noexcept {
    const double u = uniform01(b);
    const double v =
        static_cast<double>(((static_cast<std::uint64_t>(b.w[2]) << 21) | (b.w[3] >> 11)) + 1u) * two_pow_minus_53;
    const double r = std::sqrt(-2.0 * std::log(v));
    const double t = 6.283185307179586476925287 * u;
    return {r * std::cos(t), r * std::sin(t)};
}

// Mass of N(mean, stddev^2) in [lower, upper] (stddev > 0).
inline double normal_mass(double mean, double stddev, double lower, double upper) noexcept {
    const double k = 1.0 / (stddev * 1.4142135623730950488);
    return 0.5 * (std::erfc((mean - upper) * k) - std::erfc((mean - lower) * k));
}

inline bnkit_status check_uniform(float minval, float maxval) noexcept {
    return std::isfinite(minval) && std::isfinite(maxval) && minval <= maxval ? BNKIT_OK : BNKIT_ERR_BAD_DISTRIBUTION;
}

inline bnkit_status check_normal(float mean, float stddev) noexcept {
    return std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0.0f ? BNKIT_OK : BNKIT_ERR_BAD_DISTRIBUTION;
}

// The smallest mass [lower, upper] may hold, so rejection ends quickly (random.h).
constexpr double truncated_min_mass = 1.0 / 16.0;
constexpr std::uint32_t truncated_attempts = 512;

inline bnkit_status check_truncated_normal(float mean, float stddev, float lower, float upper) noexcept {
    if (check_normal(mean, stddev) != BNKIT_OK || !std::isfinite(lower) || !std::isfinite(upper) || lower > upper)
        return BNKIT_ERR_BAD_DISTRIBUTION;
    if (stddev == 0.0f) return lower <= mean && mean <= upper ? BNKIT_OK : BNKIT_ERR_BAD_DISTRIBUTION;
    return normal_mass(mean, stddev, lower, upper) >= truncated_min_mass ? BNKIT_OK : BNKIT_ERR_BAD_DISTRIBUTION;
}

}  // namespace bnkit::detail
