// The numeric checks of bnkit_bn_stats_f32 and bnkit_bn_backward_sums_f32 (SIMD path vs the
// scalar path), with the bounds scalar_agreement.hpp uses for the same kernels: stats runs the
// training forward's two-pass statistics (mean as saved_mean: 3 ulp of its terms; m2 = the
// biased variance * n, allowed n times the variance's carried difference plus 2 ulp), and
// backward_sums the backward's reduction (sum_dy as dbeta, sum_dy_xhat as dgamma: 3 ulp of
// their terms' magnitude). count must be outer * inner exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "call_plan.hpp"
#include "report.hpp"
#include "scalar_agreement.hpp"

namespace bnkit_fuzz {

inline void compare_stats(const call_plan& p, const bnkit_bn_desc& d, const std::vector<std::uint8_t>& before,
                          void* const* ref) {
    const std::size_t T = p.elements, C = p.channels, n = d.outer * d.inner;
    std::uint64_t count, count_ref;
    std::memcpy(&count, p.ptr[1], sizeof count);
    std::memcpy(&count_ref, ref[1], sizeof count_ref);
    FUZZ_REQUIRE(count == n && count_ref == n, "bnkit_bn_stats_f32: count %llu (scalar path %llu), expected %zu",
                 static_cast<unsigned long long>(count), static_cast<unsigned long long>(count_ref), n);
    const std::vector<float> x = load_before(before, p.arena, p.ptr[0], T), mean = load_now(p.ptr[2], C),
                             mean_ref = load_now(ref[2], C), m2 = load_now(p.ptr[3], C), m2_ref = load_now(ref[3], C);
    for (std::size_t k = 0; k < C; ++k) {
        bool finite = true;
        double sum = 0, spread = 0;
        const double x0 = x[k * d.inner];
        for_channel(d, k, [&](std::size_t e) {
            finite = finite && std::isfinite(x[e]);
            sum += x[e];
            spread += std::fabs(x[e] - x0);
        });
        if (!finite) continue;
        const double mu = sum / n, mean_mag = std::fabs(x0) + spread / n;
        if (mean_mag > comparable) continue;
        require_close("stats mean", k, mean[k], mean_ref[k], 3 * ulp_of(mean_mag));
        const double ms = mean_ref[k], D = std::fabs(static_cast<double>(mean[k]) - ms);
        double V = 0;
        for_channel(d, k, [&](std::size_t e) { V += (x[e] - ms) * (x[e] - ms); });
        V /= n;
        if (V * n > comparable) continue;
        const double dvar = 6 * ulp_of(V) + 2 * D * std::fabs(mu - ms) + D * D;
        require_close("stats m2", k, m2[k], m2_ref[k], n * dvar * 1.01 + 2 * ulp_of(V * n));
    }
}

inline void compare_backward_sums(const call_plan& p, const bnkit_bn_desc& d, const std::vector<std::uint8_t>& before,
                                  void* const* ref) {
    const std::size_t T = p.elements, C = p.channels;
    auto in = [&](int i, std::size_t len) { return load_before(before, p.arena, p.ptr[i], len); };
    const std::vector<float> x = in(0, T), dy = in(1, T), mean = in(2, C), invstd = in(3, C);
    const std::vector<float> sd = load_now(p.ptr[4], C), sd_ref = load_now(ref[4], C), sx = load_now(p.ptr[5], C),
                             sx_ref = load_now(ref[5], C);
    for (std::size_t k = 0; k < C; ++k) {
        const double m = mean[k], is = invstd[k];
        bool finite = std::isfinite(m) && std::isfinite(is);
        double sum_abs_dy = 0, sum_abs_dyxc = 0;
        for_channel(d, k, [&](std::size_t e) {
            finite = finite && std::isfinite(x[e]) && std::isfinite(dy[e]);
            sum_abs_dy += std::fabs(dy[e]);
            sum_abs_dyxc += std::fabs(dy[e] * static_cast<double>(static_cast<float>(x[e] - m)));
        });
        if (!finite) continue;
        const double sd_mag = sum_abs_dy, sx_mag = std::fabs(is) * sum_abs_dyxc;
        if (sd_mag > comparable || sx_mag > comparable) continue;
        require_close("sum_dy", k, sd[k], sd_ref[k], 3 * ulp_of(sd_mag));
        require_close("sum_dy_xhat", k, sx[k], sx_ref[k], 3 * ulp_of(sx_mag));
    }
}

}  // namespace bnkit_fuzz
