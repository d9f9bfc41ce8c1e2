// SPDX-License-Identifier: Apache-2.0
#include "tflite-graph.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>

#include "export/half.h"
#include "export/int8-grid.h"
#include "export/tflite-builder.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {
namespace {

// The Conformer of arch.h on the builder.
class ConformerGraph : ModuleGraph {
 public:
  using ModuleGraph::ModuleGraph;

  // logits [1, O] of the log-mels x0 [1, T, M].
  int32_t logits(int32_t x0) {
    const int32_t mels = config_.n_mels;

    // valid[t] = any(x[t, :] != 0), as 0 / 1 floats at each time resolution.
    const int32_t peak =
        b_.reduce(TOp::reduce_max, b_.unary(TOp::abs, x0, "mask.abs"), 2, "mask.peak");  // [1, T, 1]
    const int32_t is_valid = b_.binary(TOp::greater, peak, b_.scalar(0.0f), "mask.is_valid");
    Options cast;
    cast.cast_from = TType::boolean;
    cast.cast_to = TType::f32;
    const int32_t valid = b_.op(TOp::cast, {is_valid}, "mask.valid", TType::f32, b_.shape(is_valid), cast);
    const int32_t valid4 = b_.reshape(valid, {1, 1, -1, 1}, "mask.valid_nhwc");  // [1, 1, T, 1]
    const int32_t valid1 = b_.every_second(valid4, 2, "mask.valid1");            // [1, 1, T1, 1]
    const int32_t valid2 = b_.every_second(valid1, 2, "mask.valid2");            // [1, 1, T2, 1]
    valid2_ = b_.reshape(valid2, {1, -1, 1}, "mask.valid2_btc");                 // [1, T2, 1]
    // (valid - 1) * 1e9: 0 for a valid step, -1e9 for a padded one.
    neg_ = b_.mul(b_.sub(valid2_, b_.scalar(1.0f), "mask.invalid"), b_.scalar(1e9f),
                  "mask.logit_bias");                              // [1, T2, 1]
    key_bias_ = b_.reshape(neg_, {1, 1, 1, -1}, "mask.key_bias");  // [1, 1, 1, T2]

    // (x - mean) / std on valid frames, 0 on padding.
    std::vector<float> inv_std(at("mel_norm.std").data.size());
    for (size_t i = 0; i < inv_std.size(); ++i)
      inv_std[i] = static_cast<float>(1.0 / at("mel_norm.std").data[i]);
    int32_t x =
        b_.sub(x0, b_.const_f32("mel_norm.mean", {mels}, at("mel_norm.mean").data), "mel_norm.centered");
    x = b_.mul(x, b_.const_f32("mel_norm.inv_std", {mels}, inv_std), "mel_norm.scaled");
    x = b_.mul(x, valid, "mel_norm.out");  // [1, T, M]

    // Subsampling: PAD 1 | 1, CONV_2D VALID stride 2, SiLU, zero padded steps; twice.
    x = b_.reshape(x, {1, 1, -1, mels}, "subsample.nhwc");  // [1, 1, T, M]
    x = subsample_conv("subsample.conv1", x, valid1);       // [1, 1, T1, H]
    x = subsample_conv("subsample.conv2", x, valid2);       // [1, 1, T2, H]
    x = b_.reshape(x, {1, -1, h_}, "subsample.out");        // [1, T2, H]

    // Positions: rows t = R q + r of pe = U[q] * V[r] + W[q] * X[r] (angle addition),
    // [Q, 1, H] and [1, R, H] factors instead of a [750, H] table, then the first T2 rows.
    const auto f = position_factors(h_);
    constexpr int32_t kQ = kPositionBlocks, kR = kPositionBlock;
    int32_t pe = b_.add(b_.mul(b_.const_f32("positions.u", {kQ, 1, h_}, f[0]),
                               b_.const_f32("positions.v", {1, kR, h_}, f[1]), "positions.uv"),
                        b_.mul(b_.const_f32("positions.w", {kQ, 1, h_}, f[2]),
                               b_.const_f32("positions.x", {1, kR, h_}, f[3]), "positions.wx"),
                        "positions.grid");                     // [Q, R, H]
    pe = b_.reshape(pe, {1, kQ * kR, h_}, "positions.table");  // [1, Q R, H]
    const int32_t steps = b_.op(TOp::shape, {x}, "positions.shape", TType::i32, {{3}, {false}});
    pe = b_.op(TOp::slice, {pe, b_.ints({0, 0, 0}), steps}, "positions.pe", TType::f32, b_.shape(x));
    x = b_.add(x, pe, "positions.out");

    for (int i = 0; i < config_.n_blocks; ++i) x = block("blocks." + std::to_string(i), x);
    x = layer_norm("final_norm", x);

    // Attentive pooling over valid steps.
    int32_t s = linear("pool.score", x);  // [1, T2, 1]
    s = b_.add(s, neg_, "pool.masked");
    s = b_.reshape(s, {1, 1, -1}, "pool.logits");  // [1, 1, T2]
    const int32_t w = b_.op(TOp::softmax, {s}, "pool.weights", TType::f32, b_.shape(s));
    const int32_t pooled = b_.batch_matmul(w, x, false, "pool.out");  // [1, 1, H]

    const exporter::Tensor& hw = at("head.weight");
    const int32_t logits =
        b_.fully_connected(pooled, "head.weight", hw.data, static_cast<int32_t>(hw.shape[0]), h_, "head.bias",
                           at("head.bias").data, "head.logits", false);  // [1, O]
    return logits;
  }

