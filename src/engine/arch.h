// SPDX-License-Identifier: Apache-2.0
//
// The architecture table: every weight tensor of an inherent Conformer, by name and
// shape, for a given ModelConfig. This is the one list of tensor names. The LibTorch
// trainer registers its modules so that its state dict equals this table (a test
// checks it), checkpoints and model packages store tensors under these names, and the
// exporters and the native engine loader look them up here. Header only, no
// dependencies beyond the standard library, so the engine, WebAssembly and mobile
// builds include it as is.
//
// Usage:
//   inherent::ModelConfig config;
//   std::string error;
//   if (!inherent::arch_config_by_name("small", &config)) ...;
//   for (const inherent::ArchTensor& t : inherent::arch_tensors(config))
//     printf("%s %s\n", t.name.c_str(), inherent::arch_shape_string(t.shape).c_str());
//
// Shape letters: H hidden size (n_hidden), F ffn size (ffn_mult * H), K depthwise conv
// kernel, M mel bins (128), O outputs (13). Linear weights are [out, in] and Conv1d
// weights [out, in / groups, kernel], as in torch.
//
// The forward pass these tensors feed (the contract every runtime implements; the
// trainer's model.cpp is the reference):
//   x [B, T, M] log-mels; valid[b, t] = any(x[b, t, :] != 0)   (all-zero frame = padding)
//   x = valid ? (x - mel_norm.mean) / mel_norm.std : 0
//   x = SiLU(subsample.conv1(x)) * valid1     valid1[t] = valid[2t]    [B, ceil(T/2), H]
//   x = SiLU(subsample.conv2(x)) * valid2     valid2[t] = valid1[2t]   [B, T2, H]
//   x += sinusoid(T2, H)   pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same);
//                          computed in float64, rounded to float32
//   per block b:  x += 0.5 * ffn1(x)
//                 x += attn.out(MHSA(attn.qkv(LN x)))   keys masked by valid2
//                 x += conv(x)
//                 x += 0.5 * ffn2(x)
//                 x = LN_block(x)
//     ffn(x)  = down(SiLU(up(LN x)))
//     conv(x) = pointwise2(SiLU(LN2(depthwise(valid2 * GLU(pointwise1(LN1 x))))))
//               GLU(a | g) = a * sigmoid(g) (first half of the 2H channels is a);
//               depthwise: groups = H, padding K/2 both sides
//   x = final_norm(x)
//   w = softmax over valid steps of pool.score(x)   [B, T2]  (padded steps weigh 0)
//   logits = head(sum_t w[t] x[t])                 [B, O];  scores = sigmoid(logits)
// Conv1d subsampling: kernel 3, stride 2, padding 1. LayerNorm eps = 1e-5, affine.
// Attention: q|k|v are the three H-row slices of attn.qkv (in that order), heads split
// the H columns into n_heads slices of H / n_heads, scale 1 / sqrt(H / n_heads).
//
// The whisper family (config.family = whisper; docs/backbone.md): Whisper tiny.en's
// pretrained encoder behind a bridge from the project's log-mel, with per-head pooled
// heads. W bridge_mels (Whisper's 80 bins), P head_width; GELU is the exact (erf) one.
// There is no padding mask: the model reads the frames it is given (engines drop
// all-zero frames at both ends first).
//   p [T, W]  = max(exp(x) - 1e-8, 0) @ bridge.matrix^T;  l = log10(max(p, 1e-10))
//   u [2T, W] = l interpolated onto Whisper's 10 ms grid: row j reads position
//               clamp((160 j - 199.5) / 320, 0, T - 1), linear between its two rows
//   u = (max(u, bridge.floor) + 4) / 4
//   x = GELU(stem.conv1(u))               kernel 3, stride 1, padding 1   [2T, H]
//   x = GELU(stem.conv2(x))               kernel 3, stride 2, padding 1   [T, H]
//   x += positions[0:T]                   Whisper's table (a buffer; at most 1500 steps)
//   per block b:  x += attn.out(MHSA(attn.qkv(LN_attn x)))     (no key mask)
//                 x += ffn.down(GELU(ffn.up(LN_ffn x)))
//   x = final_norm(x)
//   z = GELU(heads.proj(heads.norm(x)))   [T, P]
//   w = softmax over t of heads.score(z)  [T, O]   (one pooling per head)
//   logits[o] = sum_t w[t, o] (z[t] . heads.weight[o]) + heads.bias[o]
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace inherent {

constexpr float kLayerNormEps = 1e-5f;
constexpr int kSubsampleKernel = 3;
constexpr int kSubsampleStride = 2;
constexpr int kWhisperPositions = 1500;  // rows of Whisper's position table (30 s of steps)
// The bridge's grid: row 2t reads position t - 0.6234375 and row 2t + 1 position
// t - 0.1234375 ((160 j - 199.5) / 320), so away from the clamp at the start each is a
// fixed blend of frames t - 1 and t, with these shares of frame t - 1. Exporters that
// write the blend as graph ops use them.
constexpr float kWhisperEvenBlend = 0.6234375f, kWhisperOddBlend = 0.1234375f;

enum class ArchFamily {
  conformer,  // the project's own model (the tables above)
  whisper,    // Whisper's encoder behind the bridge, pooled heads
  ensemble,   // several models of the other families on the same log-mel (below)
};

// The shape of a model. Only sizes: training-only settings (dropout) live elsewhere.
struct ModelConfig {
  ArchFamily family = ArchFamily::conformer;
  int n_mels = 128;      // M: input features per frame (the frontend contract)
  int n_hidden = 128;    // H
  int n_blocks = 4;      // Conformer (or Whisper) blocks
  int n_heads = 4;       // attention heads; must divide H
  int ffn_mult = 4;      // F = ffn_mult * H
  int conv_kernel = 15;  // K; odd, so 'same' padding is symmetric (whisper: 3, the stem's)
  int n_outputs = 13;    // O: heads in heads.inc order
  int bridge_mels = 0;   // whisper only: W, the pretrained encoder's mel bins
  int head_width = 0;    // whisper only: P, the heads' projection width
  // ensemble only: its members (conformer or whisper family) and the weight of each
  // member's logits. Its other sizes stay unused; n_mels and n_outputs are the members'.
  std::vector<ModelConfig> members;
  std::vector<float> member_weights;
};

inline bool operator==(const ModelConfig& a, const ModelConfig& b) {
  return a.family == b.family && a.n_mels == b.n_mels && a.n_hidden == b.n_hidden &&
         a.n_blocks == b.n_blocks && a.n_heads == b.n_heads && a.ffn_mult == b.ffn_mult &&
         a.conv_kernel == b.conv_kernel && a.n_outputs == b.n_outputs && a.bridge_mels == b.bridge_mels &&
         a.head_width == b.head_width && a.members == b.members && a.member_weights == b.member_weights;
}

// The ensemble family: logits = sum_i member_weights[i] * logits of member i, every
// member reading the same log-mel (each cuts its own padding as its family does). Its
// tensors are the members' under "members.<i>." and its config pairs carry theirs the
// same way ("members.<i>.n_hidden", ...) beside "members" (the count) and
// "members.<i>.weight". Members are never ensembles themselves.
constexpr int kMaxEnsembleMembers = 8;

// The config of an ensemble of these members (its sizes are the first member's).
inline ModelConfig arch_ensemble_config(std::vector<ModelConfig> members, std::vector<float> weights) {
  ModelConfig c;
  c.family = ArchFamily::ensemble;
  if (!members.empty()) c.n_mels = members[0].n_mels, c.n_outputs = members[0].n_outputs;
  c.members = std::move(members);
  c.member_weights = std::move(weights);
  return c;
}

// A model with a whisper-family part cuts each clip's padding (no padding mask inside
// Whisper's blocks): it reads one clip at a time, in shapes set by the clip.
inline bool arch_cuts_padding(const ModelConfig& c) {
  bool any = c.family == ArchFamily::whisper;
  for (const ModelConfig& m : c.members) any = any || m.family == ArchFamily::whisper;
  return any;
}
inline std::string ensemble_prefix(size_t i) { return "members." + std::to_string(i) + "."; }

// Whisper tiny.en's encoder with the backbone model's heads (docs/backbone.md).
inline ModelConfig arch_whisper_tiny_en() {
  ModelConfig c;
  c.family = ArchFamily::whisper;
  c.n_hidden = 384, c.n_blocks = 4, c.n_heads = 6, c.ffn_mult = 4, c.conv_kernel = 3;
  c.bridge_mels = 80, c.head_width = 256;
  return c;
}

// Named configs. The conformer family (what the trainer builds): tiny for tests and
// parity fixtures, small the shipped default (~1.6M parameters), base the seed's
// production shape (~9.44M). whisper-tiny.en: the whisper family at Whisper tiny.en's
// size (made by src/backbone/package.py, not the trainer; random weights of it for
// benchmarks and fixtures). backbone: the shipped backbone model's shape, an even
// ensemble of whisper-tiny.en and small (scripts/backbone-model.sh).
inline bool arch_config_by_name(const std::string& name, ModelConfig* out) {
  ModelConfig c;
  if (name == "whisper-tiny.en") {
    c = arch_whisper_tiny_en();
  } else if (name == "backbone") {
    ModelConfig small;
    arch_config_by_name("small", &small);
    c = arch_ensemble_config({arch_whisper_tiny_en(), small}, {0.5f, 0.5f});
  } else if (name == "tiny") {
    c.n_hidden = 32, c.n_blocks = 1, c.n_heads = 2, c.conv_kernel = 7;
  } else if (name == "small") {
    c.n_hidden = 128, c.n_blocks = 4, c.n_heads = 4, c.conv_kernel = 15;
  } else if (name == "base") {
    c.n_hidden = 256, c.n_blocks = 6, c.n_heads = 4, c.conv_kernel = 31;
  } else {
    return false;
  }
  *out = c;
  return true;
}

inline const char* const* arch_config_names() {
  static const char* const names[] = {"tiny", "small", "base", "whisper-tiny.en", "backbone", nullptr};
  return names;
}

// The named config with exactly this shape, else `otherwise`.
inline std::string arch_config_name(const ModelConfig& c, const std::string& otherwise) {
  for (const char* const* n = arch_config_names(); *n; ++n) {
    ModelConfig preset;
    if (arch_config_by_name(*n, &preset) && preset == c) return *n;
  }
  return otherwise;
}

// Empty when the config is usable, else a message naming the offending field.
inline std::string arch_config_check(const ModelConfig& c) {
  if (c.family == ArchFamily::ensemble) {
    if (c.members.empty() || c.members.size() > static_cast<size_t>(kMaxEnsembleMembers))
      return "members = " + std::to_string(c.members.size()) + " is out of range [1, " +
             std::to_string(kMaxEnsembleMembers) + "]";
    if (c.member_weights.size() != c.members.size()) return "every member needs a weight";
    for (size_t i = 0; i < c.members.size(); ++i) {
      const ModelConfig& m = c.members[i];
      const std::string where = "members." + std::to_string(i);
      if (m.family == ArchFamily::ensemble) return where + " is an ensemble; members are single models";
      if (m.n_mels != c.n_mels || m.n_outputs != c.n_outputs)
        return where + " reads " + std::to_string(m.n_mels) + " mels into " + std::to_string(m.n_outputs) +
               " outputs; the ensemble " + std::to_string(c.n_mels) + " into " + std::to_string(c.n_outputs);
      const float w = c.member_weights[i];
      if (!(w == w) || w == 0.0f || w > 1e6f || w < -1e6f)
        return where + ".weight must be a finite, non-zero number";
      const std::string e = arch_config_check(m);
      if (!e.empty()) return where + ": " + e;
    }
    return {};
  }
  auto positive = [](const char* key, int v, int max) -> std::string {
    if (v <= 0 || v > max) {
      return std::string(key) + " = " + std::to_string(v) + " is out of range [1, " + std::to_string(max) +
             "]";
    }
    return {};
  };
  for (const std::string& e :
       {positive("n_mels", c.n_mels, 4096), positive("n_hidden", c.n_hidden, 8192),
        positive("n_blocks", c.n_blocks, 256), positive("n_heads", c.n_heads, 256),
        positive("ffn_mult", c.ffn_mult, 64), positive("conv_kernel", c.conv_kernel, 1023),
        positive("n_outputs", c.n_outputs, 4096)}) {
    if (!e.empty()) return e;
  }
  if (c.family == ArchFamily::whisper) {
    for (const std::string& e :
         {positive("bridge_mels", c.bridge_mels, 4096), positive("head_width", c.head_width, 8192)}) {
      if (!e.empty()) return e;
    }
    if (c.conv_kernel != 3)
      return "conv_kernel = " + std::to_string(c.conv_kernel) + " must be 3 (Whisper's stem)";
  } else if (c.bridge_mels != 0 || c.head_width != 0) {
    return "bridge_mels and head_width belong to the whisper family only";
  }
  if (c.n_hidden % c.n_heads != 0) {
    return "n_heads = " + std::to_string(c.n_heads) +
           " does not divide n_hidden = " + std::to_string(c.n_hidden);
  }
  if (c.conv_kernel % 2 == 0) return "conv_kernel = " + std::to_string(c.conv_kernel) + " must be odd";
  return {};
}

// Frames after the two stride-2 subsampling convs: ceil(ceil(T / 2) / 2).
inline int64_t arch_subsampled_frames(int64_t n_frames) {
  const int64_t t1 = (n_frames + 1) / 2;
  return (t1 + 1) / 2;
}

enum class ArchRole {
  parameter,  // trained
  buffer,     // fixed numbers that travel with the weights (feature normalization)
};

struct ArchTensor {
  std::string name;
  std::vector<int64_t> shape;
  ArchRole role = ArchRole::parameter;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

// The whisper family's tensors (see the forward pass at the top).
inline std::vector<ArchTensor> arch_whisper_tensors(const ModelConfig& c) {
  const int64_t m = c.n_mels, h = c.n_hidden, f = int64_t{c.ffn_mult} * c.n_hidden, w = c.bridge_mels;
  const int64_t p = c.head_width, o = c.n_outputs;
  std::vector<ArchTensor> t;
  auto add = [&t](std::string name, std::vector<int64_t> shape, ArchRole role = ArchRole::parameter) {
    t.push_back({std::move(name), std::move(shape), role});
  };
  auto linear = [&add](const std::string& prefix, int64_t out, int64_t in) {
    add(prefix + ".weight", {out, in});
    add(prefix + ".bias", {out});
  };
  auto layer_norm = [&add](const std::string& prefix, int64_t n) {
    add(prefix + ".weight", {n});
    add(prefix + ".bias", {n});
  };
  add("bridge.matrix", {w, m}, ArchRole::buffer);  // [W, M], non-negative
  add("bridge.floor", {1}, ArchRole::buffer);      // log10 floor of the bridged mel
  add("stem.conv1.weight", {h, w, 3});
  add("stem.conv1.bias", {h});
  add("stem.conv2.weight", {h, h, 3});
  add("stem.conv2.bias", {h});
  add("positions", {kWhisperPositions, h}, ArchRole::buffer);
  for (int b = 0; b < c.n_blocks; ++b) {
    const std::string prefix = "blocks." + std::to_string(b);
    layer_norm(prefix + ".attn.norm", h);
    linear(prefix + ".attn.qkv", 3 * h, h);
    linear(prefix + ".attn.out", h, h);
    layer_norm(prefix + ".ffn.norm", h);
    linear(prefix + ".ffn.up", f, h);
    linear(prefix + ".ffn.down", h, f);
  }
  layer_norm("final_norm", h);
  layer_norm("heads.norm", h);
  linear("heads.proj", p, h);
  linear("heads.score", o, p);
  add("heads.weight", {o, p});
  add("heads.bias", {o});
  return t;
}

// Every tensor of the model in a stable order (the order files are written in).
inline std::vector<ArchTensor> arch_tensors(const ModelConfig& c) {
  if (c.family == ArchFamily::whisper) return arch_whisper_tensors(c);
  if (c.family == ArchFamily::ensemble) {
    std::vector<ArchTensor> t;
    for (size_t i = 0; i < c.members.size(); ++i) {
      for (ArchTensor a : arch_tensors(c.members[i])) {
        a.name = ensemble_prefix(i) + a.name;
        t.push_back(std::move(a));
      }
    }
    return t;
  }
  const int64_t m = c.n_mels, h = c.n_hidden, f = int64_t{c.ffn_mult} * c.n_hidden, k = c.conv_kernel;
  std::vector<ArchTensor> t;
  auto add = [&t](std::string name, std::vector<int64_t> shape, ArchRole role = ArchRole::parameter) {
    t.push_back({std::move(name), std::move(shape), role});
  };
  auto linear = [&add](const std::string& p, int64_t out, int64_t in) {
    add(p + ".weight", {out, in});
    add(p + ".bias", {out});
  };
  auto layer_norm = [&add](const std::string& p, int64_t n) {
    add(p + ".weight", {n});
    add(p + ".bias", {n});
  };
  auto ffn = [&](const std::string& p) {
    layer_norm(p + ".norm", h);
    linear(p + ".up", f, h);
    linear(p + ".down", h, f);
  };

  add("mel_norm.mean", {m}, ArchRole::buffer);  // [M]
  add("mel_norm.std", {m}, ArchRole::buffer);   // [M]
  add("subsample.conv1.weight", {h, m, kSubsampleKernel});
  add("subsample.conv1.bias", {h});
  add("subsample.conv2.weight", {h, h, kSubsampleKernel});
  add("subsample.conv2.bias", {h});
  for (int b = 0; b < c.n_blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b);
    ffn(p + ".ffn1");
    layer_norm(p + ".attn.norm", h);
    linear(p + ".attn.qkv", 3 * h, h);
    linear(p + ".attn.out", h, h);
    layer_norm(p + ".conv.norm1", h);
    linear(p + ".conv.pointwise1", 2 * h, h);
    add(p + ".conv.depthwise.weight", {h, 1, k});
    add(p + ".conv.depthwise.bias", {h});
    layer_norm(p + ".conv.norm2", h);
    linear(p + ".conv.pointwise2", h, h);
    ffn(p + ".ffn2");
    layer_norm(p + ".norm", h);
  }
  layer_norm("final_norm", h);
  linear("pool.score", 1, h);
  linear("head", c.n_outputs, h);
  return t;
}

// Number of trained parameters (buffers excluded).
inline int64_t arch_n_params(const ModelConfig& c) {
  int64_t n = 0;
  for (const ArchTensor& t : arch_tensors(c)) {
    if (t.role == ArchRole::parameter) n += t.numel();
  }
  return n;
}

inline std::string arch_shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

inline const char* arch_family_name(ArchFamily f) {
  return f == ArchFamily::whisper ? "whisper" : f == ArchFamily::ensemble ? "ensemble" : "conformer";
}

// A member weight as the shortest text that reads back to the same float (0.7, not
// 0.699999988).
inline std::string arch_weight_text(float w) {
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(w));
    if (std::strtof(buf, nullptr) == w) break;
  }
  return buf;
}

