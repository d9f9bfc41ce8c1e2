// SPDX-License-Identifier: Apache-2.0
//
// The exporters' C++ side: weights loading and validation, the ONNX graph (checker,
// shape inference, contract tensors), the metadata sidecar, the helpers (half floats,
// SHA-256) and a whole `run_export` into a folder. Numerical parity of the artifacts
// runs in their official runtimes from pytest (python/tests/test_export_*.py).
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "common/safetensors.h"
#include "common/sha256.h"
#include "engine/model.h"
#include "engine/reference.h"
#include "export/export-model.h"
#include "export/exporter.h"
#include "export/half.h"
#include "export/int8-grid.h"
#include "export/metadata.h"
#include "export/mlx-module.h"
#include "export/onnx-export.h"
#include "export/tflite-delegates.h"
#include "export/tflite-eval.h"
#include "export/tflite-export.h"
#include "export/tflite-graph.h"
#include "export/tflite-writer.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {
namespace {

namespace fs = std::filesystem;

// Random weights at realistic scales (LayerNorm gains ~1, mel_norm like log-mel stats).
std::map<std::string, Tensor> random_tensors(const ModelConfig& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::map<std::string, Tensor> out;
  for (const ArchTensor& a : arch_tensors(c)) {
    Tensor t{a.shape, std::vector<float>(static_cast<size_t>(a.numel()))};
    const std::string module = a.name.substr(0, a.name.rfind('.'));
    const bool norm = module.ends_with("norm") || module.ends_with("norm1") || module.ends_with("norm2");
    const bool weight = a.name.ends_with(".weight");
    for (float& v : t.data) {
      if (a.name == "mel_norm.mean") {
        v = -11.0f + 2.0f * normal(rng);
      } else if (a.name == "mel_norm.std") {
        v = 4.5f + 0.5f * std::abs(normal(rng));
      } else if (norm) {
        v = weight ? 1.0f + 0.1f * normal(rng) : 0.05f * normal(rng);
      } else {
        v = 0.1f * normal(rng);
      }
    }
    out[a.name] = std::move(t);
  }
  return out;
}

ExportModel random_model(const std::string& name = "tiny", uint32_t seed = 7) {
  ExportModel m;
  EXPECT_TRUE(arch_config_by_name(name, &m.config));
  m.config_name = name;
  m.tensors = random_tensors(m.config, seed);
  m.provenance.source = "random(seed " + std::to_string(seed) + ")";
  return m;
}

std::string temp_dir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("inherent-test-export-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

#define EXPECT_THROW_MESSAGE(stmt, needle)                                            \
  do {                                                                                \
    try {                                                                             \
      stmt;                                                                           \
      ADD_FAILURE() << "no exception from " #stmt;                                    \
    } catch (const Exception& e_) {                                                   \
      EXPECT_NE(std::string(e_.what()).find(needle), std::string::npos) << e_.what(); \
    }                                                                                 \
  } while (0)

// ---- helpers ----

TEST(ExportHelpers, HalfRoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_half(f), h) << "half 0x" << std::hex << h << " -> " << f;
  }
}

TEST(ExportHelpers, HalfRoundsToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);               // halfway to the next step: rounds to inf
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);     // tie -> even mantissa
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);     // tie -> even mantissa (up)
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // half of it: tie -> 0
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_FLOAT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(ExportHelpers, Sha256KnownAnswers) {
  // ref: FIPS 180-4 examples; both the portable code and the SHA extensions where the
  // CPU has them (else both calls take the portable code).
  for (const bool portable : {true, false}) {
    EXPECT_EQ(sha256_hex("", portable), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc", portable),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", portable),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000000, 'a'), portable),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
  // Every length across block and padding boundaries, on varied bytes: the two agree.
  std::string bytes;
  for (int n = 0; n < 700; ++n) {
    EXPECT_EQ(sha256_hex(bytes, true), sha256_hex(bytes, false)) << n << " bytes";
    bytes += static_cast<char>((n * 2654435761u) >> 24);
  }
}

TEST(ExportHelpers, JsonFloatIsShortest) {
  EXPECT_EQ(Json(json_float(0.57f)).dump(), "0.57");
  EXPECT_EQ(Json(json_float(0.9f)).dump(), "0.9");
}

// ---- ExportModel ----

TEST(ExportModel, WeightsRoundTripThroughSafetensors) {
  ExportModel m = random_model();
  m.provenance.model_version = "1.2.3";
  m.provenance.code_commit = "abc123";
  const std::string bytes = encode_weights(m);
  const ExportModel back = load_weights_bytes(bytes, "mem");  // config from __metadata__
  EXPECT_EQ(back.config, m.config);
  EXPECT_EQ(back.config_name, "tiny");
  EXPECT_EQ(back.provenance.model_version, "1.2.3");
  EXPECT_EQ(back.provenance.code_commit, "abc123");
  for (const auto& [name, t] : m.tensors) EXPECT_EQ(back.at(name).data, t.data) << name;
}

TEST(ExportModel, RejectsWeightsThatDoNotMatchTheArchTable) {
  const ExportModel m = random_model();
  ExportModel missing = m;
  missing.tensors.erase("blocks.0.conv.depthwise.weight");
  EXPECT_THROW_MESSAGE(validate(missing), "blocks.0.conv.depthwise.weight");
  ExportModel shape = m;
  shape.tensors["head.bias"].shape = {12};
  EXPECT_THROW_MESSAGE(validate(shape), "head.bias");
  ExportModel nan = m;
  nan.tensors["final_norm.weight"].data[3] = std::nanf("");
  EXPECT_THROW_MESSAGE(validate(nan), "final_norm.weight");
  ExportModel extra = m;
  extra.tensors["blocks.1.norm.weight"] = m.at("final_norm.weight");
  EXPECT_THROW_MESSAGE(validate(extra), "blocks.1.norm.weight");
  ExportModel std0 = m;
  std0.tensors["mel_norm.std"].data[0] = 0.0f;
  EXPECT_THROW_MESSAGE(validate(std0), "mel_norm.std");
  // A weights file for another config names the first tensor that disagrees.
  EXPECT_THROW_MESSAGE(load_weights_bytes(encode_weights(m), "mem", "small"), "subsample.conv1.weight");
  // No config in the file and none given.
  std::string bare, error;
  std::vector<TensorData> list;
  for (const ArchTensor& a : arch_tensors(m.config))
    list.push_back({a.name, DType::F32, a.shape, m.at(a.name).data.data()});
  ASSERT_EQ(safetensors_encode(list, {}, &bare, &error), INHERENT_STATUS_OK) << error;
  EXPECT_THROW_MESSAGE(load_weights_bytes(bare, "mem"), "--config");
  EXPECT_EQ(load_weights_bytes(bare, "mem", "tiny").config_name, "tiny");
}

