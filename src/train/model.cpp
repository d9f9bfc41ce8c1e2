// SPDX-License-Identifier: Apache-2.0
#include "model.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "common/safetensors.h"
#include "inherent/inherent.hpp"

namespace inherent::train {

namespace F = torch::nn::functional;
using torch::indexing::None;
using torch::indexing::Slice;

namespace {

torch::nn::LayerNorm layer_norm(int64_t n) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({n}).eps(kLayerNormEps).elementwise_affine(true));
}

// Every second step of a [B, T] mask: the validity of a stride-2 conv's outputs.
torch::Tensor stride2(const torch::Tensor& valid) { return valid.index({Slice(), Slice(None, None, 2)}); }

// [B, T] bool -> [B, T, 1] float of x's dtype, for zeroing padded steps.
torch::Tensor as_gate(const torch::Tensor& valid, const torch::Tensor& like) {
  return valid.unsqueeze(-1).to(like.scalar_type());
}

thread_local bool g_fake_int8 = false;

// The rounded value forward, the identity backward.
torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& rounded) {
  return x + (rounded - x.detach());
}

// 8 bits with a zero point over the last dimension (LiteRT's asymmetric per-row inputs).
torch::Tensor fake_int8_rows(const torch::Tensor& x) {
  if (!g_fake_int8) return x;
  torch::Tensor q;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor lo = std::get<0>(x.min(-1, true)).clamp_max(0),
                        hi = std::get<0>(x.max(-1, true)).clamp_min(0);
    const torch::Tensor scale = ((hi - lo) / 255.0).clamp_min(1e-20);
    const torch::Tensor zero = torch::round(-lo / scale) - 128.0;
    q = (torch::clamp(torch::round(x / scale) + zero, -128.0, 127.0) - zero) * scale;
  }
  return straight_through(x, q);
}

// 8 bits symmetric over everything but the batch dimension (per clip).
torch::Tensor fake_int8_clip(const torch::Tensor& x) {
  if (!g_fake_int8) return x;
  torch::Tensor q;
  {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> keep(static_cast<size_t>(x.dim()), 1);
    keep[0] = x.size(0);
    const torch::Tensor scale = (x.abs().flatten(1).amax(1) / 127.0).clamp_min(1e-20).view(keep);
    q = torch::clamp(torch::round(x / scale), -127.0, 127.0) * scale;
  }
  return straight_through(x, q);
}

// norm(x), rounded between the normalization and its affine part under FakeInt8Scope.
torch::Tensor normed(torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  if (!g_fake_int8) return norm(x);
  const torch::Tensor n = F::layer_norm(x, F::LayerNormFuncOptions({x.size(-1)}).eps(kLayerNormEps));
  return fake_int8_rows(n) * norm->weight + norm->bias;
}

}  // namespace

FakeInt8Scope::FakeInt8Scope() : previous_(g_fake_int8) { g_fake_int8 = true; }
FakeInt8Scope::~FakeInt8Scope() { g_fake_int8 = previous_; }

torch::Tensor valid_frames(const torch::Tensor& mel) { return mel.ne(0).any(-1); }

// ---- MelNorm ----

MelNormImpl::MelNormImpl(int64_t n_mels) {
  mean = register_buffer("mean", torch::zeros({n_mels}));
  std = register_buffer("std", torch::ones({n_mels}));
}

torch::Tensor MelNormImpl::forward(const torch::Tensor& x, const torch::Tensor& valid) {
  return torch::where(valid.unsqueeze(-1), (x - mean) / std, torch::zeros({}, x.options()));
}

// ---- Subsample ----

SubsampleImpl::SubsampleImpl(int64_t n_mels, int64_t n_hidden) {
  auto conv = [](int64_t in, int64_t out) {
    return torch::nn::Conv1d(
        torch::nn::Conv1dOptions(in, out, kSubsampleKernel).stride(kSubsampleStride).padding(1));
  };
  conv1 = register_module("conv1", conv(n_mels, n_hidden));
  conv2 = register_module("conv2", conv(n_hidden, n_hidden));
}

std::pair<torch::Tensor, torch::Tensor> SubsampleImpl::forward(const torch::Tensor& x,
                                                               const torch::Tensor& valid) {
  // Conv1d wants [B, C, T]; the masks zero steps past each clip's end so the next conv
  // sees exactly the zeros it would see at the edge of the clip alone.
  const torch::Tensor valid1 = stride2(valid), valid2 = stride2(valid1);
  torch::Tensor h =
      torch::silu(conv1(fake_int8_clip(x.transpose(1, 2)))) * valid1.unsqueeze(1).to(x.scalar_type());
  h = torch::silu(conv2(fake_int8_clip(h))) * valid2.unsqueeze(1).to(x.scalar_type());
  return {h.transpose(1, 2), valid2};  // [B, T2, H], [B, T2]
}

