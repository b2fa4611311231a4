// The C API and both front-ends against the double oracle
// (tests/support/oracle_double.hpp) over ranks 1..5, every axis (negative too),
// adjacent axis lists, NCHW/NHWC, sizes 1, primes and odd sizes, gamma/beta
// present or absent, both variance corrections and update forms, three training
// steps, in-place y == x and buffers offset by 1..3 floats (no 16/32-byte
// alignment).
//
// Tolerances, all in float32 ulps of a magnitude the oracle computes alongside
// each value (see oracle_double.hpp; it equals |value| when the terms do not
// cancel):
//  - inference y = x*s + t: 3 ulp of |x*s| + |beta| + |mean*s| (t = beta -
//  mean*s is itself
//    a float32 difference, so its error is relative to |beta| + |mean*s|, not
//    |t|). A float32 fold s = gamma/sqrt(v + eps) carries three roundings
//    (<= 1.5 ulp of s, measured 1.56), then mean*s, beta - mean*s, x*s and + t
//    one half ulp each: 3 ulp. (Even a fold computed in double and rounded once
//    reaches 2.01 ulp of this magnitude on random data, so 2 ulp is not
//    achievable by any folded form; measured here: 2.78.)
//  - inference with mean = 0 and beta = 0 (t = 0), last test case below: at the
//  seed's setting
//    (gamma = 1, var = 1, any eps) 1 ulp of the double formula (semantics.md
//    §2). With random gamma and var, 2.5 ulp: a float32 fold carries up to ~1.5
//    ulp in s and x*s adds 1/2; no folded form can promise 1 ulp there (a fold
//    computed in double and rounded once still reaches 1.46 ulp on random
//    data). Measured: 0.81 and 2.15.
//  - training y: 4 ulp of |gamma|*(|x - mean| + |mean|)*invstd + |beta|: the
//  float32 mean is
//    off by up to ~1 ulp of |mean|, which x - mean turns into an absolute
//    error, then the variance (~2 ulp), its sqrt and divide (~1.5 ulp) and the
//    final multiply-add.
//  - saved mean: 3 ulp of |mean| + mean(|x|). The documented algorithm
//  (docs/numerics.md)
//    sums x - x0 compensated; each x - x0 is rounded before the sum (together
//    <= 1 ulp of mean|x - x0| <= mean|x| + |x0|, |x0| <= max|x|), then sum/n
//    and x0 + ... round once each. Measured: scalar 1.85, AVX-512 2.17.
//  - saved invstd: 4 ulp (variance ~2 ulp relative -> 1 ulp after the square
//  root, plus the
//    roundings of var + eps, sqrt and 1/x).
//  - moving statistics after each step: 4 ulp of (1-f)|old| + f|batch| (the
//  batch statistic's
//    error, the n/(n-1) factor, and three roundings of the update). Each step
//    is compared with the oracle applied to the library's previous moving
//    values (inputs, not expected values), so errors do not accumulate across
//    steps.
//  - backward dx: 4 ulp of |a|*(|dy| + sum|dy|/n + |xhat|'*sum|dy*xhat|'/n)
//  with a = gamma*invstd,
//    i.e. |a*dy| + |k| + |b*(x - mean)| with the sums taken over magnitudes;
//    dgamma and dbeta 4 ulp of sum|dy|*(|x - mean| + |mean|)*invstd and sum|dy|
//    (' = |mean| added, as above).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/batch_norm.h"
#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "support/oracle_double.hpp"

