// SPDX-License-Identifier: Apache-2.0
#include "onnx-export.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <map>
#include <set>
#include <variant>

#include "common/heads.h"
#include "common/sha256.h"
#include "frontend/log-mel.h"
#include "inherent/inherent.hpp"

// Shape letters: B batch, T frames, T1 = ceil(T / 2), T2 = ceil(T1 / 2), M mel bins,
// H hidden, F ffn, K depthwise kernel, O outputs, N attention heads, D = H / N.

namespace inherent::exporter {
namespace {

using Attr = std::variant<int64_t, float, std::vector<int64_t>>;
using Attrs = std::vector<std::pair<std::string, Attr>>;

// Appends nodes and initializers to a GraphProto with unique, readable value names.
class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto* g) : g_(g) {}

  // A node with one output; returns the output's name (hint, made unique).
  std::string op(const std::string& type, std::initializer_list<std::string> inputs, const std::string& hint,
                 const Attrs& attrs = {}) {
    return ops(type, inputs, {hint}, attrs)[0];
  }

  std::vector<std::string> ops(const std::string& type, std::initializer_list<std::string> inputs,
                               std::initializer_list<std::string> hints, const Attrs& attrs = {}) {
    onnx::NodeProto* n = g_->add_node();
    n->set_op_type(type);
    for (const std::string& in : inputs) n->add_input(in);
    std::vector<std::string> outs;
    for (const std::string& h : hints) {
      outs.push_back(fresh(h));
      n->add_output(outs.back());
    }
    n->set_name(outs[0]);
    for (const auto& [name, value] : attrs) {
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name(name);
      if (const int64_t* i = std::get_if<int64_t>(&value)) {
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(*i);
      } else if (const float* f = std::get_if<float>(&value)) {
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(*f);
      } else {
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : std::get<std::vector<int64_t>>(value)) a->add_ints(v);
      }
    }
    return outs;
  }

  // Initializers. `name` is used verbatim (arch names) and must be new.
  std::string f32(const std::string& name, const std::vector<int64_t>& shape, const float* data) {
    return init(name, onnx::TensorProto::FLOAT, shape, data, 4);
  }
  std::string f64(const std::string& name, const std::vector<int64_t>& shape, const double* data) {
    return init(name, onnx::TensorProto::DOUBLE, shape, data, 8);
  }
  std::string i64(const std::string& name, const std::vector<int64_t>& values) {
    return init(name, onnx::TensorProto::INT64, {static_cast<int64_t>(values.size())}, values.data(), 8);
  }
  // Shared scalar constants.
  std::string scalar_f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    const std::string key = "const.f32." + std::to_string(bits);
    if (!consts_.count(key)) consts_[key] = init(key, onnx::TensorProto::FLOAT, {}, &v, 4);
    return consts_[key];
  }
  std::string scalar_f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    const std::string key = "const.f64." + std::to_string(bits);
    if (!consts_.count(key)) consts_[key] = init(key, onnx::TensorProto::DOUBLE, {}, &v, 8);
    return consts_[key];
  }
  std::string ints(const std::vector<int64_t>& v) {
    std::string key = "const.i64";
    for (int64_t x : v) key += "." + std::to_string(x);
    if (!consts_.count(key)) consts_[key] = i64(key, v);
    return consts_[key];
  }

 private:
  std::string fresh(const std::string& hint) {
    const int n = used_[hint]++;
    return n == 0 ? hint : hint + "_" + std::to_string(n);
  }

  std::string init(const std::string& name, int type, const std::vector<int64_t>& shape, const void* data,
                   size_t elem) {
    onnx::TensorProto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    size_t n = 1;
    for (int64_t d : shape) {
      t->add_dims(d);
      n *= static_cast<size_t>(d);
    }
    t->set_raw_data(std::string(static_cast<const char*>(data), n * elem));  // little-endian host
    return name;
  }

  onnx::GraphProto* g_;
  std::map<std::string, int> used_;
  std::map<std::string, std::string> consts_;
};

// What both model families' graphs are made of: their weights as initializers (each
// once), Linear, LayerNorm and multi-head attention.
class ModuleWriter {
 public:
  // One model of m: m itself, or (prefix "members.<i>.", its config) a member of an
  // ensemble; its initializers keep their prefixed names, so members never collide.
  ModuleWriter(const ExportModel& m, GraphWriter& w, const ModelConfig& config, std::string prefix = "")
      : m_(m), w_(w), config_(config), h_(config.n_hidden), prefix_(std::move(prefix)) {}

