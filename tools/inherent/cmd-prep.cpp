// SPDX-License-Identifier: Apache-2.0
//
// `inherent prep --labels L.csv --out DIR`: materialize a mel cache.
//   DIR/mels/<stem>-<key>.npy   float32 [T, 128], one per clip, written atomically
//   DIR/manifest.csv            the labels rows (audio paths rewritten relative to DIR)
//                               plus mel_path and n_frames; itself a valid labels CSV
// The cache key hashes the audio's absolute path, size and mtime, so a rerun skips
// clips already done (resume after a kill) and recomputes clips whose audio changed.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.h"
#include "common/csv.h"
#include "common/files.h"
#include "common/npy.h"
#include "common/progress.h"
#include "common/random.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {
namespace {

namespace fs = std::filesystem;

std::string cache_name(const std::string& audio_path) {
  std::error_code ec;
  const fs::path abs = fs::absolute(audio_path, ec);
  const auto size = fs::file_size(abs, ec);
  const auto mtime = fs::last_write_time(abs, ec).time_since_epoch().count();
  const std::string key = abs.string() + "|" + std::to_string(size) + "|" + std::to_string(mtime);
  const uint64_t h = fnv1a64(key);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return abs.stem().string() + "-" + hex + ".npy";
}

}  // namespace

void add_prep(CLI::App& app) {
  struct Opts {
    std::string labels, out;
    unsigned threads = 0;
    bool force = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("prep", "Compute and cache the log-mels of every clip in a labels CSV");
  cmd->add_option("--labels", o->labels, "Labels CSV")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Output folder (mels/ and manifest.csv)")->required();
  cmd->add_option("-j,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_flag("--force", o->force, "Recompute clips that are already cached");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
  cmd->callback([o] {
    const Labels labels = read_labels(o->labels);
    const fs::path out_dir = o->out, mel_dir = out_dir / "mels";
    fs::create_directories(mel_dir);

    const size_t n = labels.rows.size();
    std::vector<std::string> names(n);
    std::vector<size_t> frames(n, 0);
    std::vector<std::string> errors;
    std::mutex errors_mu;
    std::atomic<size_t> next{0}, reused{0};
    Progress progress("prep", n, !o->quiet);
    auto work = [&] {
      for (size_t i = next++; i < n; i = next++) {
        const LabelRow& row = labels.rows[i];
        names[i] = cache_name(row.resolved_path);
        const std::string npy = (mel_dir / names[i]).string();
        try {
          if (!o->force && fs::exists(npy)) {
            frames[i] = read_npy(npy).shape.at(0);  // validates a previous run's file
            ++reused;
          } else {
            const Audio audio = Audio::read_file(row.resolved_path);
            const Mel m = mel(audio.samples(), audio.n_samples());
            write_npy(npy, m.data.data(), {m.n_frames, INHERENT_N_MELS});
            frames[i] = m.n_frames;
          }
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(errors_mu);
          errors.push_back(o->labels + ":" + std::to_string(row.line) + ": " + e.what());
        }
        progress.add();
      }
    };
    unsigned threads = o->threads ? o->threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    progress.finish();
    if (!errors.empty()) {
      for (const auto& e : errors) std::fprintf(stderr, "inherent prep: %s\n", e.c_str());
      throw Exception(INHERENT_STATUS_INVALID_AUDIO, std::to_string(errors.size()) +
                                                         " clip(s) failed; the manifest was not written "
                                                         "(fix them and rerun: finished clips are kept)");
    }

    // Manifest: the labels columns with audio paths relative to DIR, then mel_path, n_frames.
    std::vector<std::string> header = labels.header;
    const int audio_col =
        static_cast<int>(std::find(header.begin(), header.end(), "audio_path") - header.begin());
    header.push_back("mel_path");
    header.push_back("n_frames");
    std::string csv = csv_join(header) + "\n";
    const fs::path abs_out = fs::absolute(out_dir);
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> fields = labels.rows[i].fields;
      fields[audio_col] = fs::relative(fs::absolute(labels.rows[i].resolved_path), abs_out).string();
      fields.push_back("mels/" + names[i]);
      fields.push_back(std::to_string(frames[i]));
      csv += csv_join(fields) + "\n";
    }
    write_file_atomic((out_dir / "manifest.csv").string(), csv);
    if (!o->quiet)
      std::printf("prep: %zu clips (%zu computed, %zu reused) -> %s\n", n, n - reused.load(), reused.load(),
                  (out_dir / "manifest.csv").string().c_str());
  });
}

}  // namespace inherent::cli
