// SPDX-License-Identifier: Apache-2.0
//
// `inherent train` end to end on tiny synthesized clips and the tiny config: the loss
// falls, checkpoints hold what docs/training.md says, an interrupted run (--stop-at,
// SIGINT, SIGKILL at an arbitrary moment) resumes to the very weights of an
// uninterrupted one, and bad configs or labels fail with file:line messages.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/heads.h"
#include "common/safetensors.h"
#include "engine/arch.h"
#include "host/npy.h"
#include "test-clips.h"

extern char** environ;

namespace inherent {
namespace {

using inherent::test::write_wav;

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A run directory with clips whose labels follow the audio: interesting clips carry a
// 1.2 kHz tone, the timer intent adds 2.5 kHz, others are a 300 Hz hum.
struct Workdir {
  std::string dir, labels;
  explicit Workdir(int n_train = 16, int n_eval = 6) {
    static int serial = 0;
    dir = (fs::temp_directory_path() /
           ("inherent-test-train-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
              .string();
    fs::remove_all(dir);
    fs::create_directories(dir + "/audio");
    labels = dir + "/labels.csv";
    std::ofstream f(labels);
    f << "audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split,"
         "isInteresting,"
         "hasAddToListIntent,hasTermSearchQuery,hasPhotoQuery,hasCalendarEvent,hasCreateDocIntent,"
         "hasPersonContext,hasEventContext,hasDeepResearchIntent,hasInsightIntent,hasBrowsingAgentIntent,"
         "hasCallingAgentIntent,hasStartTimerIntent\n";
    for (int i = 0; i < n_train + n_eval; ++i) {
      const bool gate = i % 2 == 0, timer = i % 4 == 0;
      const std::vector<float> x = inherent::test::labelled_tone_clip(i, gate, timer);
      const std::string name = "audio/c" + std::to_string(i) + ".wav";
      write_wav(dir + "/" + name, x);
      f << name << ",clip,spk,s" << i << ",synth,clean,test,," << (i < n_train ? "train" : "eval") << ","
        << gate;
      for (int h = 1; h < 13; ++h) f << "," << (h == 12 && timer ? 1 : 0);
      f << "\n";
    }
  }
  ~Workdir() {
    if (!std::getenv("INHERENT_TEST_KEEP")) fs::remove_all(dir);
  }

  // tiny with the auxiliary CTC and no evaluation.
  std::string ctc_config() const {
    const std::string path = dir + "/ctc.yaml";
    std::ofstream(path) << "model:\n  preset: tiny\ndata:\n  batch_size: 4\n"
                           "training:\n  lr: 0.003\n  warmup_steps: 4\n  save_every: 5\n  log_every: 1\n"
                           "  norm_clips: 8\n  ctc_weight: 0.5\neval:\n  every: 0\n";
    return path;
  }

  std::string config(const std::string& extra = "") const {
    const std::string path = dir + "/tiny.yaml";
    std::ofstream(path) << "model:\n  preset: tiny\n  dropout: 0.1\n"
                           "data:\n  batch_size: 4\n  workers: 2\n"
                           "training:\n  lr: 0.003\n  warmup_steps: 4\n  save_every: 5\n  log_every: 1\n"
                           "  norm_clips: 8\n"
                           "eval:\n  every: 10\n  batch_size: 8\n"
                        << extra;
    return path;
  }
};

struct Proc {
  pid_t pid = -1;
  std::string log;
};

Proc spawn(const std::vector<std::string>& args, const std::string& log,
           const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv_s = {INHERENT_CLI};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  Proc p;
  p.log = log;
  std::vector<std::string> env_s = env;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  EXPECT_EQ(posix_spawn(&p.pid, INHERENT_CLI, &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  return p;
}

int wait_exit(const Proc& p) {
  int status = 0;
  waitpid(p.pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Runs the CLI to completion; returns the exit code, output in *out.
int run(const std::vector<std::string>& args, std::string* out, const std::string& log) {
  fs::remove(log);
  const int code = wait_exit(spawn(args, log));
  *out = slurp(log);
  return code;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

int64_t last_train_step(const std::string& metrics) {
  int64_t step = -1;
  std::ifstream f(metrics);
  for (std::string line; std::getline(f, line);) {
    try {
      const json j = json::parse(line);
      if (j.value("event", "") == "train") step = j["step"].get<int64_t>();
    } catch (const std::exception&) {
      // A line being written when the process died.
    }
  }
  return step;
}

// name -> raw bytes of every tensor in a safetensors file. With meta, *storage keeps
// the file's bytes that meta's views point into.
std::map<std::string, std::string> tensors_of(const std::string& path, Safetensors* meta = nullptr,
                                              std::string* storage = nullptr) {
  std::string local;
  std::string& bytes = storage ? *storage : local;
  bytes = slurp(path);
  Safetensors st;
  std::string error;
  EXPECT_EQ(safetensors_parse(bytes.data(), bytes.size(), &st, &error), INHERENT_STATUS_OK)
      << path << ": " << error;
  std::map<std::string, std::string> out;
  for (const TensorView& t : st.tensors)
    out[t.name] = std::string(reinterpret_cast<const char*>(t.data), t.n_bytes);
  if (meta) *meta = st;
  return out;
}

void expect_same_weights(const std::string& a, const std::string& b) {
  const auto ta = tensors_of(a), tb = tensors_of(b);
  ASSERT_EQ(ta.size(), tb.size());
  int differing = 0;
  for (const auto& [name, bytes] : ta) {
    if (tb.at(name) != bytes) ++differing;
  }
  EXPECT_EQ(differing, 0) << a << " vs " << b << ": " << differing << " tensors differ";
}

TEST(Train, LossFallsAndCheckpointsAreComplete) {
  Workdir w;
  std::string out;
  const std::string run_dir = w.dir + "/run";
  ASSERT_EQ(run({"train", "--config", w.config(), "--labels", w.labels, "--output-dir", run_dir,
                 "--max-steps", "30"},
                &out, w.dir + "/log"),
            0)
      << out;
  // The loss over the last 5 steps is well below the first 5.
  std::vector<double> losses;
  for (const json& j : read_jsonl(run_dir + "/metrics.jsonl")) {
    if (j["event"] == "train") losses.push_back(j["loss"].get<double>());
  }
  ASSERT_EQ(losses.size(), 30u);
  const double first = (losses[0] + losses[1] + losses[2] + losses[3] + losses[4]) / 5;
  const double last = (losses[25] + losses[26] + losses[27] + losses[28] + losses[29]) / 5;
  EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;

  // last/: weights by arch name with metadata, optimizer state, trainer state.
  Safetensors meta;
  std::string bytes;
  const auto weights = tensors_of(run_dir + "/last/model.safetensors", &meta, &bytes);
  ModelConfig tiny;
  ASSERT_TRUE(arch_config_by_name("tiny", &tiny));
  const auto arch = arch_tensors(tiny);
  ASSERT_EQ(weights.size(), arch.size());
  for (const ArchTensor& t : arch) {
    const TensorView* v = meta.find(t.name);
    ASSERT_NE(v, nullptr) << t.name;
    EXPECT_EQ(v->shape, t.shape) << t.name;
    EXPECT_EQ(v->dtype, DType::F32);
  }
  ModelConfig from_file;
  EXPECT_EQ(arch_config_from_pairs(meta.metadata, &from_file), "");
  EXPECT_TRUE(from_file == tiny);
  ASSERT_NE(meta.find_metadata("head_order"), nullptr);
  EXPECT_EQ(json::parse(*meta.find_metadata("head_order"))[12], "hasStartTimerIntent");
  EXPECT_EQ(*meta.find_metadata("step"), "30");
  EXPECT_EQ(meta.find_metadata("training_hash")->size(), 16u);
  // The normalization is the training set's, not the identity.
  std::vector<float> mean(128);
  std::string error;
  ASSERT_EQ(safetensors_read_f32(meta, "mel_norm.mean", {128}, mean.data(), &error), INHERENT_STATUS_OK);
  EXPECT_LT(mean[10], -1.0f);

  const json state = json::parse(slurp(run_dir + "/last/trainer.json"));
  EXPECT_EQ(state["step"], 30);
  EXPECT_EQ(state["head_order"].size(), 13u);
  EXPECT_TRUE(state["best"].is_object());
  EXPECT_TRUE(fs::exists(run_dir + "/last/optimizer.safetensors"));
  const auto opt = tensors_of(run_dir + "/last/optimizer.safetensors");
  EXPECT_TRUE(opt.count("head.weight.exp_avg") && opt.count("rng.cpu") && opt.count("adamw.step"));
  EXPECT_TRUE(fs::exists(run_dir + "/best/model.safetensors"));
  const json summary = json::parse(slurp(run_dir + "/summary.json"));
  EXPECT_EQ(summary["step"], 30);
  EXPECT_TRUE(summary["finished"].get<bool>());
  EXPECT_TRUE(summary["last_eval"]["metrics"]["gates"].is_array());
  EXPECT_EQ(json::parse(slurp(run_dir + "/summary.json"))["best"]["metrics"]["heads"].size(), 13u);

  // The same directory again without --resume is refused.
  EXPECT_EQ(run({"train", "--config", w.config(), "--labels", w.labels, "--output-dir", run_dir}, &out,
                w.dir + "/log"),
            1);
  EXPECT_NE(out.find("pass --resume"), std::string::npos) << out;
}

TEST(Train, StopAndResumeGiveTheSameWeights) {
  Workdir w;
  std::string out;
  const std::string cfg = w.config();
  const std::vector<std::string> common = {"train",  "--config",    cfg, "--labels",
                                           w.labels, "--max-steps", "16"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  ASSERT_EQ(run(with({"--output-dir", w.dir + "/straight"}), &out, w.dir + "/log"), 0) << out;
  ASSERT_EQ(run(with({"--output-dir", w.dir + "/split", "--stop-at", "8"}), &out, w.dir + "/log"), 0) << out;
  EXPECT_EQ(json::parse(slurp(w.dir + "/split/last/trainer.json"))["step"], 8);
  ASSERT_EQ(run({"train", "--labels", w.labels, "--output-dir", w.dir + "/split", "--resume"}, &out,
                w.dir + "/log"),
            0)
      << out;
  EXPECT_NE(out.find("resumed"), std::string::npos) << out;
  expect_same_weights(w.dir + "/straight/last/model.safetensors", w.dir + "/split/last/model.safetensors");
  // A different config on --resume is refused.
  EXPECT_EQ(
      run({"train", "--config", "tiny", "--labels", w.labels, "--output-dir", w.dir + "/split", "--resume"},
          &out, w.dir + "/log"),
      1);
  EXPECT_NE(out.find("differs from the run's"), std::string::npos) << out;
}

TEST(Train, CtcAuxiliaryIsLoggedCheckpointedAndResumesExactly) {
  Workdir w;
  std::string out;
  const std::string cfg = w.ctc_config();
  auto args = [&](const std::string& dir, std::vector<std::string> extra) {
    std::vector<std::string> a = {"train", "--config",     cfg, "--labels", w.labels, "--max-steps",
                                  "12",    "--output-dir", dir};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  ASSERT_EQ(run(args(w.dir + "/straight", {}), &out, w.dir + "/log"), 0) << out;
  ASSERT_EQ(run(args(w.dir + "/split", {"--stop-at", "6"}), &out, w.dir + "/log"), 0) << out;
  ASSERT_EQ(run({"train", "--labels", w.labels, "--output-dir", w.dir + "/split", "--resume"}, &out,
                w.dir + "/log"),
            0)
      << out;
  // The auxiliary head is part of the training state (resume) but not of the model file.
  expect_same_weights(w.dir + "/straight/last/model.safetensors", w.dir + "/split/last/model.safetensors");
  expect_same_weights(w.dir + "/straight/last/ctc.safetensors", w.dir + "/split/last/ctc.safetensors");
  const auto model = tensors_of(w.dir + "/straight/last/model.safetensors");
  for (const auto& [name, values] : model) EXPECT_EQ(name.find("ctc"), std::string::npos) << name;
  int records = 0;
  for (const json& r : read_jsonl(w.dir + "/straight/metrics.jsonl")) {
    if (r["event"] != "train") continue;
    ASSERT_TRUE(r.contains("ctc_loss")) << r;
    EXPECT_GT(r["ctc_loss"].get<double>(), 0.0);
    ++records;
  }
  EXPECT_EQ(records, 12);
}

// A tiny-model config for a short run with one extra training key (and model keys),
// written into the workdir; returns its path.
std::string short_run_config(const Workdir& w, const std::string& name, const std::string& training_key,
                             const std::string& model_keys = "") {
  const std::string cfg = w.dir + "/" + name + ".yaml";
  std::ofstream(cfg) << "model:\n  preset: tiny\n"
                     << model_keys << "data:\n  batch_size: 4\n"
                     << "training:\n  lr: 0.003\n  warmup_steps: 2\n  log_every: 1\n  norm_clips: 8\n  "
                     << training_key << "\neval:\n  every: 0\n  at_end: false\n";
  return cfg;
}

// `key` of every train record of a run's metrics.jsonl (each record must carry it).
std::vector<double> train_values(const std::string& metrics, const std::string& key) {
  std::vector<double> out;
  for (const json& r : read_jsonl(metrics)) {
    if (r["event"] != "train") continue;
    EXPECT_TRUE(r.contains(key)) << r;
    out.push_back(r.value(key, std::nan("")));
  }
  return out;
}

// training.int8_consistency: every train record carries the rounded forward's drift,
// which is small but not zero on a fresh tiny model.
TEST(Train, Int8ConsistencyIsLogged) {
  Workdir w;
  std::string out;
  const std::string cfg = short_run_config(w, "int8", "int8_consistency: 5.0", "  dropout: 0\n");
  ASSERT_EQ(run({"train", "--config", cfg, "--labels", w.labels, "--max-steps", "6", "--output-dir",
                 w.dir + "/run"},
                &out, w.dir + "/log"),
            0)
      << out;
  const std::vector<double> drift = train_values(w.dir + "/run/metrics.jsonl", "int8_drift");
  EXPECT_EQ(drift.size(), 6u);
  for (double d : drift) {
    EXPECT_GT(d, 0.0);
    EXPECT_LT(d, 0.05);
  }
}

// training.distill_weight: train records carry the distillation loss toward the
// teacher_<head> columns; without any teacher scores the run is refused by name.
TEST(Train, DistillationIsLoggedAndNeedsTeacherScores) {
  Workdir w;
  std::string out;
  const std::string cfg = short_run_config(w, "distill", "distill_weight: 0.5");
  // Every second row gets a teacher that says 0.7 on every head.
  const std::string taught = w.dir + "/taught.csv";
  {
    std::ifstream in(w.labels);
    std::ofstream o(taught);
    std::string line;
    for (int row = -1; std::getline(in, line); ++row) {
      for (int h = 0; h < INHERENT_N_HEADS; ++h)
        line += "," + (row < 0 ? std::string("teacher_") + kHeadTable[static_cast<size_t>(h)].name
                               : std::string(row % 2 ? "" : "0.7"));
      o << line << "\n";
    }
  }
  ASSERT_EQ(
      run({"train", "--config", cfg, "--labels", taught, "--max-steps", "6", "--output-dir", w.dir + "/run"},
          &out, w.dir + "/log"),
      0)
      << out;
  const std::vector<double> distill = train_values(w.dir + "/run/metrics.jsonl", "distill_loss");
  EXPECT_EQ(distill.size(), 6u);
  for (double d : distill) EXPECT_GT(d, 0.6);  // BCE toward 0.7 is at least its entropy, 0.611
  EXPECT_NE(run({"train", "--config", cfg, "--labels", w.labels, "--max-steps", "2", "--output-dir",
                 w.dir + "/untaught"},
                &out, w.dir + "/log"),
            0);
  EXPECT_NE(out.find("training.distill_weight is 0.500000 but no train row has teacher scores"),
            std::string::npos)
      << out;
}

// Unlabelled rows (every head cell empty, teacher scores filled) train through the
// distillation loss alone; without distillation the run is refused by name.
TEST(Train, UnlabelledRowsTrainOnlyWithDistillation) {
  Workdir w;
  std::string out;
  // Every train row gets a teacher; every second one also loses its head labels.
  const std::string taught = w.dir + "/unlabelled.csv";
  size_t blanked = 0;
  {
    std::ifstream in(w.labels);
    std::ofstream o(taught);
    std::string line;
    for (int row = -1; std::getline(in, line); ++row) {
      std::vector<std::string> cells;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
      const bool train = row >= 0 && cells.at(8) == "train";
      if (train && row % 2 == 0) {
        for (int h = 0; h < INHERENT_N_HEADS; ++h) cells.at(static_cast<size_t>(9 + h)).clear();
        ++blanked;
      }
      std::string joined;
      for (size_t i = 0; i < cells.size(); ++i) joined += (i ? "," : "") + cells[i];
      for (int h = 0; h < INHERENT_N_HEADS; ++h)
        joined += "," + (row < 0 ? std::string("teacher_") + kHeadTable[static_cast<size_t>(h)].name
                                 : std::string(train ? "0.7" : ""));
      o << joined << "\n";
    }
  }
  ASSERT_GT(blanked, 0u);
  const std::string cfg = short_run_config(w, "distill", "distill_weight: 0.5");
  ASSERT_EQ(
      run({"train", "--config", cfg, "--labels", taught, "--max-steps", "4", "--output-dir", w.dir + "/run"},
          &out, w.dir + "/log"),
      0)
      << out;
  EXPECT_NE(out.find(std::to_string(blanked) + " unlabelled clips (teacher scores only"), std::string::npos)
      << out;
  EXPECT_EQ(train_values(w.dir + "/run/metrics.jsonl", "distill_loss").size(), 4u);
  const std::string plain = short_run_config(w, "plain", "focal_gamma: 0");
  EXPECT_NE(run({"train", "--config", plain, "--labels", taught, "--max-steps", "2", "--output-dir",
                 w.dir + "/refused"},
                &out, w.dir + "/log"),
            0);
  EXPECT_NE(out.find(std::to_string(blanked) + " train rows are unlabelled (teacher scores only) but "
                                               "training.distill_weight is 0"),
            std::string::npos)
      << out;
}

// training.feature_distill_weight: train records carry the feature loss, the projection
// is saved beside the checkpoint and resumed from it (a resume without it is refused),
// and a run whose rows have no teacher_features is refused by name.
TEST(Train, FeatureDistillationIsLoggedResumesAndNeedsFeatures) {
  Workdir w;
  std::string out;
  const std::string taught = w.dir + "/features.csv";
  {
    std::ifstream in(w.labels);
    std::ofstream o(taught);
    std::string line;
    for (int row = -1; std::getline(in, line); ++row) {
      std::string cell = "teacher_features";
      if (row >= 0 && row % 2 == 0) {  // every second row: an 8-value vector of its own
        std::vector<float> v(8);
        for (size_t j = 0; j < v.size(); ++j) v[j] = std::sin(0.7f * static_cast<float>(row * 8 + j));
        cell = "f" + std::to_string(row) + ".npy";
        write_npy(w.dir + "/" + cell, v.data(), {v.size()});
      } else if (row >= 0) {
        cell.clear();
      }
      o << line << "," << cell << "\n";
    }
  }
  const std::string cfg = short_run_config(w, "features", "feature_distill_weight: 0.5");
  const auto train = [&](const std::string& labels, const std::string& dir, const char* steps, bool resume) {
    std::vector<std::string> a = {"train", "--config",     cfg, "--labels", labels, "--max-steps",
                                  steps,   "--output-dir", dir};
    if (resume) a.push_back("--resume");
    return run(a, &out, w.dir + "/log");
  };
  ASSERT_EQ(train(taught, w.dir + "/run", "3", false), 0) << out;
  ASSERT_TRUE(fs::exists(w.dir + "/run/last/features.safetensors"));
  ASSERT_EQ(train(taught, w.dir + "/run", "5", true), 0) << out;
  const std::vector<double> loss = train_values(w.dir + "/run/metrics.jsonl", "feature_loss");
  EXPECT_EQ(loss.size(), 5u);
  for (double d : loss) {  // 1 - cosine: in [0, 2], and a fresh projection is no match
    EXPECT_GT(d, 0.05);
    EXPECT_LE(d, 2.0);
  }
  fs::remove(w.dir + "/run/last/features.safetensors");
  EXPECT_NE(train(taught, w.dir + "/run", "6", true), 0);
  EXPECT_NE(out.find("has no features.safetensors: it was trained without training.feature_distill_weight"),
            std::string::npos)
      << out;
  EXPECT_NE(train(w.labels, w.dir + "/plain", "2", false), 0);
  EXPECT_NE(out.find("training.feature_distill_weight is 0.500000 but no train row has teacher features"),
            std::string::npos)
      << out;
}

// Largest |a - b| over the float32 tensors the two files share.
double max_weight_diff(const std::string& a, const std::string& b) {
  const auto ta = tensors_of(a), tb = tensors_of(b);
  double worst = 0;
  for (const auto& [name, bytes] : ta) {
    const std::string& other = tb.at(name);
    EXPECT_EQ(bytes.size(), other.size()) << name;
    const auto* x = reinterpret_cast<const float*>(bytes.data());
    const auto* y = reinterpret_cast<const float*>(other.data());
    for (size_t i = 0; i < std::min(bytes.size(), other.size()) / sizeof(float); ++i)
      worst = std::max(worst, static_cast<double>(std::fabs(x[i] - y[i])));
  }
  return worst;
}

// training.aux_lr_scale: the auxiliary heads step at lr times the scale and the model at
// lr. After one step from the same seed the model weights are the same whatever the
// scale, and the CTC head has moved from where a frozen one (scale 0) stays about 50
// times as far at scale 50 as at 1 (AdamW's first step is about lr per weight).
TEST(Train, AuxLrScaleStepsTheAuxiliaryHeadsAtTheirOwnRate) {
  Workdir w;
  std::string out;
  const auto one_step = [&](const std::string& scale) {
    const std::string cfg = short_run_config(w, "aux" + scale, "ctc_weight: 0.5\n  aux_lr_scale: " + scale);
    const std::string dir = w.dir + "/aux" + scale;
    EXPECT_EQ(run({"train", "--config", cfg, "--labels", w.labels, "--max-steps", "1", "--output-dir", dir},
                  &out, w.dir + "/log"),
              0)
        << out;
    return dir + "/last/";
  };
  const std::string frozen = one_step("0"), plain = one_step("1"), fast = one_step("50");
  EXPECT_EQ(max_weight_diff(plain + "model.safetensors", fast + "model.safetensors"), 0.0);
  EXPECT_EQ(max_weight_diff(frozen + "model.safetensors", fast + "model.safetensors"), 0.0);
  const double moved1 = max_weight_diff(frozen + "ctc.safetensors", plain + "ctc.safetensors");
  const double moved50 = max_weight_diff(frozen + "ctc.safetensors", fast + "ctc.safetensors");
  EXPECT_GT(moved1, 0.0);
  EXPECT_NEAR(moved50 / moved1, 50.0, 5.0) << moved1 << " " << moved50;
  const std::vector<double> lr = train_values(fast + "../metrics.jsonl", "lr");
  const std::vector<double> aux = train_values(fast + "../metrics.jsonl", "aux_lr");
  ASSERT_EQ(lr.size(), 1u);
  ASSERT_EQ(aux.size(), 1u);
  EXPECT_NEAR(aux[0], 50.0 * lr[0], 1e-12);
  EXPECT_GT(lr[0], 0.0);
}

TEST(Train, InitFromWarmStartsFromAnotherRunsWeights) {
  Workdir w;
  std::string out;
  const std::string cfg = w.ctc_config();
  auto args = [&](const std::string& dir, const std::string& steps, std::vector<std::string> extra) {
    std::vector<std::string> a = {"train", "--config",     cfg, "--labels", w.labels, "--max-steps",
                                  steps,   "--output-dir", dir};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  ASSERT_EQ(run(args(w.dir + "/first", "12", {}), &out, w.dir + "/log"), 0) << out;
  ASSERT_EQ(run(args(w.dir + "/fresh", "1", {}), &out, w.dir + "/log"), 0) << out;
  ASSERT_EQ(run(args(w.dir + "/warm", "1", {"--init-from", w.dir + "/first/last"}), &out, w.dir + "/log"), 0)
      << out;
  EXPECT_NE(out.find("initialized from"), std::string::npos) << out;
  // One warm-up step (lr 0.003 / 4) moves an AdamW weight by at most about 7.5e-4: the warm
  // run sits next to the first run's weights and CTC head, a fresh run 12 steps away.
  const std::string first = w.dir + "/first/last/", warm = w.dir + "/warm/last/",
                    fresh = w.dir + "/fresh/last/";
  EXPECT_LT(max_weight_diff(first + "model.safetensors", warm + "model.safetensors"), 1.5e-3);
  EXPECT_LT(max_weight_diff(first + "ctc.safetensors", warm + "ctc.safetensors"), 1.5e-3);
  EXPECT_GT(max_weight_diff(first + "model.safetensors", fresh + "model.safetensors"), 5e-3);
  // The provenance is kept in the checkpoint and the log, also across a resume.
  EXPECT_EQ(json::parse(slurp(warm + "trainer.json"))["init_from"], w.dir + "/first/last");
  EXPECT_EQ(read_jsonl(w.dir + "/warm/metrics.jsonl").front()["init_from"], w.dir + "/first/last");
  ASSERT_EQ(
      run({"train", "--labels", w.labels, "--output-dir", w.dir + "/warm", "--resume", "--max-steps", "2"},
          &out, w.dir + "/log"),
      0)
      << out;
  EXPECT_EQ(json::parse(slurp(warm + "trainer.json"))["init_from"], w.dir + "/first/last");
  // A folder without weights, or weights of another architecture, are refused by name.
  fs::create_directories(w.dir + "/empty");
  EXPECT_EQ(run(args(w.dir + "/bad1", "1", {"--init-from", w.dir + "/empty"}), &out, w.dir + "/log"), 1);
  EXPECT_NE(out.find("no model.safetensors"), std::string::npos) << out;
  EXPECT_EQ(run({"train", "--config", "small", "--labels", w.labels, "--max-steps", "1", "--output-dir",
                 w.dir + "/bad2", "--init-from", w.dir + "/first/last"},
                &out, w.dir + "/log"),
            1);
  EXPECT_NE(out.find("model.safetensors"), std::string::npos) << out;
}

TEST(Train, SigkillLosesAtMostOneSaveIntervalAndResumesExactly) {
  Workdir w;
  std::string out;
  const std::string cfg = w.config();
  const std::vector<std::string> args = {"train",  "--config",    cfg,  "--labels",
                                         w.labels, "--max-steps", "40", "-q"};
  auto in = [&](const std::string& dir) {
    std::vector<std::string> a = args;
    a.push_back("--output-dir");
    a.push_back(dir);
    return a;
  };
  ASSERT_EQ(run(in(w.dir + "/straight"), &out, w.dir + "/log"), 0) << out;
  // Kill at a few different moments, then resume each time.
  const std::string killed = w.dir + "/killed";
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Proc p = spawn(attempt == 0 ? in(killed) : [&] {
      auto a = in(killed);
      a.push_back("--resume");
      return a;
    }(), w.dir + "/klog");
    const int64_t target = attempt == 0 ? 12 : 27;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (last_train_step(killed + "/metrics.jsonl") < target &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(1500 + attempt * 3100));  // anywhere in a step or a save
    ::kill(p.pid, SIGKILL);
    EXPECT_EQ(wait_exit(p), 128 + SIGKILL);
    const int64_t reached = last_train_step(killed + "/metrics.jsonl");
    const json state = json::parse(slurp(killed + "/last/trainer.json"));
    EXPECT_GE(state["step"].get<int64_t>(), reached - 5) << "lost more than one save interval";
    EXPECT_EQ(state["step"].get<int64_t>() % 5, 0);
  }
  auto resume = in(killed);
  resume.push_back("--resume");
  ASSERT_EQ(run(resume, &out, w.dir + "/log"), 0) << out;
  expect_same_weights(w.dir + "/straight/last/model.safetensors", killed + "/last/model.safetensors");
  for (const auto& e : fs::directory_iterator(killed)) {
    EXPECT_EQ(e.path().filename().string().find(".last."), std::string::npos)
        << "temporary left: " << e.path();
  }
}

TEST(Train, SigintSavesAndExitsCleanly) {
  Workdir w;
  const std::string run_dir = w.dir + "/run";
  const Proc p = spawn({"train", "--config", w.config(), "--labels", w.labels, "--output-dir", run_dir,
                        "--max-steps", "100000", "-q"},
                       w.dir + "/log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (last_train_step(run_dir + "/metrics.jsonl") < 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(p.pid, SIGINT);
  EXPECT_EQ(wait_exit(p), 130) << slurp(w.dir + "/log");
  const int64_t reached = last_train_step(run_dir + "/metrics.jsonl");
  EXPECT_EQ(json::parse(slurp(run_dir + "/last/trainer.json"))["step"], reached)
      << "the last step was not saved";
  EXPECT_NE(slurp(w.dir + "/log").find("continue with --resume"), std::string::npos);
  EXPECT_FALSE(json::parse(slurp(run_dir + "/summary.json"))["finished"].get<bool>());
}

// A free TCP port on localhost (bound, read, released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(Train, TwoProcessesKeepIdenticalWeights) {
  Workdir w;
  const std::string run_dir = w.dir + "/ddp", port = std::to_string(free_port());
  std::vector<Proc> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.push_back(
        spawn({"train", "--config", w.config(), "--labels", w.labels, "--output-dir", run_dir, "--max-steps",
               "7", "-q"},
              w.dir + "/rank" + std::to_string(r) + ".log",
              {"RANK=" + std::to_string(r), "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port}));
  }
  std::vector<std::string> fingerprints;
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(wait_exit(ranks[static_cast<size_t>(r)]), 0) << slurp(ranks[static_cast<size_t>(r)].log);
    const std::string log = slurp(ranks[static_cast<size_t>(r)].log);
    const std::string tag = "rank " + std::to_string(r) + ": step 7, weights fingerprint ";
    const size_t at = log.find(tag);
    ASSERT_NE(at, std::string::npos) << log;
    fingerprints.push_back(log.substr(at + tag.size(), 16));
  }
  EXPECT_EQ(fingerprints[0], fingerprints[1]);
  const json summary = json::parse(slurp(run_dir + "/summary.json"));
  EXPECT_EQ(summary["world_size"], 2);
  EXPECT_EQ(summary["step"], 7);
  EXPECT_NE(slurp(ranks[0].log).find("rank 0 of 2 (gloo"), std::string::npos);
  // The two ranks trained on different batches: the weights differ from a single process's.
  std::string out;
  ASSERT_EQ(run({"train", "--config", w.config(), "--labels", w.labels, "--output-dir", w.dir + "/one",
                 "--max-steps", "7"},
                &out, w.dir + "/log"),
            0);
  EXPECT_NE(tensors_of(run_dir + "/last/model.safetensors")["head.weight"],
            tensors_of(w.dir + "/one/last/model.safetensors")["head.weight"]);
}

TEST(Train, BadConfigAndLabelsFailWithPositions) {
  Workdir w(4, 2);
  std::string out;
  const std::string cfg = w.dir + "/bad.yaml";
  std::ofstream(cfg) << "model:\n  preset: tiny\ntraining:\n  lr: 0.001\n  warmpu_steps: 10\n";
  EXPECT_EQ(run({"train", "--config", cfg, "--labels", w.labels, "--output-dir", w.dir + "/r"}, &out,
                w.dir + "/log"),
            1);
  EXPECT_NE(out.find("bad.yaml:5:3: unknown key 'training.warmpu_steps'"), std::string::npos) << out;
  std::ofstream(cfg) << "model:\n  preset: tiny\ndata:\n  batch_size: -3\n";
  EXPECT_EQ(run({"train", "--config", cfg, "--labels", w.labels, "--output-dir", w.dir + "/r"}, &out,
                w.dir + "/log"),
            1);
  EXPECT_NE(out.find("bad.yaml:4:15: data.batch_size must be an integer in [1, 4096]"), std::string::npos)
      << out;

  std::ofstream(w.labels, std::ios::app) << "audio/c0.wav,x,s,s,d,e,src,,train,0,0,0,0,0,0,0,0,0,0,0,0,1\n";
  EXPECT_EQ(run({"train", "--config", "tiny", "--labels", w.labels, "--output-dir", w.dir + "/r"}, &out,
                w.dir + "/log"),
            1);
  EXPECT_NE(out.find("labels.csv:8:22: [gate-consistency]"), std::string::npos) << out;
  EXPECT_EQ(run({"train", "--config", "tiny", "--output-dir", w.dir + "/r"}, &out, w.dir + "/log"), 2) << out;
}

}  // namespace
}  // namespace inherent
