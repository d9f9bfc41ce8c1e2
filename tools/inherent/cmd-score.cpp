// SPDX-License-Identifier: Apache-2.0
// `inherent score --model PKG FILES... [--format table|line|json]`: the 13 scores of
// each audio file and the heads that fire with the package's thresholds (intents only
// with the gate). Each file's error stays with that file; the rest are scored.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"
#include "model-options.h"

namespace inherent::cli {

namespace {

constexpr double kMaxSeconds = 60.0;  // the model's longest window: nothing later is read

struct Scored {
  std::string path;
  double seconds = 0;
  Scores scores{};
  uint32_t fired = 0;
  size_t voiced_frames = 0;
  bool enough_audio = true;  // the minimum-evidence rule let the model score
};

std::vector<std::string> fired_names(uint32_t fired) {
  std::vector<std::string> out;
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    if (fired & (1u << h)) out.push_back(head_name(h));
  return out;
}

std::string silent_note(const Scored& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "too short or silent: %.2f s of voiced sound, %.2f s needed; nothing fires",
                static_cast<double>(s.voiced_frames) * 0.02, INHERENT_DEFAULT_MIN_VOICED_MS / 1000.0);
  return buf;
}

void print_json(const Scored& s) {
  nlohmann::ordered_json j;
  j["path"] = s.path;
  nlohmann::ordered_json scores = nlohmann::ordered_json::object();
  for (int h = 0; h < INHERENT_N_HEADS; ++h) scores[head_name(h)] = s.scores[static_cast<size_t>(h)];
  j["scores"] = scores;
  j["fired"] = fired_names(s.fired);
  j["voiced_s"] = static_cast<double>(s.voiced_frames) * 0.02;
  j["enough_audio"] = s.enough_audio;
  std::printf("%s\n", json_text(j).c_str());
}

void print_line(const Scored& s) {
  const std::vector<std::string> fired = fired_names(s.fired);
  std::string line = s.path + "\tfired=";
  for (size_t i = 0; i < fired.size(); ++i) line += (i ? "," : "") + fired[i];
  if (fired.empty()) line += "-";
  line += "\t";
  char buf[64];
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    std::snprintf(buf, sizeof buf, "%s%s=%.4f", h ? " " : "", head_name(h).c_str(),
                  s.scores[static_cast<size_t>(h)]);
    line += buf;
  }
  if (!s.enough_audio) line += "\tnote=too_short_or_silent";
  std::printf("%s\n", line.c_str());
}

// A block per file: the fired heads first, then the others by score.
void print_table(const Scored& s, const Model& model) {
  std::printf("%s  (%.2f s)\n", s.path.c_str(), s.seconds);
  if (!s.enough_audio) {
    std::printf("  %s\n\n", silent_note(s).c_str());
    return;
  }
  std::vector<int> order(INHERENT_N_HEADS);
  for (int h = 0; h < INHERENT_N_HEADS; ++h) order[static_cast<size_t>(h)] = h;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const bool fa = s.fired & (1u << a), fb = s.fired & (1u << b);
    if (fa != fb) return fa;
    return s.scores[static_cast<size_t>(a)] > s.scores[static_cast<size_t>(b)];
  });
  std::printf("  %-24s %7s %9s  %s\n", "head", "score", "threshold", "fires");
  for (const int h : order)
    std::printf("  %-24s %7.4f %9.4f  %s\n", head_name(h).c_str(), s.scores[static_cast<size_t>(h)],
                model.threshold(h), (s.fired & (1u << h)) ? "yes" : "");
  if (!s.fired) std::printf("  nothing fires\n");
  std::printf("\n");
}

}  // namespace

void add_score(CLI::App& app) {
  struct Opts {
    ModelOptions model;
    std::vector<std::string> files;
    std::string format = "table";
    bool json = false;
    int trim = -1;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("score", "Score audio files: 13 head scores and the heads that fire");
  add_model_options(cmd, &o->model);
  cmd->add_option("files", o->files, "Audio files (WAV/FLAC/OGG, any rate and channel count)")->required();
  cmd->add_option("--format", o->format,
                  "table: a block per file, fired heads first; line: one tab-separated key=value line per "
                  "file; json: one JSON object per line")
      ->check(CLI::IsMember({"table", "line", "json"}))
      ->capture_default_str();
  cmd->add_flag(
      "--json", o->json,
      "Same as --format json: {\"path\", \"scores\": {13 by name}, \"fired\": [names], \"voiced_s\", "
      "\"enough_audio\"}");
  add_trim_options(cmd, &o->trim);
  cmd->footer(
      "Clips longer than 60 s are scored on their first 60 s (the model's longest window); the rest\n"
      "is not read. Audio with less than 0.2 s of voiced sound (empty, silent, a click) scores 0 on\n"
      "every head and nothing fires: \"too short or silent\".\n"
      "Exit code 1 if any file could not be scored (the others are still printed).");
  cmd->callback([o] {
    const std::string format = o->json ? "json" : o->format;
    const Model model = load_model(o->model);
    inherent_session_params sp = inherent_session_default_params();
    sp.n_threads = o->model.threads;
    sp.trim_to_speech = o->trim;
    Session session(model, sp);
    const size_t min_voiced = (INHERENT_DEFAULT_MIN_VOICED_MS + 19) / 20;
    int failed = 0;
    for (const std::string& path : o->files) {
      try {
        const Audio audio = Audio::read_file(path, kMaxSeconds);
        if (audio.source_seconds() > kMaxSeconds)
          std::fprintf(stderr, "inherent score: %s lasts %.1f s; scoring its first 60 s\n", path.c_str(),
                       audio.source_seconds());
        Scored s;
        s.path = path;
        s.seconds = audio.source_seconds();
        s.scores = session.score_audio(audio.samples(), audio.n_samples());
        s.voiced_frames = session.voiced_frames();
        s.enough_audio = s.voiced_frames >= min_voiced;
        s.fired = model.decide(s.scores);
        if (format == "json") {
          print_json(s);
        } else if (format == "line") {
          print_line(s);
        } else {
          print_table(s, model);
        }
        std::fflush(stdout);
      } catch (const Exception& e) {
        const std::string what = e.what();
        // Messages from the reader already start with the path.
        if (what.rfind(path + ":", 0) == 0) {
          std::fprintf(stderr, "inherent score: %s\n", what.c_str());
        } else {
          std::fprintf(stderr, "inherent score: %s: %s\n", path.c_str(), what.c_str());
        }
        ++failed;
      }
    }
    if (failed) throw ExitCode{1};
  });
}

}  // namespace inherent::cli