namespace {

using oracle::Correction;
using oracle::Dims;
using oracle::Form;
using oracle::Rng;

constexpr double k_infer = 3, k_y = 4, k_mean = 3, k_invstd = 4, k_moving = 4,
                 k_dx = 4, k_dparam = 4;

// A buffer with its data at an offset of `off` floats from the vector's start.
struct Buf {
  std::vector<float> store;
  std::size_t off = 0;
  Buf() = default;
  Buf(std::size_t n, std::size_t o) : store(n + o + 1, -777.0f), off(o) {}
  float *p() { return store.data() + off; }
  const float *p() const { return store.data() + off; }
  float &operator[](std::size_t k) { return store[off + k]; }
};

Buf rand_buf(Rng &r, std::size_t n, std::size_t off, float lo, float hi) {
  Buf b(n, off);
  for (std::size_t k = 0; k < n; ++k)
    b[k] = r.uniform(lo, hi);
  return b;
}

// Per-channel data with its own offset and scale, so channels have different
// statistics.
Buf rand_x(Rng &r, const Dims &d, std::size_t off) {
  Buf b(d.count(), off);
  std::vector<float> center(d.C), spread(d.C);
  for (std::size_t c = 0; c < d.C; ++c) {
    center[c] = r.uniform(-3.0f, 3.0f);
    spread[c] = r.uniform(0.25f, 4.0f);
  }
  for (std::size_t o = 0; o < d.outer; ++o)
    for (std::size_t c = 0; c < d.C; ++c)
      for (std::size_t i = 0; i < d.inner; ++i)
        b[d.idx(o, c, i)] = center[c] + spread[c] * r.uniform(-1.0f, 1.0f);
  return b;
}

std::string describe(const std::vector<std::size_t> &dims,
                     const std::vector<int> &axes) {
  std::ostringstream s;
  s << "dims (";
  for (std::size_t k = 0; k < dims.size(); ++k)
    s << (k ? "," : "") << dims[k];
  s << ") axes [";
  for (std::size_t k = 0; k < axes.size(); ++k)
    s << (k ? "," : "") << axes[k];
  s << "]";
  return s.str();
}

const std::size_t sizes[] = {1, 2, 3, 5, 7, 13, 17, 31, 4, 9, 15};

std::vector<std::size_t> rand_dims(Rng &r, int rank, std::size_t cap) {
  std::vector<std::size_t> d(static_cast<std::size_t>(rank));
  for (auto &v : d)
    v = sizes[r.below(sizeof sizes / sizeof sizes[0])];
  for (;;) {
    std::size_t n = 1;
    for (auto v : d)
      n *= v;
    if (n <= cap)
      break;
    std::size_t big = 0;
    for (std::size_t k = 1; k < d.size(); ++k)
      if (d[k] > d[big])
        big = k;
    d[big] = d[big] / 2 | 1; // stays odd
  }
  return d;
}

// ---------------------------------------------------------------- C API
struct CCase {
  std::vector<std::size_t> dims;
  std::vector<int> axes;
  bool gamma = true, beta = true;
  Correction corr = Correction::biased;
  Form form = Form::lerp;
  float eps = 1e-3f;
  double momentum = 0.9;
  bool inplace = false;
  std::size_t off = 0;
};

void run_c_case(const CCase &cs, Rng &r, bnkit_isa isa) {
  INFO("isa " << std::string(bnkit_isa_name(isa)) << " "
              << describe(cs.dims, cs.axes) << " gamma " << cs.gamma << " beta "
              << cs.beta << " unbiased " << (cs.corr == Correction::unbiased)
              << " assign_sub " << (cs.form == Form::assign_sub) << " eps "
              << cs.eps << " momentum " << cs.momentum << " inplace "
              << cs.inplace << " offset " << cs.off);
  const Dims d = oracle::view_of(cs.dims, cs.axes);
  bnkit_bn_desc desc;
  std::vector<int32_t> ax(cs.axes.begin(), cs.axes.end());
  REQUIRE(bnkit_bn_desc_init(&desc, static_cast<uint32_t>(cs.dims.size()),
                             cs.dims.data(), static_cast<uint32_t>(ax.size()),
                             ax.data()) == BNKIT_OK);
  REQUIRE(bnkit_bn_desc_set_isa(&desc, isa) == BNKIT_OK);
  REQUIRE(desc.outer == d.outer);
  REQUIRE(desc.channels == d.C);
  REQUIRE(desc.inner == d.inner);
  REQUIRE(desc.count == d.count());
  const std::size_t C = d.C, N = d.count(), off = cs.off;

  Buf gamma = rand_buf(r, C, off, -2.0f, 2.0f),
      beta = rand_buf(r, C, off, -2.0f, 2.0f);
  const float *gp = cs.gamma ? gamma.p() : nullptr;
  const float *bp = cs.beta ? beta.p() : nullptr;
  Buf mm = rand_buf(r, C, off, -1.0f, 1.0f),
      mv = rand_buf(r, C, off, 0.0f, 3.0f);
  std::vector<unsigned char> ws_store(BNKIT_BN_WORKSPACE_BYTES(C) + 16);
  const bnkit_buffer ws{ws_store.data() + 4 * off, BNKIT_BN_WORKSPACE_BYTES(C)};

  // Inference through fold + infer.
  {
    Buf x = rand_x(r, d, off), y(N, off);
    const std::vector<float> x0(x.p(), x.p() + N);
    Buf scale(C, off), shift(C, off);
    REQUIRE(bnkit_bn_fold_f32(C, gp, bp, mm.p(), mv.p(), cs.eps, scale.p(),
                              shift.p()) == BNKIT_OK);
    float *yp = cs.inplace ? x.p() : y.p();
    REQUIRE(bnkit_bn_infer_f32(&desc, x.p(), yp, scale.p(), shift.p()) ==
            BNKIT_OK);
    const oracle::Infer e =
        oracle::infer(d, x0.data(), gp, bp, mm.p(), mv.p(), cs.eps);
    CHECK_ARRAY_ULPS("inference y", yp, e.y, e.mag, k_infer);
    CHECK_ARRAY_ULPS("fold scale", scale.p(), e.scale, std::vector<double>{},
                     2);
    CHECK(y.store[0] ==
          (off ? -777.0f : y.store[0])); // nothing written before the buffer
    CHECK(y.store[off + N] == -777.0f);  // nor after it
  }

  // Three training steps, then the two backward passes.
  const bnkit_bn_train_params params{
      cs.eps, cs.momentum,
      cs.corr == Correction::unbiased ? BNKIT_VARIANCE_UNBIASED
                                      : BNKIT_VARIANCE_BIASED,
      cs.form == Form::assign_sub ? BNKIT_UPDATE_ASSIGN_SUB
                                  : BNKIT_UPDATE_LERP};
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    Buf x = rand_x(r, d, off), y(N, off), sm(C, off), si(C, off);
    const std::vector<float> x0(x.p(), x.p() + N);
    const std::vector<float> old_mm(mm.p(), mm.p() + C),
        old_mv(mv.p(), mv.p() + C);
    float *yp = cs.inplace ? x.p() : y.p();
    REQUIRE(bnkit_bn_train_f32(&desc, &params, x.p(), yp, gp, bp, mm.p(),
                               mv.p(), sm.p(), si.p(), ws) == BNKIT_OK);
    const oracle::Train e =
        oracle::train(d, x0.data(), gp, bp, old_mm.data(), old_mv.data(),
                      cs.eps, cs.momentum, cs.corr, cs.form);
    CHECK_ARRAY_ULPS("training y", yp, e.y, e.mag, k_y);
    CHECK_ARRAY_ULPS("saved mean", sm.p(), e.st.mean, e.st.mean_mag, k_mean);
    CHECK_ARRAY_ULPS("saved invstd", si.p(), e.st.invstd, std::vector<double>{},
                     k_invstd);
    CHECK_ARRAY_ULPS("moving mean", mm.p(), e.new_mm, e.mm_mag, k_moving);
    CHECK_ARRAY_ULPS("moving variance", mv.p(), e.new_mv, e.mv_mag, k_moving);

    // Training backward with the saved statistics; dx in place over dy on odd
    // steps, over x on step 2.
    Buf dy = rand_buf(r, N, off, -1.0f, 1.0f), dx(N, off), dg(C, off),
        db(C, off);
    const std::vector<float> dy0(dy.p(), dy.p() + N);
    Buf xin(N, off);
    for (std::size_t k = 0; k < N; ++k)
      xin[k] = x0[k];
    float *dxp = !cs.inplace ? dx.p() : step == 2 ? xin.p() : dy.p();
    REQUIRE(bnkit_bn_backward_f32(&desc, BNKIT_PHASE_TRAINING, xin.p(), dy.p(),
                                  gp, sm.p(), si.p(), dxp, dg.p(), db.p(),
                                  ws) == BNKIT_OK);
    const oracle::Backward eb =
        oracle::backward_training(d, x0.data(), dy0.data(), gp, cs.eps);
    CHECK_ARRAY_ULPS("training dx", dxp, eb.dx, eb.dx_mag, k_dx);
    CHECK_ARRAY_ULPS("training dgamma", dg.p(), eb.dgamma, eb.dgamma_mag,
                     k_dparam);
    CHECK_ARRAY_ULPS("training dbeta", db.p(), eb.dbeta, eb.dbeta_mag,
                     k_dparam);

    // Inference backward with the (new) moving statistics.
    Buf inv(C, off), dx2(N, off), dg2(C, off), db2(C, off);
    REQUIRE(bnkit_bn_invstd_f32(C, mv.p(), cs.eps, inv.p()) == BNKIT_OK);
    REQUIRE(bnkit_bn_backward_f32(&desc, BNKIT_PHASE_INFERENCE, x0.data(),
                                  dy0.data(), gp, mm.p(), inv.p(), dx2.p(),
                                  dg2.p(), db2.p(), ws) == BNKIT_OK);
    const oracle::Backward ei = oracle::backward_inference(
        d, x0.data(), dy0.data(), gp, mm.p(), mv.p(), cs.eps);
    CHECK_ARRAY_ULPS("inference dx", dx2.p(), ei.dx, ei.dx_mag, k_dx);
    CHECK_ARRAY_ULPS("inference dgamma", dg2.p(), ei.dgamma, ei.dgamma_mag,
                     k_dparam);
    CHECK_ARRAY_ULPS("inference dbeta", db2.p(), ei.dbeta, ei.dbeta_mag,
                     k_dparam);
  }
}

