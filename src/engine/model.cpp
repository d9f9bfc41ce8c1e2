// SPDX-License-Identifier: Apache-2.0
#include "model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/model-ops.h"
#include "frontend/log-mel.h"

namespace inherent::engine {

using kernels::Epilogue;
using kernels::GemmArgs;
using kernels::PackedLinear;

const std::vector<float>& tensor_data(const ModelPackage& p, const std::string& name) {
  return p.tensor(name)->data;  // the loader guaranteed every arch tensor
}

void pack(const ModelPackage& p, const std::string& prefix, int nr, bool glu, PackedLinear* out) {
  const PackageTensor* w = p.tensor(prefix + ".weight");
  const int rows = static_cast<int>(w->shape[0]), cols = static_cast<int>(w->shape[1]);
  kernels::pack_linear(w->data.data(), cols, glu ? rows / 2 : rows, cols,
                       tensor_data(p, prefix + ".bias").data(), nr, glu, out);
}

// Conv1d weight [out, in, 3] -> im2col linear [out, 3 * in]: column j * in + c = tap j.
void pack_conv(const ModelPackage& p, const std::string& prefix, int nr, PackedLinear* out) {
  const PackageTensor* w = p.tensor(prefix + ".weight");
  const int n_out = static_cast<int>(w->shape[0]), n_in = static_cast<int>(w->shape[1]);
  const int taps = static_cast<int>(w->shape[2]);
  std::vector<float> im2col(static_cast<size_t>(n_out) * taps * n_in);
  for (int o = 0; o < n_out; ++o)
    for (int c = 0; c < n_in; ++c)
      for (int j = 0; j < taps; ++j)
        im2col[(static_cast<size_t>(o) * taps + j) * n_in + c] =
            w->data[(static_cast<size_t>(o) * n_in + c) * taps + j];
  kernels::pack_linear(im2col.data(), static_cast<size_t>(taps) * n_in, n_out, taps * n_in,
                       tensor_data(p, prefix + ".bias").data(), nr, false, out);
}

// int8 precision: the Linear `prefix` with the LayerNorm `norm` folded into it when
// given (W' = W diag(gamma), b' = b + W beta, in float64), packed as int8; the norm's
// gamma and beta become 1 and 0 so the forward still runs it as the plain normalization.
void pack_q(const ModelPackage& p, const std::string& prefix, int nr, bool glu, PackedLinear* out,
            std::vector<float>* norm_w, std::vector<float>* norm_b) {
  const PackageTensor* w = p.tensor(prefix + ".weight");
  const int rows = static_cast<int>(w->shape[0]), cols = static_cast<int>(w->shape[1]);
  std::vector<float> wf = w->data, bf = tensor_data(p, prefix + ".bias");
  if (norm_w) {
    for (int r = 0; r < rows; ++r) {
      double b = bf[r];
      for (int c = 0; c < cols; ++c) {
        const size_t i = static_cast<size_t>(r) * cols + c;
        b += static_cast<double>(w->data[i]) * (*norm_b)[c];
        wf[i] = static_cast<float>(static_cast<double>(w->data[i]) * (*norm_w)[c]);
      }
      bf[r] = static_cast<float>(b);
    }
    std::fill(norm_w->begin(), norm_w->end(), 1.0f);
    std::fill(norm_b->begin(), norm_b->end(), 0.0f);
  }
  kernels::pack_linear_q(wf.data(), cols, glu ? rows / 2 : rows, cols, bf.data(), nr, glu, out);
}

namespace {

// Sinusoidal positions [steps, H] (arch.h): pe[t, 2i] = sin(t / 10000^(2i / H)),
// pe[t, 2i + 1] = cos(same), in float64 rounded to float32.
void fill_positions(int steps, int h, float* pe) {
  for (int t = 0; t < steps; ++t)
    for (int i = 0; 2 * i < h; ++i) {
      const double angle = t / std::pow(10000.0, 2.0 * i / h);
      pe[static_cast<size_t>(t) * h + 2 * i] = static_cast<float>(std::sin(angle));
      if (2 * i + 1 < h) pe[static_cast<size_t>(t) * h + 2 * i + 1] = static_cast<float>(std::cos(angle));
    }
}

}  // namespace

inherent_status Model::create(ModelPackage package, const kernels::Kernels& kernels,
                              std::unique_ptr<Model>* out, std::string* error, Precision precision) {
  (void)error;  // every check happened when the package loaded
  std::unique_ptr<Model> m(new Model());
  m->precision_ = precision;
  const bool q = precision == Precision::int8;
  const ModelConfig& c = package.config;
  const int nr = kernels.nr;
  m->config_ = c;
  m->kernels_ = &kernels;
  m->n_params_ = arch_n_params(c);
  m->max_frames_ = static_cast<int>(kMaxFrames);
  if (c.family == ArchFamily::whisper) {
    m->max_frames_ = kWhisperPositions;  // one step per frame
    whisper_pack(package, kernels, precision, &m->whisper);
    m->metadata_ = std::move(package.metadata);
    *out = std::move(m);
    return INHERENT_STATUS_OK;
  }
  if (c.family == ArchFamily::ensemble) {
    // Each member is a model of its own, made from its tensors with the prefix cut.
    std::vector<std::vector<PackageTensor>> parts(c.members.size());
    for (PackageTensor& t : package.tensors) {
      for (size_t i = 0; i < parts.size(); ++i) {
        const std::string p = ensemble_prefix(i);
        if (t.name.compare(0, p.size(), p) != 0) continue;
        t.name.erase(0, p.size());
        parts[i].push_back(std::move(t));
        break;
      }
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      ModelPackage member;
      member.config = c.members[i];
      member.metadata = package.metadata;
      member.metadata.config = c.members[i];
      member.tensors = std::move(parts[i]);
      std::unique_ptr<Model> built;
      const inherent_status st = create(std::move(member), kernels, &built, error, precision);
      if (st != INHERENT_STATUS_OK) return st;
      m->max_frames_ = std::min(m->max_frames_, built->max_frames());
      m->members.push_back(std::move(built));
    }
    m->metadata_ = std::move(package.metadata);
    *out = std::move(m);
    return INHERENT_STATUS_OK;
  }

  m->mel_mean = tensor_data(package, "mel_norm.mean");
  m->mel_inv_std = tensor_data(package, "mel_norm.std");
  for (float& s : m->mel_inv_std) s = 1.0f / s;
  pack_conv(package, "subsample.conv1", nr, &m->conv1);
  pack_conv(package, "subsample.conv2", nr, &m->conv2);
  m->blocks.resize(c.n_blocks);
  for (int b = 0; b < c.n_blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b);
    PackedBlock& k = m->blocks[b];
    k.ffn1_norm_w = tensor_data(package, p + ".ffn1.norm.weight");
    k.ffn1_norm_b = tensor_data(package, p + ".ffn1.norm.bias");
    k.attn_norm_w = tensor_data(package, p + ".attn.norm.weight");
    k.attn_norm_b = tensor_data(package, p + ".attn.norm.bias");
    k.conv_norm1_w = tensor_data(package, p + ".conv.norm1.weight");
    k.conv_norm1_b = tensor_data(package, p + ".conv.norm1.bias");
    k.conv_norm2_w = tensor_data(package, p + ".conv.norm2.weight");
    k.conv_norm2_b = tensor_data(package, p + ".conv.norm2.bias");
    k.ffn2_norm_w = tensor_data(package, p + ".ffn2.norm.weight");
    k.ffn2_norm_b = tensor_data(package, p + ".ffn2.norm.bias");
    if (q) {
      pack_q(package, p + ".ffn1.up", nr, false, &k.ffn1_up, &k.ffn1_norm_w, &k.ffn1_norm_b);
      pack_q(package, p + ".ffn1.down", nr, false, &k.ffn1_down);
      pack_q(package, p + ".attn.qkv", nr, false, &k.qkv, &k.attn_norm_w, &k.attn_norm_b);
      pack_q(package, p + ".attn.out", nr, false, &k.out);
      pack_q(package, p + ".conv.pointwise1", nr, true, &k.pointwise1, &k.conv_norm1_w, &k.conv_norm1_b);
      pack_q(package, p + ".conv.pointwise2", nr, false, &k.pointwise2);
      pack_q(package, p + ".ffn2.up", nr, false, &k.ffn2_up, &k.ffn2_norm_w, &k.ffn2_norm_b);
      pack_q(package, p + ".ffn2.down", nr, false, &k.ffn2_down);
    } else {
      pack(package, p + ".ffn1.up", nr, false, &k.ffn1_up);
      pack(package, p + ".ffn1.down", nr, false, &k.ffn1_down);
      pack(package, p + ".attn.qkv", nr, false, &k.qkv);
      pack(package, p + ".attn.out", nr, false, &k.out);
      pack(package, p + ".conv.pointwise1", nr, true, &k.pointwise1);
      pack(package, p + ".conv.pointwise2", nr, false, &k.pointwise2);
      pack(package, p + ".ffn2.up", nr, false, &k.ffn2_up);
      pack(package, p + ".ffn2.down", nr, false, &k.ffn2_down);
    }
    const std::vector<float>& dw = tensor_data(package, p + ".conv.depthwise.weight");  // [H, 1, K]
    k.depthwise_w.resize(dw.size());
    for (int h = 0; h < c.n_hidden; ++h)
      for (int j = 0; j < c.conv_kernel; ++j)
        k.depthwise_w[static_cast<size_t>(j) * c.n_hidden + h] =
            dw[static_cast<size_t>(h) * c.conv_kernel + j];
    k.depthwise_b = tensor_data(package, p + ".conv.depthwise.bias");
    k.norm_w = tensor_data(package, p + ".norm.weight");
    k.norm_b = tensor_data(package, p + ".norm.bias");
  }
  m->final_norm_w = tensor_data(package, "final_norm.weight");
  m->final_norm_b = tensor_data(package, "final_norm.bias");
  m->pool_w = tensor_data(package, "pool.score.weight");
  m->pool_b = tensor_data(package, "pool.score.bias")[0];
  m->head_w = tensor_data(package, "head.weight");
  m->head_b = tensor_data(package, "head.bias");
  const int steps = static_cast<int>(arch_subsampled_frames(m->max_frames_));
  m->positions.resize(static_cast<size_t>(steps) * c.n_hidden);
  fill_positions(steps, c.n_hidden, m->positions.data());
  m->metadata_ = std::move(package.metadata);
  *out = std::move(m);
  return INHERENT_STATUS_OK;
}

