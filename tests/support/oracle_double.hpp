// An independent, straightforward double-precision implementation of the math
// in docs/semantics.md (shared/docs/semantics.md §1-§6, §9), used as the
// reference for the semantic test suite. It shares no code with lib/: every
// tensor is indexed as [outer, C, inner], every sum is a plain double loop (two
// passes for the variance), and float32 inputs (x, gamma, beta, moving
// statistics, epsilon) are taken exactly as doubles.
//
// Besides each reference value the oracle returns a "magnitude": the size of
// the terms a float32 evaluation has to combine (for y = x*s + t that is |x*s|
// + |t|). A float32 implementation can only be expected to be accurate to a few
// ulp of that magnitude; when the terms do not cancel the magnitude equals
// |value| and the bound is an ordinary ulp bound.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

namespace oracle {

// ---------------------------------------------------------------- shapes
struct Dims {
  std::size_t outer = 1, C = 1, inner = 1;
  std::size_t n() const { return outer * inner; }
  std::size_t count() const { return outer * C * inner; }
  std::size_t idx(std::size_t o, std::size_t c, std::size_t i) const {
    return (o * C + c) * inner + i;
  }
};

// The [outer, C, inner] view of `dims` with the (adjacent) feature axes `axes`
// (negative axes count from the end). Computed independently of
// bnkit_bn_desc_init.
inline Dims view_of(const std::vector<std::size_t> &dims,
                    const std::vector<int> &axes) {
  const int r = static_cast<int>(dims.size());
  int lo = r, hi = -1;
  for (int a : axes) {
    const int p = a < 0 ? a + r : a;
    lo = p < lo ? p : lo;
    hi = p > hi ? p : hi;
  }
  Dims d;
  for (int k = 0; k < r; ++k) {
    if (k < lo)
      d.outer *= dims[k];
    else if (k <= hi)
      d.C *= dims[k];
    else
      d.inner *= dims[k];
  }
  return d;
}

// ----------------------------------------------------------------
// deterministic PRNG splitmix64: fixed sequence on every platform.
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
  } // [0,1)
  float uniform(float lo, float hi) {
    return static_cast<float>(lo + (hi - lo) * uniform());
  }
  std::size_t below(std::size_t n) {
    return static_cast<std::size_t>(next() % n);
  }
};

// ---------------------------------------------------------------- parameters
enum class Correction { biased, unbiased };
enum class Form { lerp, assign_sub };

// gamma/beta may be null (1 / 0).
inline double g_of(const float *gamma, std::size_t c) {
  return gamma ? static_cast<double>(gamma[c]) : 1.0;
}
inline double b_of(const float *beta, std::size_t c) {
  return beta ? static_cast<double>(beta[c]) : 0.0;
}

// ---------------------------------------------------------------- inference
// (§2)
struct Infer {
  std::vector<double> y, mag; // y = x*s + t; mag = |x*s| + |beta| + |mean*s|
  std::vector<double> scale, shift; // per channel
};

inline Infer infer(const Dims &d, const float *x, const float *gamma,
                   const float *beta, const float *mean, const float *var,
                   double eps) {
  Infer r;
  r.scale.resize(d.C);
  r.shift.resize(d.C);
  for (std::size_t c = 0; c < d.C; ++c) {
    const double s =
        g_of(gamma, c) / std::sqrt(static_cast<double>(var[c]) + eps);
    r.scale[c] = s;
    r.shift[c] = b_of(beta, c) - static_cast<double>(mean[c]) * s;
  }
  r.y.resize(d.count());
  r.mag.resize(d.count());
  for (std::size_t o = 0; o < d.outer; ++o)
    for (std::size_t c = 0; c < d.C; ++c)
      for (std::size_t i = 0; i < d.inner; ++i) {
        const std::size_t k = d.idx(o, c, i);
        const double xs = static_cast<double>(x[k]) * r.scale[c];
        r.y[k] = xs + r.shift[c];
        // t = beta - mean*s is itself a float32 difference: its error is
        // relative to |beta| + |mean*s|, not to |t|.
        r.mag[k] = std::fabs(xs) + std::fabs(b_of(beta, c)) +
                   std::fabs(static_cast<double>(mean[c]) * r.scale[c]);
      }
  return r;
}

