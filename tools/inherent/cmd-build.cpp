// SPDX-License-Identifier: Apache-2.0
//
// `inherent build --config YAML --labels CSV --output-dir DIR`: the whole pipeline into
// one model-group folder, stage by stage (docs/build.md):
//   labels      validate the labels CSV (every row, every audio file)
//   prep        the mel cache (DIR/prep) when the config reads one (data.mel_cache)
//   train       DIR/train (a killed run resumes through the trainer's --resume)
//   thresholds  calibrated on the eval split -> DIR/thresholds.json
//   export      every requested backend with those thresholds -> DIR/export/<backend>
//   eval        the native package on the test split -> DIR/eval/{eval.json,scores.csv}
//   parity      every export against the checkpoint -> DIR/parity.json
//   report      the HTML report of the test split -> DIR/report.html
// DIR/build.json records each finished stage with the fingerprint of its inputs; a
// rerun skips the unchanged ones. Each stage's own output goes to DIR/logs/STAGE.log.
// Every stage is a library call (labels, prep, trainer, exporter, thresholds, eval,
// parity); its log starts with the equivalent command line.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "build-state.h"
#include "commands.h"
#include "common/sha256.h"
#include "engine/model-package.h"
#include "eval/eval-command.h"
#include "eval/parity-command.h"
#include "eval/thresholds-command.h"
#include "export/export-model.h"
#include "export/exporter.h"
#include "export/int8-grid.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"
#include "labels/mel-cache.h"
#include "train/config.h"
#include "train/trainer.h"

namespace inherent::cli {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const std::vector<std::string> kStages = {"labels", "prep", "train",  "snap",  "thresholds",
                                          "export", "eval", "parity", "report"};

struct Options {
  std::string config, labels, output_dir;
  std::string init_from;  // warm start for the train stage (a checkpoint folder)
  std::vector<std::string> backends{"all"};
  int64_t max_steps = 0;
  int threads = 0;
  std::vector<std::string> force;
  bool json = false, require_gates = false;
  bool snap_int8 = false;       // the snap stage: the trained weights onto the int8 grid
  bool trim_to_speech = false;  // thresholds on speech spans; exports record it (scoring)
};

// The stage's own stdout (subcommand tables, trainer messages) goes to its log file;
// the build's progress lines stay on the terminal.
class StdoutToFile {
 public:
  explicit StdoutToFile(const std::string& path) {
    std::fflush(stdout);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw Exception(INHERENT_STATUS_IO_ERROR, path + ": cannot open for writing");
    saved_ = ::dup(1);
    ::dup2(fd, 1);
    ::close(fd);
  }
  ~StdoutToFile() {
    std::fflush(stdout);
    ::dup2(saved_, 1);
    ::close(saved_);
  }
  StdoutToFile(const StdoutToFile&) = delete;
  StdoutToFile& operator=(const StdoutToFile&) = delete;

 private:
  int saved_ = -1;
};

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

uint64_t tree_bytes(const fs::path& p) {
  if (fs::is_regular_file(p)) return fs::file_size(p);
  uint64_t n = 0;
  if (fs::is_directory(p)) {
    for (const auto& e : fs::recursive_directory_iterator(p)) {
      if (e.is_regular_file()) n += e.file_size();
    }
  }
  return n;
}

ojson read_json(const fs::path& p) {
  const ojson j = ojson::parse(read_file(p.string()), nullptr, false);
  if (j.is_discarded()) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, p.string() + ": not JSON");
  return j;
}

std::string fmt_seconds(double s) {
  char b[32];
  if (s < 60) {
    std::snprintf(b, sizeof b, "%.1f s", s);
  } else {
    std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  }
  return b;
}

std::string fmt_number(const ojson& v) {
  if (v.is_number_float()) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v.get<double>());
    return b;
  }
  return v.is_string() ? v.get<std::string>() : json_text(v);
}

std::string fmt_numbers(const ojson& numbers) {
  std::string s;
  for (auto& [key, value] : numbers.items()) s += (s.empty() ? "" : ", ") + key + " " + fmt_number(value);
  return s;
}

struct Stage {
  std::string name;
  ojson inputs;                   // fingerprinted
  std::vector<fs::path> outputs;  // must exist for a skip
  std::string unavailable;        // non-empty: the stage does nothing, recorded with this note
  std::function<void(ojson* numbers)> run;
};

