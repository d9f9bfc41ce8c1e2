// SPDX-License-Identifier: Apache-2.0
//
// `inherent parity` as a library call: score the same clips (log-mels from the one
// frontend) three ways and separate padding effects from export drift, per head:
//   (a) the checkpoint's LibTorch model on each clip's own length,
//   (b) the checkpoint on the clip zero-padded to the artifact's fixed frame count
//       (the same as (a) for a dynamic-shape artifact),
//   (c) the artifact in its own runtime: the native engine for a model package;
//       onnxruntime, ai-edge-litert or mlx (Python, parity/parity_runtime.py) otherwise.
// Gates (parity.h) on (b vs c) by the artifact's precision, and the padding effect
// (a vs b) against the float32 bar.
#pragma once

#include <cstddef>
#include <string>

namespace inherent::eval {

struct ParityOptions {
  std::string checkpoint, artifact, manifest;
  std::string split = "test";         // train, eval, test or all
  size_t max_clips = 256;             // evenly spread over the split
  std::string json_out;               // "" = not written
  std::string python;                 // "" = $INHERENT_PYTHON, else python3 in PATH
  std::string precision = "float32";  // int8: the native engine's int8 path
  int threads = 1;
  bool quiet = false;  // no progress and no table (the verdict still prints)

  void validate() const;
  std::string to_string() const;
};

// Prints the verdict (and the table unless quiet), writes json_out. Returns 0 when every
// gate passed, else 1. Errors throw Exception naming the file, line or option.
int run_parity(const ParityOptions& options);

}  // namespace inherent::eval
