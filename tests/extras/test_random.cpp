// Random initializers (bnkit/random.h, bnkit/initializers.hpp): Philox known answers, seed
// reproducibility, distribution moments and bounds, bad input, and the layers' presets.
//
// Statistical checks use a fixed seed, so they are deterministic; their tolerances are 5
// standard errors of the statistic (a fresh seed would fail one with probability < 1e-6), on
// 16 streams x 4096 = 65536 samples.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/initializers.hpp"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "bnkit/random.h"
#include "support/canary.hpp"

namespace {

constexpr std::size_t chunk = 4096, streams = 16, samples = chunk * streams;

// Sample moments of everything `fill(rng, out, n)` writes over the 16 streams of `seed`.
struct Moments {
    double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
    std::vector<float> all;
};
template <class Fill>
Moments moments(std::uint64_t seed, Fill fill) {
    Moments m;
    std::vector<float> buf(chunk);
    for (std::uint32_t s = 0; s < streams; ++s) {
        const bnkit_rng rng{seed, s};
        REQUIRE(fill(rng, buf.data(), chunk) == BNKIT_OK);
        m.all.insert(m.all.end(), buf.begin(), buf.end());
    }
    for (float v : m.all) {
        m.mean += v;
        m.min = v < m.min ? v : m.min;
        m.max = v > m.max ? v : m.max;
    }
    m.mean /= samples;
    for (float v : m.all) m.var += (v - m.mean) * (v - m.mean);
    m.var /= samples - 1;
    return m;
}

double phi(double t) { return std::exp(-0.5 * t * t) / 2.5066282746310002; }  // sqrt(2 pi)
double Phi(double t) { return 0.5 * std::erfc(-t / std::sqrt(2.0)); }

}  // namespace

TEST_CASE("random: Philox4x32-10 known answers (Random123 kat_vectors)") {
    // DEShawResearch/random123 tests/kat_vectors, "philox4x32 10" lines: counter, key, output.
    struct Kat {
        std::uint32_t ctr[4], key[2], out[4];
    };
    const Kat kats[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (const Kat& k : kats) {
        std::uint32_t out[4];
        bnkit_philox4x32_10(k.ctr, k.key, out);
        for (int i = 0; i < 4; ++i) CHECK(out[i] == k.out[i]);
        std::uint32_t in_place[4] = {k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]};
        bnkit_philox4x32_10(in_place, k.key, in_place);
        CHECK(std::memcmp(in_place, k.out, sizeof in_place) == 0);
    }
}

TEST_CASE("random: element i is the documented Philox block, for any fill length") {
    // Uniform element i: counter {i, 0, 0, stream}, key {seed lo, seed hi}, 53 bits of words 0-1.
    const bnkit_rng rng{0x0123456789abcdefull, 5};
    float out[7];
    REQUIRE(bnkit_random_uniform_f32(&rng, 0.0f, 1.0f, out, 7) == BNKIT_OK);
    for (std::uint32_t i = 0; i < 7; ++i) {
        const std::uint32_t ctr[4] = {i, 0, 0, 5}, key[2] = {0x89abcdefu, 0x01234567u};
        std::uint32_t w[4];
        bnkit_philox4x32_10(ctr, key, w);
        const double u = static_cast<double>((static_cast<std::uint64_t>(w[0]) << 21) | (w[1] >> 11)) / 9007199254740992.0;
        CHECK(out[i] == static_cast<float>(u));
    }
    float prefix[3];
    REQUIRE(bnkit_random_uniform_f32(&rng, 0.0f, 1.0f, prefix, 3) == BNKIT_OK);
    CHECK(bnkit_test::same_bits(prefix, out, 3));
}

TEST_CASE("random: same seed and stream reproduce, another seed or stream does not") {
    float a[64], b[64], c[64], d[64];
    const bnkit_rng r{42, 0}, other_seed{43, 0}, other_stream{42, 1};
    REQUIRE(bnkit_random_normal_f32(&r, 0.0f, 1.0f, a, 64) == BNKIT_OK);
    REQUIRE(bnkit_random_normal_f32(&r, 0.0f, 1.0f, b, 64) == BNKIT_OK);
    REQUIRE(bnkit_random_normal_f32(&other_seed, 0.0f, 1.0f, c, 64) == BNKIT_OK);
    REQUIRE(bnkit_random_normal_f32(&other_stream, 0.0f, 1.0f, d, 64) == BNKIT_OK);
    CHECK(bnkit_test::same_bits(a, b, 64));
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 64; ++i) {
        same_c += a[i] == c[i];
        same_d += a[i] == d[i];
    }
    CHECK(same_c == 0);
    CHECK(same_d == 0);
}

