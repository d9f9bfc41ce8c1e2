// SPDX-License-Identifier: Apache-2.0
#include "metadata.h"

#include "common/heads.h"
#include "common/json-text.h"
#include "engine/model-package.h"

#include <charconv>

#include "common/files.h"
#include "common/sha256.h"
#include "frontend/log-mel.h"
#include "inherent/inherent.h"

namespace inherent::exporter {
namespace {

Json tensor_json(const TensorSpec& t) {
  Json j = {{"name", t.name}, {"index", t.index}, {"dtype", t.dtype}, {"shape", t.shape}, {"dims", t.dims}};
  if (!t.shape_signature.empty()) j["shape_signature"] = t.shape_signature;
  if (t.tensor_index >= 0) j["tensor_index"] = t.tensor_index;
  if (!t.quantization.is_null()) j["quantization"] = t.quantization;
  return j;
}

Json contract_json(const ArtifactInfo& a) {
  Json in = Json::array(), out = Json::array();
  for (const TensorSpec& t : a.inputs) in.push_back(tensor_json(t));
  for (const TensorSpec& t : a.outputs) out.push_back(tensor_json(t));
  return {{"inputs", in}, {"outputs", out}};
}

}  // namespace

double json_float(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  return std::stod(std::string(buf, r.ptr));
}

TensorSpec contract_input(int64_t batch, int64_t frames) {
  TensorSpec t;
  t.name = kInputName;
  t.shape = {batch, frames, INHERENT_N_MELS};
  t.dims = {"batch", "frames", "mel"};
  return t;
}

TensorSpec contract_output(int64_t batch) {
  TensorSpec t;
  t.name = kOutputName;
  t.shape = {batch, INHERENT_N_HEADS};
  t.dims = {"batch", "head"};
  return t;
}

Json frontend_json() {
  // The keys the native engine checks (src/engine/model-package.h) come first, with the
  // same names and values; the rest spell out the choices for readers of the file.
  return {
      {"sample_rate", kSampleRate},
      {"n_mels", kNMels},
      {"win_length", kWinLength},
      {"hop_length", kHopLength},
      {"n_fft", kNFft},
      {"window", "hann_symmetric"},
      {"f_min", kFMin},
      {"f_max", kFMax},
      {"mel_scale", "htk"},
      {"power_scale", "1/n_fft"},
      {"log", "ln"},
      {"log_floor", json_float(kLogFloor)},
      {"max_frames", kMaxFrames},
      {"channels", 1},
      {"samples", "float32 PCM in [-1, 1]; other rates are resampled to 16 kHz first"},
      {"window_formula", "0.5 - 0.5 cos(2 pi i / 399), i = 0..399, zero-padded to n_fft"},
      {"center", false},
      {"frame_start", "frame t starts at sample 320 t; samples past the end are zeros"},
      {"power", "|X|^2 / n_fft"},
      {"mel_formula", "2595 log10(1 + f / 700)"},
      {"filters", "triangular, peak 1, edges evenly spaced on the mel scale, evaluated at each bin's exact frequency"},
      {"log_formula", "ln(energy + log_floor)"},
      {"n_frames", "ceil(samples / 320), at least 1, at most max_frames"},
      {"padding_frame", "a frame of 128 exact zeros is padding; real log-mel frames never are"},
      {"output", "float32 [T, 128]"},
  };
}

std::string training_hash(const Provenance& p) {
  if (p.code_commit.empty() && p.data_manifest_hash.empty()) return {};
  return sha256_hex(p.code_commit + "\n" + p.data_manifest_hash);
}

Json make_metadata(const ExportModel& m, const std::string& backend, const std::vector<ArtifactInfo>& artifacts,
                             const Json& extra) {
  Json heads = Json::array(), keys = Json::array();
  Json thresholds = Json::object();
  for (size_t i = 0; i < kHeadTable.size(); ++i) {
    heads.push_back(kHeadTable[i].name);
    keys.push_back(kHeadTable[i].key);
    thresholds[kHeadTable[i].key] = json_float(m.thresholds.values.at(i));
  }
  Json calibration = Json::parse(m.thresholds.details_json, nullptr, false);
  if (!calibration.is_object()) calibration = Json::object();
  calibration["method"] = m.thresholds.method;

  Json config = Json::object();
  for (const auto& [key, value] : arch_config_to_pairs(m.config)) config[key] = std::stoi(value);
  auto known = [](const std::string& v) { return v.empty() ? std::string("unknown") : v; };

  Json j;
  j["format"] = kMetadataFormat;
  j["format_version"] = kMetadataFormatVersion;
  j["model_version"] = m.provenance.model_version;
  j["model_name"] = m.config_name;
  j["config"] = config;
  j["n_params"] = arch_n_params(m.config);
  j["head_order"] = heads;
  j["threshold_keys"] = keys;
  j["default_thresholds"] = thresholds;
  j["threshold_calibration"] = calibration;
  j["decision_rule"] =
      "head i fires when score[i] >= default_thresholds[threshold_keys[i]]; the intent heads (1..12) count only "
      "when head 0 (isInteresting) fires";
  j["frontend"] = frontend_json();
  j["feature_normalization"] = {{"mean", "mel_norm.mean"}, {"std", "mel_norm.std"}, {"applied_to", "valid_frames"}};
  j["training_hash"] = {{"code_commit", known(m.provenance.code_commit)},
                        {"data_manifest", known(m.provenance.data_manifest_hash)},
                        {"hash", m.provenance.training_hash.empty() ? training_hash(m.provenance)
                                                                     : m.provenance.training_hash}};
  j["source"] = m.provenance.source;
  j["data_attributions"] = Json::parse(m.provenance.data_attributions);
  j["created_by"] = std::string("inherent ") + inherent_version() + " export";
  const TensorSpec in = artifacts.empty() ? contract_input(1, -1) : artifacts[0].inputs.at(0);
  const TensorSpec out = artifacts.empty() ? contract_output(1) : artifacts[0].outputs.at(0);
  j["inputs"] = Json::array({{{"name", kInputName}, {"dtype", "float32"}, {"shape", in.shape}, {"dims", in.dims}}});
  j["outputs"] = Json::array({{{"name", kOutputName}, {"dtype", "float32"}, {"shape", out.shape}, {"dims", out.dims}}});
  j["backend"] = backend;
  Json list = Json::array();
  for (const ArtifactInfo& a : artifacts) {
    Json e = {{"file", a.file},
                        {"format", a.format},
                        {"precision", a.precision},
                        {"frames", a.frames},
                        {"size_bytes", a.size_bytes},
                        {"sha256", a.sha256},
                        {"runtime_tensor_contract", contract_json(a)}};
    e.update(a.extra);
    list.push_back(e);
  }
  if (!artifacts.empty()) {
    j["precision"] = artifacts[0].precision;
    j["frames"] = artifacts[0].frames;
    j["runtime_tensor_contract"] = contract_json(artifacts[0]);
  }
  j["artifacts"] = list;
  j.update(extra);
  return j;
}

void write_metadata(const std::string& dir, const Json& json) {
  write_file_atomic(resolve_path(dir, kPackageMetadataFile), json_text(json, 2) + "\n");
}

}  // namespace inherent::exporter