// ---- FeedForward ----

FeedForwardImpl::FeedForwardImpl(int64_t n_hidden, int64_t n_ffn, double dropout) {
  norm = register_module("norm", layer_norm(n_hidden));
  up = register_module("up", torch::nn::Linear(n_hidden, n_ffn));
  down = register_module("down", torch::nn::Linear(n_ffn, n_hidden));
  drop = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  return drop(down(fake_int8_rows(drop(torch::silu(up(normed(norm, x)))))));
}

// ---- SelfAttention ----

SelfAttentionImpl::SelfAttentionImpl(int64_t n_hidden, int64_t heads, double dropout) : n_heads(heads) {
  norm = register_module("norm", layer_norm(n_hidden));
  qkv = register_module("qkv", torch::nn::Linear(n_hidden, 3 * n_hidden));
  out = register_module("out", torch::nn::Linear(n_hidden, n_hidden));
  drop = register_module("drop", torch::nn::Dropout(dropout));
  attn_dropout = dropout;
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& valid) {
  const int64_t b = x.size(0), t = x.size(1), h = x.size(2), d = h / n_heads;
  // [B, T, 3H] -> 3 x [B, heads, T, d]
  const std::vector<torch::Tensor> parts =
      qkv(normed(norm, x)).view({b, t, 3, n_heads, d}).permute({2, 0, 3, 1, 4}).unbind(0);
  const torch::Tensor& q = parts[0];
  const torch::Tensor& k = parts[1];
  const torch::Tensor& v = parts[2];
  // Padded keys get weight 0. A finite fill (not -inf) keeps a clip with no valid step
  // finite; any valid key dominates it completely (exp underflows to exactly 0).
  const torch::Tensor mask = valid.view({b, 1, 1, t});  // [B, 1, 1, T]
  torch::Tensor logits = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(d)));
  logits = logits.masked_fill(mask.logical_not(), kMaskedLogit);
  torch::Tensor weights = torch::softmax(logits, -1);
  if (is_training() && attn_dropout > 0) {
    weights = F::dropout(weights, F::DropoutFuncOptions().p(attn_dropout).training(true));
  }
  const torch::Tensor y = torch::matmul(weights, v).transpose(1, 2).reshape({b, t, h});  // [B, T, H]
  return drop(out(fake_int8_rows(y)));
}

// ---- ConvModule ----

ConvModuleImpl::ConvModuleImpl(int64_t n_hidden, int64_t kernel, double dropout) {
  norm1 = register_module("norm1", layer_norm(n_hidden));
  pointwise1 = register_module("pointwise1", torch::nn::Linear(n_hidden, 2 * n_hidden));
  auto depthwise_options = torch::nn::Conv1dOptions(n_hidden, n_hidden, kernel).groups(n_hidden);
  depthwise = register_module("depthwise", torch::nn::Conv1d(depthwise_options.padding(kernel / 2)));
  norm2 = register_module("norm2", layer_norm(n_hidden));
  pointwise2 = register_module("pointwise2", torch::nn::Linear(n_hidden, n_hidden));
  drop = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor ConvModuleImpl::forward(const torch::Tensor& x, const torch::Tensor& valid) {
  const std::vector<torch::Tensor> ag = pointwise1(normed(norm1, x)).chunk(2, -1);  // a | g, each [B, T, H]
  torch::Tensor y = ag[0] * torch::sigmoid(ag[1]) * as_gate(valid, x);
  y = depthwise(fake_int8_clip(y.transpose(1, 2))).transpose(1, 2);
  return drop(pointwise2(fake_int8_rows(torch::silu(norm2(y)))));
}

// ---- ConformerBlock ----

ConformerBlockImpl::ConformerBlockImpl(const ModelConfig& c, double dropout) {
  const int64_t h = c.n_hidden;
  ffn1 = register_module("ffn1", FeedForward(h, int64_t{c.ffn_mult} * h, dropout));
  attn = register_module("attn", SelfAttention(h, c.n_heads, dropout));
  conv = register_module("conv", ConvModule(h, c.conv_kernel, dropout));
  ffn2 = register_module("ffn2", FeedForward(h, int64_t{c.ffn_mult} * h, dropout));
  norm = register_module("norm", layer_norm(h));
}

torch::Tensor ConformerBlockImpl::forward(const torch::Tensor& input, const torch::Tensor& valid,
                                          Trace* trace, const std::string& prefix) {
  torch::Tensor x = input + 0.5 * ffn1(input);
  if (trace) trace->emplace_back(prefix + ".ffn1", x);
  x = x + attn(x, valid);
  if (trace) trace->emplace_back(prefix + ".attn", x);
  x = x + conv(x, valid);
  if (trace) trace->emplace_back(prefix + ".conv", x);
  x = x + 0.5 * ffn2(x);
  if (trace) trace->emplace_back(prefix + ".ffn2", x);
  x = norm(x);
  if (trace) trace->emplace_back(prefix, x);
  return x;
}

// ---- AttentivePool ----

AttentivePoolImpl::AttentivePoolImpl(int64_t n_hidden) {
  score = register_module("score", torch::nn::Linear(n_hidden, 1));
}

torch::Tensor AttentivePoolImpl::forward(const torch::Tensor& x, const torch::Tensor& valid,
                                         torch::Tensor* weights) {
  const torch::Tensor s = score(x).squeeze(-1).masked_fill(valid.logical_not(), kMaskedLogit);  // [B, T2]
  const torch::Tensor w = torch::softmax(s, -1);
  if (weights) *weights = w;
  return torch::bmm(w.unsqueeze(1), x).squeeze(1);  // [B, H]
}

// ---- Conformer ----

ConformerImpl::ConformerImpl(const ModelConfig& c, double dropout) : config(c) {
  if (c.family != ArchFamily::conformer) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    std::string("a ") + arch_family_name(c.family) +
                        " family model has no LibTorch model in the trainer: export it (inherent export "
                        "--backend native) and score the package (--artifact)");
  }
  mel_norm = register_module("mel_norm", MelNorm(c.n_mels));
  subsample = register_module("subsample", Subsample(c.n_mels, c.n_hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_blocks; ++i) blocks->push_back(ConformerBlock(c, dropout));
  final_norm = register_module("final_norm", layer_norm(c.n_hidden));
  pool = register_module("pool", AttentivePool(c.n_hidden));
  head = register_module("head", torch::nn::Linear(c.n_hidden, c.n_outputs));
}