// The summary of one stage in this invocation.
struct Outcome {
  std::string name, status;  // ran | unchanged | skipped | failed | not run
  std::string note, error;
  double seconds = 0;
  ojson numbers = ojson::object();
};

class Build {
 public:
  explicit Build(const Options& o) : o_(o), dir_(o.output_dir), state_((dir_ / "build.json").string()) {
    out_ = o.json ? stderr : stdout;
  }

  int run();

 private:
  std::string path(const char* rel) const { return (dir_ / rel).string(); }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  std::vector<Stage> plan();
  Stage labels_stage();
  Stage prep_stage();
  Stage train_stage(const train::TrainConfig& cfg);
  Stage snap_stage();
  Stage thresholds_stage();
  Stage export_stage();
  Stage eval_stage();
  Stage parity_stage();
  Stage report_stage();
  eval::EvalOptions test_split_eval() const;
  void print_summary(const std::vector<Outcome>& outcomes, const std::string& failed) const;
  ojson summary_json(const std::vector<Outcome>& outcomes, const std::string& failed) const;

  Options o_;
  fs::path dir_;
  BuildState state_;
  std::FILE* out_;
  int threads_ = 1;                    // scoring and prep threads
  bool mel_cache_ = false;             // the config reads a mel cache: the prep stage makes it
  std::vector<std::string> backends_;  // exported (native always: eval scores it)
  std::vector<std::string> request_;   // what the exporter is asked ("all" stays "all")
  std::string manifest_;    // what train, thresholds and eval read (the prep manifest or the labels)
  std::string checkpoint_;  // train/best, else train/last
  bool gates_passed_ = false, have_gates_ = false;
  bool resume_train_ = false;  // the train stage continues a killed run
};

// Prints the library call's equivalent command line at the top of the stage's log.
void log_command(const std::string& command_line) { std::printf("inherent %s\n", command_line.c_str()); }

std::vector<Stage> Build::plan() {
  threads_ =
      o_.threads > 0 ? o_.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  train::TrainConfig cfg = train::load_train_config(o_.config);
  if (o_.max_steps > 0) cfg.training.max_steps = o_.max_steps;
  mel_cache_ = cfg.data.mel_cache;
  // A model trained on speech spans is calibrated and exported to be scored on them.
  o_.trim_to_speech = o_.trim_to_speech || cfg.data.trim_to_speech;
  manifest_ = mel_cache_ ? path("prep/manifest.csv") : o_.labels;
  // The backends to export; "all" stays "all" for the exporter, which then skips
  // LiteRT-LM quietly when litert-lm-builder is not installed.
  const bool all = std::find(o_.backends.begin(), o_.backends.end(), "all") != o_.backends.end();
  for (const std::string& b : exporter::all_backends()) {
    // eval scores the native package, so it is always exported.
    if (all || b == "native" || std::find(o_.backends.begin(), o_.backends.end(), b) != o_.backends.end())
      backends_.push_back(b);
  }
  request_ = all ? std::vector<std::string>{"all"} : backends_;
  return {labels_stage(), prep_stage(), train_stage(cfg), snap_stage(),  thresholds_stage(),
          export_stage(), eval_stage(), parity_stage(),   report_stage()};
}

Stage Build::labels_stage() {
  return {
      "labels",
      {{"labels", o_.labels}, {"sha256", sha256_hex(read_file(o_.labels))}},
      {},
      "",
      [this](ojson* n) {
        LabelsCheckOptions check;
        check.check_audio = true;
        const LabelsCheck c = check_labels(o_.labels, check);
        if (!c.ok()) {
          std::string msg = o_.labels + ": " + std::to_string(c.issues.size()) + " problem(s):";
          for (size_t i = 0; i < c.issues.size() && i < 10; ++i)
            msg += "\n  " + format_issue(o_.labels, c.issues[i]);
          if (c.issues.size() > 10) msg += "\n  ... (`inherent labels check` lists them all)";
          throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, msg);
        }
        size_t split[3] = {0, 0, 0};
        for (const LabelRow& r : c.labels.rows) split[static_cast<int>(r.split)]++;
        const char* names[3] = {"train", "eval", "test"};
        for (int i = 0; i < 3; ++i) {
          if (!split[i])
            throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                            o_.labels + ": no rows with split " + names[i] +
                                " (train trains, eval calibrates the thresholds, test evaluates)");
        }
        *n = {{"clips", c.labels.rows.size()}, {"train", split[0]}, {"eval", split[1]}, {"test", split[2]}};
      }};
}

