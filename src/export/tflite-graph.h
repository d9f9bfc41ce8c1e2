// SPDX-License-Identifier: Apache-2.0
//
// The TFLite / LiteRT graph of a model (the Conformer here; the whisper family in
// tflite-whisper.cpp), as a small in-memory IR: tensors (shapes,
// types, constants, quantization) and builtin operators in execution order. The
// exporter builds the float32 graph from an ExportModel, rewrites it for a precision
// (float16 weights + DEQUANTIZE, int8 dynamic-range weights, full-integer int8), and
// serializes it with the flatbuffer schema subset in tflite-schema.fbs. A float
// interpreter of the same IR (tflite-eval.h) calibrates activation ranges.
//
// Graph contract (batch is 1 in every TFLite artifact):
//   input  mel_spectrogram  float32 [1, frames, 128]   frames = 3000 by default; with
//                                                        dynamic frames the signature
//                                                        is [1, -1, 128] (resize it)
//   output intent_output    float32 [1, 13]            sigmoid scores in head order
//
// Layout choices (TFLite has no LayerNorm, Conv1d or 'where' that every delegate runs):
// - time convolutions run as CONV_2D / DEPTHWISE_CONV_2D on [1, 1, T, C] (NHWC, H = 1);
//   the stride-2 subsampling pads explicitly (PAD 1 | 1) and convolves VALID, because
//   SAME padding would pad 0 | 1 where torch pads 1 | 1;
// - LayerNorm is MEAN, SUB, MUL, MEAN, ADD eps, RSQRT, MUL, MUL gamma, ADD beta;
// - padding masks multiply (0 / 1) before temporal mixing, and add (valid - 1) * 1e9
//   to attention and pooling logits: exactly the logit for a valid step, and a weight
//   that underflows to 0 for a padded one;
// - q | k | v and GLU's a | g are separate FULLY_CONNECTED ops on row slices of the
//   fused weights; 1 / sqrt(D) is folded into the q weights, the 0.5 of the half-step
//   FFN residuals into the `down` weights, and the gamma / beta of a LayerNorm that
//   feeds a Linear into that Linear (W diag(gamma), b + W beta);
// - positions come from two small factor tables by angle addition (rows t = 32 q + r:
//   pe = U[q] V[r] + W[q] X[r], [24, 1, H] and [1, 32, H] factors instead of a
//   [750, H] table: 7x smaller, which matters next to int8 weights) and are cut to the
//   step count with SLICE(table, 0, SHAPE(x)), so dynamic shapes need no arithmetic on
//   sizes. 750 steps = 3000 frames is the longest input.
//
// Shape letters: T frames, T1 = ceil(T / 2), T2 = ceil(T1 / 2), M mel bins, H hidden,
// F ffn, K depthwise kernel, N attention heads, D = H / N, O outputs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "export/export-model.h"

namespace inherent::exporter::tfl {

struct Ranges;  // calibration statistics (tflite-eval.h)

// Values are the format's TensorType codes.
enum class TType : int8_t { f32 = 0, f16 = 1, i32 = 2, i64 = 4, boolean = 6, i16 = 7, i8 = 9 };

// Values are the format's BuiltinOperator codes.
enum class TOp : int32_t {
  add = 0,
  concatenation = 2,
  conv_2d = 3,
  depthwise_conv_2d = 4,
  dequantize = 6,
  fully_connected = 9,
  logistic = 14,
  mul = 18,
  reshape = 22,
  softmax = 25,
  pad = 34,
  transpose = 39,
  mean = 40,
  sub = 41,
  strided_slice = 45,
  exp = 47,
  cast = 53,
  maximum = 55,
  greater = 61,
  slice = 65,
  log = 73,
  sum = 74,
  rsqrt = 76,
  shape = 77,
  reduce_max = 82,
  squared_difference = 99,
  abs = 101,
  quantize = 114,
  batch_matmul = 126,
  gelu = 150,
};

const char* op_name(TOp op);     // "FULLY_CONNECTED"
const char* type_name(TType t);  // "float32"
size_t type_size(TType t);

// q stands for scale * (q - zero_point); per channel along `axis` when scale.size() > 1.
struct Quant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;
  bool empty() const { return scale.empty(); }
};

struct Tensor {
  std::string name;
  TType type = TType::f32;
  std::vector<int32_t> shape;  // at the default frame count
  std::vector<bool> dynamic;   // per dimension: changes with the frame count
  bool constant = false;
  std::vector<float> values;   // float constants, before any precision rewrite
  std::vector<uint8_t> bytes;  // the stored payload of a constant (little-endian)
  Quant quant;

  int64_t numel() const;
};