TEST(ExportModel, ResolvesConfigFromYaml) {
  const std::string dir = temp_dir("yaml");
  const std::string path = dir + "/train.yaml";
  write_file_atomic(path, "model:\n  preset: tiny\n  n_hidden: 48\n  dropout: 0.1\ntraining:\n  epochs: 3\n");
  std::string name;
  const ModelConfig c = resolve_config(path, &name);
  EXPECT_EQ(name, "custom");
  EXPECT_EQ(c.n_hidden, 48);
  EXPECT_EQ(c.n_blocks, 1);
  write_file_atomic(path, "model:\n  preset: tiny\n  n_heads: 5\n");
  EXPECT_THROW_MESSAGE(resolve_config(path, &name), "n_heads");
  EXPECT_THROW_MESSAGE(resolve_config("huge", &name), "tiny, small, base");
  fs::remove_all(dir);
}

TEST(ExportModel, ThresholdsFileNeedsEveryKey) {
  const std::string dir = temp_dir("thresholds");
  Json j = {{"default_thresholds", Json::object()},
            {"calibration", {{"method", "f1_max"}, {"split", "eval"}}}};
#define INHERENT_HEAD(index, name, key, threshold) j["default_thresholds"][#key] = 0.5;
#include "inherent/heads.inc"
#undef INHERENT_HEAD
  write_file_atomic(dir + "/t.json", j.dump());
  const Thresholds t = load_thresholds(dir + "/t.json");
  EXPECT_EQ(t.method, "f1_max");
  EXPECT_EQ(t.values.size(), 13u);
  j["default_thresholds"].erase("has_start_timer_intent");
  write_file_atomic(dir + "/t.json", j.dump());
  EXPECT_THROW_MESSAGE(load_thresholds(dir + "/t.json"), "has_start_timer_intent");
  fs::remove_all(dir);
}

// ---- ONNX ----

onnx::ModelProto parse_onnx(const std::string& bytes) {
  onnx::ModelProto p;
  EXPECT_TRUE(p.ParseFromString(bytes));
  return p;
}

TEST(OnnxExport, GraphHasTheContractTensorsAndPassesTheChecker) {
  const ExportModel m = random_model();
  const OnnxArtifact a = export_onnx(m);
  const onnx::ModelProto p = parse_onnx(a.bytes);
  EXPECT_NO_THROW(onnx::checker::check_model(p));
  ASSERT_EQ(p.opset_import_size(), 1);
  EXPECT_EQ(p.opset_import(0).version(), 17);
  ASSERT_EQ(p.graph().input_size(), 1);
  ASSERT_EQ(p.graph().output_size(), 1);
  const auto& in = p.graph().input(0);
  EXPECT_EQ(in.name(), "mel_spectrogram");
  const auto& in_shape = in.type().tensor_type().shape();
  ASSERT_EQ(in_shape.dim_size(), 3);
  EXPECT_EQ(in_shape.dim(0).dim_param(), "batch");
  EXPECT_EQ(in_shape.dim(1).dim_param(), "frames");
  EXPECT_EQ(in_shape.dim(2).dim_value(), 128);
  const auto& out = p.graph().output(0);
  EXPECT_EQ(out.name(), "intent_output");
  EXPECT_EQ(out.type().tensor_type().shape().dim(1).dim_value(), 13);
  EXPECT_EQ(p.graph().node(p.graph().node_size() - 1).op_type(), "Sigmoid");

  // Every arch tensor is in the graph, under its own name or transposed for MatMul.
  std::set<std::string> inits;
  size_t floats = 0;
  for (const auto& t : p.graph().initializer()) {
    inits.insert(t.name());
    if (t.data_type() == onnx::TensorProto::FLOAT) floats += t.raw_data().size() / 4;
  }
  for (const ArchTensor& t : arch_tensors(m.config)) {
    const std::string module = t.name.substr(0, t.name.rfind('.'));
    EXPECT_TRUE(inits.count(t.name) || inits.count(module + ".weight_t")) << t.name;
  }
  EXPECT_GE(floats, static_cast<size_t>(arch_n_params(m.config)));
  // The weights are in the artifact byte for byte (here: the depthwise kernel).
  for (const auto& t : p.graph().initializer()) {
    if (t.name() != "blocks.0.conv.depthwise.weight") continue;
    const auto& w = m.at(t.name()).data;
    EXPECT_EQ(t.raw_data(), std::string(reinterpret_cast<const char*>(w.data()), w.size() * 4));
  }
}

TEST(OnnxExport, FixedVariantHasTheFixedShape) {
  const OnnxArtifact a = export_onnx(random_model(), OnnxOptions{3000});
  const onnx::ModelProto p = parse_onnx(a.bytes);
  const auto& s = p.graph().input(0).type().tensor_type().shape();
  EXPECT_EQ(s.dim(0).dim_value(), 1);
  EXPECT_EQ(s.dim(1).dim_value(), 3000);
  EXPECT_EQ(a.info.frames, "3000");
  EXPECT_EQ(a.info.inputs[0].shape, (std::vector<int64_t>{1, 3000, 128}));
}