Stage Build::prep_stage() {
  return {"prep",
          {{"mel_cache", mel_cache_}},
          mel_cache_ ? std::vector<fs::path>{manifest_} : std::vector<fs::path>{},
          mel_cache_ ? "" : "not used (data.mel_cache is off)",
          [this](ojson* n) {
            PrepOptions p;
            p.labels = o_.labels;
            p.out = path("prep");
            p.threads = static_cast<unsigned>(threads_);
            p.quiet = true;
            log_command(p.to_string());
            run_prep(p);
            std::printf("prep: %s\n", manifest_.c_str());
            *n = {{"mels", tree_bytes(dir_ / "prep" / "mels")}};
          }};
}

Stage Build::train_stage(const train::TrainConfig& cfg) {
  // A warm start is fingerprinted by its weights, so a retrained source reruns the training.
  ojson init_from = nullptr;
  if (!o_.init_from.empty()) {
    const fs::path w = fs::path(o_.init_from) / kPackageWeightsFile;
    if (!fs::exists(w))
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                      "--init-from " + o_.init_from + ": no model.safetensors");
    init_from = {{"dir", o_.init_from}, {"sha256", sha256_hex(read_file(w.string()))}};
  }
  return {"train",
          {{"config", train::train_config_to_yaml(cfg)}, {"labels", manifest_}, {"init_from", init_from}},
          {dir_ / "train" / "summary.json"},
          "",
          [this](ojson* n) {
            train::TrainRequest r;
            r.config = o_.config;
            r.config_given = true;
            r.labels = manifest_;
            r.output_dir = path("train");
            r.init_from = o_.init_from;
            if (o_.max_steps > 0) r.max_steps = o_.max_steps;
            if (o_.threads > 0) r.threads = o_.threads;
            r.resume = resume_train_;
            if (!r.resume) fs::remove_all(r.output_dir);
            fs::create_directories(r.output_dir);
            const int code = train::run_training(r);
            // The trainer catches the first SIGINT/SIGTERM to save; later stages stop at once again.
            std::signal(SIGINT, SIG_DFL);
            std::signal(SIGTERM, SIG_DFL);
            if (code == 130)
              throw Exception(INHERENT_STATUS_INVALID_STATE,
                              "interrupted (saved; rerun the build to resume)");
            if (code != 0)
              throw Exception(INHERENT_STATUS_INTERNAL, "the trainer exited " + std::to_string(code));
            const ojson sum = read_json(dir_ / "train" / "summary.json");
            checkpoint_ = run_checkpoint_dir((dir_ / "train").string());
            *n = {{"steps", sum.value("step", 0)}, {"train_s", sum.value("train_seconds", 0.0)}};
            if (sum.contains("final_loss") && sum["final_loss"].is_number())
              (*n)["final_loss"] = sum["final_loss"];
          }};
}

// Optional: the checkpoint every later stage reads becomes DIR/snapped, the trained
// weights rounded onto the integer exports' int8 grid (src/export/int8-grid.h).
Stage Build::snap_stage() {
  return {
      "snap",
      {{"int8_grid", o_.snap_int8}},
      o_.snap_int8 ? std::vector<fs::path>{dir_ / "snapped" / "model.safetensors"} : std::vector<fs::path>{},
      o_.snap_int8 ? "" : "off (--snap-int8 turns it on)",
      [this](ojson* n) {
        fs::remove_all(dir_ / "snapped");
        const exporter::GridReport r = exporter::snap_checkpoint(checkpoint_, path("snapped"));
        std::printf("snap: %zu weights of %s onto the int8 grid, max change %.3g of a channel's largest\n",
                    r.tensors, checkpoint_.c_str(), r.max_rel_change);
        checkpoint_ = path("snapped");
        *n = {{"weights", r.tensors}, {"rms_rel_change", r.rms_rel_change}};
      }};
}