 private:
  int32_t silu(int32_t x, const std::string& name) {
    return b_.mul(x, b_.unary(TOp::logistic, x, name + ".sigmoid"), name);
  }

  int32_t subsample_conv(const std::string& module, int32_t x, int32_t valid) {
    const int32_t filter = conv_filter(module);
    const int32_t bias = b_.const_f32(module + ".bias", {h_}, at(module + ".bias").data);
    const int32_t half = kSubsampleKernel / 2;
    const int32_t padded = b_.pad(x, {0, 0, 0, 0, half, half, 0, 0}, module + ".pad");
    const int32_t y = b_.conv2d(padded, filter, bias, kSubsampleStride, module);
    return b_.mul(silu(y, module + ".silu"), valid, module + ".masked");
  }

  // 0.5 * ffn(x): the half step is folded into `down`.
  int32_t half_ffn(const std::string& p, int32_t x) {
    const int32_t up = linear(p + ".up", layer_norm(p + ".norm", x, false));
    return linear(p + ".down", silu(up, p + ".silu"), 0.5);
  }

  int32_t conv_module(const std::string& p, int32_t x) {
    const int32_t k = config_.conv_kernel;
    const int32_t normed = layer_norm(p + ".norm1", x, false);
    const int32_t a = linear(p + ".pointwise1", normed, 0, h_, 1.0, ".a");   // [1, T2, H]
    const int32_t g = linear(p + ".pointwise1", normed, h_, h_, 1.0, ".g");  // [1, T2, H]
    int32_t y = b_.mul(a, b_.unary(TOp::logistic, g, p + ".glu_gate"), p + ".glu");
    y = b_.mul(y, valid2_, p + ".masked");
    y = b_.reshape(y, {1, 1, -1, h_}, p + ".nhwc");           // [1, 1, T2, H]
    const exporter::Tensor& w = at(p + ".depthwise.weight");  // [H, 1, K]
    std::vector<float> hwc(w.data.size());                    // [1, 1, K, H]
    for (int32_t c = 0; c < h_; ++c) {
      for (int32_t ki = 0; ki < k; ++ki)
        hwc[static_cast<size_t>(ki) * h_ + c] = w.data[static_cast<size_t>(c) * k + ki];
    }
    const int32_t filter = b_.const_f32(p + ".depthwise.weight", {1, 1, k, h_}, hwc);
    const int32_t bias = b_.const_f32(p + ".depthwise.bias", {h_}, at(p + ".depthwise.bias").data);
    y = b_.depthwise(y, filter, bias, p + ".depthwise");
    y = b_.reshape(y, {1, -1, h_}, p + ".btc");  // [1, T2, H]
    y = silu(layer_norm(p + ".norm2", y), p + ".silu");
    return linear(p + ".pointwise2", y);
  }

