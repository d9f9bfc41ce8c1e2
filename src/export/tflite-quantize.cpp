// SPDX-License-Identifier: Apache-2.0
//
// Full-integer int8: every activation int8 with a per-tensor scale and zero point from
// calibration ranges, weights int8 per output channel (symmetric), biases int32 at
// input scale x weight scale, other constants int8 per tensor. The float input is
// quantized by a QUANTIZE op and the scores dequantized by a DEQUANTIZE op, so the
// contract (float32 in, float32 out) holds.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "export/tflite-graph.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {
namespace {

// Asymmetric int8 for [lo, hi] widened to hold 0 exactly (padding and masks are zeros).
Quant affine(float lo, float hi) {
  lo = std::min(lo, 0.0f), hi = std::max(hi, 0.0f);
  if (hi - lo < 1e-12f) hi = lo + 1e-12f;
  const float scale = (hi - lo) / 255.0f;
  const int64_t zp = std::clamp<int64_t>(std::llround(-128.0 - lo / scale), -128, 127);
  return {{scale}, {zp}, 0};
}

constexpr float kMaskMargin = 16.0f;

Quant fixed_unit() { return {{1.0f / 256.0f}, {-128}, 0}; }  // LOGISTIC / SOFTMAX outputs: [0, 1)

void set_bytes_i8(Tensor& t) {
  t.bytes.resize(t.values.size());
  const bool per_channel = t.quant.scale.size() > 1;
  int64_t inner = 1;
  for (size_t i = t.quant.axis + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  for (size_t i = 0; i < t.values.size(); ++i) {
    const size_t c = per_channel ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % t.shape[t.quant.axis]) : 0;
    const double q = std::nearbyint(t.values[i] / t.quant.scale[c]) + static_cast<double>(t.quant.zero_point[c]);
    t.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -128.0, 127.0)));
  }
}

void weights_per_channel(Tensor& w, int32_t axis) {
  const int32_t channels = w.shape[axis];
  int64_t inner = 1;
  for (size_t i = axis + 1; i < w.shape.size(); ++i) inner *= w.shape[i];
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t i = 0; i < w.values.size(); ++i) {
    const int32_t c = static_cast<int32_t>((static_cast<int64_t>(i) / inner) % channels);
    max_abs[c] = std::max(max_abs[c], std::abs(w.values[i]));
  }
  w.quant = {};
  w.quant.axis = axis;
  for (float m : max_abs) {
    w.quant.scale.push_back(m > 0 ? m / 127.0f : 1.0f);
    w.quant.zero_point.push_back(0);
  }
  w.type = TType::i8;
  set_bytes_i8(w);
}

void bias_int32(Tensor& b, float input_scale, const Quant& weights) {
  b.quant = {};
  b.type = TType::i32;
  b.bytes.resize(b.values.size() * 4);
  for (size_t c = 0; c < b.values.size(); ++c) {
    const float scale = input_scale * weights.scale[weights.scale.size() > 1 ? c : 0];
    b.quant.scale.push_back(scale);
    b.quant.zero_point.push_back(0);
    const int32_t q = static_cast<int32_t>(std::clamp(std::nearbyint(static_cast<double>(b.values[c]) / scale), -2147483648.0,
                                                      2147483647.0));
    std::memcpy(&b.bytes[4 * c], &q, 4);
  }
}

}  // namespace

