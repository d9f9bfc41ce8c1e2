// SPDX-License-Identifier: Apache-2.0
//
// What the TFLite graphs of both model families are built with (tflite-graph.cpp: the
// Conformer; tflite-whisper.cpp: the whisper family): a builder that adds tensors and
// operators with their shape rules, and the modules both families share (Linear with a
// folded LayerNorm, LayerNorm, multi-head attention, convolution filters).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "export/export-model.h"
#include "export/int8-grid.h"
#include "export/tflite-graph.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {

// A shape with per-dimension "depends on the frame count" flags.
struct Shape {
  std::vector<int32_t> d;
  std::vector<bool> dyn;
  int64_t numel() const {
    int64_t n = 1;
    for (int32_t v : d) n *= v;
    return n;
  }
};

class Builder {
 public:
  explicit Builder(Graph& g) : g_(g) {}

  Shape shape(int32_t t) const { return {g_.tensors[t].shape, g_.tensors[t].dynamic}; }

  int32_t activation(const std::string& name, TType type, const Shape& s) {
    Tensor t;
    t.name = fresh(name);
    t.type = type;
    t.shape = s.d;
    t.dynamic = s.dyn;
    g_.tensors.push_back(std::move(t));
    return static_cast<int32_t>(g_.tensors.size() - 1);
  }

  int32_t const_f32(const std::string& name, const std::vector<int32_t>& shape, std::vector<float> values) {
    Tensor t;
    t.name = fresh(name);
    t.type = TType::f32;
    t.shape = shape;
    t.dynamic.assign(shape.size(), false);
    t.constant = true;
    t.values = std::move(values);
    g_.tensors.push_back(std::move(t));
    return static_cast<int32_t>(g_.tensors.size() - 1);
  }

  // A shared float scalar (shape [], one value).
  int32_t scalar(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    auto it = scalars_.find(bits);
    if (it != scalars_.end()) return it->second;
    char name[48];
    std::snprintf(name, sizeof name, "const.%g", static_cast<double>(v));
    return scalars_[bits] = const_f32(name, {}, {v});
  }

  // A shared int32 constant: a vector, or of the given shape.
  int32_t ints(const std::vector<int32_t>& v, std::vector<int32_t> shape = {}) {
    if (shape.empty()) shape = {static_cast<int32_t>(v.size())};
    std::string key = "const.i32";
    for (int32_t s : shape) key += "." + std::to_string(s);
    key += ":";
    for (int32_t x : v) key += std::to_string(x) + ",";
    auto it = ints_.find(key);
    if (it != ints_.end()) return it->second;
    Tensor t;
    t.name = fresh("const.i32");
    t.type = TType::i32;
    t.shape = shape;
    t.dynamic.assign(shape.size(), false);
    t.constant = true;
    t.bytes.resize(v.size() * 4);
    std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    g_.tensors.push_back(std::move(t));
    return ints_[key] = static_cast<int32_t>(g_.tensors.size() - 1);
  }

  int32_t op(TOp type, std::vector<int32_t> inputs, const std::string& name, TType out_type, const Shape& out,
             Options options = {}) {
    const int32_t o = activation(name, out_type, out);
    g_.ops.push_back({type, std::move(inputs), {o}, std::move(options)});
    return o;
  }

  // ---- operators with their shape rules ----

  int32_t unary(TOp type, int32_t x, const std::string& name) {
    return op(type, {x}, name, TType::f32, shape(x));
  }