TEST(OnnxExport, MetadataPropsCarryTheHeadOrder) {
  const onnx::ModelProto p = parse_onnx(export_onnx(random_model()).bytes);
  std::map<std::string, std::string> props;
  for (const auto& e : p.metadata_props()) props[e.key()] = e.value();
  EXPECT_EQ(props["inherent.head_order"].substr(0, 28), "isInteresting,hasAddToListIn");
  EXPECT_EQ(props["inherent.model.n_hidden"], "32");
}

// ---- TFLite ----

TEST(TfliteExport, WritesAVerifiedFileWithTheContract) {
  const TfliteArtifact a = export_tflite(random_model(), TfliteOptions{});
  const tfl::FileSummary s = tfl::read_tflite_summary(a.bytes);
  EXPECT_EQ(a.bytes.substr(4, 4), "TFL3");
  ASSERT_EQ(s.inputs.size(), 1u);
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].name, "mel_spectrogram");
  EXPECT_EQ(s.inputs[0].type, "float32");
  EXPECT_EQ(s.inputs[0].shape, (std::vector<int32_t>{1, 3000, 128}));
  EXPECT_EQ(s.inputs[0].shape_signature, (std::vector<int32_t>{1, -1, 128}));
  EXPECT_EQ(s.outputs[0].name, "intent_output");
  EXPECT_EQ(s.outputs[0].shape, (std::vector<int32_t>{1, 13}));
  EXPECT_EQ(s.signature_keys, std::vector<std::string>{"serving_default"});
  EXPECT_EQ(s.metadata_names, std::vector<std::string>{"inherent.metadata.json"});
  EXPECT_EQ(s.op_names.back(), "LOGISTIC");
  EXPECT_EQ(a.info.inputs[0].tensor_index, s.inputs[0].tensor_index);
  EXPECT_EQ(a.info.sha256, sha256_hex(a.bytes));
  // A corrupted file does not verify.
  std::string bad = a.bytes;
  bad[bad.size() / 2] ^= 0x55;
  bad.resize(bad.size() / 3);
  EXPECT_THROW(tfl::read_tflite_summary(bad), Exception);
}

TEST(TfliteExport, StaticFramesHaveNoSignature) {
  TfliteOptions o;
  o.dynamic_frames = false;
  const tfl::FileSummary s = tfl::read_tflite_summary(export_tflite(random_model(), o).bytes);
  EXPECT_TRUE(s.inputs[0].shape_signature.empty());
}

TEST(TfliteExport, Float16StoresWeightsAsHalvesBehindDequantize) {
  tfl::Graph g = tfl::build_conformer(random_model());
  const size_t ops_before = g.ops.size();
  tfl::to_float16(g, 16);
  size_t halves = 0;
  for (const tfl::Tensor& t : g.tensors) {
    if (!t.constant) continue;
    if (t.type == tfl::TType::f16) ++halves;
    if (t.type == tfl::TType::f32 && t.numel() >= 16) {
      EXPECT_TRUE(t.name.rfind("mel_norm.", 0) == 0 || t.name.rfind("positions.", 0) == 0 ||
                  t.name.rfind("head.", 0) == 0)
          << t.name << " stayed float32";
    }
  }
  EXPECT_GT(halves, 10u);
  EXPECT_EQ(g.ops.size(), ops_before + halves);
  for (size_t i = 0; i < halves; ++i) EXPECT_EQ(g.ops[i].op, tfl::TOp::dequantize);
}

TEST(TfliteExport, DynamicInt8QuantizesWeightsPerChannel) {
  tfl::Graph g = tfl::build_conformer(random_model("small"));
  tfl::to_dynamic_int8(g);
  tfl::materialize_constants(g);
  int quantized = 0;
  for (const tfl::Operator& op : g.ops) {
    if (op.op != tfl::TOp::fully_connected) continue;
    const tfl::Tensor& w = g.tensors[op.inputs[1]];
    if (w.name.rfind("head.", 0) == 0) {
      EXPECT_EQ(w.type, tfl::TType::f32);  // the output layer stays float
      continue;
    }
    if (w.numel() < 1024) continue;
    ++quantized;
    ASSERT_EQ(w.type, tfl::TType::i8) << w.name;
    ASSERT_EQ(w.quant.scale.size(), static_cast<size_t>(w.shape[0])) << w.name;
    EXPECT_TRUE(op.options.asymmetric_quantize_inputs);
    // Dequantized weights are within half a step of the float ones.
    for (size_t i = 0; i < w.values.size(); i += 97) {
      const float scale = w.quant.scale[i / w.shape[1]];
      const float q = static_cast<float>(static_cast<int8_t>(w.bytes[i])) * scale;
      ASSERT_LE(std::abs(q - w.values[i]), 0.5f * scale + 1e-7f) << w.name << " [" << i << "]";
    }
  }
  EXPECT_GE(quantized,
            4 * 9);  // 9 quantized Linear ops per block (q, k, v, out, a, g, pointwise2, 2 x 2 ffn)
}

// Log-mel-like frames: smooth spectra around -11 with noise (no frame all zeros).
std::vector<float> fake_mel(int32_t frames, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.5f);
  std::vector<float> mel(static_cast<size_t>(frames) * 128);
  for (int32_t t = 0; t < frames; ++t) {
    for (int32_t f = 0; f < 128; ++f)
      mel[t * 128 + f] = -11.0f + 3.0f * std::sin(0.05f * f + 0.3f * t) + noise(rng);
  }
  return mel;
}

