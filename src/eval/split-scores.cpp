// SPDX-License-Identifier: Apache-2.0
#include "eval/split-scores.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "engine/model-package.h"
#include "eval/thresholds.h"
#include "host/files.h"
#include "host/npy.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#if INHERENT_HAVE_EXPORT
#include "eval/artifact-runtime.h"  // onnx / litert / mlx exports in their own runtimes
#endif

namespace inherent::eval {
int column_of(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  return it == header.end() ? -1 : static_cast<int>(it - header.begin());
}

namespace {

std::string where(const std::string& manifest, const LabelRow& row) {
  return manifest + ":" + std::to_string(row.line);
}

#if INHERENT_HAVE_EXPORT
// An onnx / litert / mlx export: every clip's log-mels, then one run of its runtime.
void score_foreign_export(const ScoreSource& source, const std::string& manifest,
                          const std::vector<std::string>& header, SplitScores* out) {
  const Artifact a = describe_artifact(source.artifact);
  std::vector<std::vector<float>> mels;
  Progress progress("log-mel", out->size(), !source.quiet);
  for (const LabelRow& r : out->rows) {
    size_t frames = 0;
    mels.push_back(clip_mel(manifest, header, r, &frames));
    if (source.trim_to_speech == 1) cut_to_speech(&mels.back(), &frames);
    if (a.pad > 0 && frames > a.pad) {
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where(manifest, r) + ": " + std::to_string(frames) +
                                                            " frames, more than the artifact's fixed " +
                                                            a.frames);
    }
    progress.add();
  }
  progress.finish();
  ojson runtime;
  out->scores = artifact_scores(a, mels, source.python, source.quiet, &runtime);
  out->model = a.file;
  out->scorer = runtime.value("runtime", a.backend) + " (" + a.backend + ", " + a.precision + ")";
  out->metadata = read_file(a.sidecar);
  const nlohmann::json meta = nlohmann::json::parse(out->metadata, nullptr, false);
  const nlohmann::json keys = meta.value("threshold_keys", nlohmann::json::array());
  const nlohmann::json values = meta.value("default_thresholds", nlohmann::json::object());
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const auto i = static_cast<size_t>(h);
    const bool known = keys.is_array() && i < keys.size() && keys[i].is_string() && values.is_object() &&
                       values.contains(keys[i].get<std::string>()) &&
                       values[keys[i].get<std::string>()].is_number();
    if (!known) {
      throw Exception(INHERENT_STATUS_INVALID_MODEL, a.sidecar + ": threshold_keys[" + std::to_string(h) +
                                                         "] or its default_thresholds entry is missing");
    }
    out->thresholds.push_back(values[keys[i].get<std::string>()].get<float>());
  }
}
#else
bool is_foreign_export(const std::string&) { return false; }  // the engine then names what it cannot load
void score_foreign_export(const ScoreSource&, const std::string&, const std::vector<std::string>&,
                          SplitScores*) {}
#endif

}  // namespace

Model load_artifact(const ScoreSource& s) {
  const inherent_model_params p = model_params(s.kernels, s.precision);
  namespace fs = std::filesystem;
  if (fs::is_regular_file(s.artifact)) {
    const std::string sidecar = resolve_path(parent_dir(s.artifact), kPackageMetadataFile);
    if (fs::is_regular_file(sidecar)) {
      const std::string weights = read_file(s.artifact), metadata = read_file(sidecar);
      return Model::from_memory(weights.data(), weights.size(), metadata, p);
    }
  }
  return Model::from_file(s.artifact, p);
}

std::string ScoreSource::to_string() const {
  std::string s = checkpoint.empty() ? "--artifact " + artifact : "--checkpoint " + checkpoint;
  s += " --threads " + std::to_string(threads) + " --kernels " + kernels + " --precision " + precision;
  if (!python.empty()) s += " --python " + python;
  if (trim_to_speech >= 0) s += trim_to_speech ? " --trim-to-speech" : " --every-frame";
  return s + (quiet ? " --quiet" : "");
}

void cut_to_speech(std::vector<float>* mel, size_t* n_frames) {
  size_t start = 0, end = 0;
  check(inherent_mel_speech_span(mel->data(), *n_frames, &start, &end));
  mel->erase(mel->begin() + static_cast<std::ptrdiff_t>(end * INHERENT_N_MELS), mel->end());
  mel->erase(mel->begin(), mel->begin() + static_cast<std::ptrdiff_t>(start * INHERENT_N_MELS));
  *n_frames = end - start;
}

