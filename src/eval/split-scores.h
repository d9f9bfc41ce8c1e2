// SPDX-License-Identifier: Apache-2.0
// What `eval`, `thresholds` and `parity` share: what to score with, and the 13 scores of
// every clip of one split of a labels manifest, from the native engine (a package), an
// export's own runtime (onnx, litert, mlx) or the trainer's LibTorch model (a checkpoint).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::eval {

struct ScoreSource {
  std::string artifact;    // model package dir, single-file package, or PKG/model.safetensors
  std::string checkpoint;  // trainer checkpoint folder or file, or a training run folder
  std::string kernels = "auto";
  std::string precision = "float32";  // native engine only
  std::string python;                 // interpreter for onnx / litert / mlx artifacts ("" = find one)
  int threads = 1;
  bool quiet = false;  // no progress line
  // 1: score each clip's speech span only (inherent_mel_speech_span); 0: every frame; -1:
  // as a native package's metadata says (scoring.trim_to_speech), every frame otherwise.
  int trim_to_speech = -1;

  // The command-line options that say the same (--artifact or --checkpoint, ...).
  std::string to_string() const;
};

struct SplitScores {
  std::string manifest, split;
  std::string model;                // the artifact or checkpoint file scored
  std::string scorer;               // "native engine (avx2 kernels)", "LibTorch (checkpoint)"
  std::vector<std::string> header;  // the manifest's columns (LabelRow::fields follow it)
  std::vector<LabelRow> rows;       // the split's rows, manifest order
  std::vector<float> scores;        // [n, 13]
  std::vector<uint8_t> labels;      // [n, 13]
  std::vector<float> thresholds;    // [13]: the artifact's (metadata), seed defaults for a checkpoint
  std::string metadata;             // the artifact's inherent.metadata.json text ("" for a checkpoint)
  bool trimmed = false;             // each clip's speech span was scored (ScoreSource::trim_to_speech)
  double seconds = 0;               // scoring time
  size_t size() const { return rows.size(); }
};

// Index of a column in a manifest header, or -1.
int column_of(const std::vector<std::string>& header, const std::string& name);

// A thresholds JSON file read with eval::thresholds_from_json (the formats it takes):
// 13 values in head order. Errors name the file and the key.
std::vector<float> read_thresholds_file(const std::string& path);

// source.artifact as a loaded engine model: a package directory, a single-file package,
// or a weights file whose metadata sits beside it (PKG/model.safetensors).
Model load_artifact(const ScoreSource& source);

// Reads the manifest with the labels reader (errors name file:line:column), keeps the
// rows of `split` (an error when there are none) and scores each clip: its audio
// (first 60 s), or its mel_path cache when the manifest is an `inherent prep` output.
// Clips that cannot be read fail the whole run, naming manifest:line and the file.
SplitScores score_split(const ScoreSource& source, const std::string& manifest, const std::string& split);

// The checkpoint half (LibTorch builds only; elsewhere it throws a clear error): scores
// out->rows (the manifest's header tells clip_mel about mel caches) into out->scores and
// sets out->model and out->scorer.
void score_checkpoint(const ScoreSource& source, const std::string& manifest,
                      const std::vector<std::string>& header, SplitScores* out);

// The LibTorch model of a checkpoint on given log-mels ([T, 128] each): scores [n, 13].
// pad_to > 0 zero-pads every clip to pad_to frames first (what a fixed-shape artifact
// sees). *file gets the weights file read.
// Metric printing shared by eval and thresholds: JSON null for NaN (an undefined
// metric, e.g. AUC of a head with no positives) and a fixed-width column.
using ojson = nlohmann::ordered_json;
inline ojson num(double v) { return std::isnan(v) ? ojson(nullptr) : ojson(v); }
inline std::string fmt(double v) { return eval::metric_cell(v); }

std::vector<float> checkpoint_scores(const std::string& checkpoint,
                                     const std::vector<std::vector<float>>& mels, size_t pad_to, int threads,
                                     bool quiet, std::string* file);

// One clip's log-mel: the manifest's mel_path cache when it has mel_path and n_frames
// columns, else the clip's audio through the frontend (first 60 s). Errors name
// manifest:line.
std::vector<float> clip_mel(const std::string& manifest, const std::vector<std::string>& header,
                            const LabelRow& row, size_t* n_frames);
// Keeps only the speech span of mel [*n_frames, 128] (the engine's rule), as a session
// with trim_to_speech does.
void cut_to_speech(std::vector<float>* mel, size_t* n_frames);

}  // namespace inherent::eval