// The TFLite graph, run by the float evaluator, against the engine's float64 reference
// forward pass: the graph is right before any runtime sees it, and the evaluator that
// calibrates full-integer models computes what the graph means.
TEST(TfliteExport, GraphMatchesTheEngineReference) {
  const std::string dir = temp_dir("reference");
  for (const char* config : {"tiny", "small"}) {
    const ExportModel m = random_model(config, 11);
    ExportRequest r;
    r.output_dir = dir;
    r.backends = {"native"};
    run_export(m, r);
    ModelPackage pkg;
    std::string error;
    ASSERT_EQ(model_package_load_path(dir + "/native", &pkg, &error), INHERENT_STATUS_OK) << error;
    const tfl::Graph g = tfl::build_conformer(m);
    for (int32_t frames : {1, 7, 150}) {
      const std::vector<float> mel = fake_mel(frames, frames);
      std::vector<double> logits;
      ASSERT_TRUE(reference_forward(pkg, mel.data(), frames, &logits, &error)) << error;
      const std::vector<tfl::Value> v = tfl::evaluate(g, mel.data(), frames);
      const tfl::Value& out = v.at(g.outputs[0]);
      ASSERT_EQ(out.data.size(), 13u);
      for (int i = 0; i < 13; ++i) {
        const double want = 1.0 / (1.0 + std::exp(-logits[i]));
        EXPECT_NEAR(out.data[i], want, 2e-5) << config << " frames " << frames << " head " << i;
      }
    }
  }
  fs::remove_all(dir);
}

// Full integer, int8 or 16x8: integer from the QUANTIZE of the input to the DEQUANTIZE of
// the scores.
void expect_full_integer(tfl::TType act, void (*rewrite)(tfl::Graph&, const tfl::Ranges&)) {
  const ExportModel m = random_model();
  tfl::Graph g = tfl::build_conformer(m);
  tfl::Ranges ranges;
  for (int32_t frames : {40, 90}) {
    const std::vector<float> mel = fake_mel(frames, 3);
    ranges.observe(tfl::evaluate(g, mel.data(), frames));
  }
  rewrite(g, ranges);
  const bool i16 = act == tfl::TType::i16;
  ASSERT_EQ(g.ops.front().op, tfl::TOp::quantize);
  EXPECT_EQ(g.tensors[g.inputs[0]].type, tfl::TType::f32);
  EXPECT_EQ(g.tensors[g.outputs[0]].type, tfl::TType::f32);
  EXPECT_EQ(g.tensors[g.outputs[0]].name, "intent_output");
  ASSERT_EQ(g.ops.back().op, tfl::TOp::dequantize);
  for (size_t i = 1; i + 1 < g.ops.size(); ++i) {
    const tfl::Operator& op = g.ops[i];
    for (int32_t t : op.outputs) {
      const tfl::Tensor& x = g.tensors[t];
      if (op.op == tfl::TOp::greater || op.op == tfl::TOp::shape) continue;  // bool, int32
      ASSERT_EQ(x.type, act) << x.name;
      ASSERT_EQ(x.quant.scale.size(), 1u) << x.name;
      if (i16) {
        EXPECT_EQ(x.quant.zero_point[0], 0) << x.name;  // 16x8 is symmetric
      }
      if (op.op == tfl::TOp::logistic || op.op == tfl::TOp::softmax) {
        EXPECT_FLOAT_EQ(x.quant.scale[0], i16 ? 1.0f / 32768 : 1.0f / 256) << x.name;
        EXPECT_EQ(x.quant.zero_point[0], i16 ? 0 : -128) << x.name;
      }
    }
    if (op.op == tfl::TOp::fully_connected) {
      EXPECT_EQ(g.tensors[op.inputs[1]].type, tfl::TType::i8);
      EXPECT_EQ(g.tensors[op.inputs[2]].type, i16 ? tfl::TType::i64 : tfl::TType::i32);
      EXPECT_EQ(g.tensors[op.inputs[2]].quant.scale.size(),
                static_cast<size_t>(g.tensors[op.inputs[1]].shape[0]));
    }
  }
  // Writing it needs no further preparation and verifies.
  const tfl::FileSummary s = tfl::read_tflite_summary(tfl::write_tflite(g));
  EXPECT_EQ(s.op_names.front(), "QUANTIZE");
  EXPECT_EQ(s.outputs[0].type, "float32");
}

TEST(TfliteExport, FullInt8IsIntegerBetweenQuantizeAndDequantize) {
  expect_full_integer(tfl::TType::i8, tfl::to_full_int8);
  // Without calibration data the exporter refuses full integer models.
  const ExportModel m = random_model();
  TfliteOptions o;
  for (const char* precision : {"int8-full", "int16x8"}) {
    o.precision = precision;
    EXPECT_THROW_MESSAGE(export_tflite(m, o), "calibration");
  }
}

TEST(TfliteExport, Int16x8IsIntegerBetweenQuantizeAndDequantize) {
  expect_full_integer(tfl::TType::i16, tfl::to_full_int16x8);
}

// Bias correction: with the calibration mean of the input, the corrected bias cancels
// the mean shift of the rounded weights exactly (float64 reference).
TEST(TfliteExport, BiasCorrectionCancelsTheWeightRoundingShift) {
  tfl::Graph g;
  auto add = [&](std::vector<int32_t> shape, std::vector<float> values, bool constant) {
    tfl::Tensor t;
    t.shape = std::move(shape);
    t.values = std::move(values);
    t.constant = constant;
    g.tensors.push_back(t);
    return static_cast<int32_t>(g.tensors.size() - 1);
  };
  const int32_t x = add({2, 3}, {}, false);
  const int32_t w = add({2, 3}, {0.31f, -0.77f, 0.05f, 1.3f, 0.011f, -0.4f}, true);
  const int32_t b = add({2}, {0.5f, -0.25f}, true);
  const int32_t y = add({2, 2}, {}, false);
  g.ops.push_back({tfl::TOp::fully_connected, {x, w, b}, {y}, {}});
  tfl::Ranges r;
  std::vector<tfl::Value> values(4);
  values[x] = {{2, 3}, {1.0f, 2.0f, -3.0f, 3.0f, 0.0f, 5.0f}};  // channel means 2, 1, 1
  r.observe(values);
  ASSERT_EQ(r.channel_mean(x), (std::vector<double>{2.0, 1.0, 1.0}));
  const std::vector<float> w0 = g.tensors[w].values;
  tfl::quantize_per_channel(g.tensors[w], 0);
  tfl::correct_bias(g, g.ops[0], r);
  const double mean[3] = {2, 1, 1};
  for (int o = 0; o < 2; ++o) {
    double exact = 0.5 * (o == 0) - 0.25 * (o == 1), quantized = g.tensors[b].values[o];
    const float s = g.tensors[w].quant.scale[o];
    for (int i = 0; i < 3; ++i) {
      exact += w0[o * 3 + i] * mean[i];
      quantized += std::nearbyint(w0[o * 3 + i] / s) * s * mean[i];
    }
    EXPECT_NEAR(quantized, exact, 1e-6) << o;
    EXPECT_NE(g.tensors[b].values[o], o == 0 ? 0.5f : -0.25f) << "the rounding shifted this channel";
  }
}