 protected:
  static constexpr float kMaskedLogit = -1e9f;  // as the trainer: finite, exp underflows to 0

  std::string param(const std::string& arch_name) {
    const std::string name = prefix_ + arch_name;
    if (!done_.count(name)) {
      const Tensor& t = m_.at(name);
      w_.f32(name, t.shape, t.data.data());
      done_.insert(name);
    }
    return name;
  }

  // A Linear weight [out, in] stored transposed [in, out] for MatMul.
  std::string weight_t(const std::string& module, const std::string& tensor = "") {
    const std::string source = prefix_ + (tensor.empty() ? module + ".weight" : tensor);
    const std::string name = source + "_t";
    if (!done_.count(name)) {
      const Tensor& t = m_.at(source);
      const int64_t out = t.shape[0], in = t.shape[1];
      std::vector<float> tr(static_cast<size_t>(out * in));
      for (int64_t o = 0; o < out; ++o) {
        for (int64_t i = 0; i < in; ++i) tr[i * out + o] = t.data[o * in + i];
      }
      w_.f32(name, {in, out}, tr.data());
      done_.insert(name);
    }
    return name;
  }

  std::string linear(const std::string& module, const std::string& x) {
    return w_.op("Add", {w_.op("MatMul", {x, weight_t(module)}, module + ".matmul"), param(module + ".bias")},
                 module);
  }

  std::string layer_norm(const std::string& module, const std::string& x) {
    return w_.op("LayerNormalization", {x, param(module + ".weight"), param(module + ".bias")}, module,
                 {{"axis", int64_t{-1}}, {"epsilon", kLayerNormEps}});
  }

  // out(MHSA(qkv(LN x))) of x [B, T, H]; keys masked where key_mask [B, 1, 1, T] is
  // false (none when empty).
  std::string attention(const std::string& p, const std::string& x, const std::string& key_mask) {
    const int64_t n = config_.n_heads, d = h_ / n;
    const std::string qkv = linear(p + ".qkv", layer_norm(p + ".norm", x));  // [B, T, 3H]
    const std::vector<std::string> parts =
        w_.ops("Split", {qkv, w_.ints({h_, h_, h_})}, {p + ".q", p + ".k", p + ".v"}, {{"axis", int64_t{2}}});
    auto heads = [&](const std::string& v, std::vector<int64_t> perm, const std::string& hint) {
      const std::string r = w_.op("Reshape", {v, w_.ints({0, 0, n, d})}, hint + ".split");  // [B, T, N, D]
      return w_.op("Transpose", {r}, hint + ".heads", {{"perm", perm}});
    };
    const std::string q = heads(parts[0], {0, 2, 1, 3}, p + ".q");  // [B, N, T, D]
    const std::string k = heads(parts[1], {0, 2, 3, 1}, p + ".k");  // [B, N, D, T]
    const std::string v = heads(parts[2], {0, 2, 1, 3}, p + ".v");  // [B, N, T, D]
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    std::string s = w_.op("Mul", {w_.op("MatMul", {q, k}, p + ".qk"), w_.scalar_f32(scale)}, p + ".logits");
    if (!key_mask.empty())
      s = w_.op("Where", {key_mask, s, w_.scalar_f32(kMaskedLogit)}, p + ".masked");  // [B, N, T, T]
    const std::string a = w_.op("Softmax", {s}, p + ".weights", {{"axis", int64_t{-1}}});
    std::string y = w_.op("MatMul", {a, v}, p + ".context");  // [B, N, T, D]
    y = w_.op("Transpose", {y}, p + ".context_t",
              {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});        // [B, T, N, D]
    y = w_.op("Reshape", {y, w_.ints({0, 0, h_})}, p + ".merged");  // [B, T, H]
    return linear(p + ".out", y);
  }

  const ExportModel& m_;
  GraphWriter& w_;
  const ModelConfig& config_;
  const int64_t h_;

 private:
  const std::string prefix_;
  std::set<std::string> done_;
};

// The forward pass of arch.h, node by node.
class ConformerWriter : ModuleWriter {
 public:
  using ModuleWriter::ModuleWriter;