  int32_t block(const std::string& p, int32_t x) {
    x = b_.add(x, half_ffn(p + ".ffn1", x), p + ".ffn1.residual");
    x = b_.add(x, attention(p + ".attn", x, key_bias_), p + ".attn.residual");
    x = b_.add(x, conv_module(p + ".conv", x), p + ".conv.residual");
    x = b_.add(x, half_ffn(p + ".ffn2", x), p + ".ffn2.residual");
    return layer_norm(p + ".norm", x);
  }

  int32_t valid2_ = -1, neg_ = -1, key_bias_ = -1;
};

// Stays float32 in every precision: the feature normalization and the positions
// (exact inputs of everything after them) and the output layer (13 x H values whose
// error reaches the scores undiluted; quantizing it doubled the int8 score error).
bool keeps_float32(const std::string& full_name) {
  // An ensemble member's tensors keep their own rules ("members.<i>." put before).
  std::string name = full_name;
  if (name.rfind("members.", 0) == 0 && name.find('.', 8) != std::string::npos)
    name.erase(0, name.find('.', 8) + 1);
  return name.rfind("mel_norm.", 0) == 0 || name.rfind("positions.", 0) == 0 || name.rfind("head.", 0) == 0 ||
         name.rfind("heads.", 0) == 0 || name.rfind("cut.", 0) == 0;
}

}  // namespace

std::array<std::vector<float>, 4> position_factors(int32_t h) {
  // ref: arch.h, pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same). With
  // t = R q + r, a = R q w and b = r w: sin(a + b) = sin a cos b + cos a sin b and
  // cos(a + b) = cos a cos b - sin a sin b, so every column is U[q] V[r] + W[q] X[r].
  // Factors in float64, rounded once.
  constexpr int32_t kQ = kPositionBlocks, kR = kPositionBlock;
  std::array<std::vector<float>, 4> f;
  f[0].resize(static_cast<size_t>(kQ) * h), f[2].resize(f[0].size());
  f[1].resize(static_cast<size_t>(kR) * h), f[3].resize(f[1].size());
  for (int32_t i = 0; i < h / 2; ++i) {
    const double w = 1.0 / std::pow(10000.0, static_cast<double>(2 * i) / h);
    for (int32_t q = 0; q < kQ; ++q) {
      const double a = static_cast<double>(kR) * q * w;
      const size_t at = static_cast<size_t>(q) * h + 2 * i;
      f[0][at] = static_cast<float>(std::sin(a)), f[2][at] = static_cast<float>(std::cos(a));  // sin column
      f[0][at + 1] = static_cast<float>(std::cos(a)),
                f[2][at + 1] = static_cast<float>(-std::sin(a));  // cos column
    }
    for (int32_t r = 0; r < kR; ++r) {
      const double b = r * w;
      const size_t at = static_cast<size_t>(r) * h + 2 * i;
      f[1][at] = f[1][at + 1] = static_cast<float>(std::cos(b));
      f[3][at] = f[3][at + 1] = static_cast<float>(std::sin(b));
    }
  }
  return f;
}