// The largest distance of a graph weight from its int8 grid, in grid steps: per output
// channel (axis 0 of FULLY_CONNECTED / CONV_2D weights, axis 3 of DEPTHWISE_CONV_2D),
// the step is max |w| / 127, as quantize_per_channel sets it. Also counts the weights.
double int8_grid_error(const tfl::Graph& g, size_t* n_weights) {
  double worst = 0;
  *n_weights = 0;
  for (const tfl::Operator& op : g.ops) {
    if (op.op != tfl::TOp::fully_connected && op.op != tfl::TOp::conv_2d &&
        op.op != tfl::TOp::depthwise_conv_2d)
      continue;
    const tfl::Tensor& w = g.tensors[op.inputs[1]];
    const size_t axis = op.op == tfl::TOp::depthwise_conv_2d ? 3 : 0;
    int64_t inner = 1;
    for (size_t i = axis + 1; i < w.shape.size(); ++i) inner *= w.shape[i];
    const int64_t channels = w.shape[axis];
    std::vector<double> top(static_cast<size_t>(channels), 0.0);
    for (size_t i = 0; i < w.values.size(); ++i) {
      const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
      top[c] = std::max(top[c], std::fabs(static_cast<double>(w.values[i])));
    }
    for (size_t i = 0; i < w.values.size(); ++i) {
      const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
      if (top[c] == 0) continue;
      const double steps = w.values[i] / (top[c] / 127.0);
      worst = std::max(worst, std::fabs(steps - std::nearbyint(steps)));
    }
    ++*n_weights;
  }
  return worst;
}

// After snap_to_int8_grid every weight the TFLite graph holds, LayerNorm gammas folded in
// and q scaled, lies on its int8 grid; before, random weights do not. A gamma of 0 leaves
// its column alone, and a second snap changes nothing.
TEST(Int8Grid, SnappedWeightsLieOnTheGraphsInt8Grid) {
  for (const char* name : {"tiny", "small"}) {
    ExportModel m = random_model(name, 11);
    m.tensors.at("blocks.0.ffn1.norm.weight").data[3] = 0.0f;
    const float untouched = m.tensors.at("blocks.0.ffn1.up.weight").data[3];  // row 0, column 3
    size_t n = 0;
    EXPECT_GT(int8_grid_error(tfl::build_conformer(m), &n), 0.1) << name;
    const GridReport r = snap_to_int8_grid(m);
    EXPECT_GT(r.rms_rel_change, 1e-4) << name;
    EXPECT_LT(r.max_rel_change, 0.02) << name;  // half a step of the folded channel, over gamma
    EXPECT_EQ(m.tensors.at("blocks.0.ffn1.up.weight").data[3], untouched);
    validate(m);
    const double err = int8_grid_error(tfl::build_conformer(m), &n);
    EXPECT_LT(err, 1e-3) << name;
    // Every Linear and convolution: 2 subsampling convs, per block 2 x (up, down) + q, k, v,
    // out + a, g, pointwise2, depthwise; pooling score and head.
    EXPECT_EQ(n, 2 + 12 * static_cast<size_t>(m.config.n_blocks) + 2) << name;
    const GridReport again = snap_to_int8_grid(m);
    EXPECT_LT(again.max_rel_change, 1e-6) << name;
  }
  EXPECT_EQ(folded_norm("blocks.2.attn.qkv"), "blocks.2.attn.norm");
  EXPECT_EQ(folded_norm("blocks.0.ffn2.up"), "blocks.0.ffn2.norm");
  EXPECT_EQ(folded_norm("blocks.1.conv.pointwise1"), "blocks.1.conv.norm1");
  EXPECT_EQ(folded_norm("blocks.1.conv.pointwise2"), "");
  EXPECT_EQ(folded_norm("blocks.0.ffn1.down"), "");
}

// Snapping costs the float model little: scores move by about as much as the int8
// weights of an integer export would move them.
TEST(Int8Grid, SnappedModelScoresCloseToTheOriginal) {
  ExportModel m = random_model("tiny", 3);
  ExportModel s = m;
  snap_to_int8_grid(s);
  const std::vector<float> mel = fake_mel(150, 150);
  const tfl::Graph ga = tfl::build_conformer(m), gb = tfl::build_conformer(s);
  const tfl::Value a = tfl::evaluate(ga, mel.data(), 150).at(ga.outputs[0]);
  const tfl::Value b = tfl::evaluate(gb, mel.data(), 150).at(gb.outputs[0]);
  ASSERT_EQ(a.data.size(), 13u);
  double worst = 0;
  for (size_t h = 0; h < 13; ++h)
    worst = std::max(worst, std::fabs(static_cast<double>(a.data[h]) - b.data[h]));
  EXPECT_GT(worst, 0.0);
  EXPECT_LT(worst, 2e-2);
}

