// SPDX-License-Identifier: Apache-2.0
//
// Scores log-mels with a trainer checkpoint's LibTorch model. The header keeps LibTorch
// out of its users (the CLI's eval, thresholds and parity), so only this library's
// files pay for torch/torch.h, through its precompiled header.
//
//   CheckpointScorer s("runs/small", 1);          // a run folder, checkpoint folder or file
//   s.score(mel.data(), frames, 0, scores);       // [frames, 128] -> 13 scores
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace inherent::train {

class CheckpointScorer {
 public:
  // path: a training run folder (best/, else last/), a checkpoint folder or its
  // model.safetensors. Throws inherent::Exception naming the file on failure.
  CheckpointScorer(const std::string& path, int threads);
  ~CheckpointScorer();
  CheckpointScorer(const CheckpointScorer&) = delete;
  CheckpointScorer& operator=(const CheckpointScorer&) = delete;

  const std::string& file() const;  // the weights file read
  // mel [frames, 128] row-major -> out[13] sigmoid scores in head order. pad_to > 0
  // scores the clip zero-padded at its end to pad_to frames (an error if longer).
  void score(const float* mel, size_t frames, size_t pad_to, float* out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inherent::train
