// SPDX-License-Identifier: Apache-2.0
//
// Whisper's encoder in LibTorch: the pretrained backbone (docs/backbone.md) as a module
// the trainer can fine-tune, on the weights src/backbone/whisper_weights.py writes
// (tensors named whisper.encoder.*, CTranslate2's names with / as .). The computation
// is src/backbone/whisper_encoder.py's, which equals CTranslate2's Whisper.encode:
//   x = gelu(conv1(mel)); x = gelu(conv2(x))            [B, 80, T] -> [B, D, T/2]
//   x = x^T + positions[:T/2]
//   per block: x += out(attn(LN(x))); x += W2 gelu(W1 LN(x))   (pre-norm, exact GELU)
//   LN(x)                                                [B, T/2, D]
// Sizes come from the tensors' shapes and the heads from the file's num_heads (required),
// so a random encoder of the same layout (tests) loads like the real one.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "train/model.h"

namespace inherent::train {

class WhisperEncoderImpl : public torch::nn::Module {
 public:
  // Throws inherent::Exception naming `source` and the tensor when one is missing or
  // of the wrong shape.
  WhisperEncoderImpl(const LoadedTensors& weights, const std::string& source);
  torch::Tensor forward(const torch::Tensor& mel);  // [B, 80, T] Whisper log-mel

  int64_t n_layers() const { return n_layers_; }
  int64_t n_heads() const { return n_heads_; }
  int64_t width() const { return width_; }

 private:
  const torch::Tensor& w(const std::string& name) const;  // by the file's name, less the prefix
  torch::Tensor layer_norm(const torch::Tensor& x, const std::string& prefix) const;
  torch::Tensor linear(const torch::Tensor& x, const std::string& prefix) const;
  torch::Tensor attention(const torch::Tensor& x, const std::string& prefix) const;

  std::map<std::string, torch::Tensor> weights_;
  int64_t n_layers_ = 0, n_heads_ = 0, width_ = 0;
};
TORCH_MODULE(WhisperEncoder);

// Reads a whisper_weights.py file.
WhisperEncoder load_whisper_encoder(const std::string& path);

}  // namespace inherent::train
