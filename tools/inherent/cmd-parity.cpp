// SPDX-License-Identifier: Apache-2.0
// `inherent parity`: the options of eval::run_parity (src/eval/parity-command.h). Exit 0
// every gate passed, 1 one failed (or an error), 2 usage.
#include <memory>
#include <string>

#include "commands.h"
#include "eval/parity-command.h"

namespace inherent::cli {

void add_parity(CLI::App& app) {
  auto o = std::make_shared<eval::ParityOptions>();
  CLI::App* cmd =
      app.add_subcommand("parity", "Compare an exported artifact with its checkpoint, per head, with gates");
  cmd->add_option(
         "--checkpoint", o->checkpoint,
         "Trainer checkpoint (folder with model.safetensors, the file, or a training run: best/, "
         "else last/); for "
         "the whisper and ensemble families, which have no trainer model, their float32 native package")
      ->required();
  cmd->add_option("--artifact", o->artifact,
                  "An `inherent export` backend folder (its primary artifact) or one artifact file in it "
                  "(model-3000.onnx, model_fp16.tflite, model-3000.mlxfn, ...), or a native model package")
      ->required();
  cmd->add_option("--manifest", o->manifest,
                  "Labels CSV (docs/labels.md columns; an `inherent prep` manifest works too)")
      ->required();
  cmd->add_option("--split", o->split, "Rows to score: train, eval, test or all")
      ->check(CLI::IsMember({"train", "eval", "test", "all"}))
      ->capture_default_str();
  cmd->add_option("--max-clips", o->max_clips,
                  "At most this many clips of the split, evenly spread (all when fewer)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--json-out", o->json_out, "Also write the report as JSON to this file (atomically)");
  cmd->add_option(
      "--python", o->python,
      "Python with onnxruntime / ai-edge-litert / mlx (default: $INHERENT_PYTHON, else python3 in PATH)");
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option(
         "--precision", o->precision,
         "Native packages: the engine precision to prove, float32 or int8 (gated like the int8 exports)")
      ->check(CLI::IsMember({"float32", "int8"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet,
                "No progress lines and no table (the verdict and failures still print)");
  cmd->footer(
      "Three scores per clip: (a) checkpoint on the clip's own frames, (b) checkpoint zero-padded to the "
      "artifact's\n"
      "fixed frame count (= (a) for dynamic artifacts), (c) the artifact in its runtime (native engine, "
      "onnxruntime,\n"
      "ai-edge-litert, mlx). Padding effect = |a - b| (gate: max <= 1e-4); export drift = |b - c|, gated by "
      "the\n"
      "artifact's precision: float32 max <= 1e-4; float16, int8 max <= 5e-3 and mean <= 5e-4. Every head is "
      "gated.\n"
      "Exit code: 0 every gate passed, 1 a gate failed (or an error), 2 usage. See docs/parity.md.");
  cmd->callback([o] {
    validate_usage(*o);
    if (const int code = eval::run_parity(*o)) throw ExitCode{code};
  });
}

}  // namespace inherent::cli
