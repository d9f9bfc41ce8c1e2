// SPDX-License-Identifier: Apache-2.0
//
// Threshold selection (src/eval/thresholds.h) against hand-computed cases and a
// brute-force float64 reference written from the rules' definitions: every candidate
// threshold, its confusion counted by a full scan, on random scores with many ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "eval/thresholds.h"

namespace inherent::eval {
namespace {

using Scores = std::vector<float>;
using Labels = std::vector<uint8_t>;

struct Reference {
  bool found = false;
  float threshold = 0;
};

// Scans every candidate (each score, and just above the highest when <= 1) in float64.
Reference brute_force(const Scores& s, const Labels& l, const ThresholdOptions& o) {
  std::set<float> candidates(s.begin(), s.end());
  const float above = std::nextafter(*candidates.rbegin(), std::numeric_limits<float>::infinity());
  if (above <= 1.0f) candidates.insert(above);
  Reference best;
  double best_f1 = -1, best_fpr = 2;
  for (float t : candidates) {
    double tp = 0, fp = 0, p = 0, n = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      (l[i] ? p : n) += 1;
      if (s[i] >= t) (l[i] ? tp : fp) += 1;
    }
    const double recall = tp / p, fpr = fp / n, f1 = 2 * tp / (2 * tp + fp + (p - tp));
    if (o.rule == ThresholdRule::f1_at_recall) {
      if (recall < o.min_recall) continue;
      if (f1 > best_f1 || (f1 == best_f1 && fpr < best_fpr)) best = {true, t}, best_f1 = f1, best_fpr = fpr;
    } else if (fpr <= o.target_fpr && (!best.found || t < best.threshold)) {
      best = {true, t};
    }
  }
  return best;
}

void random_case(std::mt19937& rng, size_t n, int levels, Scores* s, Labels* l) {
  std::uniform_int_distribution<int> level(0, levels);
  std::bernoulli_distribution coin(0.3);
  s->clear(), l->clear();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t y = coin(rng) ? 1 : 0;
    const int v = std::min(levels, level(rng) + (y ? levels / 3 : 0));  // positives drift up; ties
    s->push_back(static_cast<float>(v) / static_cast<float>(levels));   // includes 0 and 1
    l->push_back(y);
  }
  (*l)[0] = 1, (*l)[1] = 0;
}

TEST(Thresholds, RuleNames) {
  EXPECT_EQ(parse_threshold_rule("f1-at-recall"), ThresholdRule::f1_at_recall);
  EXPECT_EQ(parse_threshold_rule("target-fpr"), ThresholdRule::target_fpr);
  EXPECT_FALSE(parse_threshold_rule("f1").has_value());
  EXPECT_STREQ(threshold_rule_name(ThresholdRule::target_fpr), "target-fpr");
  EXPECT_EQ(parse_threshold_rule("gated-f1"), ThresholdRule::gated_f1);
  EXPECT_STREQ(threshold_rule_name(ThresholdRule::gated_f1), "gated-f1");
}

// gated-f1 against a brute force: the gate alone with its recall floor, then each intent
// at its best F1 among the rows whose gate score reaches the gate's threshold.
TEST(Thresholds, GatedF1EqualsBruteForceOnTheGatedRows) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const size_t n = 60 + static_cast<size_t>(trial) * 7;
    std::vector<Scores> cols(kNHeads);
    std::vector<Labels> labs(kNHeads);
    for (int h = 0; h < kNHeads; ++h) random_case(rng, n, 12 + trial, &cols[h], &labs[h]);
    std::vector<float> scores;
    std::vector<uint8_t> labels;
    for (size_t i = 0; i < n; ++i)
      for (int h = 0; h < kNHeads; ++h) scores.push_back(cols[h][i]), labels.push_back(labs[h][i]);
    ThresholdOptions o;
    o.rule = ThresholdRule::gated_f1;
    o.min_recall = 0.9;
    const std::vector<ThresholdChoice> got = select_thresholds(scores.data(), labels.data(), n, o);
    ASSERT_EQ(got.size(), static_cast<size_t>(kNHeads));
    const Reference gate = brute_force(cols[0], labs[0], {ThresholdRule::f1_at_recall, 0.9, 0});
    ASSERT_EQ(got[0].calibrated, gate.found);
    if (!gate.found) continue;
    EXPECT_EQ(got[0].threshold, gate.threshold);
    for (int h = 1; h < kNHeads; ++h) {
      Scores s;
      Labels l;
      for (size_t i = 0; i < n; ++i)
        if (cols[0][i] >= gate.threshold) s.push_back(cols[h][i]), l.push_back(labs[h][i]);
      const bool both = std::count(l.begin(), l.end(), 1) > 0 && std::count(l.begin(), l.end(), 0) > 0;
      ASSERT_EQ(got[h].calibrated, both) << trial << " head " << h;
      if (!both) continue;
      EXPECT_EQ(got[h].threshold, brute_force(s, l, {ThresholdRule::f1_at_recall, 0.0, 0}).threshold)
          << trial << " head " << h;
      EXPECT_EQ(got[h].positives + got[h].negatives, static_cast<int64_t>(s.size()));
    }
  }
}