const char* op_name(TOp op) {
  switch (op) {
    case TOp::add:
      return "ADD";
    case TOp::conv_2d:
      return "CONV_2D";
    case TOp::depthwise_conv_2d:
      return "DEPTHWISE_CONV_2D";
    case TOp::dequantize:
      return "DEQUANTIZE";
    case TOp::fully_connected:
      return "FULLY_CONNECTED";
    case TOp::logistic:
      return "LOGISTIC";
    case TOp::mul:
      return "MUL";
    case TOp::reshape:
      return "RESHAPE";
    case TOp::softmax:
      return "SOFTMAX";
    case TOp::pad:
      return "PAD";
    case TOp::transpose:
      return "TRANSPOSE";
    case TOp::mean:
      return "MEAN";
    case TOp::sub:
      return "SUB";
    case TOp::strided_slice:
      return "STRIDED_SLICE";
    case TOp::cast:
      return "CAST";
    case TOp::greater:
      return "GREATER";
    case TOp::slice:
      return "SLICE";
    case TOp::rsqrt:
      return "RSQRT";
    case TOp::shape:
      return "SHAPE";
    case TOp::reduce_max:
      return "REDUCE_MAX";
    case TOp::squared_difference:
      return "SQUARED_DIFFERENCE";
    case TOp::abs:
      return "ABS";
    case TOp::quantize:
      return "QUANTIZE";
    case TOp::batch_matmul:
      return "BATCH_MATMUL";
    case TOp::concatenation:
      return "CONCATENATION";
    case TOp::exp:
      return "EXP";
    case TOp::maximum:
      return "MAXIMUM";
    case TOp::log:
      return "LOG";
    case TOp::sum:
      return "SUM";
    case TOp::gelu:
      return "GELU";
  }
  return "?";
}

const char* type_name(TType t) {
  switch (t) {
    case TType::f32:
      return "float32";
    case TType::f16:
      return "float16";
    case TType::i32:
      return "int32";
    case TType::i64:
      return "int64";
    case TType::boolean:
      return "bool";
    case TType::i8:
      return "int8";
    case TType::i16:
      return "int16";
  }
  return "?";
}

size_t type_size(TType t) {
  switch (t) {
    case TType::f32:
    case TType::i32:
      return 4;
    case TType::f16:
    case TType::i16:
      return 2;
    case TType::i64:
      return 8;
    case TType::boolean:
    case TType::i8:
      return 1;
  }
  return 0;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

int32_t Graph::find(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int32_t>(i);
  }
  return -1;
}

Graph build_conformer(const ExportModel& m, int32_t frames, bool dynamic_frames) {
  Graph g = new_graph(m, frames, dynamic_frames,
                      "inherent speech gate: log-mels [1, frames, 128] -> 13 sigmoid scores in head order");
  Builder b(g);
  const int32_t x0 = input(b, frames, dynamic_frames, m.config.n_mels);
  g.outputs = {b.unary(TOp::logistic, ConformerGraph(m, b).logits(x0), "intent_output")};
  return g;
}

int32_t conformer_logits(const ExportModel& m, Builder& b, const ModelConfig& config,
                         const std::string& prefix, int32_t mel) {
  return ConformerGraph(m, b, config, prefix).logits(mel);
}

Graph build_ensemble(const ExportModel& m, int32_t frames, bool dynamic_frames) {
  Graph g =
      new_graph(m, frames, dynamic_frames,
                "inherent speech gate, an ensemble: log-mels [1, frames, 128] -> 13 sigmoid scores in head "
                "order (the weighted sum of its members' logits)");
  Builder b(g);
  const int32_t x0 = input(b, frames, dynamic_frames, m.config.n_mels);
  int32_t sum = -1;
  for (size_t i = 0; i < m.config.members.size(); ++i) {
    const ModelConfig& c = m.config.members[i];
    const std::string p = ensemble_prefix(i);
    b.set_name_prefix(p);
    const int32_t logits = c.family == ArchFamily::whisper ? whisper_logits(m, b, c, p, x0, frames)
                                                           : conformer_logits(m, b, c, p, x0);
    const int32_t part = b.mul(logits, b.scalar(m.config.member_weights[i]), "weighted");
    b.set_name_prefix("");
    sum = sum < 0 ? part : b.add(sum, part, "ensemble.logits");
  }
  g.outputs = {b.unary(TOp::logistic, sum, "intent_output")};
  return g;
}

