// SPDX-License-Identifier: Apache-2.0
//
// The inherent model package: what the native engine, the Python module and the
// WebAssembly build load. docs/model-format.md is the same specification for readers
// outside this code.
//
// Directory form (what `inherent score --model PKG` reads):
//
//   PKG/model.safetensors         the weights: every tensor of arch_tensors(config)
//                                 (src/engine/arch.h), F32, little-endian, exact shapes,
//                                 no other tensors. __metadata__ may repeat the model
//                                 config as string pairs (arch_config_to_pairs); if it
//                                 does, the values must equal the JSON config.
//   PKG/inherent.metadata.json    the description below (UTF-8 JSON object)
//
// Single-buffer form (one file or one memory buffer, for mobile assets and the web):
// the same safetensors bytes with the metadata JSON text stored in __metadata__ under
// the key "inherent.metadata.json". A package must not carry the metadata twice with
// different text (directory + embedded copy): the loader rejects that.
//
// inherent.metadata.json, format_version 1. Keys marked * are required; unknown keys
// are ignored so minor additions stay readable by older engines.
//
//   * "format": "inherent.model"
//   * "format_version": 1               a newer version fails with an upgrade hint
//   * "model_version": "0.1.0"          the model's own version (non-empty string)
//     "model_name": "small"             informative (named config or anything else)
//   * "config": {"n_mels": 128, "n_hidden": 128, "n_blocks": 4, "n_heads": 4,
//                "ffn_mult": 4, "conv_kernel": 15, "n_outputs": 13}    (arch.h)
//   * "head_order": [13 names]           must equal heads.inc, in order
//   * "threshold_keys": [13 keys]        must equal heads.inc, in order
//   * "default_thresholds": {key: t}     every threshold key, t in [0, 1]; the
//                                        engine's decisions use these
//     "threshold_calibration": {...}     how they were chosen (free-form object)
//   * "frontend": {"sample_rate": 16000, "n_mels": 128, "win_length": 400,
//                  "hop_length": 320, "n_fft": 1024, "window": "hann_symmetric",
//                  "f_min": 20, "f_max": 8000, "mel_scale": "htk",
//                  "power_scale": "1/n_fft", "log": "ln", "log_floor": 1e-08,
//                  "max_frames": 3000}  must equal the engine's frontend (log-mel.h):
//                                        a model trained on other features is refused
//   * "feature_normalization": {"mean": "mel_norm.mean", "std": "mel_norm.std",
//                  "applied_to": "valid_frames"}   normalization lives in the weights
//   * "training_hash": {"code_commit": "...", "data_manifest": "..."}  strings
//     "inputs" / "outputs" / "runtime_tensor_contract"  informative (contracts/runtime_contract.md)
//
//     "artifacts": [{"file": "model.safetensors", "size_bytes": N, "sha256": "hex"}, ...]
//                                        when listed, the loader checks the weights' size
//                                        and SHA-256 against it (directory and memory forms
//                                        with separate metadata; a single-buffer package
//                                        cannot hold its own digest)
//
// Validation: every size, dtype, offset and key is checked before anything is used;
// every weight must be finite and mel_norm.std > 0. Failures return
// INHERENT_STATUS_INVALID_MODEL (IO_ERROR for unreadable files) with a message naming
// the file and key ("inherent.metadata.json: frontend.hop_length: ...") and, where
// useful, a "hint:". Nothing reads outside the given buffers (fuzzed:
// tests/fuzz/fuzz-model-package.cpp, fuzz-json.cpp).
//
// Usage:
//   inherent::ModelPackage pkg;
//   std::string error;
//   if (inherent::model_package_load_path("models/small", &pkg, &error) != INHERENT_STATUS_OK) ...
//   pkg.config.n_hidden; pkg.tensor("head.weight")->data;   // [13, H] floats
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/package-files.h"
#include "engine/arch.h"
#include "inherent/inherent.h"

