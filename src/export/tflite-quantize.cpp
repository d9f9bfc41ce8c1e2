// SPDX-License-Identifier: Apache-2.0
//
// Full-integer quantization: every activation integer with a per-tensor scale from
// calibration ranges (int8 asymmetric, or int16 symmetric in the 16x8 scheme), weights
// int8 per output channel (symmetric), biases at input scale x weight scale (int32, or
// int64 with int16 activations), other constants per tensor in the activation type.
// The float input is quantized by a QUANTIZE op and the scores dequantized by a
// DEQUANTIZE op, so the contract (float32 in, float32 out) holds.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "export/tflite-eval.h"
#include "export/tflite-graph.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {
namespace {

constexpr float kInt16Headroom = 4.0f;

// The activation integer type and how a calibrated range maps onto it.
struct Scheme {
  TType type;
  // int8: asymmetric over [lo, hi] widened to hold 0 exactly (padding and masks are
  // zeros). int16: symmetric, zero point 0, as the 16x8 kernels require.
  Quant range(float lo, float hi) const {
    lo = std::min(lo, 0.0f), hi = std::max(hi, 0.0f);
    if (hi - lo < 1e-12f) hi = lo + 1e-12f;
    // int16 spends 2 of its bits on headroom: clips outside the calibration set reach
    // past its ranges (quiet frames raise a layer norm's 1/std, confident clips the
    // logits), and saturating costs far more than 4x coarser steps.
    if (type == TType::i16) return {{kInt16Headroom * std::max(-lo, hi) / 32767.0f}, {0}, 0};
    const float scale = (hi - lo) / 255.0f;
    const int64_t zp = std::clamp<int64_t>(std::llround(-128.0 - lo / scale), -128, 127);
    return {{scale}, {zp}, 0};
  }
  // LOGISTIC / SOFTMAX outputs: [0, 1) at the scale the kernels fix.
  Quant unit() const {
    return type == TType::i16 ? Quant{{1.0f / 32768.0f}, {0}, 0} : Quant{{1.0f / 256.0f}, {-128}, 0};
  }
  TType bias_type() const { return type == TType::i16 ? TType::i64 : TType::i32; }
};

constexpr float kMaskMargin = 16.0f;

void bias_integer(Tensor& b, float input_scale, const Quant& weights, TType type) {
  b.quant = {};
  b.type = type;
  const size_t width = type == TType::i64 ? 8 : 4;
  b.bytes.resize(b.values.size() * width);
  for (size_t c = 0; c < b.values.size(); ++c) {
    const float scale = input_scale * weights.scale[weights.scale.size() > 1 ? c : 0];
    b.quant.scale.push_back(scale);
    b.quant.zero_point.push_back(0);
    const double q = std::nearbyint(static_cast<double>(b.values[c]) / scale);
    if (width == 8) {
      const auto v = static_cast<int64_t>(std::clamp(q, -9.2e18, 9.2e18));
      std::memcpy(&b.bytes[8 * c], &v, 8);
    } else {
      const auto v = static_cast<int32_t>(std::clamp(q, -2147483648.0, 2147483647.0));
      std::memcpy(&b.bytes[4 * c], &v, 4);
    }
  }
}

void to_full_integer(Graph& g, const Ranges& calibration, const Scheme& scheme) {
  std::vector<float> lo = calibration.lo, hi = calibration.hi;
  const size_t n = g.tensors.size();
  if (lo.size() < n || hi.size() < n)
    throw Exception(INHERENT_STATUS_INTERNAL, "full integer: ranges do not cover the graph");

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
      x.quant = scheme.range(lo[t], hi[t]);
      done[t] = true;
    }
    return x.quant;
  };

  // The float input gets a QUANTIZE to an int8 twin that every consumer reads instead.
  const int32_t input = g.inputs.at(0);
  Tensor in8 = g.tensors[input];
  in8.name += scheme.type == TType::i16 ? ".int16" : ".int8";
  in8.type = scheme.type;
  in8.quant = scheme.range(lo[input], hi[input]);
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
        o.quant = scheme.unit();
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
        op.options.cast_to = scheme.type;
        o.quant = {{1.0f}, {0}, 0};  // 0 / 1
        break;
      case TOp::shape:
        break;
      case TOp::add:
        if (g.tensors[op.inputs[1]].name.rfind("mask.", 0) == 0) {
          // Masked softmax logits: padded steps saturate at the bottom of the range.
          o.quant = scheme.range(lo[out], hi[out]);  // widened above
          break;
        }
        o.quant = scheme.range(lo[out], hi[out]);
        break;
      default:
        o.quant = scheme.range(lo[out], hi[out]);
    }
    done[out] = true;
    if (o.type == TType::f32) o.type = scheme.type;

    // Weights and biases of the Linear and convolution ops.
    if (op.op == TOp::fully_connected || op.op == TOp::conv_2d || op.op == TOp::depthwise_conv_2d) {
      Tensor& w = g.tensors[op.inputs[1]];
      quantize_per_channel(w, op.op == TOp::depthwise_conv_2d ? 3 : 0);
      done[op.inputs[1]] = true;
      correct_bias(g, op, calibration);
      bias_integer(g.tensors[op.inputs[2]], quant_of(op.inputs[0]).scale[0], w.quant, scheme.bias_type());
      done[op.inputs[2]] = true;
    }
  }

  // Every other float constant: per tensor over its own values (bytes from
  // materialize_constants).
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    Tensor& t = g.tensors[i];
    if (!t.constant || t.type != TType::f32) continue;
    if (!done[i] || t.quant.empty()) t.quant = scheme.range(lo[i], hi[i]);
    t.type = scheme.type;
    t.bytes.clear();
  }

  // Scores: the integer LOGISTIC output, dequantized into the float contract tensor.
  const int32_t output = g.outputs.at(0);
  Tensor out_f = g.tensors[output];
  out_f.type = TType::f32;
  out_f.quant = {};
  g.tensors[output].name += scheme.type == TType::i16 ? ".int16" : ".int8";
  g.tensors.push_back(out_f);
  g.ops.push_back(Operator{TOp::dequantize, {output}, {static_cast<int32_t>(g.tensors.size() - 1)}, {}});
  g.outputs = {static_cast<int32_t>(g.tensors.size() - 1)};
  g.ops.insert(g.ops.begin(), Operator{TOp::quantize, {input}, {input8}, {}});
  materialize_constants(g);
}

}  // namespace