// ---------------------------------------------------------------- batch
// statistics (§3)
struct Stats {
  std::vector<double> mean, var, invstd; // var: biased
  std::vector<double>
      mean_mag; // |mean| + mean(|x|): what a float sum must combine
};

inline Stats stats(const Dims &d, const float *x, double eps) {
  Stats s;
  s.mean.assign(d.C, 0.0);
  s.var.assign(d.C, 0.0);
  s.invstd.assign(d.C, 0.0);
  s.mean_mag.assign(d.C, 0.0);
  const double n = static_cast<double>(d.n());
  for (std::size_t c = 0; c < d.C; ++c) {
    double sum = 0, sabs = 0;
    for (std::size_t o = 0; o < d.outer; ++o)
      for (std::size_t i = 0; i < d.inner; ++i) {
        sum += x[d.idx(o, c, i)];
        sabs += std::fabs(static_cast<double>(x[d.idx(o, c, i)]));
      }
    const double m = sum / n;
    double ss = 0;
    for (std::size_t o = 0; o < d.outer; ++o)
      for (std::size_t i = 0; i < d.inner; ++i) {
        const double e = x[d.idx(o, c, i)] - m;
        ss += e * e;
      }
    s.mean[c] = m;
    s.var[c] = ss / n;
    s.invstd[c] = 1.0 / std::sqrt(s.var[c] + eps);
    s.mean_mag[c] = std::fabs(m) + sabs / n;
  }
  return s;
}

// The variance fed to the moving average: biased, or var*n/(n-1) with n == 1 ->
// 0.
inline double moving_input(double var_b, std::size_t n, Correction corr) {
  if (corr == Correction::biased)
    return var_b;
  if (n <= 1)
    return 0.0;
  return var_b * static_cast<double>(n) / static_cast<double>(n - 1);
}

// One moving-average step with f = (float)(1 - momentum) (computed in double,
// rounded once).
inline double update_factor(double momentum) {
  return static_cast<double>(static_cast<float>(1.0 - momentum));
}
inline double moving_update(double old, double batch, double f, Form form) {
  return form == Form::lerp ? (1.0 - f) * old + f * batch
                            : old - (old - batch) * f;
}
// The size of the terms of that update, per form: LERP adds (1-f)*old and
// f*batch; ASSIGN_SUB forms old - batch (absolute error ~ ulp(|old| + |batch|),
// scaled by f) and subtracts that from old (error ~ ulp(|old|)). batch_mag is
// the batch statistic's own magnitude (for the mean: |mean| + mean(|x|)).
inline double moving_update_mag(double old, double batch, double batch_mag,
                                double f, Form form) {
  if (form == Form::lerp)
    return (1.0 - f) * std::fabs(old) + f * std::fabs(batch_mag);
  return std::fabs(old) +
         f * (std::fabs(old) + std::fabs(batch) + std::fabs(batch_mag));
}

// ---------------------------------------------------------------- training
// forward (§3)
struct Train {
  Stats st;
  std::vector<double> y, mag; // y = gamma*(x-mean)*invstd + beta
  // mag = |gamma|*(|x-mean| + |mean| + mean|x|)*invstd + |beta|: the
  // subtraction x - mean is done in float32 with a float32 mean whose error is
  // relative to the sum's magnitude (|mean| + mean|x|), and shows up scaled by
  // gamma*invstd. For data centred near 0 this is about |y| + |gamma| + |beta|
  // (the brief's max(|y|, |beta|+|gamma|)).
  std::vector<double> new_mm, new_mv, mm_mag,
      mv_mag; // moving statistics after the step
};