namespace inherent {

inline constexpr const char* kPackageFormat = "inherent.model";
inline constexpr int kPackageFormatVersion = 1;
// Metadata text larger than this is treated as corrupt.
inline constexpr size_t kPackageMaxMetadataBytes = 4u << 20;
// Weights larger than this are refused before they are read (the largest named config,
// base, is 38 MB; a 60 s window bounds what a useful model can be).
inline constexpr size_t kPackageMaxWeightsBytes = size_t{1} << 30;

// What inherent.metadata.json says, validated.
struct ModelMetadata {
  int format_version = kPackageFormatVersion;
  std::string model_version;
  std::string model_name;  // "" when absent
  ModelConfig config;
  float thresholds[INHERENT_N_HEADS] = {};  // head order
  std::string code_commit, data_manifest;   // training_hash
  // scoring.trim_to_speech: sessions score only the speech span unless their params say
  // otherwise (false when absent).
  bool trim_to_speech = false;
  // The weights' digest from "artifacts" (the entry whose "file" is model.safetensors);
  // weights_size < 0 when the metadata lists none.
  int64_t weights_size = -1;
  std::string weights_sha256;
  std::string text;  // the JSON text as loaded
};

// One weight tensor, owned, in arch.h layout.
struct PackageTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

struct ModelPackage {
  ModelConfig config;
  ModelMetadata metadata;
  std::vector<PackageTensor> tensors;  // arch_tensors(config) order

  const PackageTensor* tensor(std::string_view name) const;
};

// Directory or single-file package at path. Files are read through one function
// (read_package_file) so embedders that cannot open paths use the memory form.
[[nodiscard]] inherent_status model_package_load_path(const std::string& path, ModelPackage* out,
                                                      std::string* error);

// Memory form: weights = safetensors bytes; metadata = JSON text, or nullptr / empty to
// use the copy embedded in the weights' __metadata__. Buffers may be freed afterwards.
[[nodiscard]] inherent_status model_package_load_memory(const void* weights, size_t n_weights,
                                                        const char* metadata, size_t n_metadata,
                                                        ModelPackage* out, std::string* error);

// Parses and validates metadata JSON alone (for tools and the fuzzer).
[[nodiscard]] inherent_status model_metadata_parse(std::string_view text, ModelMetadata* out,
                                                   std::string* error);

// ---- writing (host tools, exporters, tests) -----------------------------------------

// What a writer supplies beyond the weights.
struct PackageInfo {
  std::string model_version = "0.0.0";
  std::string model_name;
  float thresholds[INHERENT_N_HEADS] = {};  // head order; use package_default_info()
  std::string calibration_method = "seed";  // threshold_calibration.method
  bool trim_to_speech = false;              // written as "scoring" only when true
  std::string code_commit = "unknown";
  std::string data_manifest = "unknown";
  // When set (weights_size >= 0), "artifacts" lists model.safetensors with them.
  int64_t weights_size = -1;
  std::string weights_sha256;
};
PackageInfo package_default_info();  // seed thresholds from heads.inc

// Metadata JSON text for config + info.
std::string model_metadata_json(const ModelConfig& config, const PackageInfo& info);

// Safetensors bytes of the tensors (arch order, checked against the config). With
// embed_metadata, the JSON goes into __metadata__ (single-buffer form).
[[nodiscard]] inherent_status model_package_encode(const ModelConfig& config,
                                                   const std::vector<PackageTensor>& tensors,
                                                   const std::string& metadata_json, bool embed_metadata,
                                                   std::string* weights, std::string* error);

// Writes PKG/model.safetensors + PKG/inherent.metadata.json (creating PKG).
[[nodiscard]] inherent_status model_package_write_dir(const std::string& dir, const ModelConfig& config,
                                                      const std::vector<PackageTensor>& tensors,
                                                      const PackageInfo& info, std::string* error);

// The config (its pairs in __metadata__) and arch tensors of a weights file, e.g. what
// src/backbone/package.py writes: a model without its sidecar yet (tests, tools).
[[nodiscard]] inherent_status package_tensors_from_weights(const std::string& bytes, ModelConfig* config,
                                                           std::vector<PackageTensor>* tensors,
                                                           std::string* error);

// Random weights for a config (tests, fixtures, benchmarks): linear weights
// ~ U(-1/sqrt(in), 1/sqrt(in)), LayerNorm around 1 / 0, mel_norm mean ~ -8, std ~ 3.
std::vector<PackageTensor> random_package_tensors(const ModelConfig& config, uint64_t seed);
// Those weights encoded as a loadable single-buffer package with `info`'s metadata
// embedded (tests, fuzzers, benchmarks). Empty when the config is invalid.
std::string random_package_bytes(const ModelConfig& config, const PackageInfo& info, uint64_t seed);

// Reads a whole regular file of at most max_bytes (IO_ERROR naming the path on failure;
// INVALID_MODEL naming the path and the limit when it is larger). Directories, FIFOs and
// devices are refused: a package is files on disk.
[[nodiscard]] inherent_status read_package_file(const std::string& path, size_t max_bytes, std::string* out,
                                                std::string* error);

}  // namespace inherent
