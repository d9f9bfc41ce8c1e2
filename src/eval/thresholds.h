// SPDX-License-Identifier: Apache-2.0
//
// Per-head decision thresholds from held-out scores: the one implementation, used by
// `inherent thresholds` (and anything else that calibrates). docs/eval.md states the
// rules for users.
//
// A clip is predicted positive when score >= threshold (as in metrics.h). The
// candidates are every distinct score, plus one value just above the highest score
// (nothing predicted positive) when that value is still <= 1. Each candidate's
// confusion counts are exact integers, so the rules below involve no rounding:
//
//   f1-at-recall  the candidate with the highest F1 among those with
//                 recall = TP / P >= min_recall; ties go to the lower FPR. (Two distinct
//                 candidates with equal F1 and equal FP also have equal TP, which two
//                 distinct scores cannot give, so the choice is unique.)
//   target-fpr    the lowest candidate with FPR = FP / N <= target_fpr (the most
//                 recall the false-positive budget allows).
//   gated-f1      (the default of `inherent thresholds`; needs all heads at once, see
//                 select_thresholds) the gate by f1-at-recall; each intent by its
//                 highest F1 (no recall floor) on the clips whose gate score reaches
//                 the gate's threshold: the clips on which the engine's rule lets
//                 intents fire at all. An intent's negatives there are the addressed
//                 clips of other intents plus the gate's false accepts, so its
//                 threshold answers "which intent is this?", not "is this speech?".
//
// A head needs at least one positive and one negative clip to be calibrated; without
// them (or with a NaN score) select_threshold returns calibrated = false and a reason.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metrics.h"

namespace inherent::eval {

enum class ThresholdRule { f1_at_recall, target_fpr, gated_f1 };

const char* threshold_rule_name(ThresholdRule rule);  // "f1-at-recall", "target-fpr", "gated-f1"
std::optional<ThresholdRule> parse_threshold_rule(std::string_view name);

struct ThresholdOptions {
  ThresholdRule rule = ThresholdRule::f1_at_recall;
  double min_recall = 0.95;  // f1-at-recall; the gate's in gated-f1
  double target_fpr = 0.05;  // target-fpr
};

struct ThresholdChoice {
  bool calibrated = false;
  std::string reason;   // why not, when !calibrated
  float threshold = 0;  // the chosen candidate (a score, or just above the highest)
  int64_t positives = 0, negatives = 0;
  Confusion at;  // counts at the threshold
};

// scores[i] with labels[i] in {0, 1}.
ThresholdChoice select_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                                 const ThresholdOptions& options = {});

// Every head's choice, head order, on scores [n, kNHeads] and labels [n, kNHeads]
// row-major: select_threshold per head for f1-at-recall and target-fpr; the gated
// rule above for gated-f1 (an intent's positives and negatives then count the gated
// clips only; with the gate uncalibrated, no intent is).
std::vector<ThresholdChoice> select_thresholds(const float* scores, const uint8_t* labels, size_t n,
                                               const ThresholdOptions& options);

// The 13 thresholds of a thresholds document, in head order: {"default_thresholds":
// {key: t}} (a metadata sidecar, `inherent thresholds --metadata-out` or `inherent
// baseline score --thresholds-out` output) or a flat {key: t}. Every head's threshold key
// must be there with a number in [0, 1], and no other key. The one reader of that table
// for the exporter and the eval tools; throws std::invalid_argument "SOURCE: ..." naming
// the key.
std::vector<float> thresholds_from_json(const nlohmann::json& doc, const std::string& source);

}  // namespace inherent::eval
