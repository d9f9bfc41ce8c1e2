// SPDX-License-Identifier: Apache-2.0
#include "metadata.h"

#include "common/heads.h"
#include "common/sha256.h"
#include "engine/model-package.h"
#include "frontend/log-mel.h"
#include "host/files.h"
#include "host/json-text.h"
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

std::string training_hash(const Provenance& p) {
  if (p.code_commit.empty() && p.data_manifest_hash.empty()) return {};
  return sha256_hex(p.code_commit + "\n" + p.data_manifest_hash);
}

// The engine's one metadata writer holds the keys a loader checks and the frontend
// block; an export adds what its backend folder holds and where the model came from.
Json make_metadata(const ExportModel& m, const std::string& backend,
                   const std::vector<ArtifactInfo>& artifacts, const Json& extra) {
  PackageInfo info = package_default_info();
  info.model_version = m.provenance.model_version;
  info.model_name = m.config_name;
  for (size_t i = 0; i < kHeadTable.size(); ++i) info.thresholds[i] = m.thresholds.values.at(i);
  info.calibration_method = m.thresholds.method;
  info.trim_to_speech = m.trim_to_speech;
  if (!m.provenance.code_commit.empty()) info.code_commit = m.provenance.code_commit;
  if (!m.provenance.data_manifest_hash.empty()) info.data_manifest = m.provenance.data_manifest_hash;
  Json j = Json::parse(model_metadata_json(m.config, info));
  j.erase("runtime_tensor_contract");  // the engine's names its weights file; an export lists artifacts

  Json calibration = Json::parse(m.thresholds.details_json, nullptr, false);
  if (!calibration.is_object()) calibration = Json::object();
  calibration["method"] = m.thresholds.method;
  j["threshold_calibration"] = calibration;
  j["model_name"] = m.config_name;
  j["n_params"] = arch_n_params(m.config);
  j["decision_rule"] =
      "head i fires when score[i] >= default_thresholds[threshold_keys[i]]; the intent heads (1..12) count "
      "only "
      "when head 0 (isInteresting) fires";
  j["training_hash"]["hash"] =
      m.provenance.training_hash.empty() ? training_hash(m.provenance) : m.provenance.training_hash;
  j["source"] = m.provenance.source;
  j["data_attributions"] = Json::parse(m.provenance.data_attributions);
  j["created_by"] = std::string("inherent ") + inherent_version() + " export";
  const TensorSpec in = artifacts.empty() ? contract_input(1, -1) : artifacts[0].inputs.at(0);
  const TensorSpec out = artifacts.empty() ? contract_output(1) : artifacts[0].outputs.at(0);
  j["inputs"] =
      Json::array({{{"name", kInputName}, {"dtype", "float32"}, {"shape", in.shape}, {"dims", in.dims}}});
  j["outputs"] =
      Json::array({{{"name", kOutputName}, {"dtype", "float32"}, {"shape", out.shape}, {"dims", out.dims}}});
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
