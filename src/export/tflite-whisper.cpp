// SPDX-License-Identifier: Apache-2.0
//
// The whisper family (arch.h) as a TFLite graph, one clip per run ([1, T, 128]):
// - all-zero frames at either end are cut first, as the engine and the ONNX graph do
//   (Whisper's blocks have no padding mask): the first and last frame that is not all
//   zeros come from a frame-index table, and SLICE takes the frames between them, so
//   every tensor after the cut has a shape that depends on the input;
// - the bridge: powers = max(exp(mel) - 1e-8, 0), log10 of the fixed map onto
//   Whisper's 80 bins, and Whisper frames 2t and 2t + 1 as fixed blends of our frames
//   t - 1 and t (frame -1 read as frame 0), then (max(u, floor) + 4) / 4;
// - Whisper's stem as PAD 1 | 1 + CONV_2D on [1, 1, 2T, W] (stride 1, then 2), GELU
//   the builtin exact (erf) one;
// - the pooled heads: per-head softmax weights over time, BATCH_MATMUL with the
//   projected frames, each head's own weight row, SUM.
#include <cmath>

#include "export/tflite-builder.h"
#include "export/tflite-graph.h"
#include "frontend/log-mel.h"

namespace inherent::exporter::tfl {
namespace {

class WhisperGraph : ModuleGraph {
 public:
  using ModuleGraph::ModuleGraph;

  // logits [1, O] of the log-mels x0 [1, frames, M].
  int32_t logits(int32_t x0, int32_t frames) {
    int32_t x = bridge(cut_padding(x0, frames));  // [1, 2T, W]
    x = stem(x);                                  // [1, T, H]
    for (int i = 0; i < config_.n_blocks; ++i) {
      const std::string p = "blocks." + std::to_string(i);
      x = b_.add(x, attention(p + ".attn", x, -1), p + ".attn.residual");
      const int32_t up = linear(p + ".ffn.up", layer_norm(p + ".ffn.norm", x));
      x = b_.add(x, linear(p + ".ffn.down", b_.unary(TOp::gelu, up, p + ".ffn.gelu")), p + ".ffn.residual");
    }
    x = layer_norm("final_norm", x);
    return pooled_heads(x);  // [1, O]
  }

 private:
  // mel [1, T, M] from its first to its last frame that is not all zeros.
  int32_t cut_padding(int32_t mel, int32_t frames) {
    const int32_t peak =
        b_.reduce(TOp::reduce_max, b_.unary(TOp::abs, mel, "cut.abs"), 2, "cut.peak");  // [1, T, 1]
    const int32_t valid =
        b_.cast(b_.binary(TOp::greater, peak, b_.scalar(0.0f), "cut.is_valid"), TType::f32, "cut.valid");
    // Frame indices 0 .. T - 1 ([1, T, 1]), from a table of the longest input.
    std::vector<float> index(frames);
    for (int32_t i = 0; i < frames; ++i) index[i] = static_cast<float>(i);
    const int32_t table = b_.const_f32("cut.index_table", {1, frames, 1}, index);
    const int32_t size = b_.op(TOp::shape, {valid}, "cut.shape", TType::i32, {{3}, {false}});
    const int32_t idx =
        b_.op(TOp::slice, {table, b_.ints({0, 0, 0}), size}, "cut.index", TType::f32, b_.shape(valid));
    // end = last + 1 = max(valid (i + 1)); first = F - max(valid (F - i)).
    const int32_t end =
        b_.reduce(TOp::reduce_max, b_.mul(valid, b_.add(idx, b_.scalar(1.0f), "cut.i1"), "cut.ends"), 1,
                  "cut.end");  // [1, 1, 1]
    const float f = static_cast<float>(frames);
    const int32_t from_end = b_.reduce(
        TOp::reduce_max, b_.mul(valid, b_.sub(b_.scalar(f), idx, "cut.fi"), "cut.starts"), 1, "cut.from_end");
    const int32_t first = b_.sub(b_.scalar(f), from_end, "cut.first");
    const int32_t count = b_.sub(end, first, "cut.count");
    const int32_t first_i = b_.reshape(b_.cast(first, TType::i32, "cut.first_i32"), {1}, "cut.first_1");
    const int32_t count_i = b_.reshape(b_.cast(count, TType::i32, "cut.count_i32"), {1}, "cut.count_1");
    const int32_t begin = b_.concat({b_.ints({0}), first_i, b_.ints({0})}, 0, "cut.begin");
    const int32_t sizes = b_.concat({b_.ints({1}), count_i, b_.ints({config_.n_mels})}, 0, "cut.size");
    Shape out = b_.shape(mel);
    out.dyn[1] = true;
    return b_.op(TOp::slice, {mel, begin, sizes}, "cut.mel", TType::f32, out);
  }

