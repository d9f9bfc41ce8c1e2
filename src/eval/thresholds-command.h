// SPDX-License-Identifier: Apache-2.0
//
// `inherent thresholds` as a library call: per-head decision thresholds chosen on a
// held-out split (thresholds.h), written into a metadata file's `default_thresholds`
// with how they were chosen in `threshold_calibration`. The output is what the engine
// loads and what `inherent export --thresholds` reads, so every sidecar carries them.
#pragma once

#include <string>

#include "eval/split-scores.h"

namespace inherent::eval {

struct ThresholdsOptions {
  ScoreSource source;
  std::string manifest, split = "eval";
  std::string rule = "gated-f1";  // gated-f1, f1-at-recall or target-fpr
  double min_recall = -1;         // < 0: the rule's default (0.92 gated-f1, 0.95 f1-at-recall)
  double target_fpr = -1;         // needed with target-fpr
  bool allow_missing_heads = false;
  std::string metadata_in;   // metadata to update ("" = the artifact's own, or none)
  std::string metadata_out;  // required; written atomically

  void validate() const;
  std::string to_string() const;
};

// Prints the chosen thresholds and writes metadata_out. Errors throw Exception.
void run_thresholds(const ThresholdsOptions& options);

}  // namespace inherent::eval
