// SPDX-License-Identifier: Apache-2.0
// `inherent eval`: the options of eval::run_eval (src/eval/eval-command.h). Exit 0 when
// every gate passes, 1 when one fails (or on an error), 2 on a usage error.
#include <memory>
#include <string>

#include "commands.h"
#include "eval/eval-command.h"
#include "source-options.h"

namespace inherent::cli {

void add_eval(CLI::App& app) {
  auto o = std::make_shared<eval::EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Quality of a model on a labeled split, and the release gates");
  add_source_options(cmd, &o->source);
  cmd->add_option("--manifest", o->manifest,
                  "Labels CSV (docs/labels.md columns; an `inherent prep` manifest works too)")
      ->required();
  cmd->add_option("--split", o->split, "Rows to score: train, eval or test")
      ->check(CLI::IsMember({"train", "eval", "test"}))
      ->capture_default_str();
  cmd->add_option("--json-out", o->json_out, "Also write every number as JSON to this file (atomically)");
  cmd->add_option("--scores-out", o->scores_out,
                  "Also write each clip's scores as CSV (line, audio_path, 13 score_<head>, 13 labels)");
  cmd->add_option("--thresholds", o->thresholds,
                  "Thresholds JSON (a metadata sidecar or `inherent thresholds` output) instead of the "
                  "artifact's (a checkpoint otherwise uses the seed defaults of heads.inc)");
  cmd->add_option("--html-out", o->html_out,
                  "Also write a self-contained HTML report (ROC curves, histograms, tables; atomically)");
  cmd->add_option("--report-parity", o->report_parity, "JSON shown as the report's parity section")
      ->check(CLI::ExistingFile);
  cmd->add_option("--report-latency", o->report_latency, "JSON shown as the report's latency section")
      ->check(CLI::ExistingFile);
  cmd->add_option(
         "--report-training", o->report_training,
         "`inherent train` output folder: the report plots loss and eval AUC vs step from its metrics.jsonl")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--spot-checks", o->spot_checks,
                  "Spot-check index (data/spot-checks/spot-checks.json): judge the manifest's spot check "
                  "clips one by one "
                  "(the manifest that `inherent spot-checks --index` wrote)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--require-spot-checks", o->require_spot_checks,
                "Exit 1 when a spot check fails (needs --spot-checks)");
  cmd->add_option(
      "--by", o->by,
      "Break one head's errors down by a manifest column (category, template_id, source, voice, ...): "
      "per group its clips, errors at the threshold, AUC and the split's AUC without it; repeatable");
  cmd->add_option("--by-head", o->by_head, "Head of --by")->capture_default_str();
  cmd->add_option("--by-rows", o->by_rows,
                  "Groups printed per --by table, most errors first (0: all; JSON has all)")
      ->capture_default_str();
  cmd->footer(
      "Metrics (docs/eval.md): AUC with mid-ranks, EER, FPR at 95% recall, precision/recall/F1 at the "
      "thresholds;\n"
      "gate-conditioned: intent heads on the clips labeled isInteresting = 1; decisions and co-firing: the\n"
      "engine's rule (intents fire only with the gate). Heads without a positive or a negative clip are\n"
      "reported unmeasured. Exit code: 0 every release gate passed, 1 a gate failed (or an error, or with\n"
      "--require-spot-checks a spot check failed), 2 usage.");
  cmd->callback([o] {
    validate_usage(*o);
    if (const int code = eval::run_eval(*o)) throw ExitCode{code};
  });
}

}  // namespace inherent::cli