inline Train train(const Dims &d, const float *x, const float *gamma,
                   const float *beta, const float *old_mm, const float *old_mv,
                   double eps, double momentum, Correction corr, Form form) {
  Train t;
  t.st = stats(d, x, eps);
  t.y.resize(d.count());
  t.mag.resize(d.count());
  for (std::size_t o = 0; o < d.outer; ++o)
    for (std::size_t c = 0; c < d.C; ++c)
      for (std::size_t i = 0; i < d.inner; ++i) {
        const std::size_t k = d.idx(o, c, i);
        const double g = g_of(gamma, c), b = b_of(beta, c);
        const double xc = static_cast<double>(x[k]) - t.st.mean[c];
        t.y[k] = g * xc * t.st.invstd[c] + b;
        t.mag[k] =
            std::fabs(g) * (std::fabs(xc) + t.st.mean_mag[c]) * t.st.invstd[c] +
            std::fabs(b);
      }
  if (old_mm && old_mv) {
    const double f = update_factor(momentum);
    for (std::size_t c = 0; c < d.C; ++c) {
      const double v = moving_input(t.st.var[c], d.n(), corr);
      t.new_mm.push_back(moving_update(old_mm[c], t.st.mean[c], f, form));
      t.new_mv.push_back(moving_update(old_mv[c], v, f, form));
      t.mm_mag.push_back(moving_update_mag(old_mm[c], t.st.mean[c],
                                           t.st.mean_mag[c], f, form));
      t.mv_mag.push_back(moving_update_mag(old_mv[c], v, v, f, form));
    }
  }
  return t;
}

// ---------------------------------------------------------------- backward
// (§6)
enum class Phase { training, inference };

struct Backward {
  std::vector<double> dx, dx_mag;
  std::vector<double> dgamma, dgamma_mag, dbeta, dbeta_mag;
};

// mean/invstd: the batch statistics (training) or the moving mean and
// 1/sqrt(v+eps) (inference).
inline Backward backward(const Dims &d, Phase phase, const float *x,
                         const float *dy, const float *gamma,
                         const std::vector<double> &mean,
                         const std::vector<double> &invstd) {
  Backward r;
  r.dx.resize(d.count());
  r.dx_mag.resize(d.count());
  const double n = static_cast<double>(d.n());
  for (std::size_t c = 0; c < d.C; ++c) {
    // The float32 mean a training-mode backward receives is off by up to a few
    // ulp of |mean| + mean(|x|); frozen statistics are exact inputs.
    double mmag = 0;
    if (phase == Phase::training) {
      for (std::size_t o = 0; o < d.outer; ++o)
        for (std::size_t i = 0; i < d.inner; ++i)
          mmag += std::fabs(static_cast<double>(x[d.idx(o, c, i)]));
      mmag = mmag / n + std::fabs(mean[c]);
    }
    double db = 0, dbm = 0, dg = 0, dgm = 0;
    for (std::size_t o = 0; o < d.outer; ++o)
      for (std::size_t i = 0; i < d.inner; ++i) {
        const std::size_t k = d.idx(o, c, i);
        const double xc = static_cast<double>(x[k]) - mean[c];
        db += dy[k];
        dbm += std::fabs(static_cast<double>(dy[k]));
        dg += dy[k] * xc * invstd[c];
        dgm += std::fabs(static_cast<double>(dy[k])) * (std::fabs(xc) + mmag) *
               invstd[c];
      }
    r.dbeta.push_back(db);
    r.dbeta_mag.push_back(dbm);
    r.dgamma.push_back(dg);
    r.dgamma_mag.push_back(dgm);
    const double a = g_of(gamma, c) * invstd[c];
    for (std::size_t o = 0; o < d.outer; ++o)
      for (std::size_t i = 0; i < d.inner; ++i) {
        const std::size_t k = d.idx(o, c, i);
        const double xhat = (static_cast<double>(x[k]) - mean[c]) * invstd[c];
        const double g = dy[k];
        if (phase == Phase::training) {
          r.dx[k] = a / n * (n * g - db - xhat * dg);
          // |a*dy| + |k| + |b*(x-mean)|, with the sums replaced by the sums of
          // magnitudes (they are what float32 rounding is relative to) and the
          // float32 mean's own error (mmag) included in |x - mean|.
          const double xm =
              (std::fabs(static_cast<double>(x[k]) - mean[c]) + mmag) *
              invstd[c];
          r.dx_mag[k] = std::fabs(a) * (std::fabs(g) + dbm / n + xm * dgm / n);
        } else {
          r.dx[k] = a * g;
          r.dx_mag[k] = std::fabs(a * g);
        }
      }
  }
  return r;
}

