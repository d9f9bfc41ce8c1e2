// SPDX-License-Identifier: Apache-2.0
//
// The inherent Conformer in LibTorch (torch::nn), the reference implementation of the
// forward pass described in src/engine/arch.h. Module and parameter names are chosen
// so that named_parameters() + named_buffers() equal arch_tensors(config) exactly
// (tests/test-model.cpp checks it); weights files therefore need no name mapping.
//
// Usage:
//   auto options = inherent::train::load_model_options("small");
//   inherent::train::Conformer model(options.arch, options.dropout);
//   model->eval();
//   torch::Tensor scores = model->scores(mel);   // mel [B, T, 128] -> [B, 13]
//
// Padding: a frame whose 128 values are all exactly 0 is padding. Clips of different
// lengths are batched by zero-padding them at the end; each clip then scores what it
// scores alone (to float rounding), because padded steps are zeroed before every
// operation that mixes time steps and masked out of attention and pooling.
//
// Shape letters: B batch, T input frames, T2 = ceil(ceil(T / 2) / 2) encoder steps,
// M mel bins, H hidden size, O outputs.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/arch.h"

namespace inherent::train {

// Named intermediate tensors of one forward pass, in computation order (parity state).
using Trace = std::vector<std::pair<std::string, torch::Tensor>>;

// valid[b, t] = any(mel[b, t, :] != 0)   [B, T] bool
torch::Tensor valid_frames(const torch::Tensor& mel);

// The logit given to padded steps before a softmax (attention keys, pooling): finite,
// so a clip with no valid step stays finite, and far enough below any real logit that
// its weight underflows to exactly 0 next to a valid step.
constexpr double kMaskedLogit = -1e9;

// While one is alive on this thread, forward passes round the inputs of the layers that
// a dynamic-range int8 export quantizes on the fly, as its kernels do: 8 bits with a
// zero point per row for Linears (a LayerNorm in front is rounded before its gamma and
// beta, which the export folds into the Linear), 8 bits symmetric per clip for the
// convolutions. Gradients pass straight through. The trainer's int8 consistency loss
// (training.int8_consistency) compares such a forward with the float one.
class FakeInt8Scope {
 public:
  FakeInt8Scope();
  ~FakeInt8Scope();
  FakeInt8Scope(const FakeInt8Scope&) = delete;
  FakeInt8Scope& operator=(const FakeInt8Scope&) = delete;

 private:
  bool previous_;
};

// Global log-mel normalization, applied to valid frames only (padding stays 0).
struct MelNormImpl : torch::nn::Module {
  explicit MelNormImpl(int64_t n_mels);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid);  // [B, T, M] -> [B, T, M]
  torch::Tensor mean, std;                                                    // [M] buffers
};
TORCH_MODULE(MelNorm);

// Two Conv1d(k 3, stride 2, pad 1) + SiLU layers: [B, T, M] -> [B, T2, H].
struct SubsampleImpl : torch::nn::Module {
  SubsampleImpl(int64_t n_mels, int64_t n_hidden);
  // Returns the features and their validity mask [B, T2].
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& valid);
  torch::nn::Conv1d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(Subsample);

