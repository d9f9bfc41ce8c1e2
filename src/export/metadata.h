// SPDX-License-Identifier: Apache-2.0
//
// The metadata sidecar, `inherent.metadata.json`, written beside every exported
// artifact. It carries what an app needs to use the artifact without reading inherent's
// source: head order, threshold keys and calibrated thresholds, the decision rule, the
// frontend that makes the model's input, the model config, the contract tensors, and
// `runtime_tensor_contract`: the names and indices the tensors really have inside each
// artifact file (converters rename tensors; an app binds by what is written here).
//
// Layout (format_version 1; contracts/runtime_contract.md documents every field). The
// keys the native engine requires (src/engine/model-package.h) are the same in every
// backend's sidecar, so one reader serves them all:
//   {
//     "format": "inherent.model", "format_version": 1,
//     "model_version": "1.2.0",                  semver: major = head order, minor = retrain,
//                                                  patch = metadata only
//     "model_name": "small", "config": {7 ints of arch.h}, "n_params": 1630990,
//     "head_order": [13 names], "threshold_keys": [13 keys],
//     "default_thresholds": {key: value}, "threshold_calibration": {"method", ...},
//     "decision_rule": "...",
//     "frontend": {...every log-mel parameter...},
//     "feature_normalization": {"mean": "mel_norm.mean", "std": "mel_norm.std", "applied_to":
//     "valid_frames"}, "training_hash": {"code_commit", "data_manifest", "hash"}, "source", "created_by",
//     "inputs": [{"name", "dtype", "shape", "dims"}], "outputs": [...],   the contract tensors
//     "backend": "onnx", "precision": "float32", "frames": "dynamic",
//     "artifacts": [{"file", "size_bytes", "sha256", "precision", "frames", "format",
//                    "runtime_tensor_contract": {"inputs": [...], "outputs": [...]}, ...}],
//     "runtime_tensor_contract": {...of artifacts[0]...},
//     ...backend extras ("delegate", "delegate_preflight", "signatures", ...)
//   }
// Dynamic dimensions are -1 in "shape" and named in "dims" (batch, frames).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "export/export-model.h"

namespace inherent::exporter {

using Json = nlohmann::ordered_json;

constexpr const char* kInputName = "mel_spectrogram";
constexpr const char* kOutputName = "intent_output";

// One input or output tensor as an artifact really holds it.
struct TensorSpec {
  std::string name;           // name inside the artifact
  int index = 0;              // position among the artifact's inputs / outputs
  int64_t tensor_index = -1;  // TFLite: tensor index in the subgraph (-1 elsewhere)
  std::string dtype = "float32";
  std::vector<int64_t> shape;            // -1 = dynamic
  std::vector<int64_t> shape_signature;  // TFLite: the declared signature (-1 = resizable); empty elsewhere
  std::vector<std::string> dims;         // a name per dimension ("batch", "frames", "mel", "head")
  Json quantization;                     // null, or {"scale": s, "zero_point": z} for integer tensors
};

// One file of an export.
struct ArtifactInfo {
  std::string file;    // name inside the backend folder
  std::string format;  // "onnx opset 17", "tflite schema 3", ...
  std::string precision = "float32";
  std::string frames = "dynamic";  // "dynamic" or the fixed count ("3000")
  std::vector<TensorSpec> inputs, outputs;
  uint64_t size_bytes = 0;
  std::string sha256;
  Json extra = Json::object();  // merged into the artifact's entry
};

// The two contract tensors (mel_spectrogram, intent_output) for a frame count
// (-1 = dynamic) and batch (-1 = dynamic), named as in the contract.
TensorSpec contract_input(int64_t batch, int64_t frames);
TensorSpec contract_output(int64_t batch);

// The whole sidecar for one backend folder. artifacts[0] is the primary artifact; its
// contract is repeated at the top level. `extra` is merged into the top level.
Json make_metadata(const ExportModel& m, const std::string& backend,
                   const std::vector<ArtifactInfo>& artifacts, const Json& extra = Json::object());

// Writes `json` (pretty, 2 spaces, trailing newline) to dir/inherent.metadata.json atomically.
void write_metadata(const std::string& dir, const Json& json);

// One digest of the training inputs: sha256 of "<code_commit>\n<data_manifest_hash>"
// ("" when both are unknown).
std::string training_hash(const Provenance& p);

}  // namespace inherent::exporter
