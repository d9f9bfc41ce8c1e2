// SPDX-License-Identifier: Apache-2.0
//
// An exported artifact as its sidecar (inherent.metadata.json) describes it, and its
// scores on log-mels from inherent's one frontend, computed in the artifact's own
// runtime: the native engine for a model package; onnxruntime, ai-edge-litert or mlx
// for the other exports, through parity/parity_runtime.py (compiled into the CLI) run
// by a Python that has them. `eval`, `thresholds` and `parity` share it, so every
// number they print is the shipped artifact's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace inherent::eval {

// An artifact, as its sidecar describes it.
struct Artifact {
  std::string path;     // what was given
  std::string file;     // the artifact file (or package folder) that runs
  std::string sidecar;  // its inherent.metadata.json ("" for a single-file package)
  std::string backend = "native";
  std::string precision = "float32";
  std::string frames = "dynamic";
  size_t pad = 0;  // fixed frame count; 0 = dynamic
  std::string input = "mel_spectrogram", output = "intent_output";
};

// A folder (its primary artifact, artifacts[0]) or one file of an export (its entry in
// the sidecar beside it), or a native package / single-file package. Errors name the
// sidecar and the field.
Artifact describe_artifact(const std::string& path);

// True when path is an export of a backend other than native (onnx, litert, mlx,
// litertlm), judged from the sidecar beside or inside it.
bool is_foreign_export(const std::string& path);

// Scores [n, 13] of the log-mels ([T, 128] each; zero-padded to a.pad frames first for a
// fixed-shape artifact). python: the interpreter for onnx/litert/mlx ("" = $INHERENT_PYTHON,
// else python3 in PATH). *runtime gets what ran (runtime name, versions, provider).
std::vector<float> artifact_scores(const Artifact& a, const std::vector<std::vector<float>>& mels,
                                   const std::string& python, bool quiet, nlohmann::ordered_json* runtime);

}  // namespace inherent::eval
