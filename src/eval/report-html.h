// SPDX-License-Identifier: Apache-2.0
//
// The eval report as one self-contained HTML page (`inherent eval --html-out`): inline
// CSS and SVG only (svg-plot.h), no script, nothing fetched when it is viewed. Sections:
// summary and release gates; per head a ROC curve and a score histogram (positives vs
// negatives, the threshold marked); the threshold table (P, R, F1, FPR); the co-firing
// matrix; then parity, latency and training curves when their inputs are given, else a
// line saying they were not measured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace inherent::eval {

struct ReportInput {
  std::string model, scorer, manifest, split, threshold_source;
  double seconds = 0;
  const float* scores = nullptr;    // [n, kNHeads]
  const uint8_t* labels = nullptr;  // [n, kNHeads]
  size_t n = 0;
  std::vector<float> thresholds;               // kNHeads
  Metrics metrics;                             // compute_metrics on the same scores and thresholds
  std::vector<std::vector<int64_t>> cofiring;  // [kNHeads][kNHeads], the engine's decision rule
  // Optional sections ("" = not given).
  std::string parity_json, latency_json, training_dir;
};

// The page. Reads the optional inputs; throws inherent::Exception naming the file (and
// line, for the training log) when one is missing or malformed.
std::string report_html(const ReportInput& in);

// Training curves from a run folder's metrics.jsonl (`inherent train`): train loss and
// eval loss vs step, and the eval AUCs (gate, intent mean, intent min) vs step.
struct TrainingCurves {
  std::vector<std::pair<double, double>> train_loss, eval_loss, gate_auc, intent_mean_auc, intent_min_auc;
};
TrainingCurves read_training_curves(const std::string& run_dir);

}  // namespace inherent::eval