// The scalar reference and every SIMD path this build and CPU have.
std::vector<bnkit_isa> isas() {
  std::vector<bnkit_isa> v;
  for (int i = BNKIT_ISA_SCALAR; i <= BNKIT_ISA_NEON64; ++i)
    if (bnkit_isa_available(static_cast<bnkit_isa>(i)))
      v.push_back(static_cast<bnkit_isa>(i));
  return v;
}

CCase rand_c_case(Rng &r, std::vector<std::size_t> dims,
                  std::vector<int> axes) {
  CCase c;
  c.dims = std::move(dims);
  c.axes = std::move(axes);
  c.gamma = r.below(4) != 0;
  c.beta = r.below(4) != 0;
  c.corr = r.below(2) ? Correction::unbiased : Correction::biased;
  c.form = r.below(2) ? Form::assign_sub : Form::lerp;
  const float eps[] = {1e-5f, 1e-3f, 0.1f, 0.0f};
  c.eps = eps[r.below(4)];
  const double mom[] = {0.99, 0.9, 0.5, 0.0, 1.0, 0.1};
  c.momentum = mom[r.below(6)];
  c.inplace = r.below(2) != 0;
  c.off = r.below(4);
  return c;
}

} // namespace

TEST_CASE("oracle sweep: C API, every rank 1..5 and every single axis "
          "(negative too)") {
  for (const bnkit_isa isa : isas()) {
    Rng r(0x5eed0001);
    for (int rank = 1; rank <= 5; ++rank)
      for (int axis = -rank; axis < rank; ++axis)
        for (int rep = 0; rep < 3; ++rep) {
          std::vector<std::size_t> dims = rand_dims(r, rank, 3000);
          if (rep == 0) { // the sizes that matter most: 1 next to primes
            for (std::size_t k = 0; k < dims.size(); ++k)
              dims[k] = k % 2 ? 1 : (k == 0 ? 17 : 3);
          }
          CCase c = rand_c_case(r, dims, {axis});
          if (rep == 0)
            c.eps = 1e-3f; // eps 0 with a size-1 channel would divide by zero
          if (c.eps == 0.0f)
            c.eps = 1e-5f;
          run_c_case(c, r, isa);
        }
  }
}