void Workspace::reserve(const Model& model, int n_frames) {
  // An int8 model also needs the quantized-input buffer, even where a float model has
  // already grown the rest to this length.
  if (model.config().family == ArchFamily::ensemble) {
    members.resize(model.members.size());
    for (size_t i = 0; i < members.size(); ++i) {
      members[i].threads = threads;
      members[i].reserve(*model.members[i], n_frames);
    }
    member_logits.resize(static_cast<size_t>(model.config().n_outputs));
    capacity_frames = std::max(capacity_frames, n_frames);
    return;
  }
  const bool int8 = model.precision() == Precision::int8;
  const bool whisper = model.config().family == ArchFamily::whisper;  // one step per frame, not per 4
  const size_t q_rows = whisper ? static_cast<size_t>(std::max(capacity_frames, 0))
                                : static_cast<size_t>(capacity_frames + 3) / 4;
  if (n_frames <= capacity_frames && (!int8 || qa_scale.size() >= q_rows)) return;
  n_frames = std::max(n_frames, capacity_frames);
  if (whisper) return whisper_reserve(model, *this, n_frames);
  const ModelConfig& c = model.config();
  const size_t t = static_cast<size_t>(n_frames);
  const size_t t1 = (t + 1) / 2, t2 = (t1 + 1) / 2;
  const size_t hid = static_cast<size_t>(c.n_hidden), m = static_cast<size_t>(c.n_mels);
  const size_t f = static_cast<size_t>(c.ffn_mult) * hid;
  const int nr = model.kernels().nr;
  mel.resize((t + 2) * m);
  sub1.resize((t1 + 2) * hid);
  x.resize(t2 * hid);
  h.resize(t2 * hid);
  wide.resize(t2 * std::max(f, 3 * hid));
  ctx.resize(t2 * hid);
  glu.resize(t2 * hid);
  scores.resize(t2 * t2);
  const int dh = c.n_hidden / c.n_heads;
  packed.resize(std::max(kernels::packed_size(static_cast<int>(t2), dh, nr),
                         kernels::packed_size(dh, static_cast<int>(t2), nr)));
  if (int8) {
    qa.resize(t2 * (std::max(f, hid) + 1));
    qa_scale.resize(t2);
  }
  valid.resize(t);
  valid1.resize(t1);
  valid2.resize(t2);
  pool.resize(t2);
  pooled.resize(hid);
  capacity_frames = n_frames;
}

