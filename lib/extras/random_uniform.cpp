#include <cmath>

#include "random_draw.hpp"

using namespace bnkit::detail;

extern "C" bnkit_status bnkit_random_uniform_f32(const bnkit_rng* rng, float minval, float maxval, float* out,
                                                 size_t n) {
    if (!rng || !out) return BNKIT_ERR_NULL_POINTER;
    if (const bnkit_status s = check_uniform(minval, maxval)) return s;
    const double lo = minval, width = static_cast<double>(maxval) - lo;
    // Rounding to float can reach maxval; keep the interval half-open like the frameworks'.
    const float top = minval < maxval ? std::nextafter(maxval, minval) : maxval;
    for (size_t i = 0; i < n; ++i) {
        const float v = static_cast<float>(lo + width * uniform01(draw(*rng, i, 0)));
        out[i] = v < maxval ? v : top;
    }
    return BNKIT_OK;
}
