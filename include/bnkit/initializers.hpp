// The frameworks' random initializers as bnkit::Initializer presets, with their names,
// parameters and defaults, for the layers' gamma/beta/moving-statistics initializers:
//
//   bnkit::keras::Config cfg;
//   cfg.gamma_initializer = bnkit::keras_init::random_normal(/*seed=*/7, 1.0f, 0.02f);
//   bnkit::mindspore::Config ms;
//   ms.gamma_init = bnkit::mindspore_init::normal(/*seed=*/7, 0.02f, 1.0f);
//
// The seed comes first because, unlike the frameworks (where None means "fresh entropy"), it
// is always required: bnkit has no entropy source and no global state. Values follow the
// frameworks' distributions, not their bits (bnkit/random.h, docs/extras.md).
// Parameters bnkit_random_*_f32 would reject (e.g. stddev < 0, minval > maxval) make the
// layer's build / first call (Keras) or init_status() (MindSpore) BNKIT_ERR_BAD_DISTRIBUTION.
#pragma once

#include <cstdint>

#include "bnkit/batch_norm.hpp"

namespace bnkit {

namespace detail {
constexpr bnkit_rng seeded(std::uint64_t seed) noexcept { return {seed, 0}; }
}  // namespace detail

namespace keras_init {

/// tf.keras.initializers.RandomUniform(minval=-0.05, maxval=0.05, seed): U[minval, maxval).
constexpr Initializer random_uniform(std::uint64_t seed, float minval = -0.05f, float maxval = 0.05f) noexcept {
    Initializer i{Initializer::Kind::random_uniform, 0.0f, nullptr, 0};
    i.lo = minval;
    i.hi = maxval;
    i.rng = detail::seeded(seed);
    return i;
}

/// tf.keras.initializers.RandomNormal(mean=0, stddev=0.05, seed): N(mean, stddev^2).
constexpr Initializer random_normal(std::uint64_t seed, float mean = 0.0f, float stddev = 0.05f) noexcept {
    Initializer i{Initializer::Kind::random_normal, 0.0f, nullptr, 0};
    i.mean = mean;
    i.stddev = stddev;
    i.rng = detail::seeded(seed);
    return i;
}

/// tf.keras.initializers.TruncatedNormal(mean=0, stddev=0.05, seed): N(mean, stddev^2), values
/// more than 2 stddev from the mean redrawn.
constexpr Initializer truncated_normal(std::uint64_t seed, float mean = 0.0f, float stddev = 0.05f) noexcept {
    Initializer i{Initializer::Kind::truncated_normal, 0.0f, nullptr, 0};
    i.mean = mean;
    i.stddev = stddev;
    i.lo = mean - 2.0f * stddev;
    i.hi = mean + 2.0f * stddev;
    i.rng = detail::seeded(seed);
    return i;
}

}  // namespace keras_init

namespace mindspore_init {

/// mindspore.common.initializer.Normal(sigma=0.01, mean=0.0): N(mean, sigma^2).
constexpr Initializer normal(std::uint64_t seed, float sigma = 0.01f, float mean = 0.0f) noexcept {
    return keras_init::random_normal(seed, mean, sigma);
}

/// mindspore.common.initializer.Uniform(scale=0.07): U(-scale, scale).
constexpr Initializer uniform(std::uint64_t seed, float scale = 0.07f) noexcept {
    return keras_init::random_uniform(seed, -scale, scale);
}

/// mindspore.common.initializer.TruncatedNormal(sigma=0.01) (alias "truncatedNormal"): N(0,
/// sigma^2) redrawn beyond 2 sigma, as MindSpore r2.0 documents it (its numpy-era code called
/// scipy truncnorm(-2, 2, scale=sigma)). For absolute bounds, fill with
/// bnkit_random_truncated_normal_f32 and pass the result as a tensor initializer.
constexpr Initializer truncated_normal(std::uint64_t seed, float sigma = 0.01f) noexcept {
    return keras_init::truncated_normal(seed, 0.0f, sigma);
}

}  // namespace mindspore_init

}  // namespace bnkit