TEST(Thresholds, HandComputedF1AtRecall) {
  // Descending: 0.9 P, 0.8 P, 0.7 N, 0.6 P, 0.3 N, 0.2 N, 0.1 P.
  const Scores s = {0.9f, 0.8f, 0.7f, 0.6f, 0.3f, 0.2f, 0.1f};
  const Labels l = {1, 1, 0, 1, 0, 0, 1};
  // Recall >= 0.95 of 4 positives needs all 4: only t = 0.1 (F1 = 8 / 11).
  ThresholdChoice c = select_threshold(s, l);
  ASSERT_TRUE(c.calibrated) << c.reason;
  EXPECT_FLOAT_EQ(c.threshold, 0.1f);
  EXPECT_EQ(c.at.tp, 4);
  EXPECT_EQ(c.at.fp, 3);
  // Recall >= 0.5: t = 0.8 (F1 2/3 ... 4/6), 0.6 (6/8 = 0.75), 0.1 (8/11): 0.6 wins.
  c = select_threshold(s, l, {ThresholdRule::f1_at_recall, 0.5, 0});
  EXPECT_FLOAT_EQ(c.threshold, 0.6f);
  EXPECT_DOUBLE_EQ(c.at.f1(), 0.75);
  EXPECT_EQ(c.positives, 4);
  EXPECT_EQ(c.negatives, 3);
}

TEST(Thresholds, F1TieGoesToLowerFpr) {
  // P=2. t=0.9: TP 1, FP 0 -> F1 2/3. t=0.5: TP 2, FP 2 -> F1 4/6 = 2/3, FPR higher.
  const Scores s = {0.9f, 0.5f, 0.5f, 0.5f, 0.1f};
  const Labels l = {1, 1, 0, 0, 0};
  const ThresholdChoice c = select_threshold(s, l, {ThresholdRule::f1_at_recall, 0.0, 0});
  EXPECT_FLOAT_EQ(c.threshold, 0.9f);
  EXPECT_EQ(c.at.fp, 0);
}

TEST(Thresholds, TargetFpr) {
  const Scores s = {0.9f, 0.8f, 0.7f, 0.6f, 0.3f, 0.2f, 0.1f};
  const Labels l = {1, 1, 0, 1, 0, 0, 1};
  // FPR <= 1/3 allows one negative: lowest threshold with FP <= 1 is 0.6.
  ThresholdChoice c = select_threshold(s, l, {ThresholdRule::target_fpr, 0, 1.0 / 3.0});
  EXPECT_FLOAT_EQ(c.threshold, 0.6f);
  EXPECT_EQ(c.at.fp, 1);
  EXPECT_EQ(c.at.tp, 3);
  // FPR 0: 0.8; and when the top score is a negative, just above it.
  c = select_threshold(s, l, {ThresholdRule::target_fpr, 0, 0.0});
  EXPECT_FLOAT_EQ(c.threshold, 0.8f);
  c = select_threshold({0.4f, 0.3f}, {0, 1}, {ThresholdRule::target_fpr, 0, 0.0});
  ASSERT_TRUE(c.calibrated);
  EXPECT_GT(c.threshold, 0.4f);
  EXPECT_EQ(c.at.tp + c.at.fp, 0);
  // A negative at exactly 1 cannot be excluded by any threshold in [0, 1].
  c = select_threshold({1.0f, 0.3f}, {0, 1}, {ThresholdRule::target_fpr, 0, 0.0});
  EXPECT_FALSE(c.calibrated);
  EXPECT_NE(c.reason.find("FPR"), std::string::npos);
}

TEST(Thresholds, MissingClassIsUncalibrated) {
  ThresholdChoice c = select_threshold({0.2f, 0.4f}, {1, 1});
  EXPECT_FALSE(c.calibrated);
  EXPECT_EQ(c.reason, "no negative clip");
  c = select_threshold({0.2f, 0.4f}, {0, 0});
  EXPECT_EQ(c.reason, "no positive clip");
  c = select_threshold({}, {});
  EXPECT_EQ(c.reason, "no clips");
  c = select_threshold({NAN, 0.4f}, {0, 1});
  EXPECT_FALSE(c.calibrated);
}