  std::string build(const std::string& mel) {
    const ModelConfig& c = config_;
    // valid[b, t] = any(mel[b, t, :] != 0)
    const std::string peak =
        w_.op("ReduceMax", {w_.op("Abs", {mel}, "mask.abs")}, "mask.peak",
              {{"axes", std::vector<int64_t>{2}}, {"keepdims", int64_t{1}}});               // [B, T, 1]
    const std::string valid = w_.op("Greater", {peak, w_.scalar_f32(0.0f)}, "mask.valid");  // bool [B, T, 1]
    const std::string valid_t =
        w_.op("Transpose", {w_.op("Cast", {valid}, "mask.valid_f", {{"to", int64_t{1}}})}, "mask.valid_bct",
              {{"perm", std::vector<int64_t>{0, 2, 1}}});        // [B, 1, T]
    const std::string valid1 = stride2(valid_t, "mask.valid1");  // [B, 1, T1]
    const std::string valid2 = stride2(valid1, "mask.valid2");   // [B, 1, T2]
    valid2_btc_ = w_.op("Transpose", {valid2}, "mask.valid2_btc",
                        {{"perm", std::vector<int64_t>{0, 2, 1}}});                         // [B, T2, 1]
    valid2_bool_ = w_.op("Cast", {valid2_btc_}, "mask.valid2_bool", {{"to", int64_t{9}}});  // [B, T2, 1]
    key_mask_ =
        w_.op("Unsqueeze", {w_.op("Cast", {valid2}, "mask.key_bool", {{"to", int64_t{9}}}), w_.ints({1})},
              "mask.keys");  // [B, 1, 1, T2]

    // x = valid ? (x - mean) / std : 0
    const std::string normed = w_.op(
        "Div", {w_.op("Sub", {mel, param("mel_norm.mean")}, "mel_norm.centered"), param("mel_norm.std")},
        "mel_norm.scaled");
    std::string x = w_.op("Where", {valid, normed, w_.scalar_f32(0.0f)}, "mel_norm.out");  // [B, T, M]

    // Two stride-2 convs, padded steps zeroed after each.
    x = w_.op("Transpose", {x}, "subsample.bct", {{"perm", std::vector<int64_t>{0, 2, 1}}});  // [B, M, T]
    x = subsample_conv("subsample.conv1", x, valid1);                                         // [B, H, T1]
    x = subsample_conv("subsample.conv2", x, valid2);                                         // [B, H, T2]
    const std::string steps = w_.op("Gather", {w_.op("Shape", {x}, "subsample.shape"), w_.ints({2})},
                                    "subsample.steps", {{"axis", int64_t{0}}});               // [1] = T2
    x = w_.op("Transpose", {x}, "subsample.out", {{"perm", std::vector<int64_t>{0, 2, 1}}});  // [B, T2, H]
    x = w_.op("Add", {x, positions(steps)}, "subsample.positioned");

    for (int b = 0; b < c.n_blocks; ++b) x = block("blocks." + std::to_string(b), x);

    x = layer_norm("final_norm", x);

    // Attentive pooling: softmax over valid steps of pool.score(x), weighted sum.
    std::string s = linear("pool.score", x);                                            // [B, T2, 1]
    s = w_.op("Where", {valid2_bool_, s, w_.scalar_f32(kMaskedLogit)}, "pool.masked");  // [B, T2, 1]
    const std::string weights = w_.op("Softmax", {s}, "pool.weights", {{"axis", int64_t{1}}});
    const std::string wt =
        w_.op("Transpose", {weights}, "pool.weights_t", {{"perm", std::vector<int64_t>{0, 2, 1}}});
    const std::string pooled = w_.op("MatMul", {wt, x}, "pool.pooled");  // [B, 1, H]

    const std::string logits = linear("head", pooled);                            // [B, 1, O]
    const std::string flat = w_.op("Squeeze", {logits, w_.ints({1})}, "logits");  // [B, O]
    return flat;
  }

 private:
  std::string silu(const std::string& x, const std::string& hint) {
    return w_.op("Mul", {x, w_.op("Sigmoid", {x}, hint + ".sigmoid")}, hint);
  }

  // Every second step along the last axis: [B, 1, T] -> [B, 1, ceil(T / 2)].
  std::string stride2(const std::string& x, const std::string& hint) {
    return w_.op("Slice", {x, w_.ints({0}), w_.ints({INT64_MAX}), w_.ints({2}), w_.ints({2})}, hint);
  }

