// SPDX-License-Identifier: Apache-2.0
// The options that say what `eval` and `thresholds` score with (eval::ScoreSource).
#pragma once

#include <CLI/CLI.hpp>

#include "engine-options.h"
#include "eval/split-scores.h"

namespace inherent::cli {

// --artifact | --checkpoint (exactly one), --threads, --python, --kernels, --precision, --quiet.
inline void add_source_options(CLI::App* cmd, eval::ScoreSource* s) {
  auto* source = cmd->add_option_group("model", "What to score with (exactly one)");
  source->add_option(
      "--artifact", s->artifact,
      "What a user ships, scored in its own runtime: a native model package (a folder with "
      "model.safetensors + inherent.metadata.json, a single-file package, PKG/model.safetensors; "
      "our engine), or an `inherent export` folder or file of onnx, litert or mlx (onnxruntime, "
      "ai-edge-litert, mlx through --python)");
  source->add_option("--checkpoint", s->checkpoint,
                     "Trainer checkpoint scored by the LibTorch model (a checkpoint folder or its "
                     "model.safetensors, or a training run folder: best/, else last/)");
  source->require_option(1);
  cmd->add_option("--threads", s->threads, "Threads (clips scored in parallel; LibTorch intra-op threads)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--python", s->python,
                  "Python with onnxruntime / ai-edge-litert / mlx for a non-native --artifact (default: "
                  "$INHERENT_PYTHON, else python3 in PATH)");
  add_engine_options(cmd, &s->kernels, &s->precision);
  add_trim_options(cmd, &s->trim_to_speech);
  cmd->add_flag("-q,--quiet", s->quiet, "No progress line");
}
}  // namespace inherent::cli