void correct_bias(Graph& g, const Operator& op, const Ranges& calibration) {
  if (op.inputs.size() < 3 || op.inputs[2] < 0) return;
  const std::vector<double> mean = calibration.channel_mean(static_cast<size_t>(op.inputs[0]));
  const Tensor& w = g.tensors[op.inputs[1]];
  Tensor& b = g.tensors[op.inputs[2]];
  if (mean.empty() || w.type != TType::i8 || b.type != TType::f32) return;
  // FULLY_CONNECTED [O, I] and CONV_2D [O, kh, kw, I] sum over input channels i (the
  // last axis); DEPTHWISE_CONV_2D [1, kh, kw, C] keeps channel c = o.
  const bool depthwise = op.op == TOp::depthwise_conv_2d;
  const int64_t in = w.shape.back(), out = depthwise ? in : w.shape.front();
  if (static_cast<int64_t>(mean.size()) != in || static_cast<int64_t>(b.values.size()) != out) return;
  std::vector<double> shift(static_cast<size_t>(out), 0.0);
  for (size_t k = 0; k < w.values.size(); ++k) {
    const int64_t i = static_cast<int64_t>(k) % in;
    const int64_t o = depthwise ? i : static_cast<int64_t>(k) / (static_cast<int64_t>(w.values.size()) / out);
    const float s = w.quant.scale[w.quant.scale.size() > 1 ? static_cast<size_t>(o) : 0];
    const double rounded =
        std::clamp(std::nearbyint(w.values[k] / s), -127.0f, 127.0f) * static_cast<double>(s);
    shift[static_cast<size_t>(o)] += (rounded - w.values[k]) * mean[static_cast<size_t>(i)];
  }
  for (size_t o = 0; o < shift.size(); ++o) b.values[o] = static_cast<float>(b.values[o] - shift[o]);
}

void to_full_int8(Graph& g, const Ranges& calibration) { to_full_integer(g, calibration, Scheme{TType::i8}); }

void to_full_int16x8(Graph& g, const Ranges& calibration) {
  to_full_integer(g, calibration, Scheme{TType::i16});
}

}  // namespace inherent::exporter::tfl
