// SPDX-License-Identifier: Apache-2.0
// The auxiliary CTC objective (src/train/ctc.h) against a float64 forward-algorithm
// reference, itself checked against brute-force enumeration of every alignment.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "train/ctc.h"

namespace inherent::train {
namespace {

using Matrix = std::vector<std::vector<double>>;  // [T][C] log-probabilities

double log_add(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// -log P(target | logp) by the CTC forward recursion over the blank-extended target.
double ctc_nll(const Matrix& logp, const std::vector<int64_t>& target) {
  std::vector<int64_t> ext = {0};
  for (int64_t s : target) ext.push_back(s), ext.push_back(0);
  const size_t n = ext.size();
  std::vector<double> alpha(n, -INFINITY);
  alpha[0] = logp[0][0];
  if (n > 1) alpha[1] = logp[0][static_cast<size_t>(ext[1])];
  for (size_t t = 1; t < logp.size(); ++t) {
    std::vector<double> next(n, -INFINITY);
    for (size_t s = 0; s < n; ++s) {
      double a = alpha[s];
      if (s >= 1) a = log_add(a, alpha[s - 1]);
      if (s >= 2 && ext[s] != 0 && ext[s] != ext[s - 2]) a = log_add(a, alpha[s - 2]);
      next[s] = a + logp[t][static_cast<size_t>(ext[s])];
    }
    alpha = next;
  }
  return -(n > 1 ? log_add(alpha[n - 1], alpha[n - 2]) : alpha[0]);
}

// -log of the sum over every path whose collapse (merge repeats, drop blanks) is target.
double brute_force_nll(const Matrix& logp, const std::vector<int64_t>& target) {
  const size_t t_len = logp.size(), c = logp[0].size();
  double total = -INFINITY;
  std::vector<int64_t> path(t_len, 0);
  std::function<void(size_t, double)> walk = [&](size_t t, double lp) {
    if (t == t_len) {
      std::vector<int64_t> out;
      for (size_t i = 0; i < t_len; ++i) {
        if (path[i] != 0 && (i == 0 || path[i] != path[i - 1])) out.push_back(path[i]);
      }
      if (out == target) total = log_add(total, lp);
      return;
    }
    for (size_t k = 0; k < c; ++k) {
      path[t] = static_cast<int64_t>(k);
      walk(t + 1, lp + logp[t][k]);
    }
  };
  walk(0, 0.0);
  return -total;
}

Matrix random_log_probs(size_t t, size_t c, unsigned seed) {
  std::srand(seed);
  Matrix m(t, std::vector<double>(c));
  for (auto& row : m) {
    double z = -INFINITY;
    for (auto& v : row) v = 3.0 * std::rand() / RAND_MAX, z = log_add(z, v);
    for (auto& v : row) v -= z;
  }
  return m;
}

TEST(Ctc, ReferenceMatchesBruteForce) {
  for (const std::vector<int64_t>& target :
       std::vector<std::vector<int64_t>>{{1}, {1, 2}, {2, 2}, {1, 2, 1}, {}}) {
    const Matrix logp = random_log_probs(6, 3, 11u + static_cast<unsigned>(target.size()));
    EXPECT_NEAR(ctc_nll(logp, target), brute_force_nll(logp, target), 1e-9);
  }
}

TEST(Ctc, SymbolsFoldCaseDropPunctuationAndCollapseSpaces) {
  // h=10 e=7 y=27 | a=3 | 5=34 | m=15 ' =2 s=21
  EXPECT_EQ(ctc_symbols("  Hey,  A 5-m's!  "), (std::vector<int64_t>{10, 7, 27, 1, 3, 1, 34, 1, 15, 2, 21}));
  EXPECT_TRUE(ctc_symbols("?!. ,").empty());
}

TEST(Ctc, HeadLossEqualsTheFloat64Reference) {
  torch::manual_seed(3);
  const int64_t b = 3, t2 = 9, hidden = 8;
  CtcHead head(hidden);
  const torch::Tensor h = torch::randn({b, t2, hidden});
  // Clip 0 uses 9 steps, clip 1 only 6 (its last 3 are padding), clip 2 has no text.
  torch::Tensor valid2 = torch::ones({b, t2}, torch::kBool);
  valid2.index_put_({1, torch::indexing::Slice(6, torch::indexing::None)}, false);
  const std::vector<std::string> text = {"ab a", "cab", "...!"};
  const double got = head->loss(h, valid2, text).item<double>();

  const torch::Tensor w = head->proj->weight.to(torch::kFloat64), bias = head->proj->bias.to(torch::kFloat64);
  double expected = 0;
  for (int64_t i = 0; i < 2; ++i) {
    const int64_t steps = i == 0 ? 9 : 6;
    Matrix logp;
    for (int64_t s = 0; s < steps; ++s) {
      const torch::Tensor z = torch::matmul(w, h[i][s].to(torch::kFloat64)) + bias;  // [U*C]
      for (int64_t u = 0; u < kCtcUpsample; ++u) {
        const torch::Tensor part = z.slice(0, u * kCtcSymbols, (u + 1) * kCtcSymbols);
        const torch::Tensor lp = part - torch::logsumexp(part, 0);
        logp.emplace_back(lp.data_ptr<double>(), lp.data_ptr<double>() + kCtcSymbols);
      }
    }
    const std::vector<int64_t> target = ctc_symbols(text[static_cast<size_t>(i)]);
    expected += ctc_nll(logp, target) / static_cast<double>(target.size());
  }
  expected /= 2;  // clips with text
  EXPECT_NEAR(got, expected, 2e-5 * std::abs(expected));
}

TEST(Ctc, NoTextNoLossAndGradientsFlow) {
  CtcHead head(4);
  const torch::Tensor h = torch::randn({2, 5, 4}, torch::requires_grad());
  const torch::Tensor valid2 = torch::ones({2, 5}, torch::kBool);
  EXPECT_EQ(head->loss(h, valid2, {"", "?"}).item<double>(), 0.0);
  const torch::Tensor l = head->loss(h, valid2, {"ab", ""});
  l.backward();
  EXPECT_GT(h.grad().abs().sum().item<double>(), 0.0);
  EXPECT_EQ(h.grad()[1].abs().sum().item<double>(), 0.0);  // the clip without text
}

}  // namespace
}  // namespace inherent::train
