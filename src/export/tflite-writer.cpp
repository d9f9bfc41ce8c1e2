// SPDX-License-Identifier: Apache-2.0
#include "tflite-writer.h"

#include <flatbuffers/flatbuffers.h>

#include <map>

#include "inherent/inherent.hpp"
#include "tflite-schema_generated.h"  // flatc output of tflite-schema.fbs

namespace inherent::exporter::tfl {
namespace {

namespace fb = ::inherent::tflite;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

fb::TensorType to_fb(TType t) { return static_cast<fb::TensorType>(static_cast<int8_t>(t)); }

// The builtin options table of one operator (type tag + offset).
std::pair<fb::BuiltinOptions, Offset<void>> options(FlatBufferBuilder& b, const Graph& g,
                                                    const Operator& op) {
  const Options& o = op.options;
  switch (op.op) {
    case TOp::add:
      // pot_scale_int16 off: int16 kernels then take any scale (the 16x8 graph's are calibrated).
      return {fb::BuiltinOptions::AddOptions,
              fb::CreateAddOptions(b, fb::ActivationFunctionType::NONE, false).Union()};
    case TOp::sub:
      return {fb::BuiltinOptions::SubOptions,
              fb::CreateSubOptions(b, fb::ActivationFunctionType::NONE, false).Union()};
    case TOp::mul:
      return {fb::BuiltinOptions::MulOptions, fb::CreateMulOptions(b).Union()};
    case TOp::conv_2d: {
      fb::Conv2DOptionsBuilder c(b);
      c.add_padding(o.padding_same ? fb::Padding::SAME : fb::Padding::VALID);
      c.add_stride_w(o.stride_w);
      c.add_stride_h(o.stride_h);
      return {fb::BuiltinOptions::Conv2DOptions, c.Finish().Union()};
    }
    case TOp::depthwise_conv_2d: {
      fb::DepthwiseConv2DOptionsBuilder c(b);
      c.add_padding(o.padding_same ? fb::Padding::SAME : fb::Padding::VALID);
      c.add_stride_w(o.stride_w);
      c.add_stride_h(o.stride_h);
      c.add_depth_multiplier(1);
      return {fb::BuiltinOptions::DepthwiseConv2DOptions, c.Finish().Union()};
    }
    case TOp::fully_connected: {
      fb::FullyConnectedOptionsBuilder c(b);
      c.add_keep_num_dims(o.keep_num_dims);
      c.add_asymmetric_quantize_inputs(o.asymmetric_quantize_inputs);
      return {fb::BuiltinOptions::FullyConnectedOptions, c.Finish().Union()};
    }
    case TOp::softmax:
      return {fb::BuiltinOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(b, o.beta).Union()};
    case TOp::reshape: {
      const auto shape = b.CreateVector(o.new_shape);
      return {fb::BuiltinOptions::ReshapeOptions, fb::CreateReshapeOptions(b, shape).Union()};
    }
    case TOp::pad:
      return {fb::BuiltinOptions::PadOptions, fb::CreatePadOptions(b).Union()};
    case TOp::transpose:
      return {fb::BuiltinOptions::TransposeOptions, fb::CreateTransposeOptions(b).Union()};
    case TOp::mean:
    case TOp::reduce_max:
    case TOp::sum:
      return {fb::BuiltinOptions::ReducerOptions, fb::CreateReducerOptions(b, o.keep_dims).Union()};
    case TOp::strided_slice: {
      fb::StridedSliceOptionsBuilder c(b);
      c.add_begin_mask(o.begin_mask);
      c.add_end_mask(o.end_mask);
      return {fb::BuiltinOptions::StridedSliceOptions, c.Finish().Union()};
    }
    case TOp::cast:
      return {fb::BuiltinOptions::CastOptions,
              fb::CreateCastOptions(b, to_fb(o.cast_from), to_fb(o.cast_to)).Union()};
    case TOp::greater:
      return {fb::BuiltinOptions::GreaterOptions, fb::CreateGreaterOptions(b).Union()};
    case TOp::slice:
      return {fb::BuiltinOptions::SliceOptions, fb::CreateSliceOptions(b).Union()};
    case TOp::shape:
      return {fb::BuiltinOptions::ShapeOptions, fb::CreateShapeOptions(b, fb::TensorType::INT32).Union()};
    case TOp::squared_difference:
      return {fb::BuiltinOptions::SquaredDifferenceOptions, fb::CreateSquaredDifferenceOptions(b).Union()};
    case TOp::abs:
      return {fb::BuiltinOptions::AbsOptions, fb::CreateAbsOptions(b).Union()};
    case TOp::dequantize:
      return {fb::BuiltinOptions::DequantizeOptions, fb::CreateDequantizeOptions(b).Union()};
    case TOp::quantize:
      return {fb::BuiltinOptions::QuantizeOptions, fb::CreateQuantizeOptions(b).Union()};
    case TOp::batch_matmul: {
      fb::BatchMatMulOptionsBuilder c(b);
      c.add_adj_y(o.adj_y);
      c.add_asymmetric_quantize_inputs(o.asymmetric_quantize_inputs);
      return {fb::BuiltinOptions::BatchMatMulOptions, c.Finish().Union()};
    }
    case TOp::concatenation:
      return {fb::BuiltinOptions::ConcatenationOptions,
              fb::CreateConcatenationOptions(b, o.axis, fb::ActivationFunctionType::NONE).Union()};
    case TOp::exp:
      return {fb::BuiltinOptions::ExpOptions, fb::CreateExpOptions(b).Union()};
    case TOp::maximum:
      return {fb::BuiltinOptions::MaximumMinimumOptions, fb::CreateMaximumMinimumOptions(b).Union()};
    case TOp::gelu:  // exact (erf) GELU
      return {fb::BuiltinOptions::GeluOptions, fb::CreateGeluOptions(b, false).Union()};
    case TOp::logistic:
    case TOp::rsqrt:
    case TOp::log:
      return {fb::BuiltinOptions::NONE, 0};
  }
  (void)g;
  throw Exception(INHERENT_STATUS_INTERNAL, std::string("TFLite writer: no options for ") + op_name(op.op));
}

// Operator versions: 1 for every operator. Kernels choose their path from the tensor
// types, not the version, and version 1 is registered by every runtime and accepted by
// every delegate; higher versions only narrow where a file loads.
int32_t op_version(const Graph&, const Operator&) { return 1; }

}  // namespace

std::string write_tflite(const Graph& g) {
  FlatBufferBuilder b(1 << 20);

  // Buffers: 0 is empty; each constant gets its own, 16-byte aligned.
  std::vector<Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<uint32_t> buffer_of(g.tensors.size(), 0);
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    if (!t.constant) continue;
    if (t.bytes.size() != static_cast<size_t>(t.numel()) * type_size(t.type)) {
      throw Exception(INHERENT_STATUS_INTERNAL, "TFLite writer: constant '" + t.name + "' holds " +
                                                    std::to_string(t.bytes.size()) + " bytes for its shape");
    }
    b.ForceVectorAlignment(t.bytes.size(), 1, 16);
    const auto data = b.CreateVector(t.bytes);
    buffers.push_back(fb::CreateBuffer(b, data));
    buffer_of[i] = static_cast<uint32_t>(buffers.size() - 1);
  }
  std::vector<std::pair<std::string, uint32_t>> metadata;
  for (const auto& [name, text] : g.metadata) {
    b.ForceVectorAlignment(text.size(), 1, 16);
    const auto data = b.CreateVector(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    buffers.push_back(fb::CreateBuffer(b, data));
    metadata.emplace_back(name, static_cast<uint32_t>(buffers.size() - 1));
  }

  // Identical vectors (shapes, per-channel zero points) are stored once and shared:
  // flatbuffers allow it, and the int64 zero points alone would add 8 bytes per
  // channel to every int8 weight.
  std::map<std::vector<int32_t>, Offset<flatbuffers::Vector<int32_t>>> ints;
  std::map<std::vector<int64_t>, Offset<flatbuffers::Vector<int64_t>>> longs;
  auto shared_ints = [&](const std::vector<int32_t>& v) {
    auto it = ints.find(v);
    return it != ints.end() ? it->second : ints[v] = b.CreateVector(v);
  };
  auto shared_longs = [&](const std::vector<int64_t>& v) {
    auto it = longs.find(v);
    return it != longs.end() ? it->second : longs[v] = b.CreateVector(v);
  };

  std::vector<Offset<fb::Tensor>> tensors;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    Offset<fb::QuantizationParameters> quant = 0;
    if (!t.quant.empty()) {
      const auto scale = b.CreateVector(t.quant.scale);
      const auto zero = shared_longs(t.quant.zero_point);
      fb::QuantizationParametersBuilder q(b);
      q.add_scale(scale);
      q.add_zero_point(zero);
      q.add_quantized_dimension(t.quant.axis);
      quant = q.Finish();
    }
    bool any_dynamic = false;
    std::vector<int32_t> signature = t.shape;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (g.dynamic_frames && d < t.dynamic.size() && t.dynamic[d]) signature[d] = -1, any_dynamic = true;
    }
    const auto shape = shared_ints(t.shape);
    const auto sig = any_dynamic ? shared_ints(signature) : 0;
    const auto name = b.CreateString(t.name);
    fb::TensorBuilder tb(b);
    tb.add_shape(shape);
    tb.add_type(to_fb(t.type));
    tb.add_buffer(buffer_of[i]);
    tb.add_name(name);
    if (!quant.IsNull()) tb.add_quantization(quant);
    if (any_dynamic) tb.add_shape_signature(sig);
    tensors.push_back(tb.Finish());
  }

  // Operator codes in first-use order.
  std::map<std::pair<int32_t, int32_t>, uint32_t> code_index;
  std::vector<Offset<fb::OperatorCode>> codes;
  std::vector<Offset<fb::Operator>> ops;
  for (const Operator& op : g.ops) {
    const int32_t code = static_cast<int32_t>(op.op);
    const int32_t version = op_version(g, op);
    auto [it, added] = code_index.try_emplace({code, version}, static_cast<uint32_t>(codes.size()));
    if (added) {
      fb::OperatorCodeBuilder cb(b);
      cb.add_deprecated_builtin_code(static_cast<int8_t>(std::min(code, 127)));
      cb.add_builtin_code(static_cast<fb::BuiltinOperator>(code));
      cb.add_version(version);
      codes.push_back(cb.Finish());
    }
    const auto [type, opts] = options(b, g, op);
    const auto inputs = b.CreateVector(op.inputs);
    const auto outputs = b.CreateVector(op.outputs);
    fb::OperatorBuilder ob(b);
    ob.add_opcode_index(it->second);
    ob.add_inputs(inputs);
    ob.add_outputs(outputs);
    if (type != fb::BuiltinOptions::NONE) {
      ob.add_builtin_options_type(type);
      ob.add_builtin_options(opts);
    }
    ops.push_back(ob.Finish());
  }

  const auto subgraph =
      fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(g.inputs), b.CreateVector(g.outputs),
                         b.CreateVector(ops), b.CreateString("main"));

  auto tensor_maps = [&](const std::vector<int32_t>& list) {
    std::vector<Offset<fb::TensorMap>> maps;
    for (int32_t i : list) maps.push_back(fb::CreateTensorMap(b, b.CreateString(g.tensors[i].name), i));
    return b.CreateVector(maps);
  };
  const auto sig_inputs = tensor_maps(g.inputs);
  const auto sig_outputs = tensor_maps(g.outputs);
  const auto sig_key = b.CreateString(kSignatureKey);
  fb::SignatureDefBuilder sb(b);
  sb.add_inputs(sig_inputs);
  sb.add_outputs(sig_outputs);
  sb.add_signature_key(sig_key);
  sb.add_subgraph_index(0);
  const std::vector<Offset<fb::SignatureDef>> signatures = {sb.Finish()};

  std::vector<Offset<fb::Metadata>> meta;
  for (const auto& [name, buffer] : metadata)
    meta.push_back(fb::CreateMetadata(b, b.CreateString(name), buffer));

  const auto codes_v = b.CreateVector(codes);
  const std::vector<Offset<fb::SubGraph>> subgraphs = {subgraph};
  const auto subgraphs_v = b.CreateVector(subgraphs);
  const auto description = b.CreateString(g.description);
  const auto buffers_v = b.CreateVector(buffers);
  const auto meta_v = b.CreateVector(meta);
  const auto signatures_v = b.CreateVector(signatures);
  fb::ModelBuilder mb(b);
  mb.add_version(3);
  mb.add_operator_codes(codes_v);
  mb.add_subgraphs(subgraphs_v);
  mb.add_description(description);
  mb.add_buffers(buffers_v);
  mb.add_metadata(meta_v);
  mb.add_signature_defs(signatures_v);
  b.Finish(mb.Finish(), fb::ModelIdentifier());
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

