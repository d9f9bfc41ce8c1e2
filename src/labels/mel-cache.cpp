// SPDX-License-Identifier: Apache-2.0
#include "labels/mel-cache.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "common/random.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/npy.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent {
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

// Every clip's cache file name and frame count; clips already cached are read back.
// Returns how many were.
size_t compute_mels(const PrepOptions& o, const Labels& labels, const fs::path& mel_dir,
                    std::vector<std::string>* names_out, std::vector<size_t>* frames_out) {
  std::vector<std::string>& names = *names_out;
  std::vector<size_t>& frames = *frames_out;
  const size_t n = labels.rows.size();
  names.assign(n, "");
  frames.assign(n, 0);
  std::vector<std::string> errors;
  std::mutex errors_mu;
  std::atomic<size_t> next{0}, reused{0};
  Progress progress("prep", n, !o.quiet);
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const LabelRow& row = labels.rows[i];
      names[i] = cache_name(row.resolved_path);
      const std::string npy = (mel_dir / names[i]).string();
      try {
        if (!o.force && fs::exists(npy)) {
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
        errors.push_back(o.labels + ":" + std::to_string(row.line) + ": " + e.what());
      }
      progress.add();
    }
  };
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
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
  return reused.load();
}

// The labels columns with audio paths (and teacher_features files) relative to OUT,
// then mel_path and n_frames.
std::string manifest_csv(const Labels& labels, const fs::path& out_dir, const std::vector<std::string>& names,
                         const std::vector<size_t>& frames) {
  const size_t n = labels.rows.size();
  std::vector<std::string> header = labels.header;
  const int audio_col =
      static_cast<int>(std::find(header.begin(), header.end(), "audio_path") - header.begin());
  const int features_col = teacher_features_column(header);
  const std::string labels_dir = parent_dir(labels.path);
  header.push_back("mel_path");
  header.push_back("n_frames");
  std::string csv = csv_join(header) + "\n";
  const fs::path abs_out = fs::absolute(out_dir);
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> fields = labels.rows[i].fields;
    fields[audio_col] = fs::relative(fs::absolute(labels.rows[i].resolved_path), abs_out).string();
    if (features_col >= 0 && !fields[static_cast<size_t>(features_col)].empty()) {
      std::string& cell = fields[static_cast<size_t>(features_col)];
      cell = fs::relative(fs::absolute(resolve_path(labels_dir, cell)), abs_out).string();
    }
    fields.push_back("mels/" + names[i]);
    fields.push_back(std::to_string(frames[i]));
    csv += csv_join(fields) + "\n";
  }
  return csv;
}

}  // namespace

void PrepOptions::validate() const {
  if (labels.empty()) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--labels is required");
  if (out.empty()) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--out is required");
}

std::string PrepOptions::to_string() const {
  return "prep --labels " + labels + " --out " + out + " --threads " + std::to_string(threads) +
         (force ? " --force" : "") + (quiet ? " --quiet" : "");
}

void run_prep(const PrepOptions& o) {
  o.validate();
  LabelsCheckOptions check;
  check.allow_unlabelled = true;  // teacher-only rows are training input too
  const Labels labels = read_labels(o.labels, check);
  const fs::path out_dir = o.out, mel_dir = out_dir / "mels";
  fs::create_directories(mel_dir);
  std::vector<std::string> names;
  std::vector<size_t> frames;
  const size_t reused = compute_mels(o, labels, mel_dir, &names, &frames);
  const std::string manifest = (out_dir / "manifest.csv").string();
  write_file_atomic(manifest, manifest_csv(labels, out_dir, names, frames));
  const size_t n = labels.rows.size();
  if (!o.quiet)
    std::printf("prep: %zu clips (%zu computed, %zu reused) -> %s\n", n, n - reused, reused,
                manifest.c_str());
}

}  // namespace inherent
