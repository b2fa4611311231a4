#include "random_draw.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_random_normal_f32(const bnkit_rng* rng, float mean, float stddev, float* out, size_t n) {
    if (!rng || !out) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_normal(mean, stddev)) return s;
    for (size_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(static_cast<double>(mean) + static_cast<double>(stddev) * normals(draw(*rng, i, 0)).z0);
    return BNKIT_OK;
}