Stage Build::thresholds_stage() {
  return {"thresholds",
          {{"split", "eval"},
           {"rule", "gated-f1"},
           {"allow_missing_heads", true},
           {"trim_to_speech", o_.trim_to_speech}},
          {dir_ / "thresholds.json"},
          "",
          [this](ojson* n) {
            eval::ThresholdsOptions t;
            t.source.checkpoint = checkpoint_;
            t.source.threads = threads_;
            t.source.quiet = true;
            t.source.trim_to_speech = o_.trim_to_speech ? 1 : 0;
            t.manifest = manifest_;
            t.split = "eval";
            t.rule = "gated-f1";
            t.allow_missing_heads = true;
            t.metadata_out = path("thresholds.json");
            log_command(t.to_string());
            eval::run_thresholds(t);
            const ojson j = read_json(dir_ / "thresholds.json");
            const size_t missing = j["threshold_calibration"]["uncalibrated"].size();
            *n = {{"calibrated", INHERENT_N_HEADS - static_cast<int>(missing)}, {"uncalibrated", missing}};
          }};
}

Stage Build::export_stage() {
  std::vector<fs::path> exported;
  const bool all = request_.size() == 1 && request_[0] == "all";
  for (const std::string& b : backends_) {
    if (!(all && b == "litertlm")) exported.push_back(dir_ / "export" / b / kPackageMetadataFile);
  }
  // The corpus's outside sources (`inherent synth` writes them beside its labels) go into
  // every sidecar.
  const fs::path attributions = fs::path(o_.labels).parent_path() / "attributions.json";
  const bool have_attributions = fs::is_regular_file(attributions);
  ojson inputs = {{"backends", request_}, {"trim_to_speech", o_.trim_to_speech}};
  if (have_attributions) inputs["attributions"] = sha256_hex(read_file(attributions.string()));
  return {"export", inputs, exported, "", [this, attributions, have_attributions](ojson* n) {
            exporter::ExportModel m = exporter::load_weights(checkpoint_);
            m.thresholds = exporter::load_thresholds(path("thresholds.json"));
            m.trim_to_speech = o_.trim_to_speech;
            if (have_attributions)
              m.provenance.data_attributions = exporter::load_attributions(attributions.string());
            exporter::ExportRequest r;
            r.output_dir = path("export");
            r.backends = request_;
            exporter::check_request(r);
            fs::remove_all(r.output_dir);  // the folder holds exactly this request's backends
            std::vector<std::string> messages;
            for (const exporter::WrittenFile& f : exporter::run_export(m, r, &messages))
              std::printf("%-9s %s %llu bytes %s\n", f.backend.c_str(), f.path.c_str(),
                          static_cast<unsigned long long>(f.size_bytes), f.note.c_str());
            for (const std::string& msg : messages) std::printf("%s", msg.c_str());
            for (const std::string& b : exporter::all_backends()) {
              if (fs::exists(dir_ / "export" / b)) (*n)[b + "_bytes"] = tree_bytes(dir_ / "export" / b);
            }
          }};
}

// The native package on the test split, as the eval and report stages score it.
eval::EvalOptions Build::test_split_eval() const {
  eval::EvalOptions e;
  e.source.artifact = path("export/native");
  e.source.threads = threads_;
  e.source.quiet = true;
  e.manifest = manifest_;
  e.split = "test";
  return e;
}

Stage Build::eval_stage() {
  return {"eval",
          {{"split", "test"}, {"artifact", "export/native"}},
          {dir_ / "eval" / "eval.json"},
          "",
          [this](ojson* n) {
            fs::create_directories(dir_ / "eval");
            eval::EvalOptions e = test_split_eval();
            e.json_out = path("eval/eval.json");
            e.scores_out = path("eval/scores.csv");
            log_command(e.to_string());
            eval::run_eval(e);  // 1: a release gate failed, which the summary reports
            const ojson j = read_json(dir_ / "eval" / "eval.json");
            *n = {{"clips", j.value("n_clips", 0)},
                  {"gate_auc", j["heads"][0]["auc"]},
                  {"intent_mean_auc", j["intent_mean_auc"]},
                  {"gates_passed", j.value("gates_passed", 0)},
                  {"gates", j["gates"].size()},
                  {"release_gates", j.value("all_gates_passed", false) ? "pass" : "fail"}};
          }};
}

