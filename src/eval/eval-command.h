// SPDX-License-Identifier: Apache-2.0
//
// `inherent eval` as a library call: score every clip of a split and report per-head
// AUC, EER, FPR at 95% recall, precision/recall/F1 at the thresholds, gate-conditioned
// intent metrics, the co-firing of decisions and the release gates (metrics.h computes
// every number); optionally as JSON, a scores CSV, an HTML report, per-group breakdowns
// and hand-written spot checks judged clip by clip. The CLI parses into EvalOptions;
// `inherent build` fills one in.
#pragma once

#include <string>
#include <vector>

#include "eval/split-scores.h"

namespace inherent::eval {

struct EvalOptions {
  ScoreSource source;
  std::string manifest, split = "test";
  std::string json_out, scores_out, html_out;                  // "" = not written
  std::string thresholds;                                      // a thresholds JSON instead of the model's own
  std::string report_parity, report_latency, report_training;  // sections of the HTML report
  std::string spot_checks;                                     // the spot check index to judge
  bool require_spot_checks = false;                            // a failed spot check fails the run
  std::vector<std::string> by;                                 // manifest columns to break down by
  std::string by_head = "isInteresting";
  size_t by_rows = 20;

  // Throws Exception(INVALID_ARGUMENT) naming the option at fault.
  void validate() const;
  // The `inherent eval` command line that does the same.
  std::string to_string() const;
};

// Prints the tables on stdout and writes the files asked for. Returns 0 when every
// release gate passed (and, with require_spot_checks, every spot check), else 1. Errors throw
// Exception naming the file, line or option.
int run_eval(const EvalOptions& options);

}  // namespace inherent::eval