// Training-mode backward from scratch (statistics recomputed in double from x).
inline Backward backward_training(const Dims &d, const float *x,
                                  const float *dy, const float *gamma,
                                  double eps) {
  const Stats s = stats(d, x, eps);
  return backward(d, Phase::training, x, dy, gamma, s.mean, s.invstd);
}

// Inference-mode backward with moving statistics.
inline Backward backward_inference(const Dims &d, const float *x,
                                   const float *dy, const float *gamma,
                                   const float *mm, const float *mv,
                                   double eps) {
  std::vector<double> m(d.C), is(d.C);
  for (std::size_t c = 0; c < d.C; ++c) {
    m[c] = mm[c];
    is[c] = 1.0 / std::sqrt(static_cast<double>(mv[c]) + eps);
  }
  return backward(d, Phase::inference, x, dy, gamma, m, is);
}

// ---------------------------------------------------------------- comparisons
// One float32 ulp at magnitude m (the ulp of the float nearest m; the smallest
// subnormal for m == 0).
inline double ulp_at(double m) {
  const float f = static_cast<float>(std::fabs(m));
  if (std::isinf(f))
    return std::numeric_limits<double>::infinity();
  return static_cast<double>(std::nextafter(f, INFINITY)) -
         static_cast<double>(f);
}

// |actual - expected| in ulps of `mag` (0 for NaN vs NaN and for equal
// infinities).
inline double err_ulps(float actual, double expected, double mag) {
  if (std::isnan(actual) || std::isnan(expected))
    return std::isnan(actual) && std::isnan(expected) ? 0.0 : 1e30;
  if (std::isinf(actual) || std::isinf(expected))
    return static_cast<double>(actual) == expected ? 0.0 : 1e30;
  const double m = std::fabs(mag) > std::fabs(expected) ? std::fabs(mag)
                                                        : std::fabs(expected);
  return std::fabs(static_cast<double>(actual) - expected) / ulp_at(m);
}

// The worst error of an array, with where it happened.
struct Worst {
  double ulps = 0;
  std::size_t at = 0;
  float actual = 0;
  double expected = 0, mag = 0;
};

inline Worst worst(const float *actual, const std::vector<double> &expected,
                   const std::vector<double> &mag) {
  Worst w;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const double e =
        err_ulps(actual[k], expected[k], mag.empty() ? 0.0 : mag[k]);
    if (k == 0 || e > w.ulps)
      w = {e, k, actual[k], expected[k], mag.empty() ? 0.0 : mag[k]};
  }
  return w;
}

// With BNKIT_ORACLE_REPORT set, print the worst error seen per quantity at exit
// (to measure the margins of the bounds).
struct Recorder {
  std::vector<std::pair<std::string, double>> worst;
  ~Recorder() {
    if (!std::getenv("BNKIT_ORACLE_REPORT"))
      return;
    for (const auto &w : worst)
      std::printf("oracle worst %-28s %.3f ulp\n", w.first.c_str(), w.second);
  }
};
inline void record(const char *what, double ulps) {
  static Recorder r;
  for (auto &w : r.worst)
    if (w.first == what) {
      if (ulps > w.second)
        w.second = ulps;
      return;
    }
  r.worst.emplace_back(what, ulps);
}

} // namespace oracle

// Every element of `actual` (float*) within `n` ulps of `mag` (vector<double>,
// may be empty for plain ulps of the expected value) of `expected`
// (vector<double>).
#define CHECK_ARRAY_ULPS(WHAT_, ACTUAL_, EXPECTED_, MAG_, N_)                  \
  do {                                                                         \
    const ::oracle::Worst w_ =                                                 \
        ::oracle::worst((ACTUAL_), (EXPECTED_), (MAG_));                       \
    INFO(WHAT_ << ": worst " << w_.ulps << " ulp at " << w_.at << " actual "   \
               << w_.actual << " expected " << w_.expected << " magnitude "    \
               << w_.mag << " (bound " << (N_) << ")");                        \
    ::oracle::record(WHAT_, w_.ulps);                                          \
    CHECK(w_.ulps <= static_cast<double>(N_));                                 \
  } while (0)