TEST_CASE("oracle sweep: C API, adjacent axis lists in any order") {
  for (const bnkit_isa isa : isas()) {
    Rng r(0x5eed0002);
    for (int rank = 2; rank <= 5; ++rank)
      for (int lo = 0; lo < rank; ++lo)
        for (int hi = lo + 1; hi < rank; ++hi) {
          std::vector<int> axes;
          for (int a = hi; a >= lo; --a)
            axes.push_back(r.below(2) ? a - rank : a); // reversed, mixed signs
          CCase c = rand_c_case(r, rand_dims(r, rank, 2000), axes);
          if (c.eps == 0.0f)
            c.eps = 1e-4f;
          run_c_case(c, r, isa);
        }
  }
}

TEST_CASE("oracle sweep: C API, NCHW and NHWC of the same data agree with the "
          "oracle, all option combinations") {
  for (const bnkit_isa isa : isas()) {
    Rng r(0x5eed0003);
    for (int corr = 0; corr < 2; ++corr)
      for (int form = 0; form < 2; ++form)
        for (int gb = 0; gb < 4; ++gb)
          for (int nhwc = 0; nhwc < 2; ++nhwc) {
            CCase c;
            c.dims = nhwc ? std::vector<std::size_t>{3, 5, 7, 13}
                          : std::vector<std::size_t>{3, 13, 5, 7};
            c.axes = {nhwc ? 3 : 1};
            c.gamma = gb & 1;
            c.beta = gb & 2;
            c.corr = corr ? Correction::unbiased : Correction::biased;
            c.form = form ? Form::assign_sub : Form::lerp;
            c.eps = 1e-5f;
            c.momentum = 0.9;
            c.inplace = (gb + form) % 2;
            c.off = static_cast<std::size_t>(gb);
            run_c_case(c, r, isa);
          }
  }
}

TEST_CASE("oracle sweep: C API, larger channels (n = 31*17*13 = 6851, C = 5)") {
  for (const bnkit_isa isa : isas()) {
    Rng r(0x5eed0004);
    CCase c;
    c.dims = {31, 5, 17, 13};
    c.axes = {-3};
    c.eps = 1e-5f;
    c.off = 3;
    for (int k = 0; k < 2; ++k) {
      c.corr = k ? Correction::unbiased : Correction::biased;
      c.inplace = k;
      run_c_case(c, r, isa);
    }
  }
}