  int32_t binary(TOp type, int32_t a, int32_t b, const std::string& name) {
    const Shape sa = shape(a), sb = shape(b);
    const size_t rank = std::max(sa.d.size(), sb.d.size());
    Shape out{std::vector<int32_t>(rank, 1), std::vector<bool>(rank, false)};
    for (size_t i = 0; i < rank; ++i) {
      const size_t ia = i + sa.d.size(), ib = i + sb.d.size();
      const int32_t da = ia >= rank ? sa.d[ia - rank] : 1, db = ib >= rank ? sb.d[ib - rank] : 1;
      const bool ya = ia >= rank && sa.dyn[ia - rank], yb = ib >= rank && sb.dyn[ib - rank];
      if (da != db && da != 1 && db != 1) {
        throw Exception(INHERENT_STATUS_INTERNAL, "TFLite graph: shapes do not broadcast at " + name);
      }
      out.d[i] = std::max(da, db);
      out.dyn[i] = (da != 1 && ya) || (db != 1 && yb) || (ya && yb);
    }
    return op(type, {a, b}, name, type == TOp::greater ? TType::boolean : TType::f32, out);
  }

  int32_t add(int32_t a, int32_t b, const std::string& n) { return binary(TOp::add, a, b, n); }
  int32_t sub(int32_t a, int32_t b, const std::string& n) { return binary(TOp::sub, a, b, n); }
  int32_t mul(int32_t a, int32_t b, const std::string& n) { return binary(TOp::mul, a, b, n); }

  int32_t reshape(int32_t x, const std::vector<int32_t>& new_shape, const std::string& name) {
    const Shape s = shape(x);
    bool any_dyn = false;
    for (bool y : s.dyn) any_dyn = any_dyn || y;
    Shape out{new_shape, std::vector<bool>(new_shape.size(), false)};
    int64_t known = 1;
    for (int32_t v : new_shape) known *= v < 0 ? 1 : v;
    for (size_t i = 0; i < new_shape.size(); ++i) {
      if (new_shape[i] < 0) {
        out.d[i] = static_cast<int32_t>(s.numel() / known);
        out.dyn[i] = any_dyn;
      }
    }
    Options o;
    o.new_shape = new_shape;
    return op(TOp::reshape, {x, ints(new_shape)}, name, g_.tensors[x].type, out, o);
  }

  int32_t transpose(int32_t x, const std::vector<int32_t>& perm, const std::string& name) {
    const Shape s = shape(x);
    Shape out = s;
    for (size_t i = 0; i < perm.size(); ++i) out.d[i] = s.d[perm[i]], out.dyn[i] = s.dyn[perm[i]];
    return op(TOp::transpose, {x, ints(perm)}, name, TType::f32, out);
  }

  // [.., M, K] x [.., K, N] (or [.., N, K] with adj_y) -> [.., M, N]
  int32_t batch_matmul(int32_t a, int32_t b, bool adj_y, const std::string& name) {
    const Shape sa = shape(a), sb = shape(b);
    Shape out = sa;
    const size_t r = sb.d.size();
    out.d.back() = adj_y ? sb.d[r - 2] : sb.d[r - 1];
    out.dyn.back() = adj_y ? sb.dyn[r - 2] : sb.dyn[r - 1];
    Options o;
    o.adj_y = adj_y;
    return op(TOp::batch_matmul, {a, b}, name, TType::f32, out, o);
  }

  int32_t reduce(TOp type, int32_t x, int32_t axis, const std::string& name) {
    Shape out = shape(x);
    out.d[axis] = 1;
    out.dyn[axis] = false;
    Options o;
    o.keep_dims = true;
    return op(type, {x, ints({axis})}, name, TType::f32, out, o);
  }

  int32_t fully_connected(int32_t x, const std::string& weight_name, const std::vector<float>& w,
                          int32_t out_dim, int32_t in_dim, const std::string& bias_name,
                          const std::vector<float>& b, const std::string& name, bool keep_num_dims = true) {
    const int32_t wt = const_f32(weight_name, {out_dim, in_dim}, w);
    const int32_t bt = const_f32(bias_name, {out_dim}, b);
    Shape s = shape(x), out;
    if (keep_num_dims) {
      out = s;
      out.d.back() = out_dim;
      out.dyn.back() = false;
    } else {
      out = {{static_cast<int32_t>(s.numel() / in_dim), out_dim}, {false, false}};
    }
    Options o;
    o.keep_num_dims = keep_num_dims;
    return op(TOp::fully_connected, {x, wt, bt}, name, TType::f32, out, o);
  }

