// SPDX-License-Identifier: Apache-2.0
//
// Subcommands of the `inherent` CLI. Each add_* registers its subcommand and the
// callback that runs it; callbacks throw inherent::Exception on failure (exit 1) or
// ExitCode for a deliberate non-zero exit (e.g. a labels check that found problems).
#pragma once

#include <CLI/CLI.hpp>

#include "inherent/inherent.hpp"

namespace inherent::cli {

struct ExitCode {
  int code;
};

// A library command's options checked as a usage error (exit 2) rather than a failure.
template <class Options>
void validate_usage(const Options& o) {
  try {
    o.validate();
  } catch (const Exception& e) {
    throw CLI::ValidationError(e.what());
  }
}

void add_mel(CLI::App& app);
void add_prep(CLI::App& app);
void add_labels(CLI::App& app);
void add_heads(CLI::App& app);
void add_text(CLI::App& app);
void add_synth(CLI::App& app);
void add_noisy(CLI::App& app);
void add_spot_checks(CLI::App& app);
void add_score(CLI::App& app);
void add_listen(CLI::App& app);
void add_fixtures(CLI::App& app);
void add_baseline(CLI::App& app);
void add_export(CLI::App& app);
void add_snap(CLI::App& app);
void add_parity(CLI::App& app);
void add_train(CLI::App& app);
void add_eval(CLI::App& app);
void add_thresholds(CLI::App& app);
void add_build(CLI::App& app);

// Registers every subcommand of this build (main.cpp).
void add_commands(CLI::App& app);

}  // namespace inherent::cli