torch::Tensor ConformerImpl::positions(int64_t n_steps, const torch::Device& device) {
  if (!positions_.defined() || positions_.size(0) < n_steps) {
    const int64_t n = std::max<int64_t>(n_steps, positions_.defined() ? 2 * positions_.size(0) : 256);
    const int64_t h = config.n_hidden;
    // ref: arch.h, pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same), in float64.
    torch::Tensor t = torch::arange(n, torch::kFloat64).unsqueeze(1);                         // [n, 1]
    torch::Tensor i2 = torch::arange(0, h, 2, torch::kFloat64);                               // [H/2]
    torch::Tensor angle = t / torch::pow(torch::full({}, 10000.0, torch::kFloat64), i2 / h);  // [n, H/2]
    torch::Tensor pe = torch::zeros({n, h}, torch::kFloat64);
    pe.index_put_({Slice(), Slice(0, None, 2)}, torch::sin(angle));
    pe.index_put_({Slice(), Slice(1, None, 2)}, torch::cos(angle).index({Slice(), Slice(0, h / 2)}));
    positions_ = pe.to(torch::kFloat32);
  }
  if (!positions_device_.defined() || positions_device_.device() != device ||
      positions_device_.size(0) < n_steps) {
    positions_device_ = positions_.to(device);
  }
  return positions_device_.index({Slice(0, n_steps)});
}

std::pair<torch::Tensor, torch::Tensor> ConformerImpl::encode(const torch::Tensor& mel, Trace* trace) {
  TORCH_CHECK(mel.dim() == 3 && mel.size(2) == config.n_mels, "mel must be [B, T, ", config.n_mels, "], got ",
              mel.sizes());
  const torch::Tensor valid = valid_frames(mel);  // [B, T]
  torch::Tensor x = mel_norm(mel, valid);
  if (trace) trace->emplace_back("mel_norm", x);
  auto [h, valid2] = subsample(x, valid);
  if (trace) trace->emplace_back("subsample", h);
  h = h + positions(h.size(1), h.device()).to(h.scalar_type());
  if (trace) trace->emplace_back("positions", h);
  for (size_t i = 0; i < blocks->size(); ++i) {
    h = blocks[i]->as<ConformerBlock>()->forward(h, valid2, trace, "blocks." + std::to_string(i));
  }
  h = final_norm(h);
  if (trace) trace->emplace_back("final_norm", h);
  return {h, valid2};
}

torch::Tensor ConformerImpl::classify(const torch::Tensor& h, const torch::Tensor& valid2, Trace* trace) {
  torch::Tensor weights;
  torch::Tensor pooled = pool(h, valid2, trace ? &weights : nullptr);
  if (trace) {
    trace->emplace_back("pool.weights", weights);
    trace->emplace_back("pool", pooled);
  }
  torch::Tensor logits = head(pooled);
  if (trace) trace->emplace_back("logits", logits);
  return logits;
}