  // [rank, 2] paddings
  int32_t pad(int32_t x, const std::vector<int32_t>& pads, const std::string& name) {
    Shape out = shape(x);
    for (size_t i = 0; i < out.d.size(); ++i) out.d[i] += pads[2 * i] + pads[2 * i + 1];
    return op(TOp::pad, {x, ints(pads, {static_cast<int32_t>(out.d.size()), 2})}, name, TType::f32, out);
  }

  // NHWC [1, 1, W, C] conv with OHWI filter [O, 1, KW, C], VALID, stride along W.
  int32_t conv2d(int32_t x, int32_t filter, int32_t bias, int32_t stride_w, const std::string& name) {
    const Shape s = shape(x);
    const Tensor& f = g_.tensors[filter];
    Shape out = s;
    out.d[2] = (s.d[2] - f.shape[2]) / stride_w + 1;
    out.d[3] = f.shape[0];
    out.dyn[3] = false;
    Options o;
    o.stride_w = stride_w;
    return op(TOp::conv_2d, {x, filter, bias}, name, TType::f32, out, o);
  }

  // NHWC [1, 1, W, C] depthwise with filter [1, 1, KW, C], SAME, stride 1.
  int32_t depthwise(int32_t x, int32_t filter, int32_t bias, const std::string& name) {
    Options o;
    o.padding_same = true;
    return op(TOp::depthwise_conv_2d, {x, filter, bias}, name, TType::f32, shape(x), o);
  }

  // Concatenation along `axis` (every input of one type).
  int32_t concat(const std::vector<int32_t>& xs, int32_t axis, const std::string& name) {
    Shape out = shape(xs[0]);
    for (size_t i = 1; i < xs.size(); ++i) {
      const Shape s = shape(xs[i]);
      out.d[axis] += s.d[axis];
      out.dyn[axis] = out.dyn[axis] || s.dyn[axis];
    }
    Options o;
    o.axis = axis;
    return op(TOp::concatenation, xs, name, g_.tensors[xs[0]].type, out, o);
  }

  int32_t cast(int32_t x, TType to, const std::string& name) {
    Options o;
    o.cast_from = g_.tensors[x].type;
    o.cast_to = to;
    return op(TOp::cast, {x}, name, to, shape(x), o);
  }

  // Every second element along `axis`: ceil(n / 2).
  int32_t every_second(int32_t x, int32_t axis, const std::string& name) {
    Shape out = shape(x);
    const int32_t rank = static_cast<int32_t>(out.d.size());
    out.d[axis] = (out.d[axis] + 1) / 2;
    std::vector<int32_t> strides(rank, 1);
    strides[axis] = 2;
    Options o;
    o.begin_mask = o.end_mask = (1 << rank) - 1;  // full range on every axis
    const int32_t zeros = ints(std::vector<int32_t>(rank, 0));
    return op(TOp::strided_slice, {x, zeros, zeros, ints(strides)}, name, g_.tensors[x].type, out, o);
  }

  Graph& g_;
  // Put before the names of the tensors made from now on (an ensemble's member prefix).
  void set_name_prefix(std::string prefix) { prefix_ = std::move(prefix); }

 private:
  // Unique tensor names: the first use keeps the name, later ones get _1, _2, ...
  std::string fresh(const std::string& plain) {
    const std::string name = prefix_ + plain;
    const int n = used_[name]++;
    return n == 0 ? name : name + "_" + std::to_string(n);
  }

  std::string prefix_;
  std::map<std::string, int> used_;
  std::map<uint32_t, int32_t> scalars_;
  std::map<std::string, int32_t> ints_;
};

// A model's modules on the builder; each family's graph derives from it.
class ModuleGraph {
 public:
  ModuleGraph(const ExportModel& m, Builder& b) : ModuleGraph(m, b, m.config) {}
  // A member of an ensemble: its config, and its tensors under `prefix` in m.
  ModuleGraph(const ExportModel& m, Builder& b, const ModelConfig& config, std::string prefix = "")
      : m_(m), b_(b), config_(config), h_(config.n_hidden), prefix_(std::move(prefix)) {}