// ---------------------------------------------------------------- Keras
// front-end
namespace {

// Keras 2's fused choice, from the rule in semantics.md §3 (single axis, rank 4
// axis 1/3, rank 5 axis 1/4).
bool keras_fused(int rank, const std::vector<int> &axes) {
  if (axes.size() != 1)
    return false;
  const int a = axes[0] < 0 ? axes[0] + rank : axes[0];
  return (rank == 4 && (a == 1 || a == 3)) || (rank == 5 && (a == 1 || a == 4));
}

void run_keras_case(const std::vector<std::size_t> &dims,
                    const std::vector<int> &axes, Rng &r) {
  const int rank = static_cast<int>(dims.size());
  bnkit::keras::Config cfg;
  cfg.axis = axes.size() == 1 ? bnkit::Axes(axes[0]) : bnkit::Axes{};
  if (axes.size() > 1) {
    cfg.axis.count = static_cast<uint32_t>(axes.size());
    for (std::size_t k = 0; k < axes.size(); ++k)
      cfg.axis.v[k] = axes[k];
  }
  const double mom[] = {0.99, 0.9, 0.5};
  cfg.momentum = mom[r.below(3)];
  const double eps[] = {1e-3, 1e-6, 0.01};
  cfg.epsilon = eps[r.below(3)];
  cfg.center = r.below(3) != 0;
  cfg.scale = r.below(3) != 0;
  const bool fused = keras_fused(rank, axes);
  INFO(describe(dims, axes) << " fused " << fused << " center " << cfg.center
                            << " scale " << cfg.scale << " momentum "
                            << cfg.momentum << " epsilon " << cfg.epsilon);
  const Dims d = oracle::view_of(dims, axes);
  const std::size_t C = d.C, N = d.count();
  bnkit::keras::BatchNormalization<1024> layer_(cfg);
  bnkit::keras::BatchNormalizationBase &layer = layer_;
  bnkit::Shape shape(static_cast<uint32_t>(rank), dims.data());
  REQUIRE(layer.build(shape) == BNKIT_OK);
  CHECK(layer.fused() == fused);
  const double e = fused && !(cfg.epsilon > 1.001e-5) ? 1.001e-5 : cfg.epsilon;
  const double eps_d = static_cast<double>(static_cast<float>(e));
  const Correction corr = fused ? Correction::unbiased : Correction::biased;
  const Form form = fused ? Form::lerp : Form::assign_sub;

  // Random weights in Keras' order.
  Buf g = rand_buf(r, C, 0, -2, 2), b = rand_buf(r, C, 0, -2, 2),
      m = rand_buf(r, C, 0, -1, 1), v = rand_buf(r, C, 0, 0.1f, 3);
  std::vector<bnkit::Span<const float>> w;
  if (cfg.scale)
    w.push_back({g.p(), C});
  if (cfg.center)
    w.push_back({b.p(), C});
  w.push_back({m.p(), C});
  w.push_back({v.p(), C});
  REQUIRE(layer.set_weights(w.data(), w.size()) == BNKIT_OK);
  const float *gp = cfg.scale ? g.p() : nullptr;
  const float *bp = cfg.center ? b.p() : nullptr;

  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    Buf x = rand_x(r, d, 0), y(N, 0);
    const std::vector<float> old_mm(layer.moving_mean().begin(),
                                    layer.moving_mean().end());
    const std::vector<float> old_mv(layer.moving_variance().begin(),
                                    layer.moving_variance().end());
    REQUIRE(layer.call(shape, {x.p(), N}, {y.p(), N}, true) == BNKIT_OK);
    const oracle::Train t =
        oracle::train(d, x.p(), gp, bp, old_mm.data(), old_mv.data(), eps_d,
                      cfg.momentum, corr, form);
    CHECK_ARRAY_ULPS("keras training y", y.p(), t.y, t.mag, k_y);
    CHECK_ARRAY_ULPS("keras moving mean", layer.moving_mean().data, t.new_mm,
                     t.mm_mag, k_moving);
    CHECK_ARRAY_ULPS("keras moving variance", layer.moving_variance().data,
                     t.new_mv, t.mv_mag, k_moving);
    Buf dy = rand_buf(r, N, 0, -1, 1), dx(N, 0);
    REQUIRE(layer.backward(shape, {x.p(), N}, {dy.p(), N}, {dx.p(), N}) ==
            BNKIT_OK);
    const oracle::Backward eb =
        oracle::backward_training(d, x.p(), dy.p(), gp, eps_d);
    CHECK_ARRAY_ULPS("keras training dx", dx.p(), eb.dx, eb.dx_mag, k_dx);
    CHECK(layer.dgamma().size == (cfg.scale ? C : 0));
    CHECK(layer.dbeta().size == (cfg.center ? C : 0));
    if (cfg.scale)
      CHECK_ARRAY_ULPS("keras dgamma", layer.dgamma().data, eb.dgamma,
                       eb.dgamma_mag, k_dparam);
    if (cfg.center)
      CHECK_ARRAY_ULPS("keras dbeta", layer.dbeta().data, eb.dbeta,
                       eb.dbeta_mag, k_dparam);
  }
  // Inference with the trained moving statistics, then its backward.
  Buf x = rand_x(r, d, 0), y(N, 0);
  const std::vector<float> mm(layer.moving_mean().begin(),
                              layer.moving_mean().end());
  const std::vector<float> mv(layer.moving_variance().begin(),
                              layer.moving_variance().end());
  REQUIRE(layer.call(shape, {x.p(), N}, {y.p(), N}) ==
          BNKIT_OK); // training None
  const oracle::Infer ei =
      oracle::infer(d, x.p(), gp, bp, mm.data(), mv.data(), eps_d);
  CHECK_ARRAY_ULPS("keras inference y", y.p(), ei.y, ei.mag, k_infer);
  CHECK(std::vector<float>(layer.moving_mean().begin(),
                           layer.moving_mean().end()) == mm);
  Buf dy = rand_buf(r, N, 0, -1, 1), dx(N, 0);
  REQUIRE(layer.backward(shape, {x.p(), N}, {dy.p(), N}, {dx.p(), N}) ==
          BNKIT_OK);
  const oracle::Backward eb = oracle::backward_inference(
      d, x.p(), dy.p(), gp, mm.data(), mv.data(), eps_d);
  CHECK_ARRAY_ULPS("keras inference dx", dx.p(), eb.dx, eb.dx_mag, k_dx);
  if (cfg.scale)
    CHECK_ARRAY_ULPS("keras inference dgamma", layer.dgamma().data, eb.dgamma,
                     eb.dgamma_mag, k_dparam);
}

} // namespace

