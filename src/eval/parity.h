// SPDX-License-Identifier: Apache-2.0
//
// Parity of two scorers of the same clips (`inherent parity`): per head max and mean
// |diff| of their scores, and the gates an export must meet against its checkpoint
// (docs/parity.md): float32 max |diff| <= 1e-4; float16 and int8 max <= 5e-3 and mean <= 5e-4.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace inherent::eval {

struct Diff {
  double max = 0, mean = 0;
};

// Per head |a - b| over n clips of `heads` scores each (row-major [n, heads]), in
// float64. n == 0 gives zeros.
std::vector<Diff> head_diffs(const float* a, const float* b, size_t n, int heads);

// The largest max and the largest mean over heads.
Diff worst(const std::vector<Diff>& per_head);

struct ParityGate {
  double max = 0;
  double mean = -1;  // < 0: no bound on the mean
  bool pass(const Diff& d) const { return d.max <= max && (mean < 0 || d.mean <= mean); }
};

// The gate of an artifact precision: "float32" -> max 1e-4; "float16", "int8",
// "int8-full", "int16x8" -> max 5e-3, mean 5e-4. Unknown precisions throw std::invalid_argument.
ParityGate parity_gate(const std::string& precision);

}  // namespace inherent::eval