// The engine's int8 precision on a snapped model: its int8 weights are then exactly the
// model's, so only the 13-bit activations move the scores.
TEST(Int8Grid, EngineInt8OnSnappedWeights) {
  const std::string dir = temp_dir("engine-int8");
  double worst[2] = {0, 0}, mean[2] = {0, 0};
  for (int snapped = 0; snapped < 2; ++snapped) {
    ExportModel m = random_model("small", 5);
    if (snapped) snap_to_int8_grid(m);
    ExportRequest r;
    r.output_dir = dir + "/" + std::to_string(snapped);
    r.backends = {"native"};
    run_export(m, r);
    ModelPackage pkg;
    std::string error;
    ASSERT_EQ(model_package_load_path(r.output_dir + "/native", &pkg, &error), INHERENT_STATUS_OK) << error;
    std::unique_ptr<engine::Model> model;
    ASSERT_EQ(engine::Model::create(pkg, kernels::kernels_best(), &model, &error, engine::Precision::int8),
              INHERENT_STATUS_OK)
        << error;
    engine::Workspace ws;
    int n = 0;
    for (int32_t frames : {30, 150, 400}) {
      const std::vector<float> mel = fake_mel(frames, frames + 1);
      std::vector<double> ref;
      ASSERT_TRUE(reference_forward(pkg, mel.data(), frames, &ref, &error)) << error;
      float logits[13];
      ASSERT_EQ(engine::forward(*model, ws, mel.data(), frames, logits, &error), INHERENT_STATUS_OK) << error;
      for (int h = 0; h < 13; ++h) {
        const double d =
            std::fabs(1.0 / (1.0 + std::exp(-ref[h])) - 1.0 / (1.0 + std::exp(-double(logits[h]))));
        worst[snapped] = std::max(worst[snapped], d), mean[snapped] += d, ++n;
      }
    }
    mean[snapped] /= n;
  }
  std::printf("engine int8 vs float64: max %.2e mean %.2e unsnapped, max %.2e mean %.2e snapped\n", worst[0],
              mean[0], worst[1], mean[1]);
  EXPECT_LT(worst[1], 5e-4);
  EXPECT_LT(mean[1], 5e-5);
  EXPECT_LT(worst[1], 0.5 * worst[0]) << "snapping should remove the weight rounding";
  fs::remove_all(dir);
}

TEST(TfliteExport, PositionFactorsRebuildTheTable) {
  for (int32_t h : {32, 128, 256}) {
    const auto f = tfl::position_factors(h);
    double worst = 0;
    for (int32_t t = 0; t < tfl::kPositionRows; ++t) {
      const int32_t q = t / tfl::kPositionBlock, r = t % tfl::kPositionBlock;
      for (int32_t c = 0; c < h; ++c) {
        const float got = f[0][q * h + c] * f[1][r * h + c] + f[2][q * h + c] * f[3][r * h + c];
        const double angle = t / std::pow(10000.0, static_cast<double>(c - c % 2) / h);
        const float want = static_cast<float>(c % 2 ? std::cos(angle) : std::sin(angle));
        worst = std::max(worst, static_cast<double>(std::abs(got - want)));
      }
    }
    EXPECT_LE(worst, 5e-7) << "H " << h;
  }
}

TEST(TfliteExport, DelegatePreflightNamesRefusals) {
  const tfl::Graph dynamic = tfl::build_conformer(random_model());
  const tfl::Graph fixed = tfl::build_conformer(random_model(), 3000, false);
  const tfl::Preflight cpu = tfl::preflight(dynamic, "cpu");
  EXPECT_FALSE(cpu.fully_delegated);
  bool shape = false;
  for (const auto& i : cpu.issues) shape = shape || i.what == "SHAPE";
  EXPECT_TRUE(shape);
  auto has = [](const tfl::Preflight& p, const std::string& what) {
    for (const auto& i : p.issues) {
      if (i.what == what) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(tfl::preflight(dynamic, "gpu"), "dynamic shapes"));
  EXPECT_FALSE(has(tfl::preflight(fixed, "gpu"), "dynamic shapes"));
  EXPECT_TRUE(has(tfl::preflight(fixed, "tpu"), "float32 activations"));
  EXPECT_THROW(tfl::preflight(fixed, "abacus"), Exception);
  for (const std::string& d : tfl::delegate_names()) {
    const Json j = tfl::preflight_json(tfl::preflight(fixed, d));
    EXPECT_EQ(j["delegate"], d);
    EXPECT_FALSE(j["summary"].get<std::string>().empty());
  }
}

// ---- run_export and the sidecar ----

TEST(RunExport, WritesArtifactsAndSidecars) {
  const std::string dir = temp_dir("run");
  ExportModel m = random_model();
  m.provenance.code_commit = "deadbeef";
  m.provenance.data_manifest_hash = "cafe";
  m.provenance.data_attributions = R"([{"clips":12,"license":"CC BY 4.0","source":"hwu64"}])";
  ExportRequest r;
  r.output_dir = dir;
  r.backends = {"onnx", "native"};
  const std::vector<WrittenFile> written = run_export(m, r);
  ASSERT_EQ(written.size(), 5u);
  for (const WrittenFile& f : written) EXPECT_TRUE(fs::is_regular_file(f.path)) << f.path;
  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }

  const Json j = Json::parse(read_file(dir + "/onnx/inherent.metadata.json"));
  EXPECT_EQ(j["format_version"], kPackageFormatVersion);
  EXPECT_EQ(j["backend"], "onnx");
  EXPECT_EQ(j["head_order"][0], "isInteresting");
  EXPECT_EQ(j["threshold_keys"][12], "has_start_timer_intent");
  EXPECT_EQ(j["default_thresholds"]["is_interesting"].get<double>(), 0.57);
  EXPECT_EQ(j["threshold_calibration"]["method"], "seed");
  EXPECT_EQ(j["frontend"]["hop_length"], 320);
  EXPECT_EQ(j["frontend"]["n_mels"], 128);
  EXPECT_EQ(j["format"], "inherent.model");
  EXPECT_EQ(j["config"]["n_hidden"], 32);
  EXPECT_EQ(j["n_params"], arch_n_params(m.config));
  EXPECT_EQ(j["training_hash"]["code_commit"], "deadbeef");
  EXPECT_EQ(j["training_hash"]["hash"], sha256_hex("deadbeef\ncafe"));
  EXPECT_EQ(j["data_attributions"], Json::parse(m.provenance.data_attributions));
  EXPECT_EQ(j["inputs"][0]["name"], "mel_spectrogram");
  EXPECT_EQ(j["outputs"][0]["shape"], Json::array({-1, 13}));
  EXPECT_EQ(j["runtime_tensor_contract"]["inputs"][0]["name"], "mel_spectrogram");
  ASSERT_EQ(j["artifacts"].size(), 2u);
  for (const auto& a : j["artifacts"]) {
    const std::string bytes = read_file(dir + "/onnx/" + a["file"].get<std::string>());
    EXPECT_EQ(a["sha256"], sha256_hex(bytes));
    EXPECT_EQ(a["size_bytes"], bytes.size());
  }
  EXPECT_EQ(j["artifacts"][1]["file"], "model-3000.onnx");
  EXPECT_EQ(j["artifacts"][1]["runtime_tensor_contract"]["inputs"][0]["shape"], Json::array({1, 3000, 128}));

  // The native package's weights read back into the same model.
  const ExportModel back = load_weights(dir + "/native");
  EXPECT_EQ(back.at("head.weight").data, m.at("head.weight").data);
  EXPECT_EQ(back.provenance.data_attributions, m.provenance.data_attributions);
  fs::remove_all(dir);
}

