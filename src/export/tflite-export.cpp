// SPDX-License-Identifier: Apache-2.0
#include "tflite-export.h"

#include "common/sha256.h"
#include "engine/model-package.h"
#include "export/tflite-eval.h"
#include "export/tflite-writer.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {

std::string tflite_file_name(const std::string& precision) {
  if (precision == "float32") return "model.tflite";
  if (precision == "float16") return "model_fp16.tflite";
  if (precision == "int8") return "model_int8.tflite";
  if (precision == "int8-full") return "model_int8_full.tflite";
  if (precision == "int16x8") return "model_int16x8.tflite";
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "unknown TFLite precision '" + precision + "'");
}

TfliteArtifact export_tflite(const ExportModel& m, const TfliteOptions& o) {
  if (arch_cuts_padding(m.config) && o.precision != "float32" && o.precision != "float16") {
    throw Exception(
        INHERENT_STATUS_INVALID_ARGUMENT,
        "TFLite " + o.precision + " does not export the whisper family yet: use float32 or float16");
  }
  tfl::Graph g = m.config.family == ArchFamily::whisper ? tfl::build_whisper(m, o.frames, o.dynamic_frames)
                 : m.config.family == ArchFamily::ensemble
                     ? tfl::build_ensemble(m, o.frames, o.dynamic_frames)
                     : tfl::build_conformer(m, o.frames, o.dynamic_frames);
  // Calibration statistics (ranges, channel means) of the float graph, when given.
  auto calibrate = [&] {
    tfl::Ranges ranges;
    for (const std::vector<float>& mel : o.calibration) {
      const int32_t frames = static_cast<int32_t>(mel.size() / m.config.n_mels);
      if (frames < 1 || frames > o.frames || mel.size() % m.config.n_mels != 0) {
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                        "calibration log-mels must be [T, 128] with 1 <= T <= " + std::to_string(o.frames));
      }
      ranges.observe(tfl::evaluate(g, mel.data(), frames));
    }
    return ranges;
  };
  if (o.precision == "float16") {
    tfl::to_float16(g, 16);
  } else if (o.precision == "int8") {
    if (o.calibration.empty()) {
      tfl::to_dynamic_int8(g);
    } else {
      const tfl::Ranges ranges = calibrate();
      tfl::to_dynamic_int8(g, 1024, &ranges);
    }
  } else if (o.precision == "int8-full" || o.precision == "int16x8") {
    if (o.calibration.empty()) {
      throw Exception(
          INHERENT_STATUS_INVALID_ARGUMENT,
          "full-integer " + o.precision + " needs calibration log-mels (--calibration-manifest CSV)");
    }
    const tfl::Ranges ranges = calibrate();
    if (o.precision == "int8-full") {
      tfl::to_full_int8(g, ranges);
    } else {
      tfl::to_full_int16x8(g, ranges);
    }
  } else if (o.precision != "float32") {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "unknown TFLite precision '" + o.precision + "'");
  }
  tfl::materialize_constants(g);
  // The essentials of the sidecar travel inside the file too (Model.metadata).
  Json inside = make_metadata(m, "litert", {});
  g.metadata.emplace_back(kPackageMetadataFile, json_text(inside));

  TfliteArtifact a;
  a.bytes = tfl::write_tflite(g);
  const tfl::FileSummary s = tfl::read_tflite_summary(a.bytes);  // verify what was written
  a.preflight = tfl::preflight(g, o.delegate);
  a.ops = tfl::op_histogram(g);

  ArtifactInfo& info = a.info;
  info.file = tflite_file_name(o.precision);
  info.format = "tflite schema 3 (LiteRT)";
  info.precision = o.precision;
  info.frames = o.dynamic_frames ? "dynamic" : std::to_string(o.frames);
  auto spec = [&](const tfl::FileSummary::Io& io, int index, TensorSpec base) {
    base.name = io.name;
    base.index = index;
    base.tensor_index = io.tensor_index;
    base.shape.assign(io.shape.begin(), io.shape.end());
    if (!io.shape_signature.empty())
      base.shape_signature.assign(io.shape_signature.begin(), io.shape_signature.end());
    return base;
  };
  info.inputs = {spec(s.inputs.at(0), 0, contract_input(1, o.frames))};
  info.outputs = {spec(s.outputs.at(0), 0, contract_output(1))};
  info.size_bytes = a.bytes.size();
  info.sha256 = sha256_hex(a.bytes);
  Json ops = Json::object();
  for (const auto& [name, count] : a.ops) ops[name] = count;
  info.extra = {
      {"signature_key", tfl::kSignatureKey},
      {"calibration_clips", o.precision == "float32" || o.precision == "float16" ? 0 : o.calibration.size()},
      {"n_operators", s.op_names.size()},
      {"n_tensors", s.n_tensors},
      {"operators", ops},
      {"delegate_preflight", tfl::preflight_json(a.preflight)}};
  return a;
}

}  // namespace inherent::exporter
