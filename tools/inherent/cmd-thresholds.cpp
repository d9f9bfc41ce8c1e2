// SPDX-License-Identifier: Apache-2.0
// `inherent thresholds`: the options of eval::run_thresholds (src/eval/thresholds-command.h).
#include <memory>
#include <string>

#include "commands.h"
#include "eval/thresholds-command.h"
#include "source-options.h"

namespace inherent::cli {

void add_thresholds(CLI::App& app) {
  auto o = std::make_shared<eval::ThresholdsOptions>();
  CLI::App* cmd =
      app.add_subcommand("thresholds", "Calibrate per-head thresholds on a held-out split into the metadata");
  add_source_options(cmd, &o->source);
  cmd->add_option("--manifest", o->manifest, "Labels CSV with the held-out rows")->required();
  cmd->add_option("--split", o->split, "Rows to calibrate on: train, eval or test")
      ->check(CLI::IsMember({"train", "eval", "test"}))
      ->capture_default_str();
  cmd->add_option(
         "--rule", o->rule,
         "gated-f1: the gate as f1-at-recall, then each intent at its highest F1 on the clips the gate "
         "lets through (decisions that mean something: few intents per request, none on side talk); "
         "f1-at-recall: every head alone, the highest F1 with recall >= --min-recall (ties: lower FPR; "
         "many intents fire at once); target-fpr: the lowest threshold with FPR <= --target-fpr")
      ->check(CLI::IsMember({"gated-f1", "f1-at-recall", "target-fpr"}))
      ->capture_default_str();
  cmd->add_option("--min-recall", o->min_recall,
                  "Recall floor of f1-at-recall (default 0.95), and of the gate in gated-f1 (default 0.92)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--target-fpr", o->target_fpr, "False-positive-rate budget of target-fpr (needed with it)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--allow-missing-heads", o->allow_missing_heads,
                "Heads without a positive or a negative clip keep their current threshold and are listed "
                "as uncalibrated (default: an error)");
  cmd->add_option("--metadata-in", o->metadata_in,
                  "Metadata to update (default: the artifact's own; with --checkpoint, none: the output then "
                  "holds only default_thresholds and threshold_calibration)");
  cmd->add_option(
         "--metadata-out", o->metadata_out,
         "Where to write it (atomically; may equal --metadata-in). Feed it to `inherent export --thresholds`")
      ->required();
  cmd->footer(
      "Example: inherent thresholds --checkpoint runs/small --manifest labels.csv --metadata-out "
      "thresholds.json\n"
      "         inherent export --checkpoint runs/small --thresholds thresholds.json -o out/export --backend "
      "all");
  cmd->callback([o] {
    validate_usage(*o);
    eval::run_thresholds(*o);
  });
}

}  // namespace inherent::cli