bool frame_is_padding(const float* frame, int m) {
  for (int i = 0; i < m; ++i)
    if (frame[i] != 0.0f) return false;
  return true;
}

float normalize_frame(const Model& model, const float* frame, float* out) {
  const int m = model.config().n_mels;
  if (frame_is_padding(frame, m)) {
    std::memset(out, 0, sizeof(float) * m);
    return 0.0f;
  }
  if (model.config().family != ArchFamily::conformer) {  // whisper, ensemble: raw frames
    std::memcpy(out, frame, sizeof(float) * m);
    return 1.0f;
  }
  for (int i = 0; i < m; ++i) out[i] = (frame[i] - model.mel_mean[i]) * model.mel_inv_std[i];
  return 1.0f;
}

void sigmoid(const float* logits, int n, float* scores) {
  for (int i = 0; i < n; ++i) scores[i] = 1.0f / (1.0f + std::exp(-logits[i]));
}

int first_non_finite_score(const float* scores) {
  for (int i = 0; i < INHERENT_N_HEADS; ++i)
    if (!std::isfinite(scores[i])) return i;
  return -1;
}

std::string non_finite_score_message(const Model& model, int head) {
  const ModelMetadata& m = model.metadata();
  return "model " + (m.model_name.empty() ? std::string("(unnamed)") : m.model_name) + " " + m.model_version +
         " gave a non-finite score for head " + std::to_string(head) +
         ": its weights are damaged or were trained to overflow; re-export or reinstall the package";
}

