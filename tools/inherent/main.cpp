// SPDX-License-Identifier: Apache-2.0
//
// inherent: the one command-line tool. Exit codes: 0 success, 1 failure (bad input,
// failed check), 2 usage error.
#include <cstdio>

#include "commands.h"
#include "inherent/inherent.hpp"

int main(int argc, char** argv) {
  CLI::App app{"inherent - a speech gate for voice assistants.\n"
               "One small model scores 13 heads (addressed? + 12 intents) from audio in one pass.",
               "inherent"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("inherent ") + inherent_version());
  app.footer("Run `inherent COMMAND --help` for the options of a command.");
  inherent::cli::add_mel(app);
  inherent::cli::add_prep(app);
  inherent::cli::add_labels(app);
  inherent::cli::add_heads(app);
#ifdef INHERENT_HAVE_DATA
  inherent::cli::add_text(app);
#endif
#ifdef INHERENT_HAVE_SYNTH
  inherent::cli::add_synth(app);
#endif
  inherent::cli::add_score(app);
  inherent::cli::add_listen(app);
  inherent::cli::add_fixtures(app);
#ifdef INHERENT_HAVE_BASELINE
  inherent::cli::add_baseline(app);
#endif
#ifdef INHERENT_HAVE_EXPORT
  inherent::cli::add_export(app);
#endif
#ifdef INHERENT_HAVE_TRAIN
  inherent::cli::add_train(app);
#endif
  inherent::cli::add_eval(app);
  inherent::cli::add_thresholds(app);
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