// The config as string pairs (safetensors __metadata__, metadata sidecar) and back. The
// conformer family writes its seven sizes only (what every older file holds); the
// whisper family adds "family" (the one text value) and its two sizes.
inline std::vector<std::pair<std::string, std::string>> arch_config_to_pairs(const ModelConfig& c) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (c.family != ArchFamily::conformer) pairs.emplace_back("family", arch_family_name(c.family));
  if (c.family == ArchFamily::ensemble) {
    pairs.insert(pairs.end(), {{"n_mels", std::to_string(c.n_mels)},
                               {"n_outputs", std::to_string(c.n_outputs)},
                               {"members", std::to_string(c.members.size())}});
    for (size_t i = 0; i < c.members.size(); ++i) {
      const std::string p = ensemble_prefix(i);
      pairs.emplace_back(p + "weight", arch_weight_text(c.member_weights[i]));
      for (const auto& [key, value] : arch_config_to_pairs(c.members[i])) pairs.emplace_back(p + key, value);
    }
    return pairs;
  }
  pairs.insert(pairs.end(), {{"n_mels", std::to_string(c.n_mels)},
                             {"n_hidden", std::to_string(c.n_hidden)},
                             {"n_blocks", std::to_string(c.n_blocks)},
                             {"n_heads", std::to_string(c.n_heads)},
                             {"ffn_mult", std::to_string(c.ffn_mult)},
                             {"conv_kernel", std::to_string(c.conv_kernel)},
                             {"n_outputs", std::to_string(c.n_outputs)}});
  if (c.family == ArchFamily::whisper) {
    pairs.emplace_back("bridge_mels", std::to_string(c.bridge_mels));
    pairs.emplace_back("head_width", std::to_string(c.head_width));
  }
  return pairs;
}