void to_float16(Graph& g, int64_t min_elements) {
  std::vector<Operator> widen;
  const size_t n = g.tensors.size();
  for (size_t i = 0; i < n; ++i) {
    Tensor& t = g.tensors[i];
    if (!t.constant || t.type != TType::f32 || t.values.empty() || t.numel() < min_elements ||
        keeps_float32(t.name)) {
      continue;
    }
    // The fp16 constant takes the name; the old index becomes DEQUANTIZE's float output.
    Tensor half = t;
    half.type = TType::f16;
    half.bytes.clear();
    t.name += ".dequantized";
    t.constant = false;
    t.values.clear();
    t.bytes.clear();
    g.tensors.push_back(std::move(half));
    widen.push_back(
        {TOp::dequantize, {static_cast<int32_t>(g.tensors.size() - 1)}, {static_cast<int32_t>(i)}, {}});
  }
  g.ops.insert(g.ops.begin(), widen.begin(), widen.end());
}

void quantize_per_channel(Tensor& t, int32_t axis) {
  const int32_t channels = t.shape[axis];
  int64_t inner = 1;
  for (size_t i = axis + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t i = 0; i < t.values.size(); ++i) {
    const int32_t c = static_cast<int32_t>((static_cast<int64_t>(i) / inner) % channels);
    max_abs[c] = std::max(max_abs[c], std::abs(t.values[i]));
  }
  t.quant = {};
  t.quant.axis = axis;
  for (float m : max_abs) {
    t.quant.scale.push_back(m > 0 ? m / 127.0f : 1.0f);
    t.quant.zero_point.push_back(0);
  }
  t.type = TType::i8;
  t.bytes.clear();
}

void to_dynamic_int8(Graph& g, int64_t min_elements, const Ranges* calibration) {
  for (Operator& op : g.ops) {
    int32_t axis;
    if (op.op == TOp::fully_connected || op.op == TOp::conv_2d) {
      axis = 0;
    } else if (op.op == TOp::depthwise_conv_2d) {
      axis = 3;
    } else {
      continue;
    }
    Tensor& w = g.tensors[op.inputs[1]];
    if (!w.constant || w.type != TType::f32 || w.numel() < min_elements) continue;
    if (keeps_float32(w.name)) continue;
    quantize_per_channel(w, axis);
    if (calibration) correct_bias(g, op, *calibration);
    if (op.op == TOp::fully_connected) op.options.asymmetric_quantize_inputs = true;
  }
}

void materialize_constants(Graph& g) {
  for (Tensor& t : g.tensors) {
    if (!t.constant || !t.bytes.empty()) continue;
    const size_t n = t.values.size();
    switch (t.type) {
      case TType::f32:
        t.bytes.resize(n * 4);
        std::memcpy(t.bytes.data(), t.values.data(), n * 4);
        break;
      case TType::f16:
        t.bytes.resize(n * 2);
        for (size_t i = 0; i < n; ++i) {
          const uint16_t h = float_to_half(t.values[i]);
          std::memcpy(&t.bytes[2 * i], &h, 2);
        }
        break;
      case TType::i8:
      case TType::i16: {
        // Affine quantization, per channel along quant.axis when there are several scales.
        const size_t width = type_size(t.type);
        const float top = t.type == TType::i8 ? 127.0f : 32767.0f;
        t.bytes.resize(n * width);
        const int32_t axis = t.quant.axis;
        int64_t inner = 1;
        for (size_t i = axis + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
        const int64_t channels = t.quant.scale.size() > 1 ? t.shape[axis] : 1;
        for (size_t i = 0; i < n; ++i) {
          const size_t c =
              channels > 1 ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels) : 0;
          const float q =
              std::nearbyint(t.values[i] / t.quant.scale[c]) + static_cast<float>(t.quant.zero_point[c]);
          const auto v = static_cast<int16_t>(std::clamp(q, -top - 1.0f, top));
          if (width == 1) {
            t.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
          } else {
            std::memcpy(&t.bytes[2 * i], &v, 2);
          }
        }
        break;
      }
      default:
        throw Exception(INHERENT_STATUS_INTERNAL, "TFLite graph: constant '" + t.name + "' of type " +
                                                      type_name(t.type) + " has no bytes");
    }
  }
}

std::vector<std::pair<std::string, int>> op_histogram(const Graph& g) {
  std::map<std::string, int> counts;
  for (const Operator& op : g.ops) ++counts[op_name(op.op)];
  return {counts.begin(), counts.end()};
}

}  // namespace inherent::exporter::tfl