// scoring.trim_to_speech reaches every sidecar, the engine reads it back, and thresholds
// calibrated with the other scoring are refused.
TEST(RunExport, SpeechSpanScoringIsRecordedAndMustMatchTheThresholds) {
  const std::string dir = temp_dir("trim");
  ExportModel m = random_model();
  m.trim_to_speech = true;
  ExportRequest r;
  r.output_dir = dir;
  r.backends = {"onnx", "native"};
  run_export(m, r);
  for (const char* b : {"onnx", "native"}) {
    const Json j = Json::parse(read_file(dir + "/" + b + "/inherent.metadata.json"));
    EXPECT_EQ(j["scoring"]["trim_to_speech"], true) << b;
  }
  ModelPackage pkg;
  std::string error;
  ASSERT_EQ(model_package_load_path(dir + "/native", &pkg, &error), INHERENT_STATUS_OK) << error;
  EXPECT_TRUE(pkg.metadata.trim_to_speech);
  m.thresholds.details_json = R"({"method": "gated-f1", "trim_to_speech": false})";
  try {
    run_export(m, r);
    ADD_FAILURE() << "every-frame thresholds were exported for speech-span scoring";
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find("calibrated on every frame"), std::string::npos) << e.what();
  }
  m.trim_to_speech = false;
  m.thresholds.details_json = R"({"method": "gated-f1", "trim_to_speech": true})";
  EXPECT_THROW(run_export(m, r), Exception);
  m.thresholds.details_json = R"({"method": "gated-f1", "trim_to_speech": false})";
  r.backends = {"native"};
  run_export(m, r);
  EXPECT_EQ(Json::parse(read_file(dir + "/native/inherent.metadata.json")).count("scoring"), 0u);
  fs::remove_all(dir);
}

// The whisper family (tests/data/whisper-family, written by src/backbone/package.py):
// the native package carries its config and the encoder's origin; the integer LiteRT
// precisions refuse it by name (its float backends are tested in python/tests).
TEST(RunExport, TheWhisperFamilyExportsInFloat) {
  const std::string dir = temp_dir("whisper");
  const ExportModel m =
      load_weights(std::string(INHERENT_SOURCE_DIR) + "/tests/data/whisper-family/weights.safetensors");
  EXPECT_EQ(m.config.family, ArchFamily::whisper);
  EXPECT_NE(m.provenance.data_attributions.find("random test encoder"), std::string::npos);
  ExportRequest r;
  r.output_dir = dir;
  r.backends = {"native"};
  run_export(m, r);
  const Json j = Json::parse(read_file(dir + "/native/inherent.metadata.json"));
  EXPECT_EQ(j["config"]["family"], "whisper");
  EXPECT_EQ(j["feature_normalization"]["bridge"], "bridge.matrix");
  EXPECT_EQ(j["data_attributions"][0]["source"], "whisper-tiny.en");
  const Model model = Model::from_file(dir + "/native");
  const std::vector<float> mel(50 * INHERENT_N_MELS, -4.0f);
  EXPECT_GT(Session(model).score_mel(mel.data(), 50)[0], 0.0f);
  r.backends = {"litert"};
  run_export(m, r);
  EXPECT_TRUE(fs::is_regular_file(dir + "/litert/model.tflite"));
  r.quantization = "int8";
  EXPECT_THROW_MESSAGE(run_export(m, r), "use float32 or float16");
  fs::remove_all(dir);
}

