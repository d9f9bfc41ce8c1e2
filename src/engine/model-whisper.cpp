// SPDX-License-Identifier: Apache-2.0
//
// The whisper family's forward pass (arch.h): the bridge from the project's log-mel to
// Whisper's mel grid, Whisper's stem and blocks, and the per-head pooled heads. The
// GEMMs, LayerNorm, softmax and attention are the Conformer's kernels; with int8
// precision the blocks' four Linears are int8 as the Conformer's are (model.h), the
// bridge, stem and heads stay float32.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/model-ops.h"
#include "engine/model.h"
#include "frontend/log-mel.h"

namespace inherent::engine {

namespace {

using kernels::Epilogue;
using kernels::GemmArgs;

// Whisper's 10 ms frame j is centred on sample 160 j; the project's 20 ms frame t on
// 320 t + 199.5 (docs/backbone.md, "Bridge").
double whisper_frame_position(int j) {
  return (160.0 * j - (kWinLength - 1) / 2.0) / static_cast<double>(kHopLength);
}

// mel [T, M] -> ws.bridged rows 1..2T: Whisper's log-mel on its 10 ms grid, scaled
// (max(u, floor) + 4) / 4, with zero rows 0 and 2T + 1 for the stem's padding.
void bridge(const Model& model, Workspace& ws, const float* mel, int t) {
  const ModelConfig& c = model.config();
  const WhisperWeights& w = model.whisper;
  const int m = c.n_mels, nb = c.bridge_mels;
  // Powers: the frontend's log undone (it added kLogFloor before the log).
  float* power = ws.h.data();  // [T, M]
  for (size_t i = 0; i < static_cast<size_t>(t) * m; ++i)
    power[i] = std::max(std::exp(mel[i]) - kLogFloor, 0.0f);
  float* mapped = ws.stem1.data();  // [T, W], scratch until the stem
  gemm(ws, model.kernels(), kernels::gemm_args(w.bridge, t, power, m, mapped, nb, Epilogue::bias));
  for (size_t i = 0; i < static_cast<size_t>(t) * nb; ++i)
    mapped[i] = std::log10(std::max(mapped[i], 1e-10f));
  float* u = ws.bridged.data();  // [2T + 2, W]
  std::memset(u, 0, sizeof(float) * nb);
  std::memset(u + static_cast<size_t>(2 * t + 1) * nb, 0, sizeof(float) * nb);
  for (int j = 0; j < 2 * t; ++j) {
    const double pos = std::clamp(whisper_frame_position(j), 0.0, static_cast<double>(t - 1));
    const int lo = static_cast<int>(std::floor(pos));
    const int hi = std::min(lo + 1, t - 1);
    const float frac = static_cast<float>(pos - lo);
    const float* a = mapped + static_cast<size_t>(lo) * nb;
    const float* b = mapped + static_cast<size_t>(hi) * nb;
    float* row = u + static_cast<size_t>(j + 1) * nb;
    for (int i = 0; i < nb; ++i)
      row[i] = (std::max((1 - frac) * a[i] + frac * b[i], w.bridge_floor) + 4.0f) / 4.0f;
  }
}

// ws.bridged -> ws.x [T, H] = GELU(conv2(GELU(conv1(u)))) + positions.
void stem(const Model& model, Workspace& ws, int t) {
  const ModelConfig& c = model.config();
  const WhisperWeights& w = model.whisper;
  const kernels::Kernels& k = model.kernels();
  const int h = c.n_hidden, nb = c.bridge_mels;
  // conv1 (stride 1): output row j reads padded rows j .. j + 2, contiguous at lda W.
  float* u = ws.bridged.data();
  float* s1 = ws.stem1.data();  // [2T + 2, H]
  std::memset(s1, 0, sizeof(float) * h);
  std::memset(s1 + static_cast<size_t>(2 * t + 1) * h, 0, sizeof(float) * h);
  gemm(ws, k, kernels::gemm_args(w.conv1, 2 * t, u, nb, s1 + h, h, Epilogue::bias_gelu));
  // conv2 (stride 2): step i reads conv1 rows 2i - 1 .. 2i + 1 = padded rows 2i .. 2i + 2.
  gemm(ws, k,
       kernels::gemm_args(w.conv2, t, s1, 2 * static_cast<size_t>(h), ws.x.data(), h, Epilogue::bias_gelu));
  const float* pe = w.positions.data();
  float* x = ws.x.data();
  for (size_t i = 0; i < static_cast<size_t>(t) * h; ++i) x[i] += pe[i];
}

// x += down(GELU(up(LN x))).
void feed_forward(const Model& model, Workspace& ws, int t, const WhisperBlock& b) {
  const kernels::Kernels& k = model.kernels();
  const int h = model.config().n_hidden;
  k.layer_norm(t, h, ws.x.data(), h, b.ffn_norm_w.data(), b.ffn_norm_b.data(), ws.h.data(), h);
  linear(ws, k, kernels::gemm_args(b.up, t, ws.h.data(), h, ws.wide.data(), b.up.n, Epilogue::bias_gelu),
         b.up);
  GemmArgs g = kernels::gemm_args(b.down, t, ws.wide.data(), b.up.n, ws.x.data(), h, Epilogue::residual);
  g.residual = ws.x.data(), g.ldr = h, g.alpha = 1.0f;
  linear(ws, k, g, b.down);
}

// Per-head attentive pooling over z = GELU(proj(LN x)): logits [O].
void pooled_heads(const Model& model, Workspace& ws, int t, float* logits) {
  const ModelConfig& c = model.config();
  const WhisperWeights& w = model.whisper;
  const kernels::Kernels& k = model.kernels();
  const int h = c.n_hidden, p = c.head_width, o = c.n_outputs;
  k.layer_norm(t, h, ws.x.data(), h, w.heads_norm_w.data(), w.heads_norm_b.data(), ws.h.data(), h);
  float* z = ws.heads_z.data();
  gemm(ws, k, kernels::gemm_args(w.heads_proj, t, ws.h.data(), h, z, p, Epilogue::bias_gelu));
  float* s = ws.heads_s.data();  // [T, O]
  gemm(ws, k, kernels::gemm_args(w.heads_score, t, z, p, s, o, Epilogue::bias));
  for (int head = 0; head < o; ++head) {
    float top = -INFINITY;
    for (int i = 0; i < t; ++i) top = std::max(top, s[static_cast<size_t>(i) * o + head]);
    double total = 0.0, acc = 0.0;
    const float* weight = w.heads_weight.data() + static_cast<size_t>(head) * p;
    for (int i = 0; i < t; ++i) {
      const double e = std::exp(static_cast<double>(s[static_cast<size_t>(i) * o + head]) - top);
      total += e;
      acc += e * k.dot(p, z + static_cast<size_t>(i) * p, weight);
    }
    logits[head] = static_cast<float>(acc / total) + w.heads_bias[head];
  }
}

}  // namespace

void whisper_pack(const ModelPackage& package, const kernels::Kernels& kernels, Precision precision,
                  WhisperWeights* out) {
  const ModelConfig& c = package.config;
  const int nr = kernels.nr;
  const PackageTensor* matrix = package.tensor("bridge.matrix");
  kernels::pack_linear(matrix->data.data(), static_cast<size_t>(c.n_mels), c.bridge_mels, c.n_mels, nullptr,
                       nr, false, &out->bridge);
  out->bridge_floor = tensor_data(package, "bridge.floor")[0];
  pack_conv(package, "stem.conv1", nr, &out->conv1);
  pack_conv(package, "stem.conv2", nr, &out->conv2);
  const std::vector<float>& pe = tensor_data(package, "positions");
  out->positions.resize(pe.size());
  std::copy(pe.begin(), pe.end(), out->positions.data());
  out->blocks.resize(c.n_blocks);
  for (int b = 0; b < c.n_blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b);
    WhisperBlock& k = out->blocks[b];
    k.attn_norm_w = tensor_data(package, p + ".attn.norm.weight");
    k.attn_norm_b = tensor_data(package, p + ".attn.norm.bias");
    k.ffn_norm_w = tensor_data(package, p + ".ffn.norm.weight");
    k.ffn_norm_b = tensor_data(package, p + ".ffn.norm.bias");
    if (precision == Precision::int8) {  // the blocks' Linears, as the Conformer's (model.h)
      pack_q(package, p + ".attn.qkv", nr, false, &k.qkv, &k.attn_norm_w, &k.attn_norm_b);
      pack_q(package, p + ".attn.out", nr, false, &k.out);
      pack_q(package, p + ".ffn.up", nr, false, &k.up, &k.ffn_norm_w, &k.ffn_norm_b);
      pack_q(package, p + ".ffn.down", nr, false, &k.down);
    } else {
      pack(package, p + ".attn.qkv", nr, false, &k.qkv);
      pack(package, p + ".attn.out", nr, false, &k.out);
      pack(package, p + ".ffn.up", nr, false, &k.up);
      pack(package, p + ".ffn.down", nr, false, &k.down);
    }
  }
  out->final_norm_w = tensor_data(package, "final_norm.weight");
  out->final_norm_b = tensor_data(package, "final_norm.bias");
  out->heads_norm_w = tensor_data(package, "heads.norm.weight");
  out->heads_norm_b = tensor_data(package, "heads.norm.bias");
  pack(package, "heads.proj", nr, false, &out->heads_proj);
  pack(package, "heads.score", nr, false, &out->heads_score);
  out->heads_weight = tensor_data(package, "heads.weight");
  out->heads_bias = tensor_data(package, "heads.bias");
}