  std::string subsample_conv(const std::string& module, const std::string& x, const std::string& valid) {
    const std::string y = w_.op("Conv", {x, param(module + ".weight"), param(module + ".bias")}, module,
                                {{"kernel_shape", std::vector<int64_t>{kSubsampleKernel}},
                                 {"strides", std::vector<int64_t>{kSubsampleStride}},
                                 {"pads", std::vector<int64_t>{kSubsampleKernel / 2, kSubsampleKernel / 2}}});
    return w_.op("Mul", {silu(y, module + ".silu"), valid}, module + ".masked");
  }

  // pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same), in float64, then float32.
  std::string positions(const std::string& steps) {
    const int64_t half = h_ / 2;
    std::vector<double> denom(static_cast<size_t>(half));
    for (int64_t i = 0; i < half; ++i) denom[i] = std::pow(10000.0, static_cast<double>(2 * i) / h_);
    const std::string n = w_.op("Cast", {w_.op("Squeeze", {steps}, "positions.steps")}, "positions.steps_f64",
                                {{"to", int64_t{11}}});
    const std::string t = w_.op("Range", {w_.scalar_f64(0.0), n, w_.scalar_f64(1.0)}, "positions.t");  // [T2]
    const std::string t_col = w_.op("Unsqueeze", {t, w_.ints({1})}, "positions.t_col");  // [T2, 1]
    const std::string angle = w_.op("Div", {t_col, w_.f64("positions.denominator", {1, half}, denom.data())},
                                    "positions.angle");  // [T2, H/2]
    const std::string sin =
        w_.op("Unsqueeze", {w_.op("Sin", {angle}, "positions.sin"), w_.ints({2})}, "positions.sin3");
    const std::string cos =
        w_.op("Unsqueeze", {w_.op("Cos", {angle}, "positions.cos"), w_.ints({2})}, "positions.cos3");
    const std::string pairs =
        w_.op("Concat", {sin, cos}, "positions.pairs", {{"axis", int64_t{2}}});               // [T2, H/2, 2]
    const std::string pe = w_.op("Reshape", {pairs, w_.ints({-1, h_})}, "positions.pe_f64");  // [T2, H]
    return w_.op("Cast", {pe}, "positions.pe", {{"to", int64_t{1}}});
  }

  std::string ffn(const std::string& p, const std::string& x) {
    const std::string up = linear(p + ".up", layer_norm(p + ".norm", x));
    return linear(p + ".down", silu(up, p + ".silu"));
  }

  std::string conv_module(const std::string& p, const std::string& x) {
    const int64_t k = config_.conv_kernel;
    const std::string u = linear(p + ".pointwise1", layer_norm(p + ".norm1", x));  // [B, T2, 2H]
    const std::vector<std::string> ag =
        w_.ops("Split", {u, w_.ints({h_, h_})}, {p + ".glu_a", p + ".glu_g"}, {{"axis", int64_t{2}}});
    std::string y = w_.op("Mul", {ag[0], w_.op("Sigmoid", {ag[1]}, p + ".glu_gate")}, p + ".glu");
    y = w_.op("Mul", {y, valid2_btc_}, p + ".masked");  // padded steps 0 before the temporal mix
    y = w_.op("Transpose", {y}, p + ".bct", {{"perm", std::vector<int64_t>{0, 2, 1}}});  // [B, H, T2]
    y = w_.op("Conv", {y, param(p + ".depthwise.weight"), param(p + ".depthwise.bias")}, p + ".depthwise",
              {{"kernel_shape", std::vector<int64_t>{k}},
               {"group", h_},
               {"pads", std::vector<int64_t>{k / 2, k / 2}}});
    y = w_.op("Transpose", {y}, p + ".btc", {{"perm", std::vector<int64_t>{0, 2, 1}}});  // [B, T2, H]
    y = silu(layer_norm(p + ".norm2", y), p + ".silu");
    return linear(p + ".pointwise2", y);
  }

  std::string half_residual(const std::string& x, const std::string& y, const std::string& hint) {
    return w_.op("Add", {x, w_.op("Mul", {y, w_.scalar_f32(0.5f)}, hint + ".half")}, hint + ".residual");
  }

