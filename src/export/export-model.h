// SPDX-License-Identifier: Apache-2.0
//
// ExportModel: everything an exporter reads, and nothing it does not. A model config
// (arch.h), the float32 weights named per arch_tensors(config), and the provenance and
// thresholds that go into the metadata sidecar. Exporters take an ExportModel and never
// look at checkpoints, trainers or files, so a checkpoint loader, a weights file or a
// test that draws random weights all feed them the same way.
//
// Usage:
//   inherent::exporter::ExportModel m = inherent::exporter::load_weights("model.safetensors", "small");
//   const inherent::exporter::Tensor& w = m.at("head.weight");   // [13, H]
//
// Errors throw inherent::Exception: INVALID_MODEL for a weights file that does not
// match the arch table (the message names the tensor), INVALID_ARGUMENT for a bad
// config, IO_ERROR for unreadable files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/arch.h"

namespace inherent::exporter {

// A dense float32 tensor in C order.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
  int64_t numel() const;
};

// Where the weights came from; every field lands in the metadata sidecar.
struct Provenance {
  std::string model_version = "0.0.0";   // semver: major = head order, minor = retrain, patch = metadata
  std::string code_commit;               // commit the weights were trained at ("" = unknown)
  std::string data_manifest_hash;        // hash of the training data manifest ("" = unknown)
  std::string training_hash;             // the trainer's own digest of both ("" = none given)
  std::string source;                    // the weights file or checkpoint the export read
  std::string data_attributions = "[]";  // JSON array: outside data the training used (origin, licence)
};

// Per-head decision thresholds in head order, and how they were obtained.
struct Thresholds {
  std::vector<float> values;        // [13]
  std::string method = "seed";      // "seed" (heads.inc defaults) or the calibration's name
  std::string details_json = "{}";  // calibration details as a JSON object (data, target, ...)
};

struct ExportModel {
  ModelConfig config;
  std::string config_name = "custom";     // "tiny", "small", "base" or "custom"
  std::map<std::string, Tensor> tensors;  // exactly the names of arch_tensors(config)
  Provenance provenance;
  Thresholds thresholds;  // seed values unless set
  // Recorded as scoring.trim_to_speech: engines score only the speech span by default.
  // Must agree with how the thresholds were calibrated (their details' trim_to_speech).
  bool trim_to_speech = false;

  ExportModel();
  // The tensor `name`; throws INVALID_MODEL naming it when absent.
  const Tensor& at(const std::string& name) const;
};

// The seed thresholds of heads.inc, in head order.
Thresholds seed_thresholds();

// Resolves a --config value: a preset name (tiny, small, base) or a YAML file whose
// `model:` section names a `preset` and/or overrides ModelConfig fields (the trainer's
// config file). Sets *name to the preset name, or "custom" when a field was overridden.
ModelConfig resolve_config(const std::string& name_or_yaml, std::string* name);

// An ensemble (arch.h, family "ensemble") of model packages or weights files: each
// member's logits count `weight` times. Its tensors are the members' under
// "members.<i>."; its data attributions the union of theirs. Thresholds stay the seed's
// until calibrated on the ensemble's own scores.
struct EnsembleMember {
  std::string path;  // a package folder, a checkpoint folder or a weights file
  float weight = 1.0f;
};
ExportModel ensemble_of(const std::vector<EnsembleMember>& members);

// Checks that m.tensors is exactly the arch table of m.config: every name present
// with its shape, no extra names, all values finite, mel_norm.std > 0, n_hidden even
// (the sinusoid fills sin/cos pairs), and thresholds calibrated with the scoring the
// export records (trim_to_speech). Throws naming the first problem.
void validate(const ExportModel& m);

// Reads a safetensors weights file (F32, or F16/BF16/F64 converted to float32). The
// config comes from `config` when not empty (a preset name or YAML, see
// resolve_config), else from the file's __metadata__ (arch_config_to_pairs keys).
// Optional metadata keys fill the provenance and thresholds: model_version,
// code_commit, data_manifest_hash, thresholds (JSON object keyed by threshold key),
// threshold_method, threshold_details (JSON object). `path` may also be a checkpoint
// directory holding model.safetensors (or weights.safetensors), or a training run folder
// (best/model.safetensors, else last/). Trainer checkpoints carry `preset`,
// `code_commit`, `train_labels_hash`, `eval_labels_hash` and `training_hash`, read too.
ExportModel load_weights(const std::string& path, const std::string& config = "");

// The same from bytes already in memory; `source` names them in messages.
ExportModel load_weights_bytes(const std::string& bytes, const std::string& source,
                               const std::string& config = "");

// The safetensors bytes of m (arch order, F32) with the config and provenance in
// __metadata__: what load_weights reads back, and the native package's weights file.
std::string encode_weights(const ExportModel& m);

// Reads an attributions file (`inherent synth` writes OUT/attributions.json): a JSON array
// of objects, each with at least "source" and "license" strings. Returns it compact;
// throws INVALID_ARGUMENT naming the file and the entry otherwise.
std::string load_attributions(const std::string& path);

// Parses a thresholds JSON file: {"default_thresholds": {key: value, ...}, "calibration": {...}},
// a metadata sidecar ("threshold_calibration" instead of "calibration", as `inherent
// thresholds` writes it), or a flat {key: value} object. Every head's key must be present.
Thresholds load_thresholds(const std::string& path);

}  // namespace inherent::exporter
