// SPDX-License-Identifier: Apache-2.0
#include "data/spot-check-synth.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "frontend/audio-file.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/progress.h"
#include "host/workers.h"
#include "inherent/inherent.hpp"

namespace inherent::synth {
namespace {

namespace fs = std::filesystem;

std::string hex8(const std::string& text) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  char b[16];
  std::snprintf(b, sizeof b, "%08x", h);
  return b;
}

// A voice id as a folder name ("espeak:en-us+f3" -> "espeak_en-us_f3").
std::string folder_name(const std::string& id) {
  std::string s = id;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '_';
  return s;
}

std::string fmt3(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

}  // namespace

std::vector<const tts::Voice*> select_voices(const tts::Synthesizer& tts,
                                             const std::vector<std::string>& patterns) {
  std::vector<const tts::Voice*> out;
  for (const std::string& p : patterns) {
    bool any = false;
    for (const tts::Voice& v : tts.voices()) {
      if (!voice_matches(p, v.id)) continue;
      any = true;
      if (std::find(out.begin(), out.end(), &v) == out.end()) out.push_back(&v);
    }
    if (!any)
      throw Exception(
          INHERENT_STATUS_INVALID_ARGUMENT,
          "--voices: '" + p + "' matches no voice on this machine (`inherent synth --list-voices`)");
  }
  return out;
}

SpotCheckStats render_spot_checks(const std::vector<SpotCheckUtterance>& utterances,
                                  const std::vector<const tts::Voice*>& voices, const tts::Synthesizer& tts,
                                  const std::string& out_dir, const std::string& manifest, int threads,
                                  bool quiet) {
  const auto t0 = std::chrono::steady_clock::now();
  struct Job {
    const SpotCheckUtterance* u;
    const tts::Voice* v;
    std::string rel;
    double seconds = 0;
  };
  std::vector<Job> jobs;
  for (const SpotCheckUtterance& u : utterances)
    for (const tts::Voice* v : voices)
      jobs.push_back({&u, v, "wav/" + folder_name(v->id) + "/" + u.id + "-" + hex8(u.text) + ".wav"});
  for (const tts::Voice* v : voices) fs::create_directories(fs::path(out_dir) / "wav" / folder_name(v->id));

  std::atomic<size_t> next{0}, reused{0};
  std::vector<std::string> errors;
  std::mutex errors_mu;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads =
      static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(1, jobs.size())));
  tts.prepare(threads);
  Progress progress("spot-checks", jobs.size(), !quiet);
  auto work = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      Job& j = jobs[i];
      const fs::path path = fs::path(out_dir) / j.rel;
      try {
        if (fs::exists(path)) {
          j.seconds = probe_audio_file(path.string()).duration_s();
          ++reused;
        } else {
          const std::vector<float> pcm = tts.synthesize(*j.v, j.u->text);
          if (pcm.empty()) throw Exception(INHERENT_STATUS_INTERNAL, "the voice produced no audio");
          AtomicFile f(path.string());
          f.write(wav_bytes(pcm));
          f.commit();
          j.seconds = static_cast<double>(pcm.size()) / INHERENT_SAMPLE_RATE;
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(errors_mu);
        errors.push_back(j.rel + " (" + j.u->id + ", " + j.v->id + "): " + e.what());
      }
      progress.add();
    }
  };
  run_on_threads(threads, work);
  progress.finish();
  throw_item_errors(std::move(errors), "the manifest");

  // Audio paths relative to the manifest's folder when the clips lie under it.
  const fs::path mdir = fs::absolute(fs::path(manifest)).parent_path();
  std::string csv = csv_join(labels_header()) + "\n";
  SpotCheckStats st;
  for (const Job& j : jobs) {
    const fs::path abs = fs::absolute(fs::path(out_dir) / j.rel).lexically_normal();
    const fs::path rel = abs.lexically_relative(mdir);
    const bool inside = !rel.empty() && rel.begin()->string() != "..";
    std::vector<std::string> f = {inside ? rel.generic_string() : abs.generic_string(),
                                  j.u->text,
                                  j.v->id,
                                  "spot-check-" + j.u->id,
                                  "full-band",
                                  "clean",
                                  std::string("spot-check:") + tts::engine_name(j.v->engine),
                                  fmt3(j.seconds),
                                  "test"};
    for (uint8_t h : j.u->heads) f.push_back(h ? "1" : "0");
    for (const std::string& x :
         {"spot:" + j.u->id, std::string("spot-check"), j.u->kind,
          std::string(j.u->kind == "hard_negative" ? "1" : "0"), j.v->id,
          std::string(tts::engine_name(j.v->engine)), fmt3(1), fmt3(1), std::string("none")})
      f.push_back(x);
    csv += csv_join(f) + "\n";
    st.audio_s += j.seconds;
  }
  write_file_atomic(manifest, csv);
  st.clips = jobs.size();
  st.reused = reused.load();
  st.rendered = st.clips - st.reused;
  st.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace inherent::synth