void to_full_int8(Graph& g, std::vector<float> lo, std::vector<float> hi) {
  const size_t n = g.tensors.size();
  if (lo.size() < n || hi.size() < n) throw Exception(INHERENT_STATUS_INTERNAL, "full int8: ranges do not cover the graph");

  // The padding mask. Calibration clips run at their own length, so every step is
  // valid there and the mask tensors never leave 0; their ranges are set here. The
  // masked softmax logits keep their calibrated top and reach kMaskMargin below it at
  // least; the mask bias (valid - 1) * B takes B = 4x the widest such range instead of
  // the float graph's 1e9: large enough to push every padded logit to the bottom of
  // the range (int8 ADD saturates), small enough that ADD's rescaling of the logits
  // keeps their precision (with 1e9 their share of the common scale rounds to 0).
  float widest = 0;
  for (const Operator& op : g.ops) {
    if (op.op != TOp::add || g.tensors[op.inputs[1]].name.rfind("mask.", 0) != 0) continue;
    const int32_t o = op.outputs[0];
    lo[o] = std::min(lo[o], hi[o] - kMaskMargin);
    widest = std::max(widest, hi[o] - lo[o]);
  }
  const float bias = 4.0f * widest;
  for (const Operator& op : g.ops) {
    const std::string& name = g.tensors[op.outputs[0]].name;
    if (name == "mask.invalid") lo[op.outputs[0]] = -1.0f, hi[op.outputs[0]] = 0.0f;
    if (name == "mask.logit_bias") {
      lo[op.outputs[0]] = -bias, hi[op.outputs[0]] = 0.0f;
      Tensor& c = g.tensors[op.inputs[1]];  // the 1e9
      c.values = {bias};
      lo[op.inputs[1]] = hi[op.inputs[1]] = bias;
    }
    if (name == "mask.key_bias") lo[op.outputs[0]] = -bias, hi[op.outputs[0]] = 0.0f;
  }
  std::vector<bool> done(n, false);
  auto quant_of = [&](int32_t t) -> const Quant& {
    Tensor& x = g.tensors[t];
    if (!done[t]) {  // a constant met first as an input: its own range
      x.quant = affine(lo[t], hi[t]);
      done[t] = true;
    }
    return x.quant;
  };

  // The float input gets a QUANTIZE to an int8 twin that every consumer reads instead.
  const int32_t input = g.inputs.at(0);
  Tensor in8 = g.tensors[input];
  in8.name += ".int8";
  in8.type = TType::i8;
  in8.quant = affine(lo[input], hi[input]);
  g.tensors.push_back(in8);
  const int32_t input8 = static_cast<int32_t>(g.tensors.size() - 1);
  done.push_back(true);
  for (Operator& op : g.ops) {
    for (int32_t& t : op.inputs) t = t == input ? input8 : t;
  }

  for (Operator& op : g.ops) {
    const int32_t out = op.outputs.at(0);
    Tensor& o = g.tensors[out];
    switch (op.op) {
      case TOp::logistic:
      case TOp::softmax:
        o.quant = fixed_unit();
        break;
      case TOp::reshape:
      case TOp::transpose:
      case TOp::strided_slice:
      case TOp::slice:
      case TOp::pad:
      case TOp::reduce_max:
        o.quant = quant_of(op.inputs[0]);  // these ops move values; they must not rescale
        break;
      case TOp::greater: {
        // Compare against the constant in the other input's own scale.
        const Quant& q = quant_of(op.inputs[0]);
        Tensor& c = g.tensors[op.inputs[1]];
        c.quant = q;
        done[op.inputs[1]] = true;
        break;
      }
      case TOp::cast:
        op.options.cast_to = TType::i8;
        o.quant = {{1.0f}, {0}, 0};  // 0 / 1
        break;
      case TOp::shape:
        break;
      case TOp::add:
        if (g.tensors[op.inputs[1]].name.rfind("mask.", 0) == 0) {
          // Masked softmax logits: padded steps saturate at the bottom of the range.
          o.quant = affine(lo[out], hi[out]);  // widened above
          break;
        }
        o.quant = affine(lo[out], hi[out]);
        break;
      default:
        o.quant = affine(lo[out], hi[out]);
    }
    done[out] = true;
    if (o.type == TType::f32) o.type = TType::i8;

    // Weights and biases of the Linear and convolution ops.
    if (op.op == TOp::fully_connected || op.op == TOp::conv_2d || op.op == TOp::depthwise_conv_2d) {
      Tensor& w = g.tensors[op.inputs[1]];
      weights_per_channel(w, op.op == TOp::depthwise_conv_2d ? 3 : 0);
      done[op.inputs[1]] = true;
      bias_int32(g.tensors[op.inputs[2]], quant_of(op.inputs[0]).scale[0], w.quant);
      done[op.inputs[2]] = true;
    }
  }

  // Every other float constant: int8 per tensor over its own values.
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    Tensor& t = g.tensors[i];
    if (!t.constant || t.type != TType::f32) continue;
    if (!done[i] || t.quant.empty()) t.quant = affine(lo[i], hi[i]);
    t.type = TType::i8;
    set_bytes_i8(t);
  }

  // Scores: the int8 LOGISTIC output, dequantized into the float contract tensor.
  const int32_t output = g.outputs.at(0);
  Tensor out_f = g.tensors[output];
  out_f.type = TType::f32;
  out_f.quant = {};
  g.tensors[output].name += ".int8";
  g.tensors.push_back(out_f);
  const int32_t output_f = static_cast<int32_t>(g.tensors.size() - 1);
  g.ops.insert(g.ops.begin(), Operator{TOp::quantize, {input}, {input8}, {}});
  g.ops.push_back(Operator{TOp::dequantize, {output}, {output_f}, {}});
  g.outputs = {output_f};
}

}  // namespace inherent::exporter::tfl