  // [1, T, M] log-mel -> [1, 2T, W] Whisper's scaled log-mel on its 10 ms grid.
  int32_t bridge(int32_t mel) {
    const int32_t nb = config_.bridge_mels, m = config_.n_mels;
    int32_t power = b_.sub(b_.unary(TOp::exp, mel, "bridge.exp"), b_.scalar(kLogFloor), "bridge.power_raw");
    power = b_.binary(TOp::maximum, power, b_.scalar(0.0f), "bridge.power");
    const int32_t mapped =
        b_.fully_connected(power, "bridge.matrix", at("bridge.matrix").data, nb, m, "bridge.zero_bias",
                           std::vector<float>(nb, 0.0f), "bridge.mapped");
    const int32_t floored = b_.binary(TOp::maximum, mapped, b_.scalar(1e-10f), "bridge.floored");
    const int32_t l =
        b_.mul(b_.unary(TOp::log, floored, "bridge.ln"), b_.scalar(static_cast<float>(1.0 / std::log(10.0))),
               "bridge.log10");  // [1, T, W]
    // prev[t] = l[max(t - 1, 0)]: row 0, then rows 0 .. T - 2.
    Shape first_shape = b_.shape(l);
    first_shape.d[1] = 1, first_shape.dyn[1] = false;
    const int32_t head = b_.op(TOp::slice, {l, b_.ints({0, 0, 0}), b_.ints({1, 1, nb})}, "bridge.first",
                               TType::f32, first_shape);
    Options but_last;
    but_last.begin_mask = 0b111;
    but_last.end_mask = 0b101;  // axis 1 ends at -1
    Shape body_shape = b_.shape(l);
    body_shape.d[1] -= 1;
    const int32_t body =
        b_.op(TOp::strided_slice, {l, b_.ints({0, 0, 0}), b_.ints({0, -1, 0}), b_.ints({1, 1, 1})},
              "bridge.body", TType::f32, body_shape, but_last);
    const int32_t prev = b_.concat({head, body}, 1, "bridge.prev");
    auto blend = [&](float a, const std::string& name) {
      const int32_t y = b_.add(b_.mul(prev, b_.scalar(a), name + ".prev"),
                               b_.mul(l, b_.scalar(1.0f - a), name + ".this"), name);
      return b_.reshape(y, {1, -1, 1, nb}, name + ".col");  // [1, T, 1, W]
    };
    const int32_t pairs = b_.concat(
        {blend(kWhisperEvenBlend, "bridge.even"), blend(kWhisperOddBlend, "bridge.odd")}, 2, "bridge.pairs");
    const int32_t grid = b_.reshape(pairs, {1, -1, nb}, "bridge.grid");  // [1, 2T, W]
    const int32_t clamped =
        b_.binary(TOp::maximum, grid, b_.scalar(at("bridge.floor").data.at(0)), "bridge.clamped");
    return b_.mul(b_.add(clamped, b_.scalar(4.0f), "bridge.shifted"), b_.scalar(0.25f), "bridge.out");
  }

