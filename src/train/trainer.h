// SPDX-License-Identifier: Apache-2.0
//
// `inherent train`: the training loop, evaluation, checkpoints and resume. This header
// has no LibTorch in it, so the CLI compiles quickly; trainer.cpp holds the loop.
//
// Output directory (docs/training.md describes every file):
//   config.yaml          the resolved config, every key (resume reads it back)
//   metrics.jsonl        one JSON object per line: train records, evals, resumes
//   last/                the latest checkpoint, replaced atomically every save_every steps
//     model.safetensors    weights by arch-table name (F32), metadata: config, heads, step, hashes
//     optimizer.safetensors  AdamW moments per parameter, RNG state, optimizer metadata
//     trainer.json         step, epoch, best so far, last eval metrics, hashes, config
//   best/                the checkpoint with the best eval metrics (model.safetensors, trainer.json)
//   summary.json         written at the end: steps, time, speed, best and last metrics
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace inherent::train {

struct TrainRequest {
  std::string config = "small";  // preset name or YAML file
  bool config_given = false;     // --config was on the command line
  std::string labels;            // training rows (split = data.train_split)
  std::string eval_labels;       // evaluation rows (split = eval.split); empty: from labels
  std::string output_dir;
  bool resume = false;
  std::string
      init_from;       // warm start: a checkpoint folder whose weights (and CTC head) a new run begins from
  bool quiet = false;  // no progress line
  // Command-line overrides of the config.
  std::optional<int64_t> max_steps;
  std::optional<int64_t> stop_at;  // save and stop after this step (the schedule still spans max_steps)
  std::optional<std::string> device;
  std::optional<int> threads;
  std::optional<uint64_t> seed;
};

// Runs (or resumes) a training. Returns the exit code: 0 finished or stopped at
// --stop-at, 130 interrupted by SIGINT/SIGTERM after saving. Errors throw
// inherent::Exception with a message naming the file, line or key at fault.
int run_training(const TrainRequest& request);

// The commit the binary was built from ("unknown" outside a git checkout), with
// "-dirty" when tracked files differed from it at build time.
const char* code_commit();

}  // namespace inherent::train