TEST_CASE("random: uniform moments, histogram and half-open bounds") {
    const float lo = -0.05f, hi = 0.05f;
    const Moments m = moments(1, [&](const bnkit_rng& r, float* o, std::size_t n) {
        return bnkit_random_uniform_f32(&r, lo, hi, o, n);
    });
    const double w = static_cast<double>(hi) - lo, n = samples;
    CHECK(m.min >= lo);
    CHECK(m.max < hi);
    CHECK(std::fabs(m.mean - 0.0) <= 5.0 * w / std::sqrt(12.0 * n));
    // Var of the sample variance of U: (mu4 - sigma^4)/n with mu4 = w^4/80, sigma^2 = w^2/12.
    const double v = w * w / 12.0, se_v = std::sqrt((w * w * w * w / 80.0 - v * v) / n);
    CHECK(std::fabs(m.var - v) <= 5.0 * se_v);
    // 16 equal bins: each count binomial(n, 1/16).
    std::size_t bins[16] = {};
    for (float x : m.all) ++bins[static_cast<std::size_t>((x - lo) / w * 16.0)];
    const double e = n / 16.0, se_bin = std::sqrt(n * (1.0 / 16) * (15.0 / 16));
    for (std::size_t k : bins) CHECK(std::fabs(static_cast<double>(k) - e) <= 5.0 * se_bin);
}

TEST_CASE("random: uniform never returns maxval, and a degenerate range returns minval") {
    float out[256];
    const bnkit_rng r{3, 0};
    const float one_up = std::nextafter(1.0f, 2.0f);
    REQUIRE(bnkit_random_uniform_f32(&r, 1.0f, one_up, out, 256) == BNKIT_OK);
    for (float v : out) CHECK(v == 1.0f);  // [1, 1 + ulp) holds one float
    REQUIRE(bnkit_random_uniform_f32(&r, 2.5f, 2.5f, out, 256) == BNKIT_OK);
    for (float v : out) CHECK(v == 2.5f);
}

TEST_CASE("random: normal moments and tail mass") {
    const float mu = 1.0f, sd = 2.0f;
    const Moments m = moments(2, [&](const bnkit_rng& r, float* o, std::size_t n) {
        return bnkit_random_normal_f32(&r, mu, sd, o, n);
    });
    const double n = samples, v = sd * sd;
    CHECK(std::fabs(m.mean - mu) <= 5.0 * sd / std::sqrt(n));
    CHECK(std::fabs(m.var - v) <= 5.0 * v * std::sqrt(2.0 / n));
    // P(|z| > 2) = 2 (1 - Phi(2)) = 0.0455: the tails are there (a truncated sampler fails this).
    std::size_t beyond = 0;
    for (float x : m.all) beyond += std::fabs(x - mu) > 2.0 * sd;
    const double p = 2.0 * (1.0 - Phi(2.0));
    CHECK(std::fabs(beyond - p * n) <= 5.0 * std::sqrt(n * p * (1 - p)));
    const bnkit_rng r{2, 0};
    float z[8];
    REQUIRE(bnkit_random_normal_f32(&r, 3.0f, 0.0f, z, 8) == BNKIT_OK);
    for (float x : z) CHECK(x == 3.0f);  // stddev 0: the mean
}