  std::string block(const std::string& p, std::string x) {
    x = half_residual(x, ffn(p + ".ffn1", x), p + ".ffn1");
    x = w_.op("Add", {x, attention(p + ".attn", x, key_mask_)}, p + ".attn.residual");
    x = w_.op("Add", {x, conv_module(p + ".conv", x)}, p + ".conv.residual");
    x = half_residual(x, ffn(p + ".ffn2", x), p + ".ffn2");
    return layer_norm(p + ".norm", x);
  }

  std::string valid2_btc_, valid2_bool_, key_mask_;
};

// The whisper family's forward pass (arch.h), node by node, for one clip ([1, T, M]):
// all-zero frames at either end are cut first, as the engine does.
class WhisperWriter : ModuleWriter {
 public:
  using ModuleWriter::ModuleWriter;

  std::string build(const std::string& mel_in) {
    std::string x = cut_padding(mel_in);  // [1, T, M]
    x = bridge(x);                        // [1, 2T, W]
    x = w_.op("Transpose", {x}, "stem.bct", {{"perm", std::vector<int64_t>{0, 2, 1}}});
    x = gelu(conv("stem.conv1", x, 1), "stem.conv1.gelu");                               // [1, H, 2T]
    x = gelu(conv("stem.conv2", x, 2), "stem.conv2.gelu");                               // [1, H, T]
    x = w_.op("Transpose", {x}, "stem.out", {{"perm", std::vector<int64_t>{0, 2, 1}}});  // [1, T, H]
    const std::string steps = w_.op("Gather", {w_.op("Shape", {x}, "stem.shape"), w_.ints({1})}, "stem.steps",
                                    {{"axis", int64_t{0}}});  // [1] = T
    const std::string pe =
        w_.op("Slice", {param("positions"), w_.ints({0}), steps, w_.ints({0})}, "positions.used");  // [T, H]
    x = w_.op("Add", {x, pe}, "stem.positioned");
    for (int b = 0; b < config_.n_blocks; ++b) {
      const std::string p = "blocks." + std::to_string(b);
      x = w_.op("Add", {x, attention(p + ".attn", x, "")}, p + ".attn.residual");
      const std::string up = linear(p + ".ffn.up", layer_norm(p + ".ffn.norm", x));
      x = w_.op("Add", {x, linear(p + ".ffn.down", gelu(up, p + ".ffn.gelu"))}, p + ".ffn.residual");
    }
    x = layer_norm("final_norm", x);
    // One attentive pooling per head over z = GELU(proj(LN x)).
    const std::string z = gelu(linear("heads.proj", layer_norm("heads.norm", x)), "heads.gelu");  // [1, T, P]
    const std::string weights =
        w_.op("Softmax", {linear("heads.score", z)}, "heads.weights", {{"axis", int64_t{1}}});  // [1, T, O]
    const std::string values = w_.op("MatMul", {z, weight_t("heads", "heads.weight")}, "heads.values");
    const std::string pooled =
        w_.op("ReduceSum", {w_.op("Mul", {weights, values}, "heads.weighted"), w_.ints({1})}, "heads.pooled",
              {{"keepdims", int64_t{0}}});  // [1, O]
    return w_.op("Add", {pooled, param("heads.bias")}, "logits");
  }