// Reads the keys of arch_config_to_pairs from pairs (other keys are ignored; no
// "family" means conformer). Returns an empty string on success, else a message naming
// the missing or bad key.
inline std::string arch_config_from_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                          ModelConfig* out) {
  ModelConfig c;
  auto find = [&pairs](const std::string& key) -> const std::string* {
    const std::string* value = nullptr;
    for (const auto& kv : pairs) {
      if (kv.first == key) value = &kv.second;
    }
    return value;
  };
  if (const std::string* family = find("family")) {
    if (*family == "whisper") {
      c.family = ArchFamily::whisper;
    } else if (*family == "ensemble") {
      c.family = ArchFamily::ensemble;
    } else if (*family != "conformer") {
      return "model config key 'family' has an unknown value '" + *family +
             "' (conformer, whisper, ensemble)";
    }
  }
  auto read_int = [&find](const std::string& key, int* dst) -> std::string {
    const std::string* value = find(key);
    if (!value) return "missing model config key '" + key + "'";
    int64_t v = 0;
    bool ok = !value->empty() && value->size() <= 9;
    for (char ch : *value) {
      ok = ok && ch >= '0' && ch <= '9';
      v = v * 10 + (ch - '0');
    }
    if (!ok) return "model config key '" + key + "' has a bad value '" + *value + "'";
    *dst = static_cast<int>(v);
    return {};
  };
  if (c.family == ArchFamily::ensemble) {
    int n = 0;
    for (const auto& [key, dst] :
         {std::pair<const char*, int*>{"n_mels", &c.n_mels}, {"n_outputs", &c.n_outputs}, {"members", &n}}) {
      const std::string e = read_int(key, dst);
      if (!e.empty()) return e;
    }
    if (n < 1 || n > kMaxEnsembleMembers)
      return "model config key 'members' = " + std::to_string(n) + " is out of range [1, " +
             std::to_string(kMaxEnsembleMembers) + "]";
    for (int i = 0; i < n; ++i) {
      const std::string p = ensemble_prefix(static_cast<size_t>(i));
      std::vector<std::pair<std::string, std::string>> sub;
      for (const auto& kv : pairs) {
        if (kv.first.compare(0, p.size(), p) == 0) sub.emplace_back(kv.first.substr(p.size()), kv.second);
      }
      const std::string* weight = find(p + "weight");
      if (!weight) return "missing model config key '" + p + "weight'";
      char* end = nullptr;
      const float w = std::strtof(weight->c_str(), &end);
      if (weight->empty() || end != weight->c_str() + weight->size())
        return "model config key '" + p + "weight' has a bad value '" + *weight + "'";
      if (const std::string* f = find(p + "family"); f && *f == "ensemble")
        return "model config key '" + p + "family': members are single models, not ensembles";
      ModelConfig member;
      const std::string e = arch_config_from_pairs(sub, &member);
      if (!e.empty()) return p + e;
      c.members.push_back(member);
      c.member_weights.push_back(w);
    }
    std::string error = arch_config_check(c);
    if (!error.empty()) return error;
    *out = c;
    return {};
  }
  std::vector<std::pair<const char*, int*>> fields = {
      {"n_mels", &c.n_mels},      {"n_hidden", &c.n_hidden}, {"n_blocks", &c.n_blocks},
      {"n_heads", &c.n_heads},    {"ffn_mult", &c.ffn_mult}, {"conv_kernel", &c.conv_kernel},
      {"n_outputs", &c.n_outputs}};
  if (c.family == ArchFamily::whisper) {
    fields.push_back({"bridge_mels", &c.bridge_mels});
    fields.push_back({"head_width", &c.head_width});
  }
  for (auto& [key, dst] : fields) {
    const std::string e = read_int(key, dst);
    if (!e.empty()) return e;
  }
  std::string error = arch_config_check(c);
  if (!error.empty()) return error;
  *out = c;
  return {};
}

}  // namespace inherent
