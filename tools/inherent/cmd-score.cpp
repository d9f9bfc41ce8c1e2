// SPDX-License-Identifier: Apache-2.0
// `inherent score --model PKG FILES... [--json]`: the 13 scores of each audio file and
// the heads that fire with the package's thresholds (intents only with the gate).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "inherent/inherent.hpp"
#include "model-options.h"

namespace inherent::cli {

namespace {

std::vector<std::string> fired_names(uint32_t fired) {
  std::vector<std::string> out;
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    if (fired & (1u << h)) out.push_back(head_name(h));
  return out;
}

}  // namespace

void add_score(CLI::App& app) {
  struct Opts {
    ModelOptions model;
    std::vector<std::string> files;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("score", "Score audio files: 13 head scores and the heads that fire");
  add_model_options(cmd, &o->model);
  cmd->add_option("files", o->files, "Audio files (WAV/FLAC/OGG, any rate and channel count)")->required();
  cmd->add_flag("--json", o->json,
                "One JSON object per line: {\"path\", \"scores\": {13 by name}, \"fired\": [names]}");
  cmd->footer("Clips longer than 60 s are scored on their first 60 s (the model's longest window).\n"
              "Exit code 1 if any file could not be scored (the others are still printed).");
  cmd->callback([o] {
    const Model model = load_model(o->model);
    inherent_session_params sp = inherent_session_default_params();
    sp.n_threads = o->model.threads;
    Session session(model, sp);
    int failed = 0;
    for (const std::string& path : o->files) {
      try {
        const Audio audio = Audio::read_file(path);
        if (audio.duration_s() > 60.0)
          std::fprintf(stderr, "inherent score: %s lasts %.1f s; scoring its first 60 s\n", path.c_str(),
                       audio.duration_s());
        const Scores s = session.score_audio(audio.samples(), audio.n_samples());
        const std::vector<std::string> fired = fired_names(model.decide(s));
        if (o->json) {
          nlohmann::ordered_json j;
          j["path"] = path;
          nlohmann::ordered_json scores = nlohmann::ordered_json::object();
          for (int h = 0; h < INHERENT_N_HEADS; ++h) scores[head_name(h)] = s[h];
          j["scores"] = scores;
          j["fired"] = fired;
          std::printf("%s\n", j.dump().c_str());
        } else {
          std::string line = path + "\tfired=";
          for (size_t i = 0; i < fired.size(); ++i) line += (i ? "," : "") + fired[i];
          if (fired.empty()) line += "-";
          line += "\t";
          char buf[64];
          for (int h = 0; h < INHERENT_N_HEADS; ++h) {
            std::snprintf(buf, sizeof buf, "%s%s=%.4f", h ? " " : "", head_name(h).c_str(), s[h]);
            line += buf;
          }
          std::printf("%s\n", line.c_str());
        }
        std::fflush(stdout);
      } catch (const Exception& e) {
        std::fprintf(stderr, "inherent score: %s: %s\n", path.c_str(), e.what());
        ++failed;
      }
    }
    if (failed) throw ExitCode{1};
  });
}

}  // namespace inherent::cli