std::vector<float> clip_mel(const std::string& manifest, const std::vector<std::string>& header,
                            const LabelRow& row, size_t* n_frames) {
  const int mel_col = column_of(header, "mel_path"), frames_col = column_of(header, "n_frames");
  try {
    if (mel_col >= 0 && frames_col >= 0) {
      const std::string path =
          resolve_path(parent_dir(manifest), row.fields.at(static_cast<size_t>(mel_col)));
      NpyArray a = read_npy(path);
      if (a.shape.size() != 2 || a.shape[1] != INHERENT_N_MELS || a.shape[0] == 0) {
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ": expected a [T, 128] log-mel array");
      }
      *n_frames = std::min<size_t>(a.shape[0], INHERENT_MAX_FRAMES);
      a.data.resize(*n_frames * INHERENT_N_MELS);
      return std::move(a.data);
    }
    const Audio audio = Audio::read_file(row.resolved_path);
    Mel m = mel(audio.samples(), audio.n_samples());
    *n_frames = m.n_frames;
    return std::move(m.data);
  } catch (const std::exception& e) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where(manifest, row) + ": " + e.what());
  }
}

SplitScores score_split(const ScoreSource& source, const std::string& manifest, const std::string& split) {
  const std::optional<Split> want = parse_split(split);
  if (!want)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--split " + split + ": must be train, eval or test");
  LabelsCheckOptions check;
  check.check_audio = false;  // every clip is decoded below anyway; a bad one names its line
  Labels labels = read_labels(manifest, check);
  SplitScores out;
  out.manifest = manifest;
  out.split = split;
  out.header = labels.header;
  for (LabelRow& r : labels.rows) {
    if (r.split == *want) out.rows.push_back(std::move(r));
  }
  if (out.rows.empty()) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    manifest + ": no rows with split " + split + " (the split column picks the clips)");
  }
  const size_t n = out.rows.size();
  out.labels.resize(n * INHERENT_N_HEADS);
  for (size_t i = 0; i < n; ++i) {
    std::copy(out.rows[i].heads.begin(), out.rows[i].heads.end(), out.labels.begin() + i * INHERENT_N_HEADS);
  }
  out.scores.assign(n * INHERENT_N_HEADS, 0.0f);
  const auto start = std::chrono::steady_clock::now();
  if (!source.checkpoint.empty()) {
    out.trimmed = source.trim_to_speech == 1;
    out.thresholds.resize(INHERENT_N_HEADS);
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      out.thresholds[static_cast<size_t>(h)] = head_default_threshold(h);
    score_checkpoint(source, manifest, labels.header, &out);
  } else if (is_foreign_export(source.artifact)) {
    out.trimmed = source.trim_to_speech == 1;
    score_foreign_export(source, manifest, labels.header, &out);
  } else {
    const Model model = load_artifact(source);
    out.model = source.artifact;
    out.scorer = "native engine (" + model.kernels_name() + " kernels, " + source.precision + ")";
    out.metadata = model.metadata();
    const nlohmann::json meta = nlohmann::json::parse(out.metadata, nullptr, false);
    const bool model_trims =
        meta.is_object() && meta.value("scoring", nlohmann::json::object()).value("trim_to_speech", false);
    out.trimmed = source.trim_to_speech == 1 || (source.trim_to_speech == -1 && model_trims);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) out.thresholds.push_back(model.threshold(h));
    Progress progress("score", n, !source.quiet);
    std::atomic<size_t> next{0};
    std::mutex error_mu;
    std::exception_ptr error;
    auto work = [&] {
      try {
        inherent_session_params params = inherent_session_default_params();
        params.trim_to_speech = source.trim_to_speech;
        Session session(model, params);  // one thread per session: scores do not depend on --threads
        for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
          size_t frames = 0;
          const std::vector<float> m = clip_mel(manifest, labels.header, out.rows[i], &frames);
          const Scores s = session.score_mel(m.data(), frames);
          std::copy(s.begin(), s.end(),
                    out.scores.begin() + static_cast<std::ptrdiff_t>(i * INHERENT_N_HEADS));
          progress.add();
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    };
    std::vector<std::thread> threads;
    const size_t n_threads = std::min<size_t>(static_cast<size_t>(std::max(1, source.threads)), n);
    for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();
    if (error) std::rethrow_exception(error);
    progress.finish();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<float> read_thresholds_file(const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (j.is_discarded()) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ": not valid JSON");
  try {
    return eval::thresholds_from_json(j, path);
  } catch (const std::invalid_argument& e) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, e.what());
  }
}

}  // namespace inherent::eval
