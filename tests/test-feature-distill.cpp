// SPDX-License-Identifier: Apache-2.0
// Feature distillation's loss (src/train/feature-distill.h) against a float64 reference:
// the masked mean over valid steps, the projection, 1 - cosine over the rows with
// features, and gradients that reach the encoder's steps but not the padded ones.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/feature-distill.h"

namespace inherent::train {
namespace {

TEST(FeatureDistill, MaskedMeanSkipsPaddedSteps) {
  torch::manual_seed(1);
  const torch::Tensor h = torch::randn({2, 5, 3});
  const torch::Tensor valid = torch::tensor({1, 1, 1, 1, 1, 1, 1, 0, 0, 0}).view({2, 5}).to(torch::kBool);
  const torch::Tensor m = masked_mean(h, valid);
  for (int64_t j = 0; j < 3; ++j) {
    double a = 0, b = 0;
    for (int64_t t = 0; t < 5; ++t) a += h[0][t][j].item<double>();
    for (int64_t t = 0; t < 2; ++t) b += h[1][t][j].item<double>();
    EXPECT_NEAR(m[0][j].item<double>(), a / 5, 1e-6);
    EXPECT_NEAR(m[1][j].item<double>(), b / 2, 1e-6);
  }
}

TEST(FeatureDistill, LossIsOneMinusCosineOverRowsWithFeatures) {
  torch::manual_seed(2);
  const int64_t n_hidden = 4, dim = 3;
  FeatureHead head(n_hidden, dim);
  const torch::Tensor h = torch::randn({3, 4, n_hidden}, torch::requires_grad());
  const torch::Tensor valid =
      torch::tensor({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0}).view({3, 4}).to(torch::kBool);
  Batch b;
  b.size = 3;
  b.features = {1, 0, 2, 9, 9, 9, -1, 3, 0.5};  // row 1 has none: its values must not count
  b.has_features = {1, 0, 1};
  const torch::Tensor loss = head->loss(h, valid, b, torch::kCPU);

  // float64 reference.
  const auto w = head->proj->weight.to(torch::kFloat64), bias = head->proj->bias.to(torch::kFloat64);
  double expected = 0;
  for (int64_t r : {0, 2}) {
    std::vector<double> pooled(n_hidden, 0.0);
    int64_t n = 0;
    for (int64_t t = 0; t < 4; ++t) {
      if (!valid[r][t].item<bool>()) continue;
      ++n;
      for (int64_t j = 0; j < n_hidden; ++j) pooled[static_cast<size_t>(j)] += h[r][t][j].item<double>();
    }
    double dot = 0, pp = 0, tt = 0;
    for (int64_t d = 0; d < dim; ++d) {
      double p = bias[d].item<double>();
      for (int64_t j = 0; j < n_hidden; ++j) p += w[d][j].item<double>() * pooled[static_cast<size_t>(j)] / n;
      const double target = b.features[static_cast<size_t>(r * dim + d)];
      dot += p * target, pp += p * p, tt += target * target;
    }
    expected += 1 - dot / std::sqrt(pp * tt);
  }
  EXPECT_NEAR(loss.item<double>(), expected / 2, 1e-5);

  loss.backward();
  EXPECT_GT(h.grad()[0][0].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(h.grad()[1].abs().sum().item<double>(), 0.0);     // no features: no gradient
  EXPECT_EQ(h.grad()[2][3].abs().sum().item<double>(), 0.0);  // a padded step
}

TEST(FeatureDistill, NoRowWithFeaturesGivesZero) {
  FeatureHead head(4, 3);
  const torch::Tensor h = torch::randn({2, 3, 4});
  const torch::Tensor valid = torch::ones({2, 3}, torch::kBool);
  Batch none;
  none.size = 2;
  EXPECT_EQ(head->loss(h, valid, none, torch::kCPU).item<double>(), 0.0);
  none.features.assign(6, 1.0f);
  none.has_features = {0, 0};
  EXPECT_EQ(head->loss(h, valid, none, torch::kCPU).item<double>(), 0.0);
}

}  // namespace
}  // namespace inherent::train
