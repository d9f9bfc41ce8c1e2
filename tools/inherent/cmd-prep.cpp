// SPDX-License-Identifier: Apache-2.0
// `inherent prep`: the options of run_prep (src/labels/mel-cache.h), which says what the
// cache holds.
#include <memory>

#include "commands.h"
#include "labels/mel-cache.h"

namespace inherent::cli {

void add_prep(CLI::App& app) {
  auto o = std::make_shared<PrepOptions>();
  CLI::App* cmd = app.add_subcommand("prep", "Compute and cache the log-mels of every clip in a labels CSV");
  cmd->add_option("--labels", o->labels, "Labels CSV")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Output folder (mels/ and manifest.csv)")->required();
  cmd->add_option("-j,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_flag("--force", o->force, "Recompute clips that are already cached");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
  cmd->callback([o] {
    validate_usage(*o);
    run_prep(*o);
  });
}

}  // namespace inherent::cli
