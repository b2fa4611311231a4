// How the fuzz target reports a broken invariant: a message on stderr, then abort(), which
// libFuzzer records as a crash and saves the input that caused it.
#pragma once

#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace bnkit_fuzz {

[[noreturn]] inline void fail(const char* format, ...) {
    std::va_list args;
    va_start(args, format);
    std::fputs("bnkit fuzz: invariant broken: ", stderr);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::abort();
}

#define FUZZ_REQUIRE(cond, ...)                        \
    do {                                               \
        if (!(cond)) ::bnkit_fuzz::fail(__VA_ARGS__); \
    } while (0)

// One float32 ulp at |magnitude| (the spacing just above it; infinite past FLT_MAX).
inline double ulp_of(double magnitude) {
    const float m = static_cast<float>(std::fabs(magnitude));
    if (!std::isfinite(m)) return INFINITY;
    return static_cast<double>(std::nextafter(m, INFINITY)) - m;
}

// got (path under test) against ref (scalar path): NaN only with NaN, else within tol.
inline void require_close(const char* what, std::size_t index, float got, float ref, double tol) {
    if (std::isnan(got) || std::isnan(ref)) {
        FUZZ_REQUIRE(std::isnan(got) && std::isnan(ref), "%s[%zu]: %.9g, scalar path %.9g", what, index,
                     static_cast<double>(got), static_cast<double>(ref));
        return;
    }
    if (got == ref) return;
    const double err = std::fabs(static_cast<double>(got) - static_cast<double>(ref));
    FUZZ_REQUIRE(err <= tol, "%s[%zu]: %.9g, scalar path %.9g: difference %.3g above tolerance %.3g", what, index,
                 static_cast<double>(got), static_cast<double>(ref), err, tol);
}

// got against a double-precision value of the documented formula, within tol.
inline void require_near(const char* what, std::size_t index, float got, double expected, double tol) {
    const double err = std::fabs(static_cast<double>(got) - expected);
    FUZZ_REQUIRE(err <= tol, "%s[%zu]: %.9g, double formula %.9g: difference %.3g above tolerance %.3g", what, index,
                 static_cast<double>(got), expected, err, tol);
}

}  // namespace bnkit_fuzz