// LN, Linear(H, F), SiLU, Linear(F, H).
struct FeedForwardImpl : torch::nn::Module {
  FeedForwardImpl(int64_t n_hidden, int64_t n_ffn, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, H] -> [B, T, H]
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear up{nullptr}, down{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(FeedForward);

// Pre-norm multi-head self-attention with fused q|k|v and a key padding mask.
struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(int64_t n_hidden, int64_t n_heads, double dropout);
  // [B, T, H], [B, T] -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid);
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear qkv{nullptr}, out{nullptr};
  torch::nn::Dropout drop{nullptr};
  int64_t n_heads;
  double attn_dropout = 0.0;  // on the attention weights, training only
};
TORCH_MODULE(SelfAttention);

// LN, pointwise H -> 2H, GLU, (zero padding), depthwise conv K, LN, SiLU, pointwise H -> H.
struct ConvModuleImpl : torch::nn::Module {
  ConvModuleImpl(int64_t n_hidden, int64_t kernel, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid);  // [B, T, H] -> [B, T, H]
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear pointwise1{nullptr}, pointwise2{nullptr};
  torch::nn::Conv1d depthwise{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(ConvModule);

// Macaron block: x += FFN/2; x += MHSA; x += Conv; x += FFN/2; LN.
struct ConformerBlockImpl : torch::nn::Module {
  ConformerBlockImpl(const ModelConfig& config, double dropout);
  // trace (optional) receives "<prefix>.ffn1", ".attn", ".conv", ".ffn2" (after each
  // residual) and "<prefix>".
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid, Trace* trace = nullptr,
                        const std::string& prefix = {});
  FeedForward ffn1{nullptr}, ffn2{nullptr};
  SelfAttention attn{nullptr};
  ConvModule conv{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(ConformerBlock);

// Attentive pooling: softmax over valid steps of Linear(H, 1) scores.
struct AttentivePoolImpl : torch::nn::Module {
  explicit AttentivePoolImpl(int64_t n_hidden);
  // x [B, T2, H], valid [B, T2] -> pooled [B, H]; weights [B, T2] if asked.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid, torch::Tensor* weights = nullptr);
  torch::nn::Linear score{nullptr};
};
TORCH_MODULE(AttentivePool);

struct ConformerImpl : torch::nn::Module {
  ConformerImpl(const ModelConfig& config, double dropout = 0.0);

  // mel [B, T, M] -> logits [B, O]. With trace, records every stage in order:
  // mel_norm, subsample, positions, blocks.<i>.{ffn1,attn,conv,ffn2}, blocks.<i>,
  // final_norm, pool.weights, pool, logits (the engine's parity checks compare them).
  torch::Tensor forward(const torch::Tensor& mel, Trace* trace = nullptr);
  // The encoder alone: mel [B, T, M] -> (final_norm output [B, T2, H], valid steps [B, T2]).
  // forward() is classify(encode(mel)); training objectives on the steps start here.
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& mel, Trace* trace = nullptr);
  torch::Tensor classify(const torch::Tensor& h, const torch::Tensor& valid2, Trace* trace = nullptr);
  // sigmoid(forward(mel)): [B, O] scores in heads.inc order.
  torch::Tensor scores(const torch::Tensor& mel);

  // Sets the feature normalization (mean, std: [M], std > 0).
  void set_mel_norm(const torch::Tensor& mean, const torch::Tensor& std);

  // Sinusoidal positions [T2, H], built in float64 and rounded to float32 (arch.h).
  torch::Tensor positions(int64_t n_steps, const torch::Device& device);

  // Every parameter and buffer by its arch-table name.
  std::vector<std::pair<std::string, torch::Tensor>> named_tensors();

  ModelConfig config;
  MelNorm mel_norm{nullptr};
  Subsample subsample{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_norm{nullptr};
  AttentivePool pool{nullptr};
  torch::nn::Linear head{nullptr};

 private:
  torch::Tensor positions_;         // cache [n, H] float32 (CPU)
  torch::Tensor positions_device_;  // the same on the last device used
};
TORCH_MODULE(Conformer);

// Trained parameters (buffers excluded); equals arch_n_params(model.config).
int64_t count_parameters(ConformerImpl& model);

// ---- tensors <-> safetensors (src/common/safetensors.h) ----

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Contiguous CPU copies of F32, U8 or I64 tensors, in the given order.
std::string tensors_to_safetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                   const Metadata& metadata);

struct LoadedTensors {
  Metadata metadata;
  std::vector<std::pair<std::string, torch::Tensor>> tensors;  // file order, CPU
  const torch::Tensor* find(const std::string& name) const;
};
// Parses and validates (messages name `source` and the key at fault).
LoadedTensors safetensors_to_tensors(const std::string& bytes, const std::string& source);

// The model's weights file: every arch tensor, F32, in arch order, with metadata.
std::string model_to_safetensors(ConformerImpl& model, const Metadata& metadata);
// Copies every arch tensor of the file into the model (names and shapes must match
// exactly; extra tensors are an error). Returns the file's metadata.
Metadata load_model_safetensors(ConformerImpl& model, const std::string& bytes, const std::string& source);

}  // namespace inherent::train
