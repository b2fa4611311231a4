#include <initializer_list>

#include "random_draw.hpp"

using namespace bnkit::detail;

namespace {

// The first candidate of element i inside [lower, upper] (random.h: the redraw order).
float truncated_value(const bnkit_rng& rng, std::size_t i, double mean, double stddev, float lower,
                      float upper) noexcept {
    for (std::uint32_t attempt = 0; attempt < truncated_attempts; ++attempt) {
        const normal_pair z = normals(draw(rng, i, attempt));
        for (const double zk : {z.z0, z.z1}) {
            const float v = static_cast<float>(mean + stddev * zk);
            if (lower <= v && v <= upper) return v;
        }
    }
    const float m = static_cast<float>(mean);
    return m < lower ? lower : (m > upper ? upper : m);
}

}  // namespace

extern "C" bnkit_status bnkit_random_truncated_normal_f32(const bnkit_rng* rng, float mean, float stddev, float lower,
                                                          float upper, float* out, size_t n) {
    if (!rng || !out) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_truncated_normal(mean, stddev, lower, upper)) return s;
    for (size_t i = 0; i < n; ++i) out[i] = truncated_value(*rng, i, mean, stddev, lower, upper);
    return BNKIT_OK;
}
