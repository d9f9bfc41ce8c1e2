// SPDX-License-Identifier: Apache-2.0
//
// inherent: the one command-line tool. Exit codes: 0 success, 1 failure (bad input,
// failed check), 2 usage error.
#include <cstdio>

#include "commands.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

// Every subcommand this build has; `inherent build` runs some of its stages through a
// fresh tree of them and looks here for `parity` and `eval --html-out`.
void add_commands(CLI::App& app) {
  add_mel(app);
  add_prep(app);
  add_labels(app);
  add_heads(app);
#ifdef INHERENT_HAVE_DATA
  add_text(app);
#endif
#ifdef INHERENT_HAVE_SYNTH
  add_synth(app);
  add_noisy(app);
  add_spot_checks(app);
#endif
  add_score(app);
  add_listen(app);
  add_fixtures(app);
#ifdef INHERENT_HAVE_BASELINE
  add_baseline(app);
#endif
#ifdef INHERENT_HAVE_EXPORT
  add_export(app);
  add_snap(app);
  add_parity(app);
#endif
#ifdef INHERENT_HAVE_TRAIN
  add_train(app);
#endif
#if defined(INHERENT_HAVE_TRAIN) && defined(INHERENT_HAVE_EXPORT)
  add_build(app);
#endif
  add_eval(app);
  add_thresholds(app);
}

}  // namespace inherent::cli

int main(int argc, char** argv) {
  CLI::App app{
      "inherent - a speech gate for voice assistants.\n"
      "One small model scores 13 heads (addressed? + 12 intents) from audio in one pass.",
      "inherent"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("inherent ") + inherent_version());
  app.footer("Run `inherent COMMAND --help` for the options of a command.");
  inherent::cli::add_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const inherent::cli::ExitCode& e) {
    return e.code;
  } catch (const inherent::Exception& e) {
    std::fprintf(stderr, "inherent: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inherent: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