// One GEMM, its panels split over the workspace's threads when there is enough work.
void gemm(const Workspace& ws, const kernels::Kernels& k, const GemmArgs& g) {
  void (*const run)(const GemmArgs&) = g.qa ? k.gemm_q : k.gemm;
  const int threads = ws.threads ? ws.threads->size() : 1;
  const int cols = g.glu ? k.nr / 2 : k.nr;
  const int panels = (g.n + cols - 1) / cols;
  const double macs = static_cast<double>(g.m) * g.k * g.n;
  if (threads == 1 || panels < 2 || macs < 100000.0) {
    run(g);
    return;
  }
  const int chunks = std::min(panels, threads);
  ws.threads->run(chunks, [&](int c) {
    GemmArgs part = g;
    part.panel_begin = panels * c / chunks;
    part.panel_end = panels * (c + 1) / chunks;
    run(part);
  });
}

// A packed Linear on a [m, k] float input: the float GEMM, or (int8 weights) the
// input quantized row by row into ws.qa and the integer GEMM.
void linear(Workspace& ws, const kernels::Kernels& k, GemmArgs g, const PackedLinear& w) {
  if (!w.int8) return gemm(ws, k, g);
  const size_t ldq = static_cast<size_t>(w.k + 1) / 2 * 2;
  k.quantize_rows(g.m, w.k, g.a, g.lda, ws.qa.data(), ldq, ws.qa_scale.data());
  g.qa = ws.qa.data(), g.lda = ldq, g.a_scale = ws.qa_scale.data();
  gemm(ws, k, g);
}