  // [1, 2T, W] -> GELU(conv2(GELU(conv1(u)))) + positions: [1, T, H].
  int32_t stem(int32_t u) {
    int32_t x = b_.reshape(u, {1, 1, -1, config_.bridge_mels}, "stem.nhwc");  // [1, 1, 2T, W]
    x = conv("stem.conv1", x, 1);
    x = conv("stem.conv2", x, 2);
    x = b_.reshape(x, {1, -1, h_}, "stem.out");  // [1, T, H]
    const exporter::Tensor& table = at("positions");
    const int32_t rows = static_cast<int32_t>(table.shape[0]);
    const int32_t pe_table = b_.const_f32("positions.table", {1, rows, h_}, table.data);
    const int32_t steps = b_.op(TOp::shape, {x}, "positions.shape", TType::i32, {{3}, {false}});
    const int32_t pe =
        b_.op(TOp::slice, {pe_table, b_.ints({0, 0, 0}), steps}, "positions.pe", TType::f32, b_.shape(x));
    return b_.add(x, pe, "stem.positioned");
  }

  int32_t conv(const std::string& module, int32_t x, int32_t stride) {
    const int32_t bias = b_.const_f32(module + ".bias", {h_}, at(module + ".bias").data);
    const int32_t padded = b_.pad(x, {0, 0, 0, 0, 1, 1, 0, 0}, module + ".pad");
    return b_.unary(TOp::gelu, b_.conv2d(padded, conv_filter(module), bias, stride, module),
                    module + ".gelu");
  }

  // One attentive pooling per head over z = GELU(proj(LN x)): [1, T, H] -> [1, O].
  int32_t pooled_heads(int32_t x) {
    const int32_t z = b_.unary(TOp::gelu, linear("heads.proj", layer_norm("heads.norm", x)), "heads.gelu");
    const int32_t s = b_.transpose(linear("heads.score", z), {0, 2, 1}, "heads.logits");  // [1, O, T]
    const int32_t w = b_.op(TOp::softmax, {s}, "heads.weights", TType::f32, b_.shape(s));
    const int32_t pooled = b_.batch_matmul(w, z, false, "heads.pooled");  // [1, O, P]
    const exporter::Tensor& hw = at("heads.weight");                      // [O, P]
    const int32_t o = static_cast<int32_t>(hw.shape[0]), p = static_cast<int32_t>(hw.shape[1]);
    const int32_t weighted = b_.mul(pooled, b_.const_f32("heads.weight", {o, p}, hw.data), "heads.weighted");
    Shape sum_shape{{1, o}, {false, false}};
    Options keep;
    keep.keep_dims = false;
    const int32_t summed =
        b_.op(TOp::sum, {weighted, b_.ints({2})}, "heads.summed", TType::f32, sum_shape, keep);  // [1, O]
    return b_.add(summed, b_.const_f32("heads.bias", {o}, at("heads.bias").data), "heads.logits_out");
  }
};

}  // namespace

Graph build_whisper(const ExportModel& m, int32_t frames, bool dynamic_frames) {
  Graph g =
      new_graph(m, frames, dynamic_frames,
                "inherent speech gate, whisper family: log-mels [1, frames, 128] -> 13 sigmoid scores in "
                "head order (padding at either end cut in the graph)");
  Builder b(g);
  const int32_t x0 = input(b, frames, dynamic_frames, m.config.n_mels);
  g.outputs = {b.unary(TOp::logistic, WhisperGraph(m, b).logits(x0, frames), "intent_output")};
  return g;
}

int32_t whisper_logits(const ExportModel& m, Builder& b, const ModelConfig& config, const std::string& prefix,
                       int32_t mel, int32_t frames) {
  return WhisperGraph(m, b, config, prefix).logits(mel, frames);
}

}  // namespace inherent::exporter::tfl