torch::Tensor ConformerImpl::forward(const torch::Tensor& mel, Trace* trace) {
  auto [h, valid2] = encode(mel, trace);
  return classify(h, valid2, trace);
}

torch::Tensor ConformerImpl::scores(const torch::Tensor& mel) { return torch::sigmoid(forward(mel)); }

void ConformerImpl::set_mel_norm(const torch::Tensor& mean, const torch::Tensor& std) {
  TORCH_CHECK(mean.numel() == config.n_mels && std.numel() == config.n_mels, "mel_norm needs ", config.n_mels,
              " values");
  TORCH_CHECK(std.gt(0).all().item<bool>(), "mel_norm std must be > 0");
  torch::NoGradGuard no_grad;
  mel_norm->mean.copy_(mean.reshape({config.n_mels}));
  mel_norm->std.copy_(std.reshape({config.n_mels}));
}

std::vector<std::pair<std::string, torch::Tensor>> ConformerImpl::named_tensors() {
  std::vector<std::pair<std::string, torch::Tensor>> all;
  const auto params = named_parameters(true);
  const auto buffers = named_buffers(true);
  for (const ArchTensor& t : arch_tensors(config)) {
    const torch::Tensor* found = t.role == ArchRole::parameter ? params.find(t.name) : buffers.find(t.name);
    TORCH_CHECK(found, "model has no tensor '", t.name, "' (arch.h and model.cpp disagree)");
    all.emplace_back(t.name, *found);
  }
  return all;
}

int64_t count_parameters(ConformerImpl& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

// ---- safetensors ----

namespace {

[[noreturn]] void model_fail(const std::string& what) {
  throw Exception(INHERENT_STATUS_INVALID_MODEL, what);
}

}  // namespace

std::string tensors_to_safetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                   const Metadata& metadata) {
  std::vector<torch::Tensor> keep;  // contiguous CPU copies, alive until encoded
  std::vector<TensorData> data;
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    DType dtype;
    switch (c.scalar_type()) {
      case torch::kFloat32:
        dtype = DType::F32;
        break;
      case torch::kUInt8:
        dtype = DType::U8;
        break;
      case torch::kInt64:
        dtype = DType::I64;
        break;
      default:
        model_fail("tensor '" + name + "' has a dtype safetensors output does not take here");
    }
    keep.push_back(c);
    data.push_back({name, dtype, c.sizes().vec(), c.data_ptr()});
  }
  std::string out, error;
  if (safetensors_encode(data, metadata, &out, &error) != INHERENT_STATUS_OK) model_fail(error);
  return out;
}

const torch::Tensor* LoadedTensors::find(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

LoadedTensors safetensors_to_tensors(const std::string& bytes, const std::string& source) {
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) {
    model_fail(source + ": " + error);
  }
  LoadedTensors out;
  out.metadata = st.metadata;
  for (const TensorView& v : st.tensors) {
    torch::ScalarType type;
    switch (v.dtype) {
      case DType::F32:
        type = torch::kFloat32;
        break;
      case DType::U8:
        type = torch::kUInt8;
        break;
      case DType::I64:
        type = torch::kInt64;
        break;
      default:
        model_fail(source + ": tensor '" + v.name + "' has dtype " + dtype_name(v.dtype) +
                   " (F32, U8, I64 expected)");
    }
    torch::Tensor t = torch::empty(v.shape, torch::TensorOptions().dtype(type));
    if (v.n_bytes) std::memcpy(t.data_ptr(), v.data, v.n_bytes);
    out.tensors.emplace_back(v.name, t);
  }
  return out;
}

std::string model_to_safetensors(ConformerImpl& model, const Metadata& metadata) {
  return tensors_to_safetensors(model.named_tensors(), metadata);
}

Metadata load_model_safetensors(ConformerImpl& model, const std::string& bytes, const std::string& source) {
  const LoadedTensors file = safetensors_to_tensors(bytes, source);
  const auto mine = model.named_tensors();
  if (file.tensors.size() != mine.size()) {
    model_fail(source + ": " + std::to_string(file.tensors.size()) + " tensors, the model has " +
               std::to_string(mine.size()) + " (n_hidden " + std::to_string(model.config.n_hidden) +
               ", n_blocks " + std::to_string(model.config.n_blocks) + ")");
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, dst] : mine) {
    const torch::Tensor* src = file.find(name);
    if (!src) model_fail(source + ": no tensor '" + name + "'");
    if (src->sizes() != dst.sizes() || src->scalar_type() != torch::kFloat32) {
      model_fail(source + ": tensor '" + name + "' is " + arch_shape_string(src->sizes().vec()) +
                 ", the model wants " + arch_shape_string(dst.sizes().vec()) + " F32");
    }
    torch::Tensor d = dst;
    d.copy_(*src);
  }
  return file.metadata;
}

}  // namespace inherent::train
