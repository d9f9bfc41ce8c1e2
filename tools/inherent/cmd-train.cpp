// SPDX-License-Identifier: Apache-2.0
//
// `inherent train --config FILE|NAME --labels CSV --output-dir DIR [...]`: trains (or
// resumes) a model; docs/training.md documents the options, every config key and the
// files written. Built only with INHERENT_BUILD_TRAIN (LibTorch).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "train/config.h"
#include "train/trainer.h"

namespace inherent::cli {

void add_train(CLI::App& app) {
  struct Opts {
    train::TrainRequest request;
    int64_t max_steps = 0, stop_at = 0;
    std::string device;
    int threads = 0;
    uint64_t seed = 0;
    bool print_config = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("train", "Train (or resume) a model on a labels CSV or a prep manifest");
  cmd->add_option("--config", o->request.config, "Named config (tiny, small, base) or YAML file")
      ->default_val("small");
  cmd->add_option("--labels", o->request.labels,
                  "Labels CSV or `inherent prep` manifest (rows of data.train_split)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--eval-labels", o->request.eval_labels,
                  "Labels for evaluation (rows of eval.split; default: the same file as --labels)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--output-dir", o->request.output_dir, "Run directory: config, checkpoints, metrics");
  cmd->add_option("--max-steps", o->max_steps, "Steps of the whole run (overrides training.max_steps)");
  cmd->add_option("--stop-at", o->stop_at,
                  "Save and stop after this step (the schedule still spans --max-steps)");
  cmd->add_option("--device", o->device, "cpu or cuda (overrides training.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--threads", o->threads, "Intra-op threads (overrides training.threads)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", o->seed, "Seed of weights, dropout, data order, augmentation (training.seed)");
  cmd->add_flag("--resume", o->request.resume, "Continue the run in --output-dir from its last checkpoint");
  cmd->add_option(
         "--init-from", o->request.init_from,
         "Warm start a new run from a checkpoint folder (RUN/best or RUN/last): its weights, feature "
         "normalization and CTC head; optimizer, schedule and step start fresh")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("-q,--quiet", o->request.quiet, "No progress line");
  cmd->add_flag("--print-config", o->print_config, "Print the resolved config (every key) and exit");
  cmd->callback([o, cmd] {
    train::TrainRequest& r = o->request;
    r.config_given = cmd->count("--config") > 0;
    if (o->print_config) {
      std::fputs(train::train_config_to_yaml(train::load_train_config(r.config)).c_str(), stdout);
      return;
    }
    if (r.labels.empty() || r.output_dir.empty()) {
      throw CLI::ValidationError("train", "--labels and --output-dir are required (or --print-config)");
    }
    if (cmd->count("--max-steps")) r.max_steps = o->max_steps;
    if (cmd->count("--stop-at")) r.stop_at = o->stop_at;
    if (cmd->count("--device")) r.device = o->device;
    if (cmd->count("--threads")) r.threads = o->threads;
    if (cmd->count("--seed")) r.seed = o->seed;
    const int code = train::run_training(r);
    if (code != 0) throw ExitCode{code};
  });
}

}  // namespace inherent::cli
