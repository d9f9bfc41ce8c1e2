// SPDX-License-Identifier: Apache-2.0
//
// The one implementation of inherent's quality metrics, shared by the trainer (eval
// every N steps, best-checkpoint choice) and the eval tool. No dependencies beyond the
// standard library (and nlohmann-json for the JSON form).
//
// Conventions (docs/training.md states them for users):
// - A clip is predicted positive for a head when score >= threshold.
// - ROC AUC is the Mann-Whitney statistic with mid-ranks: the probability that a random
//   positive scores above a random negative, ties counting one half. NaN when a head has
//   no positive or no negative clip.
// - EER: the ROC curve is the polyline through (FPR, TPR) at every distinct score taken
//   as threshold, from (0, 0) to (1, 1). EER is where it crosses FPR = 1 - TPR (false
//   positive rate = false negative rate), linearly interpolated between the two points
//   around the crossing. Its threshold is the score at the point nearer the crossing.
// - FPR at 95% recall: the largest threshold that keeps recall >= 0.95 is the k-th
//   highest positive score, k = ceil(0.95 * positives); FPR counts negatives scoring
//   >= it (ties with it are false positives).
// - Precision, recall and F1 at a threshold; precision is 0 when nothing is predicted
//   positive, F1 = 2 TP / (2 TP + FP + FN) (0 when that is 0 / 0).
//
// Release gates (the production floor, docs/eval.md):
//   gate_auc         isInteresting AUC >= 0.90
//   gate_eer         isInteresting EER <= 0.10
//   intent_mean_auc  mean AUC of the intent heads (1..12) >= 0.86
//   intent_min_auc   min AUC of the intent heads >= 0.78
//   intent_fpr95     FPR at 95% recall <= 0.15 for every intent head (the max is gated)
// Intent heads whose AUC is undefined on the split (no positive or no negative clip)
// are left out of the intent aggregates and listed; a gate with nothing to measure
// fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace inherent::eval {

constexpr int kNHeads = 13;  // heads.inc

// ---- single-head metrics: scores[i] with labels[i] in {0, 1} ----

double roc_auc(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

struct Eer {
  double eer = 0;        // NaN when undefined
  double threshold = 0;  // score at the ROC point nearest the crossing
};
Eer equal_error_rate(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

struct FprAtRecall {
  double fpr = 0;        // NaN when there is no positive or no negative
  double threshold = 0;  // the k-th highest positive score
  double recall = 0;     // the recall actually reached at that threshold (>= target)
};
FprAtRecall fpr_at_recall(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                          double target_recall = 0.95);

// The ROC curve: (0, 0), then one point per distinct score taken as threshold
// (descending), ending at (1, 1). Empty when there is no positive or no negative.
struct RocPoint {
  double fpr, tpr, threshold;
};
std::vector<RocPoint> roc_curve(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

struct Confusion {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double precision() const;
  double recall() const;  // NaN without positives
  double f1() const;
  double fpr() const;  // NaN without negatives
};
Confusion confusion_at(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                       double threshold);

// ---- all heads ----

struct HeadMetrics {
  int head = 0;
  std::string name;
  int64_t n = 0, positives = 0;
  double auc = 0, eer = 0, eer_threshold = 0;
  double fpr95 = 0, fpr95_threshold = 0;
  double threshold = 0;  // the one precision/recall/F1 are taken at
  Confusion at_threshold;
};

struct Gate {
  std::string name;  // gate_auc, gate_eer, intent_mean_auc, intent_min_auc, intent_fpr95
  double value = 0;  // NaN when nothing could be measured
  double limit = 0;
  bool at_least = true;  // value >= limit (else value <= limit)
  bool passed = false;
};

struct Metrics {
  int64_t n_clips = 0;
  std::vector<HeadMetrics> heads;  // kNHeads, head order
  double intent_mean_auc = 0, intent_min_auc = 0, intent_max_fpr95 = 0, intent_mean_fpr95 = 0;
  std::vector<std::string> unmeasured;  // heads whose AUC is undefined on this split
  std::vector<Gate> gates;              // the five release gates, in the order above
  int gates_passed() const;
  bool all_gates_passed() const;
};

// scores [n, kNHeads] row-major, labels [n, kNHeads] in {0, 1}. thresholds: one per
// head for precision/recall/F1 (empty: the seed defaults of heads.inc).
Metrics compute_metrics(const float* scores, const uint8_t* labels, size_t n,
                        const std::vector<float>& thresholds = {});

// The release gates (above) on already computed head metrics (fills m->gates).
void apply_release_gates(Metrics* m);

// The rule that picks the `best` checkpoint: first more release gates passed, then a
// higher minimum intent AUC, then a higher mean intent AUC, then a higher gate AUC.
// NaN counts as worse than any number. True when a is strictly better than b.
bool better_than(const Metrics& a, const Metrics& b);

// Seed thresholds from heads.inc, and head names (common/heads.h has the lookup by name).
std::vector<float> default_thresholds();
const char* head_name(int head);

// One metric value in JSON (NaN, an undefined metric, as null) and as a 6-wide table
// cell ("%6.3f", "   n/a" for NaN): every table and JSON file of src/eval uses these.
nlohmann::json metric_json(double v);
std::string metric_cell(double v);

// JSON: {"n_clips", "heads": [{"name", "n", "positives", "auc", "eer", ...}], "intent_*",
// "gates": [{"name", "value", "limit", "op", "passed"}], "gates_passed", "unmeasured"}.
// NaN is written as null.
nlohmann::json metrics_to_json(const Metrics& m);

// Reads metrics_to_json's output back (gates are recomputed from the values).
// Throws std::exception on a malformed object.
Metrics metrics_from_json(const nlohmann::json& j);

// A fixed-width table for terminals and logs (one line per head, then the gates).
std::string metrics_table(const Metrics& m);

}  // namespace inherent::eval
