// SPDX-License-Identifier: Apache-2.0
//
// Delegate preflight: before a phone tries an artifact, say which of its operators and
// tensor types a LiteRT delegate is known to refuse (they fall back to the CPU
// kernels, or the delegate is not applied at all). The rules come from each
// delegate's published operator and type support; only the CPU path (XNNPACK) is
// checked against a real runtime in this project's tests, so the other rows are a
// guide, not a guarantee. The report is printed by `inherent export` and stored in the
// metadata sidecar (`delegate`, `delegate_preflight`).
#pragma once

#include <string>
#include <vector>

#include "export/metadata.h"
#include "export/tflite-graph.h"

namespace inherent::exporter::tfl {

// The delegates `--delegate` accepts.
const std::vector<std::string>& delegate_names();

struct PreflightIssue {
  std::string what;    // an operator ("BATCH_MATMUL") or a property ("dynamic shapes", "float32 tensors")
  int count = 0;       // operators affected (0 for whole-model properties)
  std::string effect;  // "runs on the CPU kernels" or "delegate not applied"
  std::string reason;
};

struct Preflight {
  std::string delegate;
  std::string summary;  // one line: "all 412 operators delegated" / "37 of 412 fall back ..."
  bool fully_delegated = false;
  std::vector<PreflightIssue> issues;
  std::vector<std::string> advice;
};

Preflight preflight(const Graph& g, const std::string& delegate);

Json preflight_json(const Preflight& p);
std::string preflight_text(const Preflight& p);  // several lines for the terminal

}  // namespace inherent::exporter::tfl