FileSummary read_tflite_summary(const std::string& bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                          /*max_depth=*/64, /*max_tables=*/10000000);
  if (!fb::ModelBufferHasIdentifier(bytes.data()) || !fb::VerifyModelBuffer(v)) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL, "not a valid .tflite flatbuffer (TFL3)");
  }
  const fb::Model* model = fb::GetModel(bytes.data());
  FileSummary s;
  const fb::SubGraph* g = model->subgraphs()->Get(0);
  auto io = [&](int32_t index) {
    const fb::Tensor* t = g->tensors()->Get(index);
    FileSummary::Io r;
    r.name = t->name()->str();
    r.tensor_index = index;
    r.type = type_name(static_cast<TType>(t->type()));
    if (t->shape()) r.shape.assign(t->shape()->begin(), t->shape()->end());
    if (t->shape_signature())
      r.shape_signature.assign(t->shape_signature()->begin(), t->shape_signature()->end());
    return r;
  };
  for (int32_t i : *g->inputs()) s.inputs.push_back(io(i));
  for (int32_t i : *g->outputs()) s.outputs.push_back(io(i));
  if (model->signature_defs()) {
    for (const fb::SignatureDef* d : *model->signature_defs())
      s.signature_keys.push_back(d->signature_key()->str());
  }
  for (const fb::Operator* op : *g->operators()) {
    const fb::OperatorCode* code = model->operator_codes()->Get(op->opcode_index());
    s.op_names.push_back(op_name(static_cast<TOp>(code->builtin_code())));
  }
  if (model->metadata()) {
    for (const fb::Metadata* m : *model->metadata()) s.metadata_names.push_back(m->name()->str());
  }
  s.n_tensors = g->tensors()->size();
  s.n_buffers = model->buffers()->size();
  return s;
}

}  // namespace inherent::exporter::tfl