 protected:
  // Linear on rows [row0, row0 + rows) of module.weight / module.bias. `scale`
  // multiplies the result (folds the attention scale into q, and the 0.5 of the
  // half-step FFN residuals, exactly: a power of two). When the module reads a
  // LayerNorm without its affine part (folded_norm, shared with snap_to_int8_grid),
  // that part (y = n * gamma + beta) is folded in: W' = W diag(gamma), b' = b + W beta,
  // computed in float64 and rounded once.
  int32_t linear(const std::string& module, int32_t x, int32_t row0, int32_t rows, double scale = 1.0,
                 const std::string& suffix = "") {
    const std::string norm = folded_norm(module);
    const exporter::Tensor& w = at(module + ".weight");
    const exporter::Tensor& b = at(module + ".bias");
    const int32_t in = static_cast<int32_t>(w.shape[1]);
    std::vector<float> ws(static_cast<size_t>(rows) * in), bs(rows);
    const std::vector<float>* gamma = norm.empty() ? nullptr : &at(norm + ".weight").data;
    const std::vector<float>* beta = norm.empty() ? nullptr : &at(norm + ".bias").data;
    for (int32_t o = 0; o < rows; ++o) {
      const float* wr = &w.data[static_cast<size_t>(row0 + o) * in];
      double bias = b.data[row0 + o];
      for (int32_t i = 0; i < in; ++i) {
        ws[static_cast<size_t>(o) * in + i] =
            static_cast<float>(scale * wr[i] * (gamma ? (*gamma)[i] : 1.0f));
        if (beta) bias += static_cast<double>(wr[i]) * (*beta)[i];
      }
      bs[o] = static_cast<float>(scale * bias);
    }
    const std::string name = module + suffix;
    return b_.fully_connected(x, name + ".weight", ws, rows, in, name + ".bias", bs, name);
  }
  int32_t linear(const std::string& module, int32_t x, double scale = 1.0) {
    return linear(module, x, 0, static_cast<int32_t>(at(module + ".weight").shape[0]), scale);
  }

  // LayerNorm; with affine = false only (x - mean) / sqrt(var + eps), for a following
  // Linear that folds gamma and beta in.
  int32_t layer_norm(const std::string& module, int32_t x, bool affine = true) {
    const int32_t axis = static_cast<int32_t>(b_.shape(x).d.size()) - 1;
    const int32_t mu = b_.reduce(TOp::mean, x, axis, module + ".mean");
    const int32_t d = b_.sub(x, mu, module + ".centered");
    const int32_t var = b_.reduce(TOp::mean, b_.mul(d, d, module + ".squared"), axis, module + ".var");
    const int32_t r =
        b_.unary(TOp::rsqrt, b_.add(var, b_.scalar(kLayerNormEps), module + ".var_eps"), module + ".rstd");
    const int32_t n = b_.mul(d, r, affine ? module + ".normed" : module);
    if (!affine) return n;
    const int32_t gamma = b_.const_f32(module + ".weight", {h_}, at(module + ".weight").data);
    const int32_t beta = b_.const_f32(module + ".bias", {h_}, at(module + ".bias").data);
    return b_.add(b_.mul(n, gamma, module + ".scaled"), beta, module);
  }