// x += out(MHSA(qkv(LN x))), keys masked by valid2.
void attention(const kernels::Kernels& k, Workspace& ws, int t2, int h, int n_heads,
               const std::vector<float>& norm_w, const std::vector<float>& norm_b, const PackedLinear& qkv_w,
               const PackedLinear& out_w) {
  const int dh = h / n_heads, nr = k.nr;
  const size_t ld = 3 * static_cast<size_t>(h);
  float* qkv = ws.wide.data();  // [T2, 3H]
  k.layer_norm(t2, h, ws.x.data(), h, norm_w.data(), norm_b.data(), ws.h.data(), h);
  linear(ws, k, kernels::gemm_args(qkv_w, t2, ws.h.data(), h, qkv, ld, Epilogue::bias), qkv_w);
  for (int head = 0; head < n_heads; ++head) {
    const float* q = qkv + head * dh;
    const float* key = qkv + h + head * dh;
    const float* v = qkv + 2 * h + head * dh;
    // scores [T2, T2] = q k^T / sqrt(dh): k's rows are the "weight" rows.
    kernels::pack_rows(key, ld, t2, dh, nr, ws.packed.data());
    GemmArgs s;
    s.m = t2, s.k = dh, s.n = t2, s.a = q, s.lda = ld, s.panels = ws.packed.data();
    s.c = ws.scores.data(), s.ldc = t2, s.epilogue = Epilogue::scale;
    s.alpha = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dh)));
    gemm(ws, k, s);
    k.softmax_masked(t2, t2, ws.scores.data(), t2, ws.valid2.data());
    // ctx[:, head] [T2, dh] = p v: v^T is the "weight" [dh, T2].
    kernels::pack_cols(v, ld, dh, t2, nr, ws.packed.data());
    GemmArgs o;
    o.m = t2, o.k = t2, o.n = dh, o.a = ws.scores.data(), o.lda = t2, o.panels = ws.packed.data();
    o.c = ws.ctx.data() + head * dh, o.ldc = h, o.epilogue = Epilogue::scale, o.alpha = 1.0f;
    gemm(ws, k, o);
  }
  GemmArgs g = kernels::gemm_args(out_w, t2, ws.ctx.data(), h, ws.x.data(), h, Epilogue::residual);
  g.residual = ws.x.data(), g.ldr = h, g.alpha = 1.0f;
  linear(ws, k, g, out_w);
}

