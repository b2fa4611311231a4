// ULP distances and the CHECK_ULP assertion: every numeric tolerance in the tests is stated
// in units in the last place of float32 (docs/numerics.md lists them).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include <doctest/doctest.h>

namespace bnkit_test {

// Distance in representable floats between a and b (0 for equal values, including
// +0/-0 and NaN/NaN; huge for NaN vs number).
inline std::int64_t ulp_distance(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
    auto key = [](float f) {
        std::int32_t i;
        std::memcpy(&i, &f, 4);
        return i < 0 ? static_cast<std::int64_t>(INT32_MIN) - i : static_cast<std::int64_t>(i);
    };
    const std::int64_t d = key(a) - key(b);
    return d < 0 ? -d : d;
}

// Distance of a float result from a double-precision reference, in ulps of the float
// nearest the reference.
inline double ulp_error(float actual, double expected) {
    if (std::isnan(actual) || std::isnan(expected)) return std::isnan(actual) && std::isnan(expected) ? 0.0 : 1e30;
    if (std::isinf(expected) || std::isinf(actual)) return static_cast<double>(actual) == expected ? 0.0 : 1e30;
    const float e = static_cast<float>(expected);
    const double ulp = std::nextafter(std::fabs(e), INFINITY) - std::fabs(e);
    return std::fabs(static_cast<double>(actual) - expected) / ulp;
}

}  // namespace bnkit_test

// actual (float) within n ulps of expected (float or double).
#define CHECK_ULP(actual, expected, n)                                                              \
    do {                                                                                            \
        const double bnkit_err_ = ::bnkit_test::ulp_error(static_cast<float>(actual),               \
                                                          static_cast<double>(expected));           \
        INFO("actual " << static_cast<double>(actual) << " expected " << static_cast<double>(expected) \
                       << " error " << bnkit_err_ << " ulp");                                       \
        CHECK(bnkit_err_ <= static_cast<double>(n));                                                \
    } while (0)
