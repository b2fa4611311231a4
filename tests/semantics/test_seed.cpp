// The seed document's example and semantics-reference T3, through both
// front-ends.
//
// Tolerances: the seed tables are the frameworks' printed float32 outputs (TF
// CPU and the MindSpore page, which was generated on a GPU with CUDA rsqrtf, 1
// ulp low); semantics.md §2 promises <= 1 ulp from each, so every value is
// compared with ulp_distance <= 1 against the printed number parsed as a float.
// T3 values are float32 emulations of the frameworks' kernels printed to 8
// significant digits; the moving statistics must be within 1 ulp of them (two
// roundings of a convex combination of exactly computed statistics).
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bnkit/keras.hpp"
#include "bnkit/mindspore.hpp"
#include "support/ulp.hpp"

namespace {

using bnkit_test::ulp_distance;

const float seed_x[16] = {1, 2, 2, 1, 3, 4, 4, 3, 5, 6, 6, 5, 7, 8, 8, 7};

std::vector<float> parse(const char *text) {
  std::vector<float> v;
  const char *p = text;
  char *end = nullptr;
  for (float f = std::strtof(p, &end); end != p; f = std::strtof(p, &end)) {
    v.push_back(f);
    p = end;
  }
  return v;
}

const char *const tf_table =
    "0.999995 1.99999 1.99999 0.999995 2.999985 3.99998 3.99998 2.999985 "
    "4.999975 5.99997 5.99997 4.999975 6.9999647 7.99996 7.99996 6.9999647";
const char *const ms_table = "0.99999493 1.9999899 1.9999899 0.99999493 "
                             "2.9999847 3.9999797 3.9999797 2.9999847 "
                             "4.9999747 5.9999695 5.9999695 4.9999747 "
                             "6.9999647 7.9999595 7.9999595 6.9999647";

void check_table(const float *y, const char *table) {
  const std::vector<float> expected = parse(table);
  REQUIRE(expected.size() == 16);
  for (int k = 0; k < 16; ++k) {
    INFO("element " << k << ": got " << y[k] << " printed " << expected[k]);
    CHECK(ulp_distance(y[k], expected[k]) <= 1);
  }
}

} // namespace

TEST_CASE("seed: Keras BatchNormalization(axis=3, momentum=0.1, epsilon=1e-5), "
          "training=False, TF table") {
  bnkit::keras::Config cfg;
  cfg.axis = 3;
  cfg.momentum = 0.1;
  cfg.epsilon = 1e-5;
  bnkit::keras::BatchNormalization<4> layer(cfg);
  float y[16] = {};
  REQUIRE(layer.call({2, 2, 2, 2}, {seed_x, 16}, y, false) == BNKIT_OK);
  CHECK(layer.fused());
  CHECK(layer.effective_epsilon() ==
        static_cast<float>(1.001e-5)); // the fused floor
  check_table(y, tf_table);
  // The printed TF values differ from the MS page at x = 1, 2, 3, ... by one
  // ulp; 1 ulp from both is the contract.
  check_table(y, ms_table);
}

TEST_CASE("seed: MindSpore BatchNorm2d(2, momentum=0.9) fresh cell, MS table") {
  bnkit::mindspore::Config cfg;
  cfg.momentum = 0.9;
  bnkit::mindspore::BatchNorm2d<4> cell_(2, cfg);
  bnkit::mindspore::BatchNormBase &cell = cell_;
  REQUIRE(cell.init_status() == BNKIT_OK);
  CHECK_FALSE(cell.training()); // a fresh cell is in eval mode
  float y[16] = {};
  REQUIRE(cell.call({2, 2, 2, 2}, {seed_x, 16}, y) == BNKIT_OK);
  check_table(y, ms_table);
  check_table(y, tf_table);
  // Inference leaves the moving statistics alone.
  CHECK(cell.moving_mean()[0] == 0.0f);
  CHECK(cell.moving_variance()[1] == 1.0f);
}

TEST_CASE("T3: MindSpore BatchNorm2d NCHW training on the seed input, CPU "
          "(biased) and GPU (unbiased)") {
  for (const bool biased : {true, false}) {
    CAPTURE(biased);
    bnkit::mindspore::Config cfg;
    cfg.momentum = 0.9;
    cfg.moving_variance = biased ? bnkit::mindspore::MovingVariance::biased
                                 : bnkit::mindspore::MovingVariance::unbiased;
    bnkit::mindspore::BatchNorm2d<2> cell_(2, cfg);
    bnkit::mindspore::BatchNormBase &cell =
        cell_; // cell_.moving_mean() is ambiguous (see test_mindspore_rules)
    cell.set_train(true);
    float y[16] = {};
    REQUIRE(cell.call({2, 2, 2, 2}, {seed_x, 16}, y) == BNKIT_OK);
    CHECK(ulp_distance(cell.moving_mean()[0], 0.35f) <= 1);
    CHECK(ulp_distance(cell.moving_mean()[1], 0.55f) <= 1);
    const float v = biased ? 1.325f : 1.3857143f;
    CHECK(ulp_distance(cell.moving_variance()[0], v) <= 1);
    CHECK(ulp_distance(cell.moving_variance()[1], v) <= 1);
    // Normalization uses the biased sigma^2 = 4.25 either way: x = 1 in channel
    // 0 (mean 3.5) -> -2.5/sqrt(4.25 + 1e-5).
    CHECK(ulp_distance(y[0],
                       static_cast<float>(-2.5 / std::sqrt(4.25 + 1e-5))) <= 2);
  }
}

TEST_CASE("T3: Keras on the seed input, axis=1 momentum=.9 (fused, unbiased) "
          "and axis=3 momentum=.1") {
  {
    bnkit::keras::Config cfg;
    cfg.axis = 1;
    cfg.momentum = 0.9;
    cfg.epsilon = 1e-5;
    bnkit::keras::BatchNormalization<2> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[16] = {};
    REQUIRE(layer.call({2, 2, 2, 2}, {seed_x, 16}, y, true) == BNKIT_OK);
    CHECK(layer.fused());
    CHECK(ulp_distance(layer.moving_mean()[0], 0.35f) <= 1);
    CHECK(ulp_distance(layer.moving_mean()[1], 0.55f) <= 1);
    CHECK(ulp_distance(layer.moving_variance()[0], 1.3857143f) <= 1);
    CHECK(ulp_distance(layer.moving_variance()[1], 1.3857143f) <= 1);
  }
  {
    bnkit::keras::Config cfg;
    cfg.axis = 3;
    cfg.momentum = 0.1;
    cfg.epsilon = 1e-5;
    bnkit::keras::BatchNormalization<2> layer_(cfg);
    bnkit::keras::BatchNormalizationBase &layer = layer_;
    float y[16] = {};
    REQUIRE(layer.call({2, 2, 2, 2}, {seed_x, 16}, y, true) == BNKIT_OK);
    for (int c = 0; c < 2; ++c) {
      CHECK(ulp_distance(layer.moving_mean()[c], 4.0499997f) <= 1);
      CHECK(ulp_distance(layer.moving_variance()[c], 5.5f) <= 1);
    }
  }
}