  // Multi-head self-attention of module p (p.norm folded into p.qkv, 1 / sqrt(D) into
  // q); key_bias [1, 1, 1, T] is added to the logits (the padding mask), or -1 for none.
  int32_t attention(const std::string& p, int32_t x, int32_t key_bias) {
    const int32_t n = config_.n_heads, d = h_ / n;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    const int32_t normed = layer_norm(p + ".norm", x, false);
    auto heads = [&](int32_t part, double s, const char* tag) {
      const int32_t y = linear(p + ".qkv", normed, part * h_, h_, s, std::string(".") + tag);  // [1, T2, H]
      const int32_t r = b_.reshape(y, {1, -1, n, d}, p + "." + tag + ".split");  // [1, T2, N, D]
      return b_.transpose(r, {0, 2, 1, 3}, p + "." + tag + ".heads");            // [1, N, T2, D]
    };
    const int32_t q = heads(0, scale, "q"), k = heads(1, 1.0, "k"), v = heads(2, 1.0, "v");
    int32_t s = b_.batch_matmul(q, k, true, p + ".logits");  // [1, N, T2, T2]
    if (key_bias >= 0) s = b_.add(s, key_bias, p + ".masked");
    const int32_t a = b_.op(TOp::softmax, {s}, p + ".weights", TType::f32, b_.shape(s));
    int32_t y = b_.batch_matmul(a, v, false, p + ".context");  // [1, N, T2, D]
    y = b_.transpose(y, {0, 2, 1, 3}, p + ".context_t");       // [1, T2, N, D]
    y = b_.reshape(y, {1, -1, h_}, p + ".merged");             // [1, T2, H]
    return linear(p + ".out", y);
  }

  // Torch's Conv1d weight [O, C, K] of `module` as a CONV_2D filter [O, 1, K, C].
  int32_t conv_filter(const std::string& module) {
    const exporter::Tensor& w = at(module + ".weight");
    const int32_t o = static_cast<int32_t>(w.shape[0]), c = static_cast<int32_t>(w.shape[1]),
                  k = static_cast<int32_t>(w.shape[2]);
    std::vector<float> ohwi(w.data.size());
    for (int32_t oi = 0; oi < o; ++oi) {
      for (int32_t ci = 0; ci < c; ++ci) {
        for (int32_t ki = 0; ki < k; ++ki)
          ohwi[(static_cast<size_t>(oi) * k + ki) * c + ci] =
              w.data[(static_cast<size_t>(oi) * c + ci) * k + ki];
      }
    }
    return b_.const_f32(module + ".weight", {o, 1, k, c}, ohwi);
  }

  // The tensor `name` of this model (its prefix put before it).
  const exporter::Tensor& at(const std::string& name) const { return m_.at(prefix_ + name); }

  const ExportModel& m_;
  Builder& b_;
  const ModelConfig& config_;
  const int32_t h_;
  const std::string prefix_;
};

// An empty graph for model m on [1, frames, 128] (frames in [1, 3000]; dynamic marks
// time dynamic in the signature): m validated, shapes data-dependent where a part of it
// cuts padding.
inline Graph new_graph(const ExportModel& m, int32_t frames, bool dynamic, std::string description) {
  validate(m);
  if (frames < 1 || frames > INHERENT_MAX_FRAMES) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "TFLite export: frames = " + std::to_string(frames) + " must be in [1, 3000]");
  }
  Graph g;
  g.frames = frames;
  g.dynamic_frames = dynamic;
  g.data_dependent_shapes = arch_cuts_padding(m.config);
  g.description = std::move(description);
  return g;
}

// The graph's one input, log-mels [1, frames, mels] (time dynamic in the signature when
// asked).
inline int32_t input(Builder& b, int32_t frames, bool dynamic, int32_t mels) {
  const int32_t x = b.activation("mel_spectrogram", TType::f32, {{1, frames, mels}, {false, dynamic, false}});
  b.g_.inputs = {x};
  return x;
}

// Each family's logits [1, O] of the log-mels `mel` [1, frames, M], for the model of m
// with `config` whose tensors sit under `prefix` (tflite-graph.cpp, tflite-whisper.cpp).
int32_t conformer_logits(const ExportModel& m, Builder& b, const ModelConfig& config,
                         const std::string& prefix, int32_t mel);
int32_t whisper_logits(const ExportModel& m, Builder& b, const ModelConfig& config, const std::string& prefix,
                       int32_t mel, int32_t frames);

}  // namespace inherent::exporter::tfl