TEST_CASE("oracle sweep: Keras front-end, ranks 2..5, every axis and adjacent "
          "lists") {
  Rng r(0x5eed0005);
  for (int rank = 2; rank <= 5; ++rank) {
    for (int axis = -rank; axis < rank; ++axis) {
      if (rank == 4 && (axis == -4 || axis == 0))
        continue; // axis -4: Keras' build error (test_keras_rules)
      for (int rep = 0; rep < 2; ++rep)
        run_keras_case(rand_dims(r, rank, 2000), {axis}, r);
    }
    for (int lo = 0; lo + 1 < rank; ++lo)
      run_keras_case(rand_dims(r, rank, 2000), {lo, lo + 1}, r);
  }
}

// ---------------------------------------------------------------- MindSpore
// front-end
namespace {

void run_ms_case(bnkit::mindspore::BatchNormBase &cell,
                 const std::vector<std::size_t> &dims, bool nhwc,
                 const bnkit::mindspore::Config &cfg, Rng &r) {
  const int rank = static_cast<int>(dims.size());
  INFO(describe(dims, {nhwc ? -1 : 1})
       << " affine " << cfg.affine << " biased "
       << (cfg.moving_variance == bnkit::mindspore::MovingVariance::biased)
       << " eps " << cfg.eps << " momentum " << cfg.momentum);
  REQUIRE(cell.init_status() == BNKIT_OK);
  const Dims d = oracle::view_of(dims, {nhwc ? rank - 1 : 1});
  const std::size_t C = d.C, N = d.count();
  const double eps_d = static_cast<double>(static_cast<float>(cfg.eps));
  const Correction corr =
      cfg.moving_variance == bnkit::mindspore::MovingVariance::biased
          ? Correction::biased
          : Correction::unbiased;
  Buf g = rand_buf(r, C, 0, -2, 2), b = rand_buf(r, C, 0, -2, 2),
      m = rand_buf(r, C, 0, -1, 1), v = rand_buf(r, C, 0, 0.1f, 3);
  REQUIRE(cell.load_parameter("gamma", {g.p(), C}) == BNKIT_OK);
  REQUIRE(cell.load_parameter("net.bn.beta", {b.p(), C}) == BNKIT_OK);
  REQUIRE(cell.load_parameter("moving_mean", {m.p(), C}) == BNKIT_OK);
  REQUIRE(cell.load_parameter("moving_variance", {v.p(), C}) == BNKIT_OK);
  bnkit::Shape shape(static_cast<uint32_t>(rank), dims.data());
  cell.set_train(true);
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    Buf x = rand_x(r, d, 0);
    const std::vector<float> x0(x.p(), x.p() + N);
    const std::vector<float> old_mm(cell.moving_mean().begin(),
                                    cell.moving_mean().end());
    const std::vector<float> old_mv(cell.moving_variance().begin(),
                                    cell.moving_variance().end());
    REQUIRE(cell.call(shape, {x.p(), N}, {x.p(), N}) == BNKIT_OK); // in place
    const oracle::Train t =
        oracle::train(d, x0.data(), g.p(), b.p(), old_mm.data(), old_mv.data(),
                      eps_d, cfg.momentum, corr, Form::lerp);
    CHECK_ARRAY_ULPS("ms training y", x.p(), t.y, t.mag, k_y);
    CHECK_ARRAY_ULPS("ms moving mean", cell.moving_mean().data, t.new_mm,
                     t.mm_mag, k_moving);
    CHECK_ARRAY_ULPS("ms moving variance", cell.moving_variance().data,
                     t.new_mv, t.mv_mag, k_moving);
    Buf dy = rand_buf(r, N, 0, -1, 1), dx(N, 0);
    REQUIRE(cell.backward(shape, {x0.data(), N}, {dy.p(), N}, {dx.p(), N}) ==
            BNKIT_OK);
    const oracle::Backward eb =
        oracle::backward_training(d, x0.data(), dy.p(), g.p(), eps_d);
    CHECK_ARRAY_ULPS("ms training dx", dx.p(), eb.dx, eb.dx_mag, k_dx);
    CHECK(cell.dgamma().size == (cfg.affine ? C : 0));
    CHECK(cell.dbeta().size == (cfg.affine ? C : 0));
    if (cfg.affine) {
      CHECK_ARRAY_ULPS("ms dgamma", cell.dgamma().data, eb.dgamma,
                       eb.dgamma_mag, k_dparam);
      CHECK_ARRAY_ULPS("ms dbeta", cell.dbeta().data, eb.dbeta, eb.dbeta_mag,
                       k_dparam);
    }
  }
  cell.set_train(false);
  Buf x = rand_x(r, d, 0), y(N, 0);
  const std::vector<float> mm(cell.moving_mean().begin(),
                              cell.moving_mean().end());
  const std::vector<float> mv(cell.moving_variance().begin(),
                              cell.moving_variance().end());
  REQUIRE(cell.call(shape, {x.p(), N}, {y.p(), N}) == BNKIT_OK);
  const oracle::Infer ei =
      oracle::infer(d, x.p(), g.p(), b.p(), mm.data(), mv.data(), eps_d);
  CHECK_ARRAY_ULPS("ms inference y", y.p(), ei.y, ei.mag, k_infer);
  Buf dy = rand_buf(r, N, 0, -1, 1);
  const std::vector<float> dy0(dy.p(), dy.p() + N);
  REQUIRE(cell.backward(shape, {x.p(), N}, {dy.p(), N}, {dy.p(), N}) ==
          BNKIT_OK); // dx == dy
  const oracle::Backward eb = oracle::backward_inference(
      d, x.p(), dy0.data(), g.p(), mm.data(), mv.data(), eps_d);
  CHECK_ARRAY_ULPS("ms inference dx", dy.p(), eb.dx, eb.dx_mag, k_dx);
}