TEST_CASE("random: truncated normal stays within bounds with the truncated moments") {
    const float mu = -0.5f, sd = 0.25f, lo = mu - 2 * sd, hi = mu + 2 * sd;
    const Moments m = moments(3, [&](const bnkit_rng& r, float* o, std::size_t n) {
        return bnkit_random_truncated_normal_f32(&r, mu, sd, lo, hi, o, n);
    });
    CHECK(m.min >= lo);
    CHECK(m.max <= hi);
    // N(0,1) truncated to [-2, 2]: variance 1 - 2*2*phi(2)/(Phi(2)-Phi(-2)) (symmetric, mean 0).
    const double z = 1.0 - 4.0 * phi(2.0) / (Phi(2.0) - Phi(-2.0));
    const double v = sd * sd * z, n = samples;
    CHECK(std::fabs(m.mean - mu) <= 5.0 * std::sqrt(v / n));
    // Fourth moment of the truncated standard normal on [-2, 2]: 3 - (2^3 + 3*2) 2 phi(2) / Z.
    const double mu4 = sd * sd * sd * sd * (3.0 - (8.0 + 6.0) * 2.0 * phi(2.0) / (Phi(2.0) - Phi(-2.0)));
    CHECK(std::fabs(m.var - v) <= 5.0 * std::sqrt((mu4 - v * v) / n));
    // Same seed and stream through the untruncated sampler: the first candidate z0 of each
    // element is taken whenever it is inside the bounds.
    std::vector<float> a(chunk), b(chunk);
    const bnkit_rng r{3, 0};
    REQUIRE(bnkit_random_truncated_normal_f32(&r, mu, sd, lo, hi, a.data(), chunk) == BNKIT_OK);
    REQUIRE(bnkit_random_normal_f32(&r, mu, sd, b.data(), chunk) == BNKIT_OK);
    std::size_t redrawn = 0;
    for (std::size_t i = 0; i < chunk; ++i) {
        if (b[i] >= lo && b[i] <= hi)
            CHECK(a[i] == b[i]);
        else
            ++redrawn;
    }
    CHECK(redrawn > 0);
}

TEST_CASE("random: one-sided and off-centre truncation intervals") {
    // [mean, mean + 3 sd]: a half normal, mean sd * sqrt(2/pi) * (1 - e^-4.5) / (Phi(3) - 1/2).
    std::vector<float> out(chunk);
    const bnkit_rng r{9, 0};
    REQUIRE(bnkit_random_truncated_normal_f32(&r, 0.0f, 1.0f, 0.0f, 3.0f, out.data(), chunk) == BNKIT_OK);
    double sum = 0;
    for (float v : out) {
        CHECK(v >= 0.0f);
        CHECK(v <= 3.0f);
        sum += v;
    }
    const double expected = (phi(0.0) - phi(3.0)) / (Phi(3.0) - 0.5);
    CHECK(std::fabs(sum / chunk - expected) <= 5.0 * 0.61 / std::sqrt(static_cast<double>(chunk)));  // sd < 0.61
}

