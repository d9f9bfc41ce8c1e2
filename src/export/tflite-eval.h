// SPDX-License-Identifier: Apache-2.0
//
// A plain float interpreter of the float32 tfl::Graph (before any precision rewrite):
// one straightforward loop nest per operator, written for clarity, not speed. It runs
// the graph on calibration log-mels so the full-integer rewrite knows every tensor's
// range, and lets tests check the graph against the reference without a TFLite runtime.
#pragma once

#include <cstdint>
#include <vector>

#include "export/tflite-graph.h"

namespace inherent::exporter::tfl {

struct Value {
  std::vector<int32_t> shape;
  std::vector<float> data;  // bool and int32 tensors hold their values as floats
};

// Runs g on mel [frames, 128] (the input is resized to [1, frames, 128]); returns every
// tensor's value, indexed like g.tensors. Throws INTERNAL on an operator it cannot run.
std::vector<Value> evaluate(const Graph& g, const float* mel, int32_t frames);

// Per-tensor [min, max] over several runs (constants and activations alike), and the
// mean of every channel of the last axis (what bias correction needs).
struct Ranges {
  std::vector<float> lo, hi;
  std::vector<bool> seen;
  std::vector<std::vector<double>> channel_sum;
  std::vector<int64_t> rows;
  void observe(const std::vector<Value>& values);
  // Mean over all runs and rows of each channel of tensor i's last axis (empty when unseen).
  std::vector<double> channel_mean(size_t i) const;
};

}  // namespace inherent::exporter::tfl