// An ensemble of two weights files (the whisper family's golden model and a random
// tiny Conformer): members under their prefixes with their weights, the union of their
// attributions; the native package scores the weighted sum of its members' logits;
// ONNX and LiteRT build both members' graphs on one input.
TEST(RunExport, AnEnsembleOfTwoModelsExportsAsOneModel) {
  const std::string dir = temp_dir("ensemble");
  fs::create_directories(dir);
  const std::string whisper =
      std::string(INHERENT_SOURCE_DIR) + "/tests/data/whisper-family/weights.safetensors";
  const std::string tiny = dir + "/tiny.safetensors";
  ExportModel t = random_model();
  t.provenance.data_attributions = R"([{"source": "corpus X", "license": "CC0"}])";
  write_file_atomic(tiny, encode_weights(t));
  const ExportModel m = ensemble_of({{whisper, 0.25f}, {tiny, 0.75f}});
  EXPECT_EQ(m.config.family, ArchFamily::ensemble);
  ASSERT_EQ(m.config.members.size(), 2u);
  EXPECT_EQ(m.config.members[0].family, ArchFamily::whisper);
  EXPECT_EQ(m.config.member_weights, (std::vector<float>{0.25f, 0.75f}));
  EXPECT_EQ(m.config_name, "ensemble");  // no named config has this shape
  EXPECT_EQ(m.at("members.1.head.weight").data, t.at("head.weight").data);
  EXPECT_NE(m.provenance.data_attributions.find("random test encoder"), std::string::npos);
  EXPECT_NE(m.provenance.data_attributions.find("corpus X"), std::string::npos);
  ExportRequest r;
  r.output_dir = dir + "/out";
  r.backends = {"native"};
  run_export(m, r);
  const Json j = Json::parse(read_file(dir + "/out/native/inherent.metadata.json"));
  EXPECT_EQ(j["config"]["family"], "ensemble");
  EXPECT_EQ(j["config"]["members.0.family"], "whisper");
  EXPECT_EQ(j["config"]["members.1.weight"], 0.75);
  r.output_dir = dir + "/parts";
  run_export(load_weights(whisper), r);
  fs::rename(dir + "/parts/native", dir + "/whisper");
  run_export(t, r);
  const std::vector<float> mel(60 * INHERENT_N_MELS, -4.0f);
  auto logits = [&mel](const std::string& pkg) {
    std::vector<float> out;
    for (float s : Session(Model::from_file(pkg)).score_mel(mel.data(), 60))
      out.push_back(std::log(s / (1 - s)));
    return out;
  };
  const std::vector<float> whole = logits(dir + "/out/native"), a = logits(dir + "/whisper"),
                           b = logits(dir + "/parts/native");
  for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_NEAR(whole[h], 0.25f * a[h] + 0.75f * b[h], 1e-4) << h;
  r.backends = {"onnx"};  // both members' graphs side by side (ONNX Runtime: python/tests)
  run_export(m, r);
  EXPECT_EQ(parse_onnx(read_file(dir + "/parts/onnx/model.onnx")).graph().name(), "inherent_ensemble");
  r.backends = {"litert"};  // one graph on one input (ai-edge-litert: python/tests)
  run_export(m, r);
  EXPECT_TRUE(fs::is_regular_file(dir + "/parts/litert/model.tflite"));
  r.quantization = "int8";
  EXPECT_THROW_MESSAGE(run_export(m, r), "use float32 or float16");
  EXPECT_THROW_MESSAGE(ensemble_of({{dir + "/out/native", 1.0f}}), "members are single models");
  EXPECT_THROW_MESSAGE(ensemble_of({}), "1 to 8 members");
  fs::remove_all(dir);
}

TEST(ExportModel, AttributionsFileNeedsSourceAndLicence) {
  const std::string dir = temp_dir("attributions");
  auto load = [&](const std::string& text) {
    std::ofstream(dir + "/a.json") << text;
    return load_attributions(dir + "/a.json");
  };
  EXPECT_EQ(load(R"([{"source": "clinc150", "license": "CC BY 3.0", "clips": 5700}])"),
            R"([{"clips":5700,"license":"CC BY 3.0","source":"clinc150"}])");
  EXPECT_EQ(load("[]"), "[]");
  for (const char* bad :
       {"{}", "[1]", R"([{"source": "x"}])", R"([{"source": "", "license": "MIT"}])", "not json"}) {
    try {
      load(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Exception& e) {
      EXPECT_NE(std::string(e.what()).find(dir + "/a.json"), std::string::npos) << e.what();
    }
  }
  fs::remove_all(dir);
}

TEST(RunExport, MlxWritesWeightsAndModuleEvenWithoutPython) {
  const std::string dir = temp_dir("mlx");
  const ExportModel m = random_model();
  ExportRequest r;
  r.output_dir = dir;
  r.backends = {"mlx"};
  r.python = "/nonexistent/python3";
  std::vector<std::string> messages;
  run_export(m, r, &messages);
  EXPECT_EQ(read_file(dir + "/mlx/inherent_mlx.py"),
            read_file(std::string(INHERENT_SOURCE_DIR) + "/src/export/mlx/inherent_mlx.py"));
  EXPECT_EQ(load_weights(dir + "/mlx/model.safetensors").at("head.weight").data, m.at("head.weight").data);
  const Json j = Json::parse(read_file(dir + "/mlx/inherent.metadata.json"));
  EXPECT_EQ(j["artifacts"].size(), 2u);
  EXPECT_NE(j["exported_function"].get<std::string>().find("not written"), std::string::npos);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find(kMlxFunctionFile), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunExport, LiteRtLmNeedsItsBuilder) {
  ExportRequest r;
  r.output_dir = temp_dir("litertlm");
  r.backends = {"litertlm"};
  r.litert_lm_builder = "/nonexistent/litert-lm-builder";
  EXPECT_THROW_MESSAGE(run_export(random_model(), r), "litert-lm-builder not found");
  fs::remove_all(r.output_dir);
}

TEST(RunExport, RejectsBadRequests) {
  const ExportModel m = random_model();
  ExportRequest r;
  r.output_dir = temp_dir("bad");
  r.backends = {"coreml"};
  EXPECT_THROW_MESSAGE(run_export(m, r), "coreml");
  r.backends = {"onnx"};
  r.quantization = "int4";
  EXPECT_THROW_MESSAGE(run_export(m, r), "int4");
  r.quantization = "float32";
  r.frames = "1500";
  EXPECT_THROW_MESSAGE(run_export(m, r), "--frames");
  r.frames = "both";
  r.delegate = "quantum";
  EXPECT_THROW_MESSAGE(run_export(m, r), "quantum");
  fs::remove_all(r.output_dir);
}

}  // namespace
}  // namespace inherent::exporter