void whisper_reserve(const Model& model, Workspace& ws, int n_frames) {
  const ModelConfig& c = model.config();
  const size_t t = static_cast<size_t>(n_frames), h = static_cast<size_t>(c.n_hidden);
  const size_t m = static_cast<size_t>(c.n_mels), nb = static_cast<size_t>(c.bridge_mels);
  const size_t f = static_cast<size_t>(c.ffn_mult) * h;
  // stem1 holds the mapped powers [T, W], then conv1's output [2T + 2, H]; h holds the
  // powers [T, M], then LayerNorm outputs.
  ws.bridged.resize((2 * t + 2) * nb);
  ws.stem1.resize((2 * t + 2) * std::max(h, nb));
  ws.h.resize(t * std::max(h, m));
  ws.x.resize(t * h);
  ws.wide.resize(t * std::max(f, 3 * h));
  ws.ctx.resize(t * h);
  ws.scores.resize(t * t);
  const int dh = c.n_hidden / c.n_heads, nr = model.kernels().nr;
  ws.packed.resize(std::max(kernels::packed_size(n_frames, dh, nr), kernels::packed_size(dh, n_frames, nr)));
  ws.valid2.assign(t, 1.0f);
  ws.heads_z.resize(t * static_cast<size_t>(c.head_width));
  ws.heads_s.resize(t * static_cast<size_t>(c.n_outputs));
  if (model.precision() == Precision::int8) {
    ws.qa.resize(t * (std::max(f, h) + 1));
    ws.qa_scale.resize(t);
  }
  ws.capacity_frames = n_frames;
}

void whisper_forward(const Model& model, Workspace& ws, const float* mel, int n_frames, float* logits) {
  const ModelConfig& c = model.config();
  const kernels::Kernels& k = model.kernels();
  const int h = c.n_hidden;
  std::fill(ws.valid2.begin(), ws.valid2.begin() + n_frames, 1.0f);
  bridge(model, ws, mel, n_frames);
  stem(model, ws, n_frames);
  for (const WhisperBlock& b : model.whisper.blocks) {
    attention(k, ws, n_frames, h, c.n_heads, b.attn_norm_w, b.attn_norm_b, b.qkv, b.out);
    feed_forward(model, ws, n_frames, b);
  }
  k.layer_norm(n_frames, h, ws.x.data(), h, model.whisper.final_norm_w.data(),
               model.whisper.final_norm_b.data(), ws.x.data(), h);
  pooled_heads(model, ws, n_frames, logits);
}

}  // namespace inherent::engine