// The options of every operator this graph uses (each op reads its own fields).
struct Options {
  int32_t stride_w = 1, stride_h = 1;
  bool padding_same = false;
  bool keep_num_dims = false;               // FULLY_CONNECTED
  bool asymmetric_quantize_inputs = false;  // hybrid FULLY_CONNECTED / BATCH_MATMUL
  bool keep_dims = false;                   // MEAN, REDUCE_MAX, SUM
  int32_t axis = 0;                         // CONCATENATION
  bool adj_y = false;                       // BATCH_MATMUL
  float beta = 1.0f;                        // SOFTMAX
  int32_t begin_mask = 0, end_mask = 0;     // STRIDED_SLICE
  std::vector<int32_t> new_shape;           // RESHAPE (also given as input 1)
  TType cast_from = TType::f32, cast_to = TType::f32;
};

struct Operator {
  TOp op;
  std::vector<int32_t> inputs, outputs;  // tensor indices (-1 = optional input absent)
  Options options;
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Operator> ops;  // execution order
  std::vector<int32_t> inputs, outputs;
  std::string description;
  std::vector<std::pair<std::string, std::string>> metadata;  // name -> bytes (Model.metadata)
  int32_t frames = 3000;                                      // the concrete frame count of the shapes
  bool dynamic_frames = true;                                 // write shape_signature with -1 on time
  bool data_dependent_shapes = false;  // shapes after an op depend on the input's values (a cut)

  int32_t find(const std::string& name) const;  // -1 when absent
};

// Positions table rows: enough for the longest input (3000 frames -> 750 steps), built
// from kPositionBlocks x kPositionBlock = 768 rows of factors.
constexpr int32_t kPositionRows = 750;
constexpr int32_t kPositionBlock = 32;
constexpr int32_t kPositionBlocks = (kPositionRows + kPositionBlock - 1) / kPositionBlock;

// The factors U [Q, H], V [R, H], W [Q, H], X [R, H] of the positions: row t = R q + r of
// the table is U[q] * V[r] + W[q] * X[r] (elementwise, float32 in the graph).
std::array<std::vector<float>, 4> position_factors(int32_t h);

// The float32 Conformer graph. `frames` is the input's concrete frame count (<= 3000);
// dynamic_frames marks time dimensions dynamic in the signature.
Graph build_conformer(const ExportModel& m, int32_t frames = 3000, bool dynamic_frames = true);

// The float32 graph of the whisper family (tflite-whisper.cpp): one clip, padding at
// either end cut in the graph (so shapes after the cut depend on the input).
Graph build_whisper(const ExportModel& m, int32_t frames = 3000, bool dynamic_frames = true);

// The float32 graph of an ensemble: its members' graphs on the one input, their logits
// weighted and summed before the sigmoid.
Graph build_ensemble(const ExportModel& m, int32_t frames = 3000, bool dynamic_frames = true);

// float16 weights: every float constant of at least min_elements values (except the
// feature normalization, the position factors, the output layer and the whisper
// family's heads and padding cut, which stay float32) is stored as FLOAT16 and widened by a DEQUANTIZE op at
// the start of the graph.
void to_float16(Graph& g, int64_t min_elements = 1);

// int8 dynamic-range: weights of FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D with at
// least min_elements values (except the output layer) become symmetric
// per-output-channel int8; activations stay float and the kernels quantize them on the
// fly, per row, with a zero point (asymmetric inputs).
// With calibration (tflite-eval.h), each quantized layer's bias is corrected for the
// mean shift its rounded weights cause (see correct_bias).
void to_dynamic_int8(Graph& g, int64_t min_elements = 1024, const Ranges* calibration = nullptr);

// Symmetric int8 per channel along `axis`: scale = max|w| / 127 (bytes left to
// materialize_constants).
void quantize_per_channel(Tensor& t, int32_t axis);

// Bias correction for the FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D `op` whose
// weights were just quantized: rounding the weights shifts output channel o by
// sum_i (Wq - W)[o, i] * E[x_i] on average; the bias absorbs it. E[x] per input channel
// comes from calibration. No-op without a bias or without means for the input.
void correct_bias(Graph& g, const Operator& op, const Ranges& calibration);

// Full-integer int8 from calibration ranges (lo[i], hi[i] for every tensor i of the
// float graph, see tflite-eval.h; biases corrected as in correct_bias): int8
// activations (per tensor, asymmetric), int8 per-channel weights, int32 biases, a
// QUANTIZE after the float input and a DEQUANTIZE before the float output. Constants
// get their bytes here.
void to_full_int8(Graph& g, const Ranges& calibration);

// Full-integer 16x8: as to_full_int8 with int16 activations (symmetric, zero point 0),
// int8 per-channel weights and int64 biases - 256x finer activations where int8's
// per-tensor steps swamp the layer norms' variances.
void to_full_int16x8(Graph& g, const Ranges& calibration);

// Fills Tensor::bytes of every constant from its values and type (float32, float16,
// int8 with quant) where the bytes are not set yet.
void materialize_constants(Graph& g);

// Counts of each operator, for reports and delegate preflight.
std::vector<std::pair<std::string, int>> op_histogram(const Graph& g);

}  // namespace inherent::exporter::tfl