// Parity of every exported backend but LiteRT-LM (which embeds the LiteRT file byte for
// byte), merged into DIR/parity.json for the report.
Stage Build::parity_stage() {
  std::vector<std::string> backends;
  for (const std::string& b : backends_) {
    if (b != "litertlm") backends.push_back(b);
  }
  return {"parity",
          {{"available", true}, {"backends", backends}, {"max_clips", 64}},
          {dir_ / "parity.json"},
          "",
          [this, backends](ojson* n) {
            fs::remove_all(dir_ / "parity");
            fs::create_directories(dir_ / "parity");
            ojson merged = {{"checkpoint", checkpoint_},
                            {"manifest", manifest_},
                            {"split", "test"},
                            {"backends", ojson::object()}};
            std::vector<std::string> failed;
            for (const std::string& b : backends) {
              if (!fs::exists(dir_ / "export" / b / kPackageMetadataFile)) continue;
              eval::ParityOptions p;
              p.checkpoint = checkpoint_;
              p.artifact = path("export/" + b);
              p.manifest = manifest_;
              p.split = "test";
              p.max_clips = 64;
              p.json_out = path("parity/" + b + ".json");
              p.threads = threads_;
              p.quiet = true;
              log_command(p.to_string());
              // 1: a parity gate failed, reported like the release gates.
              if (eval::run_parity(p) != 0) failed.push_back(b);
              merged["backends"][b] = read_json(p.json_out);
            }
            write_file_atomic(path("parity.json"), json_text(merged, 2) + "\n");
            *n = {{"parity", failed.empty() ? "pass" : "fail (" + join(failed, ",") + ")"},
                  {"backends", merged["backends"].size()}};
          }};
}

Stage Build::report_stage() {
  return {"report", {{"available", true}}, {dir_ / "report.html"}, "", [this](ojson* n) {
            fs::remove(dir_ / "report.html");
            eval::EvalOptions e = test_split_eval();
            e.html_out = path("report.html");
            e.report_training = path("train");
            if (fs::exists(dir_ / "parity.json")) e.report_parity = path("parity.json");
            log_command(e.to_string());
            eval::run_eval(e);  // 1: a release gate failed; the report shows it
            *n = {{"report_bytes", tree_bytes(dir_ / "report.html")}};
          }};
}

