// SPDX-License-Identifier: Apache-2.0
//
// Metrics against hand-computed cases and brute-force float64 references written from
// the definitions (pairwise AUC, threshold sweeps), on random data with many ties.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "eval/breakdown.h"
#include "eval/metrics.h"

namespace inherent::eval {
namespace {

using Scores = std::vector<float>;
using Labels = std::vector<uint8_t>;

// P(score_pos > score_neg) + 0.5 P(equal), over every pair.
double pairwise_auc(const Scores& s, const Labels& l) {
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    for (size_t j = 0; j < s.size(); ++j) {
      if (!l[i] || l[j]) continue;
      pairs += 1;
      wins += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
    }
  }
  return wins / pairs;
}

// Largest threshold among the scores with recall >= target; FPR there.
double sweep_fpr_at_recall(const Scores& s, const Labels& l, double target) {
  double best_t = -INFINITY, best_fpr = NAN;
  for (float t : s) {
    double tp = 0, fp = 0, p = 0, n = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      (l[i] ? p : n) += 1;
      if (s[i] >= t) (l[i] ? tp : fp) += 1;
    }
    if (tp / p >= target - 1e-12 && t > best_t) best_t = t, best_fpr = fp / n;
  }
  return best_fpr;
}

void random_case(std::mt19937& rng, size_t n, int levels, Scores* s, Labels* l) {
  std::uniform_int_distribution<int> level(0, levels - 1);
  std::bernoulli_distribution coin(0.35);
  s->clear(), l->clear();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t y = coin(rng) ? 1 : 0;
    // Positives drift up; few levels make many ties.
    const int v = std::min(levels - 1, level(rng) + (y ? levels / 4 : 0));
    s->push_back(static_cast<float>(v) / static_cast<float>(levels));
    l->push_back(y);
  }
  (*l)[0] = 1, (*l)[1] = 0;  // both classes present
}

TEST(Metrics, HandComputedCase) {
  // Descending: 0.9 P, 0.8 P, 0.7 N, 0.4 P, 0.3 N, 0.2 N.
  const Scores s = {0.9f, 0.8f, 0.4f, 0.7f, 0.3f, 0.2f};
  const Labels l = {1, 1, 1, 0, 0, 0};
  EXPECT_DOUBLE_EQ(roc_auc(s, l), 8.0 / 9.0);
  // ROC points (0,0) (0,1/3) (0,2/3) (1/3,2/3): FNR = FPR = 1/3 at threshold 0.7.
  const Eer e = equal_error_rate(s, l);
  EXPECT_NEAR(e.eer, 1.0 / 3.0, 1e-12);
  EXPECT_FLOAT_EQ(static_cast<float>(e.threshold), 0.7f);
  // Recall 95% of 3 positives needs all 3: threshold 0.4, negatives >= 0.4: one of 3.
  const FprAtRecall f = fpr_at_recall(s, l);
  EXPECT_NEAR(f.fpr, 1.0 / 3.0, 1e-12);
  EXPECT_FLOAT_EQ(static_cast<float>(f.threshold), 0.4f);
  EXPECT_DOUBLE_EQ(f.recall, 1.0);
  const Confusion c = confusion_at(s, l, 0.75);
  EXPECT_EQ(c.tp, 2);
  EXPECT_EQ(c.fp, 0);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.tn, 3);
  EXPECT_DOUBLE_EQ(c.precision(), 1.0);
  EXPECT_DOUBLE_EQ(c.recall(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.f1(), 0.8);
}