namespace {

// x += alpha * ffn(x), ffn = down(SiLU(up(LN x))).
void feed_forward(const kernels::Kernels& k, Workspace& ws, int t2, int h, const std::vector<float>& norm_w,
                  const std::vector<float>& norm_b, const PackedLinear& up, const PackedLinear& down) {
  k.layer_norm(t2, h, ws.x.data(), h, norm_w.data(), norm_b.data(), ws.h.data(), h);
  linear(ws, k, kernels::gemm_args(up, t2, ws.h.data(), h, ws.wide.data(), up.n, Epilogue::bias_silu), up);
  GemmArgs g = kernels::gemm_args(down, t2, ws.wide.data(), up.n, ws.x.data(), h, Epilogue::residual);
  g.residual = ws.x.data(), g.ldr = h, g.alpha = 0.5f;
  linear(ws, k, g, down);
}

// x += pointwise2(SiLU(LN2(depthwise(valid2 * GLU(pointwise1(LN1 x)))))).
void convolution(const kernels::Kernels& k, const ModelConfig& c, Workspace& ws, int t2,
                 const PackedBlock& b) {
  const int h = c.n_hidden;
  k.layer_norm(t2, h, ws.x.data(), h, b.conv_norm1_w.data(), b.conv_norm1_b.data(), ws.h.data(), h);
  linear(ws, k, kernels::gemm_args(b.pointwise1, t2, ws.h.data(), h, ws.glu.data(), h, Epilogue::glu),
         b.pointwise1);
  for (int t = 0; t < t2; ++t)
    if (ws.valid2[t] == 0.0f) std::memset(ws.glu.data() + static_cast<size_t>(t) * h, 0, sizeof(float) * h);
  k.dwconv_ln_silu(t2, h, c.conv_kernel, ws.glu.data(), b.depthwise_w.data(), b.depthwise_b.data(),
                   b.conv_norm2_w.data(), b.conv_norm2_b.data(), ws.h.data());
  GemmArgs g = kernels::gemm_args(b.pointwise2, t2, ws.h.data(), h, ws.x.data(), h, Epilogue::residual);
  g.residual = ws.x.data(), g.ldr = h, g.alpha = 1.0f;
  linear(ws, k, g, b.pointwise2);
}

void zero_invalid_rows(float* x, const float* valid, int rows, int width) {
  for (int t = 0; t < rows; ++t)
    if (valid[t] == 0.0f) std::memset(x + static_cast<size_t>(t) * width, 0, sizeof(float) * width);
}

}  // namespace

void encode(const Model& model, Workspace& ws, int t2, float* logits) {
  const ModelConfig& c = model.config();
  const kernels::Kernels& k = model.kernels();
  const int h = c.n_hidden;
  float* x = ws.x.data();
  const float* pe = model.positions.data();
  for (size_t i = 0; i < static_cast<size_t>(t2) * h; ++i) x[i] += pe[i];
  for (const PackedBlock& b : model.blocks) {
    feed_forward(k, ws, t2, h, b.ffn1_norm_w, b.ffn1_norm_b, b.ffn1_up, b.ffn1_down);
    attention(k, ws, t2, h, c.n_heads, b.attn_norm_w, b.attn_norm_b, b.qkv, b.out);
    convolution(k, c, ws, t2, b);
    feed_forward(k, ws, t2, h, b.ffn2_norm_w, b.ffn2_norm_b, b.ffn2_up, b.ffn2_down);
    k.layer_norm(t2, h, x, h, b.norm_w.data(), b.norm_b.data(), x, h);
  }
  k.layer_norm(t2, h, x, h, model.final_norm_w.data(), model.final_norm_b.data(), x, h);
  // Attentive pooling: softmax over valid steps of pool.score(x), then the head.
  for (int t = 0; t < t2; ++t)
    ws.pool[t] = k.dot(h, x + static_cast<size_t>(t) * h, model.pool_w.data()) + model.pool_b;
  k.softmax_masked(1, t2, ws.pool.data(), t2, ws.valid2.data());
  std::fill(ws.pooled.begin(), ws.pooled.end(), 0.0f);
  for (int t = 0; t < t2; ++t) {
    const float w = ws.pool[t];
    if (w == 0.0f) continue;
    const float* row = x + static_cast<size_t>(t) * h;
    for (int i = 0; i < h; ++i) ws.pooled[i] += w * row[i];
  }
  for (int o = 0; o < c.n_outputs; ++o)
    logits[o] =
        k.dot(h, model.head_w.data() + static_cast<size_t>(o) * h, ws.pooled.data()) + model.head_b[o];
}

