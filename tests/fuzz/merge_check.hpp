// bnkit_bn_stats_merge_f32 and bnkit_bn_stats_finalize_f32 against their formulas in double
// (include/bnkit/stats.h: computed in double, rounded once to float): each result within 1
// float ulp of the magnitude of its terms (the rounding, and a double evaluation order that
// may differ); the merged count exact. Non-finite inputs and terms beyond 1e30 are skipped.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "call_plan.hpp"
#include "report.hpp"
#include "scalar_agreement.hpp"

namespace bnkit_fuzz {

inline void check_merge(const fuzz_case& c, const call_plan& p, const std::vector<std::uint8_t>& before) {
    const std::size_t C = p.channels;
    auto in = [&](int i) { return load_before(before, p.arena, p.ptr[i], C); };
    if (c.op == op_stats_finalize) {
        const std::vector<float> m2 = in(0), var = load_now(p.ptr[1], C);
        for (std::size_t k = 0; k < C; ++k) {
            if (!std::isfinite(m2[k])) continue;
            const double v = static_cast<double>(m2[k]) / static_cast<double>(c.counts[0]);
            require_near("finalize var", k, var[k], v, ulp_of(v));
        }
        return;
    }
    const std::uint64_t na = c.counts[0], nb = c.counts[1];
    std::uint64_t count;
    std::memcpy(&count, p.ptr[4], sizeof count);
    FUZZ_REQUIRE(count == na + nb, "bnkit_bn_stats_merge_f32: count %llu, expected %llu",
                 static_cast<unsigned long long>(count), static_cast<unsigned long long>(na + nb));
    const std::vector<float> ma = in(0), qa = in(1), mb = in(2), qb = in(3), mean = load_now(p.ptr[5], C),
                             m2 = load_now(p.ptr[6], C);
    const double fa = static_cast<double>(na), fb = static_cast<double>(nb), fn = static_cast<double>(na + nb);
    for (std::size_t k = 0; k < C; ++k) {
        if (na + nb == 0) {
            FUZZ_REQUIRE(mean[k] == 0.0f && m2[k] == 0.0f, "merge of two empty partials: %g, %g", mean[k], m2[k]);
            continue;
        }
        // An empty side's values may be anything: the result is the other side's.
        const bool a_used = na != 0, b_used = nb != 0;
        if ((a_used && (!std::isfinite(ma[k]) || !std::isfinite(qa[k]))) ||
            (b_used && (!std::isfinite(mb[k]) || !std::isfinite(qb[k]))))
            continue;
        double want_mean, want_m2, mean_mag, m2_mag;
        if (!a_used || !b_used) {
            want_mean = a_used ? ma[k] : mb[k];
            want_m2 = a_used ? qa[k] : qb[k];
            mean_mag = m2_mag = 0;  // copied exactly
        } else {
            const double d = static_cast<double>(mb[k]) - ma[k], cross = d * d * fa * fb / fn;
            want_mean = ma[k] + d * fb / fn;
            want_m2 = static_cast<double>(qa[k]) + qb[k] + cross;
            mean_mag = std::fabs(ma[k]) + std::fabs(d * fb / fn);
            m2_mag = std::fabs(qa[k]) + std::fabs(qb[k]) + cross;
        }
        if (mean_mag > comparable || m2_mag > comparable) continue;
        require_near("merge mean", k, mean[k], want_mean, ulp_of(mean_mag));
        require_near("merge m2", k, m2[k], want_m2, ulp_of(m2_mag));
    }
}

}  // namespace bnkit_fuzz
