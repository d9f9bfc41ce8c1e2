// SPDX-License-Identifier: Apache-2.0
#include "train/whisper-encoder.h"

#include <cmath>

#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

constexpr const char* kPrefix = "whisper.encoder.";

[[noreturn]] void fail(const std::string& what) { throw Exception(INHERENT_STATUS_INVALID_MODEL, what); }

// torch::nn::Module names may not hold dots.
std::string parameter_name(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (c == '.') c = '_';
  return s;
}

}  // namespace

WhisperEncoderImpl::WhisperEncoderImpl(const LoadedTensors& weights, const std::string& source) {
  for (const auto& [name, tensor] : weights.tensors) {
    if (name.rfind(kPrefix, 0) != 0) continue;
    const std::string key = name.substr(std::char_traits<char>::length(kPrefix));
    weights_[key] = register_parameter(parameter_name(key), tensor.to(torch::kFloat32).clone());
  }
  auto need = [&](const std::string& key, std::vector<int64_t> shape) {
    const auto it = weights_.find(key);
    if (it == weights_.end()) fail(source + ": no tensor " + kPrefix + key);
    if (it->second.sizes().vec() != shape)
      fail(source + ": " + kPrefix + key + " has shape " + c10::str(it->second.sizes()) + ", expected " +
           c10::str(c10::IntArrayRef(shape)));
  };
  const auto conv1 = weights_.find("conv1.weight");
  if (conv1 == weights_.end() || conv1->second.dim() != 3)
    fail(source + ": no tensor " + kPrefix + "conv1.weight");
  width_ = conv1->second.size(0);
  const int64_t mels = conv1->second.size(1);
  need("conv1.weight", {width_, mels, 3});
  need("conv2.weight", {width_, width_, 3});
  need("layer_norm.gamma", {width_});
  while (weights_.count("layer_" + std::to_string(n_layers_) + ".ffn.linear_0.weight")) ++n_layers_;
  if (n_layers_ == 0) fail(source + ": no encoder blocks (" + kPrefix + "layer_0.*)");
  for (int64_t i = 0; i < n_layers_; ++i) {
    const std::string p = "layer_" + std::to_string(i) + ".";
    need(p + "self_attention.linear_0.weight", {3 * width_, width_});
    need(p + "self_attention.linear_1.weight", {width_, width_});
    const int64_t ffn = weights_.at(p + "ffn.linear_0.weight").size(0);
    need(p + "ffn.linear_1.weight", {width_, ffn});
  }
  for (const auto& [k, v] : weights.metadata)
    if (k == "num_heads") n_heads_ = std::atoll(v.c_str());
  if (n_heads_ <= 0 || width_ % n_heads_ != 0)
    fail(source + ": metadata num_heads (" + std::to_string(n_heads_) +
         ") is missing or does not divide the width " + std::to_string(width_));
}

const torch::Tensor& WhisperEncoderImpl::w(const std::string& name) const { return weights_.at(name); }

torch::Tensor WhisperEncoderImpl::layer_norm(const torch::Tensor& x, const std::string& prefix) const {
  return torch::layer_norm(x, {width_}, w(prefix + ".gamma"), w(prefix + ".beta"), 1e-5);
}

torch::Tensor WhisperEncoderImpl::linear(const torch::Tensor& x, const std::string& prefix) const {
  return torch::nn::functional::linear(x, w(prefix + ".weight"), w(prefix + ".bias"));
}

torch::Tensor WhisperEncoderImpl::attention(const torch::Tensor& x, const std::string& prefix) const {
  const int64_t b = x.size(0), n = x.size(1), d = width_, h = n_heads_;
  const auto qkv = linear(x, prefix + ".linear_0").split(d, -1);
  auto heads = [&](const torch::Tensor& y) { return y.view({b, n, h, d / h}).transpose(1, 2); };
  const torch::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
  const torch::Tensor weights =
      torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d / h)), -1);
  return linear(torch::matmul(weights, v).transpose(1, 2).reshape({b, n, d}), prefix + ".linear_1");
}

torch::Tensor WhisperEncoderImpl::forward(const torch::Tensor& mel) {
  torch::Tensor x = torch::gelu(torch::conv1d(mel, w("conv1.weight"), w("conv1.bias"), 1, 1));
  x = torch::gelu(torch::conv1d(x, w("conv2.weight"), w("conv2.bias"), 2, 1));
  x = x.transpose(1, 2);
  x = x + w("position_encodings.encodings").slice(0, 0, x.size(1));
  for (int64_t i = 0; i < n_layers_; ++i) {
    const std::string p = "layer_" + std::to_string(i);
    x = x + attention(layer_norm(x, p + ".self_attention.layer_norm"), p + ".self_attention");
    x = x + linear(torch::gelu(linear(layer_norm(x, p + ".ffn.layer_norm"), p + ".ffn.linear_0")),
                   p + ".ffn.linear_1");
  }
  return layer_norm(x, "layer_norm");
}

WhisperEncoder load_whisper_encoder(const std::string& path) {
  return WhisperEncoder(safetensors_to_tensors(read_file(path), path), path);
}

}  // namespace inherent::train