TEST_CASE("random: bad input returns a status and writes nothing") {
    bnkit_test::Guarded<float> out(32);
    const bnkit_rng r{1, 0};
    const float nan = std::nanf(""), inf = INFINITY;
    const auto check_untouched = [&](bnkit_status got, bnkit_status want) {
        CHECK(got == want);
        CHECK(out.all_canary());
        CHECK(out.guards_intact());
    };
    check_untouched(bnkit_random_uniform_f32(nullptr, 0, 1, out.data(), 32), BNKIT_ERR_NULL_POINTER);
    check_untouched(bnkit_random_uniform_f32(&r, 0, 1, nullptr, 32), BNKIT_ERR_NULL_POINTER);
    check_untouched(bnkit_random_uniform_f32(&r, 1, 0, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_uniform_f32(&r, nan, 0, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_uniform_f32(&r, 0, inf, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_normal_f32(nullptr, 0, 1, out.data(), 32), BNKIT_ERR_NULL_POINTER);
    check_untouched(bnkit_random_normal_f32(&r, 0, -1, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_normal_f32(&r, nan, 1, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_normal_f32(&r, 0, inf, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_truncated_normal_f32(&r, 0, 1, -2, 2, nullptr, 32), BNKIT_ERR_NULL_POINTER);
    check_untouched(bnkit_random_truncated_normal_f32(&r, 0, 1, 2, -2, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_truncated_normal_f32(&r, 0, -1, -2, 2, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    check_untouched(bnkit_random_truncated_normal_f32(&r, 0, 1, nan, 2, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    // [2, 3] under N(0, 1) holds 2.1% < 1/16 of the mass; [1.5, 3] holds 6.5% and is accepted.
    check_untouched(bnkit_random_truncated_normal_f32(&r, 0, 1, 2, 3, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    // stddev 0 with the mean outside the interval.
    check_untouched(bnkit_random_truncated_normal_f32(&r, 5, 0, -1, 1, out.data(), 32), BNKIT_ERR_BAD_DISTRIBUTION);
    CHECK(bnkit_random_truncated_normal_f32(&r, 0, 1, 1.5f, 3, out.data(), 32) == BNKIT_OK);
    for (std::size_t i = 0; i < 32; ++i) CHECK((out[i] >= 1.5f && out[i] <= 3.0f));
    // n == 0 writes nothing.
    out.fill_canary();
    check_untouched(bnkit_random_normal_f32(&r, 0, 1, out.data(), 0), BNKIT_OK);
}

TEST_CASE("random: Keras presets fill BatchNormalization weights at build") {
    bnkit::keras::Config cfg;
    cfg.gamma_initializer = bnkit::keras_init::random_normal(11, 1.0f, 0.02f);
    cfg.beta_initializer = bnkit::keras_init::random_uniform(12);
    cfg.moving_mean_initializer = bnkit::keras_init::truncated_normal(13);
    bnkit::keras::BatchNormalization<8> layer(cfg);
    REQUIRE(layer.build({2, 5}) == BNKIT_OK);
    float g[5], b[5], m[5];
    const bnkit_rng r11{11, 0}, r12{12, 0}, r13{13, 0};
    REQUIRE(bnkit_random_normal_f32(&r11, 1.0f, 0.02f, g, 5) == BNKIT_OK);
    REQUIRE(bnkit_random_uniform_f32(&r12, -0.05f, 0.05f, b, 5) == BNKIT_OK);  // Keras defaults
    REQUIRE(bnkit_random_truncated_normal_f32(&r13, 0.0f, 0.05f, -0.1f, 0.1f, m, 5) == BNKIT_OK);
    CHECK(bnkit_test::same_bits(layer.gamma().data, g, 5));
    CHECK(bnkit_test::same_bits(layer.beta().data, b, 5));
    CHECK(bnkit_test::same_bits(layer.moving_mean().data, m, 5));
    for (std::size_t c = 0; c < 5; ++c) CHECK(layer.moving_variance()[c] == 1.0f);
}

TEST_CASE("random: MindSpore presets fill BatchNorm2d parameters, with MindSpore's defaults") {
    bnkit::mindspore::Config cfg;
    cfg.gamma_init = bnkit::mindspore_init::normal(21);
    cfg.beta_init = bnkit::mindspore_init::uniform(22);
    cfg.moving_mean_init = bnkit::mindspore_init::truncated_normal(23, 0.5f);
    bnkit::mindspore::BatchNorm2d<8> cell(3, cfg);
    REQUIRE(cell.init_status() == BNKIT_OK);
    float g[3], b[3], m[3];
    const bnkit_rng r21{21, 0}, r22{22, 0}, r23{23, 0};
    REQUIRE(bnkit_random_normal_f32(&r21, 0.0f, 0.01f, g, 3) == BNKIT_OK);      // Normal(sigma=0.01)
    REQUIRE(bnkit_random_uniform_f32(&r22, -0.07f, 0.07f, b, 3) == BNKIT_OK);   // Uniform(scale=0.07)
    REQUIRE(bnkit_random_truncated_normal_f32(&r23, 0.0f, 0.5f, -1.0f, 1.0f, m, 3) == BNKIT_OK);
    CHECK(bnkit_test::same_bits(cell.gamma().data, g, 3));
    CHECK(bnkit_test::same_bits(cell.beta().data, b, 3));
    CHECK(bnkit_test::same_bits(cell.moving_mean().data, m, 3));
}

TEST_CASE("random: a bad random initializer fails the layer and fills nothing") {
    bnkit::mindspore::Config cfg;
    cfg.gamma_init = bnkit::keras_init::random_normal(1, 0.0f, -1.0f);  // negative stddev
    bnkit::mindspore::BatchNorm2d<4> cell(4, cfg);
    CHECK(cell.init_status() == BNKIT_ERR_BAD_DISTRIBUTION);
    bnkit::keras::Config k;
    k.beta_initializer = bnkit::keras_init::random_uniform(1, 1.0f, 0.0f);  // minval > maxval
    bnkit::keras::BatchNormalization<4> layer(k);
    CHECK(layer.build({2, 4}) == BNKIT_ERR_BAD_DISTRIBUTION);
    CHECK(!layer.built());
    // Every later use reports it and writes nothing.
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
    bnkit_test::fill_canary(y, sizeof y);
    CHECK(layer.call({2, 4}, x, y, true) == BNKIT_ERR_BAD_DISTRIBUTION);
    CHECK(cell.call({2, 4, 1, 1}, x, y) == BNKIT_ERR_BAD_DISTRIBUTION);
    CHECK(bnkit_test::is_canary(y, sizeof y));
    CHECK(!layer.built());
    CHECK(cell.num_features() == 0);
}