 private:
  // mel [1, T, M] from its first to its last frame that is not all zeros.
  std::string cut_padding(const std::string& mel) {
    const std::string peak = w_.op("ReduceMax", {w_.op("Abs", {mel}, "cut.abs")}, "cut.peak",
                                   {{"axes", std::vector<int64_t>{0, 2}}, {"keepdims", int64_t{0}}});  // [T]
    const std::string frames = w_.op("NonZero", {w_.op("Greater", {peak, w_.scalar_f32(0.0f)}, "cut.valid")},
                                     "cut.frames");  // [1, N]
    const std::string first = w_.op("ReduceMin", {frames}, "cut.first",
                                    {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
    const std::string last = w_.op("ReduceMax", {frames}, "cut.last",
                                   {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
    const std::string end = w_.op("Add", {last, w_.ints({1})}, "cut.end");
    return w_.op("Slice", {mel, first, end, w_.ints({1})}, "cut.mel");
  }

  // The fixed map onto Whisper's 10 ms grid: each row a fixed blend of frames t - 1 and
  // t (kWhisperEvenBlend / kWhisperOddBlend; frame -1 read as frame 0, the clamp at the
  // start; the end never clamps).
  std::string bridge(const std::string& mel) {
    const std::string power = w_.op(
        "Relu",
        {w_.op("Sub", {w_.op("Exp", {mel}, "bridge.exp"), w_.scalar_f32(kLogFloor)}, "bridge.power_raw")},
        "bridge.power");  // [1, T, M]
    const std::string mapped = w_.op("MatMul", {power, weight_t("bridge", "bridge.matrix")}, "bridge.mapped");
    const std::string l =
        w_.op("Mul",
              {w_.op("Log", {w_.op("Max", {mapped, w_.scalar_f32(1e-10f)}, "bridge.floored")}, "bridge.ln"),
               w_.scalar_f32(static_cast<float>(1.0 / std::log(10.0)))},
              "bridge.log10");  // [1, T, W]
    const std::string head = w_.op("Slice", {l, w_.ints({0}), w_.ints({1}), w_.ints({1})}, "bridge.first");
    const std::string body = w_.op("Slice", {l, w_.ints({0}), w_.ints({-1}), w_.ints({1})}, "bridge.body");
    const std::string prev =
        w_.op("Concat", {head, body}, "bridge.prev", {{"axis", int64_t{1}}});  // [1, T, W]
    auto blend = [&](float a, const std::string& hint) {
      return w_.op("Unsqueeze",
                   {w_.op("Add",
                          {w_.op("Mul", {prev, w_.scalar_f32(a)}, hint + ".prev"),
                           w_.op("Mul", {l, w_.scalar_f32(1.0f - a)}, hint + ".this")},
                          hint),
                    w_.ints({2})},
                   hint + ".col");  // [1, T, 1, W]
    };
    const std::string pairs =
        w_.op("Concat", {blend(kWhisperEvenBlend, "bridge.even"), blend(kWhisperOddBlend, "bridge.odd")},
              "bridge.pairs", {{"axis", int64_t{2}}});  // [1, T, 2, W]
    const std::string grid =
        w_.op("Reshape", {pairs, w_.ints({1, -1, config_.bridge_mels})}, "bridge.grid");  // [1, 2T, W]
    const std::string floored = w_.op("Max", {grid, param("bridge.floor")}, "bridge.clamped");
    return w_.op("Div", {w_.op("Add", {floored, w_.scalar_f32(4.0f)}, "bridge.shifted"), w_.scalar_f32(4.0f)},
                 "bridge.out");
  }

  std::string conv(const std::string& module, const std::string& x, int64_t stride) {
    return w_.op("Conv", {x, param(module + ".weight"), param(module + ".bias")}, module,
                 {{"kernel_shape", std::vector<int64_t>{3}},
                  {"strides", std::vector<int64_t>{stride}},
                  {"pads", std::vector<int64_t>{1, 1}}});
  }

  // Exact GELU: x (1 + erf(x / sqrt 2)) / 2.
  std::string gelu(const std::string& x, const std::string& hint) {
    const std::string erf = w_.op(
        "Erf", {w_.op("Mul", {x, w_.scalar_f32(static_cast<float>(1.0 / std::sqrt(2.0)))}, hint + ".scaled")},
        hint + ".erf");
    const std::string half = w_.op("Mul", {x, w_.scalar_f32(0.5f)}, hint + ".half");
    return w_.op("Mul", {half, w_.op("Add", {erf, w_.scalar_f32(1.0f)}, hint + ".one_plus")}, hint);
  }
};

void set_tensor_type(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& shape,
                     const std::vector<std::string>& dims) {
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  for (size_t i = 0; i < shape.size(); ++i) {
    onnx::TensorShapeProto_Dimension* d = s->add_dim();
    if (shape[i] < 0) {
      d->set_dim_param(dims[i]);
    } else {
      d->set_dim_value(shape[i]);
    }
  }
}

void add_metadata_prop(onnx::ModelProto* model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* e = model->add_metadata_props();
  e->set_key(key);
  e->set_value(value);
}

// The logits [B, O] of m on mel: its family's graph, or an ensemble's members' graphs
// side by side with their weighted sum.
std::string model_logits(const ExportModel& m, GraphWriter& w, const std::string& mel) {
  auto one = [&](const ModelConfig& c, const std::string& prefix) {
    return c.family == ArchFamily::whisper ? WhisperWriter(m, w, c, prefix).build(mel)
                                           : ConformerWriter(m, w, c, prefix).build(mel);
  };
  if (m.config.family != ArchFamily::ensemble) return one(m.config, "");
  std::string sum;
  for (size_t i = 0; i < m.config.members.size(); ++i) {
    const std::string p = ensemble_prefix(i);
    const std::string part =
        w.op("Mul", {one(m.config.members[i], p), w.scalar_f32(m.config.member_weights[i])}, p + "weighted");
    sum = sum.empty() ? part : w.op("Add", {sum, part}, "ensemble.logits");
  }
  return sum;
}

}  // namespace

OnnxArtifact export_onnx(const ExportModel& m, const OnnxOptions& options) {
  validate(m);
  // The whisper family reads one clip at a time (no padding mask to batch with), and so
  // does an ensemble with a whisper member.
  const int64_t batch = options.frames > 0 || arch_cuts_padding(m.config) ? 1 : -1;
  const TensorSpec in = contract_input(batch, options.frames > 0 ? options.frames : -1);
  const TensorSpec out = contract_output(batch);

  onnx::ModelProto model;
  model.set_ir_version(8);  // the IR of opset 17
  model.set_producer_name("inherent");
  model.set_producer_version(inherent_version());
  model.set_domain("inherent");
  model.set_model_version(1);
  model.set_doc_string(
      "inherent speech gate: log-mels [batch, frames, 128] -> 13 sigmoid scores in head order");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  add_metadata_prop(&model, "inherent.model_version", m.provenance.model_version);
  add_metadata_prop(&model, "inherent.config_name", m.config_name);
  std::string heads, keys;
  for (const HeadInfo& h : kHeadTable) {
    heads += std::string(heads.empty() ? "" : ",") + h.name;
    keys += std::string(keys.empty() ? "" : ",") + h.key;
  }
  add_metadata_prop(&model, "inherent.head_order", heads);
  add_metadata_prop(&model, "inherent.threshold_keys", keys);
  for (const auto& [key, value] : arch_config_to_pairs(m.config))
    add_metadata_prop(&model, "inherent.model." + key, value);

  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(std::string("inherent_") + arch_family_name(m.config.family));
  set_tensor_type(g->add_input(), in.name, in.shape, in.dims);
  GraphWriter w(g);
  const std::string logits = model_logits(m, w, in.name);
  onnx::NodeProto* sigmoid = g->add_node();
  sigmoid->set_op_type("Sigmoid");
  sigmoid->set_name("scores");
  sigmoid->add_input(logits);
  sigmoid->add_output(out.name);
  set_tensor_type(g->add_output(), out.name, out.shape, out.dims);

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Exception(INHERENT_STATUS_INTERNAL, std::string("ONNX checker rejected the graph: ") + e.what());
  }
  try {
    onnx::ModelProto inferred = model;  // inference adds value_info; keep the artifact lean
    onnx::ShapeInferenceOptions strict(/*check_type=*/true, /*error_mode=*/1, /*data_prop=*/true);
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), strict);
    const onnx::TypeProto_Tensor& t = inferred.graph().output(0).type().tensor_type();
    if (t.shape().dim_size() != 2 || t.shape().dim(1).dim_value() != INHERENT_N_HEADS) {
      throw std::runtime_error("output shape is not [batch, 13]");
    }
    if (inferred.graph().value_info_size() == 0) throw std::runtime_error("no shapes were inferred");
  } catch (const std::exception& e) {
    throw Exception(INHERENT_STATUS_INTERNAL, std::string("ONNX shape inference failed: ") + e.what());
  }

  OnnxArtifact a;
  if (!model.SerializeToString(&a.bytes))
    throw Exception(INHERENT_STATUS_INTERNAL, "ONNX serialization failed");
  a.n_nodes = g->node_size();
  a.info.format = "onnx ir 8 opset " + std::to_string(kOnnxOpset);
  a.info.precision = "float32";
  a.info.frames = options.frames > 0 ? std::to_string(options.frames) : "dynamic";
  a.info.inputs = {in};
  a.info.outputs = {out};
  a.info.size_bytes = a.bytes.size();
  a.info.sha256 = sha256_hex(a.bytes);
  a.info.extra = {{"n_nodes", a.n_nodes}, {"opset", kOnnxOpset}};
  return a;
}

}  // namespace inherent::exporter