int Build::run() {
  fs::create_directories(dir_ / "logs");
  const std::vector<Stage> stages = plan();
  state_.info() = {{"config", o_.config},
                   {"labels", o_.labels},
                   {"output_dir", o_.output_dir},
                   {"code_commit", train::code_commit()}};
  std::vector<Outcome> outcomes;
  bool rerun_rest = false;
  std::string failed;
  const auto t_all = std::chrono::steady_clock::now();
  for (size_t i = 0; i < stages.size(); ++i) {
    const Stage& st = stages[i];
    Outcome out;
    out.name = st.name;
    const std::string fp = inputs_fingerprint(st.inputs);
    const StageRecord* prev = state_.find(st.name);
    const bool forced = std::find(o_.force.begin(), o_.force.end(), st.name) != o_.force.end();
    const bool outputs_there =
        std::all_of(st.outputs.begin(), st.outputs.end(), [](const fs::path& p) { return fs::exists(p); });
    std::fprintf(out_, "[%zu/%zu] %-10s ", i + 1, stages.size(), st.name.c_str());
    if (!rerun_rest && !forced && prev && prev->status == "done" && prev->fingerprint == fp &&
        outputs_there) {
      out.status = st.unavailable.empty() ? "unchanged" : "skipped";
      out.note = prev->note;
      out.numbers = prev->numbers;
      std::fprintf(out_, "%s\n",
                   st.unavailable.empty() ? ("skipped (unchanged since " + prev->finished_at + ")").c_str()
                                          : ("skipped: " + prev->note).c_str());
      std::fflush(out_);
      if (st.name == "train") checkpoint_ = run_checkpoint_dir((dir_ / "train").string());
      if (st.name == "snap" && o_.snap_int8) checkpoint_ = path("snapped");
      outcomes.push_back(out);
      continue;
    }
    rerun_rest = true;
    StageRecord rec;
    rec.inputs = st.inputs;
    rec.fingerprint = fp;
    if (!st.unavailable.empty()) {
      rec.status = "done";
      rec.note = st.unavailable;
      rec.finished_at = utc_now();
      state_.set(st.name, rec, kStages);
      state_.save();
      out.status = "skipped";
      out.note = rec.note;
      std::fprintf(out_, "skipped: %s\n", rec.note.c_str());
      std::fflush(out_);
      outcomes.push_back(out);
      continue;
    }
    // A killed train resumes: same inputs, started and not finished, a checkpoint on disk.
    resume_train_ = st.name == "train" && prev && prev->status == "running" && prev->fingerprint == fp &&
                    fs::exists(dir_ / "train" / "last" / "trainer.json");
    rec.status = "running";
    state_.set(st.name, rec, kStages);
    state_.save();
    const std::string log = path(("logs/" + st.name + ".log").c_str());
    std::fprintf(out_, "started%s (log %s)\n", resume_train_ ? ", resuming the run" : "", log.c_str());
    std::fflush(out_);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      StdoutToFile redirect(log);
      st.run(&out.numbers);
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rec.seconds = out.seconds;
    rec.finished_at = utc_now();
    if (!out.error.empty()) {
      // train stays "running" so that a rerun resumes it; other stages are marked failed.
      if (st.name != "train") rec.status = "failed";
      rec.error = out.error;
      state_.set(st.name, rec, kStages);
      state_.save();
      out.status = "failed";
      std::fprintf(out_, "[%zu/%zu] %-10s FAILED after %s: %s\n", i + 1, stages.size(), st.name.c_str(),
                   fmt_seconds(out.seconds).c_str(), out.error.c_str());
      outcomes.push_back(out);
      failed = st.name;
      for (size_t k = i + 1; k < stages.size(); ++k)
        outcomes.push_back({stages[k].name, "not run", "", "", 0, ojson::object()});
      break;
    }
    rec.status = "done";
    rec.numbers = out.numbers;
    state_.set(st.name, rec, kStages);
    state_.save();
    out.status = "ran";
    std::fprintf(out_, "[%zu/%zu] %-10s done in %s%s%s\n", i + 1, stages.size(), st.name.c_str(),
                 fmt_seconds(out.seconds).c_str(), out.numbers.empty() ? "" : ": ",
                 fmt_numbers(out.numbers).c_str());
    std::fflush(out_);
    outcomes.push_back(out);
  }
  for (const Outcome& x : outcomes) {
    if (x.name == "eval" && x.numbers.contains("release_gates")) {
      have_gates_ = true;
      gates_passed_ = x.numbers["release_gates"] == "pass";
    }
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
  ojson summary = summary_json(outcomes, failed);
  summary["seconds"] = total;
  write_file_atomic(path("summary.json"), json_text(summary, 2) + "\n");
  print_summary(outcomes, failed);
  std::fprintf(out_, "total %s; state %s, summary %s%s\n", fmt_seconds(total).c_str(),
               path("build.json").c_str(), path("summary.json").c_str(),
               fs::exists(dir_ / "report.html") ? (", report " + path("report.html")).c_str() : "");
  std::fflush(out_);
  if (o_.json) std::printf("%s\n", json_text(summary, 2).c_str());
  if (!failed.empty()) {
    std::fprintf(stderr, "inherent build: stage %s failed (log %s)\n", failed.c_str(),
                 path(("logs/" + failed + ".log").c_str()).c_str());
    return 1;
  }
  if (o_.require_gates && !gates_passed_) {
    std::fprintf(stderr, "inherent build: release gates not met (--require-gates); see %s\n",
                 path("eval/eval.json").c_str());
    return 1;
  }
  return 0;
}

ojson Build::summary_json(const std::vector<Outcome>& outcomes, const std::string& failed) const {
  ojson stages = ojson::array();
  for (const Outcome& x : outcomes) {
    ojson j = {{"name", x.name}, {"status", x.status}, {"seconds", x.seconds}};
    if (!x.note.empty()) j["note"] = x.note;
    if (!x.error.empty()) j["error"] = x.error;
    j["numbers"] = x.numbers;
    stages.push_back(j);
  }
  return {{"command", "build"},
          {"output_dir", o_.output_dir},
          {"ok", failed.empty()},
          {"failed_stage", failed.empty() ? ojson(nullptr) : ojson(failed)},
          {"release_gates", have_gates_ ? ojson(gates_passed_ ? "pass" : "fail") : ojson(nullptr)},
          {"build_json", path("build.json")},
          {"report", fs::exists(dir_ / "report.html") ? ojson(path("report.html")) : ojson(nullptr)},
          {"stages", stages}};
}

void Build::print_summary(const std::vector<Outcome>& outcomes, const std::string& failed) const {
  std::fprintf(out_, "\n%-11s %-10s %9s  %s\n", "stage", "status", "seconds", "results");
  for (const Outcome& x : outcomes) {
    std::string detail = x.status == "failed" ? x.error : fmt_numbers(x.numbers);
    if (x.status == "skipped") detail = x.note;
    if (x.status == "unchanged") detail = "(earlier run) " + detail;
    const size_t nl = detail.find('\n');
    if (nl != std::string::npos) detail = detail.substr(0, nl) + " ...";
    char secs[32] = "";
    if (x.status == "ran" || x.status == "failed") std::snprintf(secs, sizeof secs, "%.1f", x.seconds);
    std::fprintf(out_, "%-11s %-10s %9s  %s\n", x.name.c_str(), x.status.c_str(), secs, detail.c_str());
  }
  if (!failed.empty()) {
    std::fprintf(out_, "build FAILED at stage %s\n", failed.c_str());
  } else if (have_gates_) {
    std::fprintf(out_, "release gates: %s\n",
                 gates_passed_ ? "PASS" : "FAIL (reported, not an error; --require-gates makes it one)");
  }
}

}  // namespace