bnkit::mindspore::Config rand_ms_config(Rng &r, bool nhwc) {
  bnkit::mindspore::Config cfg;
  cfg.affine = r.below(2) != 0;
  cfg.moving_variance = r.below(2) ? bnkit::mindspore::MovingVariance::biased
                                   : bnkit::mindspore::MovingVariance::unbiased;
  const double eps[] = {1e-5, 1e-3, 1.0};
  cfg.eps = eps[r.below(3)];
  const double mom[] = {0.9, 0.99, 0.0, 1.0};
  cfg.momentum = mom[r.below(4)];
  cfg.data_format = nhwc ? bnkit::mindspore::DataFormat::NHWC
                         : bnkit::mindspore::DataFormat::NCHW;
  return cfg;
}

} // namespace

TEST_CASE("oracle sweep: MindSpore BatchNorm1d/2d/3d, NCHW and NHWC") {
  Rng r(0x5eed0006);
  for (int rep = 0; rep < 4; ++rep) {
    {
      std::vector<std::size_t> dims = rand_dims(r, 2, 2000);
      const auto cfg = rand_ms_config(r, false);
      bnkit::mindspore::BatchNorm1d<64> cell(dims[1], cfg);
      run_ms_case(cell, dims, false, cfg, r);
    }
    {
      std::vector<std::size_t> dims = rand_dims(r, 3, 2000);
      const auto cfg = rand_ms_config(r, false);
      bnkit::mindspore::BatchNorm1d<64> cell(dims[1], cfg);
      run_ms_case(cell, dims, false, cfg, r);
    }
    for (const bool nhwc : {false, true}) {
      std::vector<std::size_t> dims = rand_dims(r, 4, 2000);
      const auto cfg = rand_ms_config(r, nhwc);
      bnkit::mindspore::BatchNorm2d<64> cell(dims[nhwc ? 3 : 1], cfg);
      run_ms_case(cell, dims, nhwc, cfg, r);
    }
    {
      std::vector<std::size_t> dims = rand_dims(r, 5, 2000);
      const auto cfg = rand_ms_config(r, false);
      bnkit::mindspore::BatchNorm3d<64> cell(dims[1], cfg);
      run_ms_case(cell, dims, false, cfg, r);
    }
  }
}