TEST(Metrics, Ties) {
  // Every score equal: AUC 1/2, EER 1/2 (the diagonal crosses FPR = FNR at 0.5).
  const Scores s(10, 0.5f);
  const Labels l = {1, 0, 1, 0, 1, 0, 0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(roc_auc(s, l), 0.5);
  EXPECT_DOUBLE_EQ(equal_error_rate(s, l).eer, 0.5);
  EXPECT_DOUBLE_EQ(fpr_at_recall(s, l).fpr, 1.0);  // ties with the threshold are false positives
  // One tie across the classes: pairs (P 0.6 vs N 0.6) count one half.
  const Scores t = {0.6f, 0.6f, 0.9f, 0.1f};
  const Labels y = {1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(roc_auc(t, y), (1 + 1 + 0.5 + 1) / 4.0);
  // ROC: (0,0) (0,1/2) (1/2,1) (1,1); gap 1, 1/2, -1/2 -> crossing halfway: EER 1/4.
  EXPECT_DOUBLE_EQ(equal_error_rate(t, y).eer, 0.25);
}

TEST(Metrics, PerfectAndInverted) {
  const Scores s = {0.1f, 0.2f, 0.8f, 0.9f};
  EXPECT_DOUBLE_EQ(roc_auc(s, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(equal_error_rate(s, {0, 0, 1, 1}).eer, 0.0);
  EXPECT_DOUBLE_EQ(fpr_at_recall(s, {0, 0, 1, 1}).fpr, 0.0);
  EXPECT_DOUBLE_EQ(roc_auc(s, {1, 1, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(equal_error_rate(s, {1, 1, 0, 0}).eer, 1.0);
}

// The ROC points the eval report draws: (0, 0), one point per distinct score with ties
// taken together, (1, 1) last; the trapezoids under it add up to the AUC.
TEST(Metrics, RocCurvePoints) {
  const Scores s = {0.9f, 0.8f, 0.8f, 0.3f, 0.1f};
  const Labels l = {1, 1, 0, 0, 1};
  const std::vector<RocPoint> roc = roc_curve(s, l);
  const double want[][2] = {{0, 0}, {0, 1.0 / 3}, {0.5, 2.0 / 3}, {1, 2.0 / 3}, {1, 1}};
  ASSERT_EQ(roc.size(), 5u);
  for (size_t i = 0; i < roc.size(); ++i) {
    EXPECT_DOUBLE_EQ(roc[i].fpr, want[i][0]) << i;
    EXPECT_NEAR(roc[i].tpr, want[i][1], 1e-12) << i;
  }
  EXPECT_EQ(roc[2].threshold, 0.8f);
  double area = 0;
  for (size_t i = 1; i < roc.size(); ++i)
    area += (roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr) / 2;
  EXPECT_NEAR(area, roc_auc(s, l), 1e-12);
  EXPECT_TRUE(roc_curve({0.5f, 0.6f}, {1, 1}).empty());
}

TEST(Metrics, UndefinedWithOneClass) {
  const Scores s = {0.1f, 0.2f};
  EXPECT_TRUE(std::isnan(roc_auc(s, {1, 1})));
  EXPECT_TRUE(std::isnan(roc_auc(s, {0, 0})));
  EXPECT_TRUE(std::isnan(equal_error_rate(s, {0, 0}).eer));
  EXPECT_TRUE(std::isnan(fpr_at_recall(s, {1, 1}).fpr));
  EXPECT_TRUE(std::isnan(roc_auc({NAN, 0.3f}, {1, 0})));
}

TEST(Metrics, RecallTargetRounding) {
  // 20 positives: 95% is exactly 19, so the 19th highest positive is the threshold.
  Scores s;
  Labels l;
  for (int i = 0; i < 20; ++i) s.push_back(0.5f + 0.02f * static_cast<float>(i)), l.push_back(1);
  s.push_back(0.51f), l.push_back(0);  // between the 1st (0.50) and 2nd (0.52) lowest positive
  s.push_back(0.2f), l.push_back(0);
  const FprAtRecall f = fpr_at_recall(s, l);
  EXPECT_FLOAT_EQ(static_cast<float>(f.threshold), 0.52f);
  EXPECT_DOUBLE_EQ(f.fpr, 0.0);
  EXPECT_DOUBLE_EQ(f.recall, 0.95);
}

TEST(Metrics, AgreesWithBruteForceOnRandomTies) {
  std::mt19937 rng(12345);
  Scores s;
  Labels l;
  for (int trial = 0; trial < 200; ++trial) {
    random_case(rng, 5 + static_cast<size_t>(trial % 60), 2 + trial % 9, &s, &l);
    EXPECT_NEAR(roc_auc(s, l), pairwise_auc(s, l), 1e-12) << trial;
    EXPECT_NEAR(fpr_at_recall(s, l).fpr, sweep_fpr_at_recall(s, l, 0.95), 1e-12) << trial;
    // EER lies between FPR and FNR at the threshold it reports' neighbourhood, and at
    // the point where they cross both equal it: check FPR(t) and FNR(t) bracket it
    // against a dense sweep of the interpolated curve.
    const Eer e = equal_error_rate(s, l);
    double p = 0, n = 0;
    for (uint8_t y : l) (y ? p : n) += 1;
    double lo = 1, hi = 0;  // min over thresholds of max(FPR, FNR), max of min(FPR, FNR)
    for (float t : s) {
      double tp = 0, fp = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] >= t) (l[i] ? tp : fp) += 1;
      }
      const double fpr = fp / n, fnr = 1 - tp / p;
      lo = std::min(lo, std::max(fpr, fnr));
      hi = std::max(hi, std::min(fpr, fnr));
    }
    EXPECT_LE(e.eer, lo + 1e-12) << trial;
    EXPECT_GE(e.eer, hi - 1e-12) << trial;
  }
}

Metrics with_aucs(double gate_auc, double gate_eer, double intent_auc, double fpr95) {
  Metrics m;
  for (int h = 0; h < kNHeads; ++h) {
    HeadMetrics hm;
    hm.head = h;
    hm.name = head_name(h);
    hm.auc = h == 0 ? gate_auc : intent_auc;
    hm.eer = h == 0 ? gate_eer : 0.1;
    hm.fpr95 = fpr95;
    m.heads.push_back(hm);
  }
  apply_release_gates(&m);
  return m;
}

// Head 1 of two heads (head 0 holds the opposite, so a wrong column shows), groups by hand.
TEST(Metrics, BreakdownByGroup) {
  const Scores s1 = {0.9f, 0.6f, 0.4f, 0.2f, 0.7f, 0.55f};
  const Labels y1 = {1, 0, 1, 0, 1, 0};
  const std::vector<std::string> group = {"A", "A", "A", "B", "B", "C"};
  Scores scores;
  Labels labels;
  for (size_t i = 0; i < s1.size(); ++i) {
    scores.insert(scores.end(), {1.0f - s1[i], s1[i]});
    labels.insert(labels.end(), {static_cast<uint8_t>(1 - y1[i]), y1[i]});
  }
  const std::vector<GroupStats> g = breakdown(scores.data(), labels.data(), 6, 2, 1, 0.5f, group);
  ASSERT_EQ(g.size(), 3u);
  // A: 0.6 is a false accept, 0.4 a miss; its positives beat its negative once in two.
  EXPECT_EQ(g[0].value, "A");
  EXPECT_EQ(g[0].clips, 3);
  EXPECT_EQ(g[0].positives, 2);
  EXPECT_EQ(g[0].false_accepts, 1);
  EXPECT_EQ(g[0].misses, 1);
  EXPECT_NEAR(g[0].mean_score_pos, 0.65, 1e-7);
  EXPECT_NEAR(g[0].mean_score_neg, 0.6, 1e-7);
  EXPECT_DOUBLE_EQ(g[0].auc, 0.5);
  EXPECT_DOUBLE_EQ(g[0].auc_without, 1.0);  // {0.7} vs {0.2, 0.55}
  // C: one negative over the threshold, no AUC of its own.
  EXPECT_EQ(g[1].value, "C");
  EXPECT_EQ(g[1].errors(), 1);
  EXPECT_TRUE(std::isnan(g[1].auc));
  EXPECT_TRUE(std::isnan(g[1].mean_score_pos));
  EXPECT_NEAR(g[1].auc_without, 5.0 / 6.0, 1e-12);  // {0.9, 0.4, 0.7} vs {0.6, 0.2}
  // B: no errors; without it {0.9, 0.4} vs {0.6, 0.55} is 2 of 4 pairs.
  EXPECT_EQ(g[2].value, "B");
  EXPECT_EQ(g[2].errors(), 0);
  EXPECT_DOUBLE_EQ(g[2].auc, 1.0);
  EXPECT_DOUBLE_EQ(g[2].auc_without, 0.5);
  // Every group's auc_without is the pairwise AUC of the remaining clips.
  for (const GroupStats& x : g) {
    Scores rs;
    Labels ry;
    for (size_t i = 0; i < s1.size(); ++i)
      if (group[i] != x.value) rs.push_back(s1[i]), ry.push_back(y1[i]);
    EXPECT_NEAR(x.auc_without, pairwise_auc(rs, ry), 1e-12) << x.value;
  }
  const nlohmann::json j = breakdown_to_json(g);
  EXPECT_EQ(j[0]["errors"], 2);
  EXPECT_TRUE(j[1]["auc"].is_null());
  const std::string table = breakdown_table(g, 2);
  EXPECT_NE(table.find("... 1 more groups: 2 clips, 0 errors"), std::string::npos) << table;
  EXPECT_THROW(breakdown(scores.data(), labels.data(), 6, 2, 2, 0.5f, group), std::invalid_argument);
  EXPECT_THROW(breakdown(scores.data(), labels.data(), 5, 2, 1, 0.5f, group), std::invalid_argument);
}

TEST(Metrics, ReleaseGates) {
  const Metrics pass = with_aucs(0.95, 0.05, 0.9, 0.1);
  EXPECT_TRUE(pass.all_gates_passed());
  EXPECT_EQ(pass.gates.size(), 5u);
  Metrics m = with_aucs(0.95, 0.05, 0.9, 0.1);
  m.heads[5].auc = 0.70;  // one weak intent: min AUC fails, mean (0.8833) still passes
  apply_release_gates(&m);
  EXPECT_EQ(m.gates_passed(), 4);
  EXPECT_FALSE(m.gates[3].passed);
  EXPECT_TRUE(m.gates[2].passed);
  EXPECT_NEAR(m.intent_min_auc, 0.70, 1e-12);
  m = with_aucs(0.89, 0.11, 0.9, 0.16);
  EXPECT_EQ(m.gates_passed(), 2);
  m = with_aucs(NAN, NAN, NAN, NAN);  // nothing measurable: every gate fails
  EXPECT_EQ(m.gates_passed(), 0);
}

TEST(Metrics, BestCheckpointRule) {
  const Metrics all = with_aucs(0.91, 0.09, 0.87, 0.1);
  const Metrics fewer = with_aucs(0.99, 0.01, 0.99, 0.2);  // fails intent_fpr95
  EXPECT_TRUE(better_than(all, fewer));
  EXPECT_FALSE(better_than(fewer, all));
  Metrics low_min = with_aucs(0.95, 0.05, 0.95, 0.1);
  low_min.heads[3].auc = 0.79;
  apply_release_gates(&low_min);
  const Metrics high_min = with_aucs(0.95, 0.05, 0.90, 0.1);
  EXPECT_TRUE(better_than(high_min, low_min));  // min intent AUC before mean
  EXPECT_FALSE(better_than(high_min, high_min));
  EXPECT_TRUE(better_than(with_aucs(0.5, 0.5, 0.5, 0.5), with_aucs(NAN, NAN, NAN, NAN)));
}

TEST(Metrics, ComputeMetricsAndJson) {
  // 6 clips; the gate head separates perfectly, head 1 has no positive (unmeasured).
  const size_t n = 6;
  std::vector<float> scores(n * kNHeads, 0.5f);
  std::vector<uint8_t> labels(n * kNHeads, 0);
  for (size_t i = 0; i < n; ++i) {
    labels[i * kNHeads + 0] = i < 3;
    scores[i * kNHeads + 0] = i < 3 ? 0.9f : 0.1f;
    for (int h = 2; h < kNHeads; ++h) {
      labels[i * kNHeads + h] = i % 2;
      scores[i * kNHeads + h] = i % 2 ? 0.6f : 0.4f;
    }
  }
  const Metrics m = compute_metrics(scores.data(), labels.data(), n);
  EXPECT_DOUBLE_EQ(m.heads[0].auc, 1.0);
  EXPECT_EQ(m.heads[0].positives, 3);
  EXPECT_EQ(m.unmeasured, std::vector<std::string>{"hasAddToListIntent"});
  EXPECT_DOUBLE_EQ(m.intent_mean_auc, 1.0);
  EXPECT_TRUE(m.all_gates_passed());
  EXPECT_FLOAT_EQ(static_cast<float>(m.heads[0].threshold), 0.57f);  // seed default
  const nlohmann::json j = metrics_to_json(m);
  EXPECT_EQ(j["heads"][0]["name"], "isInteresting");
  EXPECT_TRUE(j["heads"][1]["auc"].is_null());
  EXPECT_EQ(j["gates_passed"], 5);
  EXPECT_NE(metrics_table(m).find("gate intent_fpr95"), std::string::npos);
  // JSON round trip: the same values, gates and best-checkpoint order.
  const Metrics back = metrics_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(metrics_to_json(back).dump(), j.dump());
  EXPECT_FALSE(better_than(back, m));
  EXPECT_FALSE(better_than(m, back));
}

}  // namespace
}  // namespace inherent::eval