inherent_status forward(const Model& model, Workspace& ws, const float* mel, int n_frames, float* logits,
                        std::string* error) {
  const ModelConfig& c = model.config();
  const int m = c.n_mels, h = c.n_hidden;
  if (c.family == ArchFamily::ensemble) {
    ws.reserve(model, n_frames);
    std::fill(logits, logits + c.n_outputs, 0.0f);
    for (size_t i = 0; i < model.members.size(); ++i) {
      const inherent_status st =
          forward(*model.members[i], ws.members[i], mel, n_frames, ws.member_logits.data(), error);
      if (st != INHERENT_STATUS_OK) return st;
      for (int o = 0; o < c.n_outputs; ++o) logits[o] += c.member_weights[i] * ws.member_logits[o];
    }
    return INHERENT_STATUS_OK;
  }
  if (c.family == ArchFamily::whisper) {
    // No padding mask inside Whisper's blocks: padding at either end is cut instead.
    int first = 0;
    while (first < n_frames && frame_is_padding(mel + static_cast<size_t>(first) * m, m)) ++first;
    mel += static_cast<size_t>(first) * m;
    n_frames -= first;
  }
  // Trailing padding costs nothing (see model.h).
  int t = n_frames;
  while (t > 0 && frame_is_padding(mel + static_cast<size_t>(t - 1) * m, m)) --t;
  if (t == 0) {
    *error = "every frame is padding (all 128 values exactly 0): nothing to score";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  if (t > model.max_frames()) {
    *error = std::to_string(t) + " frames is longer than the " + std::to_string(model.max_frames()) + " (" +
             std::to_string(model.max_frames() / 50) + " s) this model reads; score a shorter window";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  if (c.family == ArchFamily::whisper) {
    ws.reserve(model, t);
    whisper_forward(model, ws, mel, t, logits);
    return INHERENT_STATUS_OK;
  }
  const int t1 = (t + 1) / 2, t2 = (t1 + 1) / 2;
  ws.reserve(model, t);
  const kernels::Kernels& k = model.kernels();

  // mel rows 1..T normalized (row r = frame r - 1), rows 0 and T + 1 zero.
  float* xm = ws.mel.data();
  std::memset(xm, 0, sizeof(float) * m);
  std::memset(xm + static_cast<size_t>(t + 1) * m, 0, sizeof(float) * m);
  for (int f = 0; f < t; ++f)
    ws.valid[f] = normalize_frame(model, mel + static_cast<size_t>(f) * m, xm + (f + 1) * m);
  for (int i = 0; i < t1; ++i) ws.valid1[i] = ws.valid[2 * i];
  for (int i = 0; i < t2; ++i) ws.valid2[i] = ws.valid1[2 * i];
  bool any_step = false;
  for (int i = 0; i < t2; ++i) any_step = any_step || ws.valid2[i] != 0.0f;
  if (!any_step) {
    *error = "no encoder step is valid: frames 0, 4, 8, ... are all padding";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }

  // conv1: step i reads frames 2i - 1, 2i, 2i + 1 = mel rows 2i .. 2i + 2 (contiguous).
  float* s1 = ws.sub1.data();  // rows 1..T1 = steps, rows 0 and T1 + 1 zero
  std::memset(s1, 0, sizeof(float) * h);
  std::memset(s1 + static_cast<size_t>(t1 + 1) * h, 0, sizeof(float) * h);
  gemm(ws, k,
       kernels::gemm_args(model.conv1, t1, xm, 2 * static_cast<size_t>(m), s1 + h, h, Epilogue::bias_silu));
  zero_invalid_rows(s1 + h, ws.valid1.data(), t1, h);
  // conv2 on the same pattern.
  gemm(ws, k,
       kernels::gemm_args(model.conv2, t2, s1, 2 * static_cast<size_t>(h), ws.x.data(), h,
                          Epilogue::bias_silu));
  zero_invalid_rows(ws.x.data(), ws.valid2.data(), t2, h);
  encode(model, ws, t2, logits);
  return INHERENT_STATUS_OK;
}

}  // namespace inherent::engine