TEST(Thresholds, AgreesWithBruteForceOnRandomTies) {
  std::mt19937 rng(2024);
  Scores s;
  Labels l;
  int checked = 0;
  for (int trial = 0; trial < 600; ++trial) {
    random_case(rng, 2 + static_cast<size_t>(trial % 70), 1 + trial % 12, &s, &l);
    for (const ThresholdOptions& o : {ThresholdOptions{ThresholdRule::f1_at_recall, 0.95, 0},
                                      ThresholdOptions{ThresholdRule::f1_at_recall, 0.5, 0},
                                      ThresholdOptions{ThresholdRule::f1_at_recall, 0.0, 0},
                                      ThresholdOptions{ThresholdRule::target_fpr, 0, 0.0},
                                      ThresholdOptions{ThresholdRule::target_fpr, 0, 0.1},
                                      ThresholdOptions{ThresholdRule::target_fpr, 0, 0.5}}) {
      const Reference want = brute_force(s, l, o);
      const ThresholdChoice got = select_threshold(s, l, o);
      ASSERT_EQ(got.calibrated, want.found) << "trial " << trial << " " << got.reason;
      if (!want.found) continue;
      ASSERT_EQ(got.threshold, want.threshold)
          << "trial " << trial << " rule " << threshold_rule_name(o.rule);
      const Confusion at = confusion_at(s, l, got.threshold);
      EXPECT_EQ(got.at.tp, at.tp);
      EXPECT_EQ(got.at.fp, at.fp);
      EXPECT_EQ(got.at.tn, at.tn);
      EXPECT_EQ(got.at.fn, at.fn);
      ++checked;
    }
  }
  EXPECT_GT(checked, 2000);  // the rest: target-fpr cases no threshold in [0, 1] meets (checked above)
}

TEST(Thresholds, ContinuousScoresAgreeToo) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 1);
  for (int trial = 0; trial < 100; ++trial) {
    Scores s;
    Labels l;
    for (int i = 0; i < 200; ++i) {
      const uint8_t y = i % 5 == 0 ? 1 : 0;
      s.push_back(1.0f / (1.0f + std::exp(-(noise(rng) + (y ? 1.5f : 0.0f)))));
      l.push_back(y);
    }
    for (const ThresholdOptions& o :
         {ThresholdOptions{}, ThresholdOptions{ThresholdRule::target_fpr, 0, 0.05}}) {
      const Reference want = brute_force(s, l, o);
      const ThresholdChoice got = select_threshold(s, l, o);
      ASSERT_TRUE(got.calibrated);
      EXPECT_EQ(got.threshold, want.threshold) << trial;
      if (o.rule == ThresholdRule::f1_at_recall) {
        EXPECT_GE(got.at.recall(), 0.95);
      } else {
        EXPECT_LE(got.at.fpr(), 0.05);
      }
    }
  }
}

}  // namespace
}  // namespace inherent::eval

TEST(ThresholdsFile, ReadsEveryFormAndNamesTheBadKey) {
  nlohmann::json flat = nlohmann::json::object();
#define INHERENT_HEAD(index, name, key, threshold) flat[#key] = 0.25 + (index) / 100.0;
#include "inherent/heads.inc"
#undef INHERENT_HEAD
  const std::vector<float> t = inherent::eval::thresholds_from_json(flat, "t.json");
  ASSERT_EQ(t.size(), 13u);
  EXPECT_EQ(t[0], 0.25f);
  EXPECT_EQ(t[12], 0.37f);
  const nlohmann::json sidecar = {{"default_thresholds", flat}, {"threshold_calibration", {{"method", "x"}}}};
  EXPECT_EQ(inherent::eval::thresholds_from_json(sidecar, "meta.json"), t);

  auto message = [](const nlohmann::json& doc) {
    try {
      inherent::eval::thresholds_from_json(doc, "t.json");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  nlohmann::json missing = flat;
  missing.erase("has_start_timer_intent");
  EXPECT_EQ(
      message(missing),
      "t.json: default_thresholds.has_start_timer_intent: missing or not a number (every head needs one)");
  nlohmann::json high = flat;
  high["is_interesting"] = 1.5;
  EXPECT_EQ(message(high), "t.json: default_thresholds.is_interesting = 1.5 is outside [0, 1]");
  nlohmann::json extra = flat;
  extra["is_intresting"] = 0.5;
  EXPECT_EQ(message(extra), "t.json: default_thresholds: unknown key 'is_intresting'");
  EXPECT_EQ(message(nlohmann::json::array()), "t.json: thresholds must be a JSON object");
}
