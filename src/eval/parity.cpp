// SPDX-License-Identifier: Apache-2.0
#include "parity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace inherent::eval {

std::vector<Diff> head_diffs(const float* a, const float* b, size_t n, int heads) {
  std::vector<Diff> out(static_cast<size_t>(heads));
  for (size_t i = 0; i < n; ++i) {
    for (int h = 0; h < heads; ++h) {
      const size_t k = i * static_cast<size_t>(heads) + static_cast<size_t>(h);
      const double d = std::abs(static_cast<double>(a[k]) - static_cast<double>(b[k]));
      Diff& o = out[static_cast<size_t>(h)];
      o.max = std::max(o.max, std::isnan(d) ? INFINITY : d);  // a NaN score never passes
      o.mean += std::isnan(d) ? INFINITY : d;
    }
  }
  if (n > 0) {
    for (Diff& d : out) d.mean /= static_cast<double>(n);
  }
  return out;
}

Diff worst(const std::vector<Diff>& per_head) {
  Diff w;
  for (const Diff& d : per_head) {
    w.max = std::max(w.max, d.max);
    w.mean = std::max(w.mean, d.mean);
  }
  return w;
}

ParityGate parity_gate(const std::string& precision) {
  if (precision == "float32") return {1e-4, -1};
  if (precision == "float16" || precision == "int8" || precision == "int8-full" || precision == "int16x8") {
    return {5e-3, 5e-4};
  }
  throw std::invalid_argument("no parity gate for precision '" + precision +
                              "' (float32, float16, int8, int8-full, int16x8)");
}

}  // namespace inherent::eval
