// SPDX-License-Identifier: Apache-2.0
// `inherent listen --model PKG --input FILE|-`: streams audio through the model and
// prints an event whenever the set of firing heads changes, with stream timestamps.
//
//   arecord -q -f S16_LE -r 16000 -c 1 -t raw | inherent listen -m models/small --input -
//
// FILE is any audio file (resampled to 16 kHz, fed in hop-sized chunks as a microphone
// would deliver it); `-` reads raw 16-bit little-endian mono PCM at 16 kHz from stdin.
#include <cstdint>
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

struct Printer {
  bool all = false, json = false;
  uint32_t prev = 0;

  void result(const inherent_stream_result& r) {
    const uint32_t on = r.fired & ~prev, off = prev & ~r.fired;
    if (r.skipped)
      std::fprintf(stderr, "inherent listen: fell behind; skipped %u results before %.2f s\n", r.skipped,
                   r.end_s);
    if (!all && on == 0 && off == 0) return;
    if (json) {
      nlohmann::ordered_json j;
      j["time_s"] = r.end_s;
      j["window"] = {r.start_s, r.end_s};
      j["fired"] = names(r.fired);
      j["on"] = names(on);
      j["off"] = names(off);
      nlohmann::ordered_json scores = nlohmann::ordered_json::object();
      for (int h = 0; h < INHERENT_N_HEADS; ++h) scores[head_name(h)] = r.smoothed[h];
      j["scores"] = scores;
      std::printf("%s\n", json_text(j).c_str());
    } else {
      std::string line;
      char buf[96];
      std::snprintf(buf, sizeof buf, "%8.2fs ", r.end_s);
      line += buf;
      for (int h = 0; h < INHERENT_N_HEADS; ++h) {
        if (on & (1u << h)) {
          std::snprintf(buf, sizeof buf, " +%s %.2f", head_name(h).c_str(), r.smoothed[h]);
          line += buf;
        }
        if (off & (1u << h)) line += " -" + head_name(h);
      }
      if (all) {
        line += on || off ? "  |" : "  ";
        for (int h = 0; h < INHERENT_N_HEADS; ++h) {
          std::snprintf(buf, sizeof buf, " %s%.2f", (r.fired & (1u << h)) ? "*" : "", r.smoothed[h]);
          line += buf;
        }
      }
      std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);
    prev = r.fired;
  }

  static std::vector<std::string> names(uint32_t bits) {
    std::vector<std::string> out;
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      if (bits & (1u << h)) out.push_back(head_name(h));
    return out;
  }
};

}  // namespace

void add_listen(CLI::App& app) {
  struct Opts {
    ModelOptions model;
    std::string input;
    inherent_stream_params stream = inherent_stream_default_params();
    bool all = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("listen", "Stream audio and print timestamped events as heads fire");
  add_model_options(cmd, &o->model);
  cmd->add_option("-i,--input", o->input, "Audio file, or - for raw 16-bit mono 16 kHz PCM on stdin")
      ->required();
  cmd->add_option("--window-ms", o->stream.window_ms, "Sliding window (multiple of 20)")
      ->capture_default_str();
  cmd->add_option("--hop-ms", o->stream.hop_ms, "Time between results (multiple of 20)")
      ->capture_default_str();
  cmd->add_option("--smoothing", o->stream.smoothing, "Results averaged before deciding")
      ->capture_default_str();
  cmd->add_option("--hysteresis", o->stream.hysteresis, "A firing head turns off below threshold - this")
      ->capture_default_str();
  cmd->add_flag("--all", o->all, "Print every result (scores, * = firing), not only changes");
  cmd->add_flag("--json", o->json, "One JSON object per line: {time_s, window, fired, on, off, scores}");
  cmd->footer(
      "Events: +head SCORE when a head starts firing, -head when it stops; time = end of the\n"
      "window. Intent heads fire only while isInteresting fires.");
  cmd->callback([o] {
    const Model model = load_model(o->model);
    o->stream.n_threads = o->model.threads;
    Stream stream(model, o->stream);
    Printer printer{o->all, o->json};
    const size_t chunk = static_cast<size_t>(o->stream.hop_ms) * INHERENT_SAMPLE_RATE / 1000;
    auto drain = [&] {
      while (stream.ready() > 0) printer.result(stream.scores());
    };
    if (o->input == "-") {
      std::vector<int16_t> pcm(chunk);
      std::vector<float> samples(chunk);
      size_t got = 0;
      while ((got = std::fread(pcm.data(), sizeof(int16_t), pcm.size(), stdin)) > 0) {
        for (size_t i = 0; i < got; ++i) samples[i] = static_cast<float>(pcm[i]) / 32768.0f;
        stream.accept(samples.data(), got);
        drain();
      }
    } else {
      const Audio audio = Audio::read_file(o->input);
      for (size_t at = 0; at < audio.n_samples(); at += chunk) {
        stream.accept(audio.samples() + at, std::min(chunk, audio.n_samples() - at));
        drain();
      }
    }
    stream.input_finished();
    drain();
  });
}

}  // namespace inherent::cli