void add_build(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "build",
      "The whole pipeline into one folder: labels, prep, train, thresholds, export, eval, parity, report");
  cmd->add_option("--config", o->config, "Named config (tiny, small, base) or YAML file (docs/training.md)")
      ->required();
  cmd->add_option("--labels", o->labels, "Labels CSV with train, eval and test rows (docs/labels.md)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output-dir,-o", o->output_dir,
                  "The model-group folder (build.json, train/, export/, eval/, ...)")
      ->required();
  cmd->add_option("--export-backend", o->backends,
                  "Backends to export, comma-separated: onnx, litert, litertlm, mlx, native or all "
                  "(native is always exported: eval scores it)")
      ->delimiter(',')
      ->check(CLI::IsMember({"all", "onnx", "litert", "litertlm", "mlx", "native"}))
      ->capture_default_str();
  cmd->add_option("--init-from", o->init_from,
                  "Start training from this checkpoint folder's weights (another run's last/ or best/; "
                  "optimizer and schedule start fresh)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--max-steps", o->max_steps, "Training steps (overrides training.max_steps)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option(
         "--threads", o->threads,
         "Training intra-op threads (default: the config's); scoring and prep threads (default: all cores)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--force-stage", o->force, "Rerun this stage (and every stage after it) even if unchanged")
      ->check(CLI::IsMember(kStages));
  cmd->add_flag(
      "--snap-int8", o->snap_int8,
      "Round the trained weights onto the int8 grid of the integer exports before thresholds, export and "
      "eval (the snap stage, `inherent snap`), so int8 LiteRT models add no weight error");
  cmd->add_flag(
      "--trim-to-speech", o->trim_to_speech,
      "Calibrate the thresholds on each clip's speech span and record scoring.trim_to_speech in every "
      "export, so engines score only the speech span by default (docs/engine.md, \"Speech span\"); implied "
      "by a config with data.trim_to_speech: true");
  cmd->add_flag("--json", o->json, "Print the summary as JSON on stdout (progress goes to stderr)");
  cmd->add_flag("--require-gates", o->require_gates,
                "Exit 1 when a release gate fails (default: reported only)");
  cmd->footer(
      "A rerun skips the stages whose inputs (config, labels file, options) did not change since they "
      "finished,\n"
      "and reruns the others and everything after them; a killed training resumes from its last checkpoint.\n"
      "Exit code: 0 every stage ran (release gates are reported), 1 a stage failed (named), 2 usage.\n"
      "Example: inherent build --config tiny --labels labels.csv --output-dir out/tiny --max-steps 100");
  cmd->callback([o] {
    const int code = Build(*o).run();
    if (code != 0) throw ExitCode{code};
  });
}

}  // namespace inherent::cli