TEST_CASE("oracle sweep: C API, workspace at every byte alignment "
          "(bnkit_buffer: 'any alignment')") {
  // types.h documents bnkit_buffer.data as "any alignment". Under UBSan
  // (-fsanitize=alignment) a library that reads the workspace through a float*
  // reports this case; on strict-alignment targets it can fault.
  const std::vector<std::size_t> dims{7, 5, 3};
  const Dims d = oracle::view_of(dims, {1});
  bnkit_bn_desc desc;
  const int32_t ax = 1;
  REQUIRE(bnkit_bn_desc_init(&desc, 3, dims.data(), 1, &ax) == BNKIT_OK);
  Rng r(0x5eed0007);
  const Buf x = rand_x(r, d, 0);
  const Buf dy = rand_buf(r, d.count(), 0, -1, 1);
  for (std::size_t byte = 0; byte < 4; ++byte) {
    CAPTURE(byte);
    std::vector<unsigned char> store(BNKIT_BN_WORKSPACE_BYTES(5) + 8);
    const bnkit_buffer ws{store.data() + byte, BNKIT_BN_WORKSPACE_BYTES(5)};
    std::vector<float> y(d.count()), dx(d.count());
    float sm[5], si[5], dg[5], db[5];
    const bnkit_bn_train_params p{1e-3f, 0.9, BNKIT_VARIANCE_BIASED,
                                  BNKIT_UPDATE_LERP};
    REQUIRE(bnkit_bn_train_f32(&desc, &p, x.p(), y.data(), nullptr, nullptr,
                               nullptr, nullptr, sm, si, ws) == BNKIT_OK);
    const oracle::Train t = oracle::train(d, x.p(), nullptr, nullptr, nullptr,
                                          nullptr, static_cast<double>(1e-3f),
                                          0.9, Correction::biased, Form::lerp);
    CHECK_ARRAY_ULPS("training y", y.data(), t.y, t.mag, k_y);
    REQUIRE(bnkit_bn_backward_f32(&desc, BNKIT_PHASE_TRAINING, x.p(), dy.p(),
                                  nullptr, sm, si, dx.data(), dg, db,
                                  ws) == BNKIT_OK);
    const oracle::Backward b = oracle::backward_training(
        d, x.p(), dy.p(), nullptr, static_cast<double>(1e-3f));
    CHECK_ARRAY_ULPS("training dx", dx.data(), b.dx, b.dx_mag, k_dx);
  }
}

TEST_CASE(
    "oracle sweep: fold + inference at mean = 0, beta = 0 (semantics.md §2)") {
  Rng r(14);
  const std::size_t N = 4096;
  std::vector<float> x(N), y(N);
  for (auto &v : x)
    v = r.uniform(-100, 100);
  for (const bnkit_isa isa : isas()) {
    INFO("isa " << std::string(bnkit_isa_name(isa)));
    bnkit_bn_desc d;
    const std::size_t dd[2] = {N / 4, 4};
    const int32_t ax = -1;
    REQUIRE(bnkit_bn_desc_init(&d, 2, dd, 1, &ax) == BNKIT_OK);
    REQUIRE(bnkit_bn_desc_set_isa(&d, isa) == BNKIT_OK);
    const float zero[4] = {0, 0, 0, 0};
    { // the seed's setting: gamma 1, var 1 -> 1 ulp
      for (const float eps : {1e-5f, 1e-3f, 1.001e-5f, 0.1f}) {
        CAPTURE(eps);
        const float var[4] = {1, 1, 1, 1};
        float s[4], t[4];
        REQUIRE(bnkit_bn_fold_f32(4, nullptr, nullptr, zero, var, eps, s, t) ==
                BNKIT_OK);
        REQUIRE(bnkit_bn_infer_f32(&d, x.data(), y.data(), s, t) == BNKIT_OK);
        const Dims dv = oracle::view_of({N / 4, 4}, {-1});
        const oracle::Infer e =
            oracle::infer(dv, x.data(), nullptr, nullptr, zero, var, eps);
        CHECK_ARRAY_ULPS("y, gamma 1, var 1", y.data(), e.y,
                         std::vector<double>{}, 1);
      }
    }
    { // random gamma and var, t = 0
      for (int rep = 0; rep < 50; ++rep) {
        float g[4], var[4], s[4], t[4];
        for (int c = 0; c < 4; ++c) {
          g[c] = r.uniform(-3, 3);
          var[c] = r.uniform(0, 5);
        }
        REQUIRE(bnkit_bn_fold_f32(4, g, nullptr, zero, var, 1e-3f, s, t) ==
                BNKIT_OK);
        REQUIRE(bnkit_bn_infer_f32(&d, x.data(), y.data(), s, t) == BNKIT_OK);
        const Dims dv = oracle::view_of({N / 4, 4}, {-1});
        const oracle::Infer e = oracle::infer(dv, x.data(), g, nullptr, zero,
                                              var, static_cast<double>(1e-3f));
        CHECK_ARRAY_ULPS("y, random gamma and var, t = 0", y.data(), e.y,
                         std::vector<double>{}, 2.5);
      }
    }
  }
}
