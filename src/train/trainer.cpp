// SPDX-License-Identifier: Apache-2.0
//
// The training run as one object whose steps read in order: lock the folder, resolve
// the config, open the device, load the data, build the model, start or resume, loop,
// finish. Losses live in losses.cpp, optimizer state in optimizer-state.cpp, the run's
// logs in run-output.cpp.
#include "trainer.h"

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "common/random.h"
#include "engine/model-package.h"
#include "eval/metrics.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#include "train/augment-hook.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/ctc.h"
#include "train/dataset.h"
#include "train/distributed.h"
#include "train/feature-distill.h"
#include "train/losses.h"
#include "train/model.h"
#include "train/optimizer-state.h"
#include "train/run-output.h"
#include "train/trainer-state.h"

namespace inherent::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kModelFile = kPackageWeightsFile;  // a checkpoint's weights load as a package's
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kCtcFile = "ctc.safetensors";           // the auxiliary head (training only)
constexpr const char* kFeatureFile = "features.safetensors";  // feature distillation's projection
constexpr const char* kTrainerFile = "trainer.json";          // written last: marks a complete checkpoint

[[noreturn]] void fail(inherent_status status, const std::string& what) { throw Exception(status, what); }

// ---- signals: the first SIGINT/SIGTERM asks for a clean stop, a second one kills ----

std::atomic<int> g_signal{0};

void on_signal(int sig) { g_signal.store(sig); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;  // the next signal takes the default action
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// ---- small helpers ----

std::string fnv1a_hex(const std::string& bytes) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, fnv1a64(bytes));
  return hex;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

json head_order() {
  json heads = json::array();
  for (int h = 0; h < INHERENT_N_HEADS; ++h) heads.push_back(inherent_head_name(h));
  return heads;
}

// FNV-1a 64 of the bytes of every weight and buffer, in arch order.
uint64_t weights_fingerprint(ConformerImpl& model) {
  uint64_t h = kCacheHashStart;
  for (const auto& [name, t] : model.named_tensors()) {
    const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    h = fnv1a64(std::string_view(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.nbytes())), h);
  }
  return h;
}

// Every rank compares its weights with rank 0's; true when all are identical.
bool replicas_identical(ConformerImpl& model, Collective& group, const torch::Device& device) {
  if (group.world_size() == 1) return true;
  const uint64_t mine = weights_fingerprint(model);
  torch::Tensor theirs = torch::tensor({static_cast<int64_t>(mine)}, torch::kInt64).to(device);
  group.broadcast(theirs, 0);
  const bool same = static_cast<uint64_t>(theirs.item<int64_t>()) == mine;
  torch::Tensor differ = torch::tensor({same ? 0.0f : 1.0f}).to(device);
  group.all_reduce_mean(differ);
  return differ.item<float>() == 0.0f;
}

// ---- evaluation ----

struct EvalResult {
  eval::Metrics metrics;
  double loss = 0;
  double seconds = 0;
};

EvalResult evaluate(Conformer& model, const Dataset& data, const TrainConfig& c,
                    const torch::Tensor& pos_weight, const torch::Device& device) {
  const auto start = Clock::now();
  torch::NoGradGuard no_grad;
  model->eval();
  DataOptions o = c.data;
  o.batch_size = c.eval.batch_size;
  BatchLoader loader(data, o, BatchPlan::evaluation(data, o));
  std::vector<float> scores(data.size() * INHERENT_N_HEADS);
  std::vector<uint8_t> labels(data.size() * INHERENT_N_HEADS);
  double loss_sum = 0;
  while (auto b = loader.next()) {
    auto [mel, y] = to_tensors(*b, device);
    const torch::Tensor logits = model->forward(mel);
    loss_sum += focal_bce(logits, y, pos_weight, c.training.focal_gamma).item<double>() *
                static_cast<double>(b->size);
    const torch::Tensor s = torch::sigmoid(logits).to(torch::kCPU).contiguous();
    const float* sp = s.data_ptr<float>();
    for (int64_t i = 0; i < b->size; ++i) {
      const size_t clip = b->clips[static_cast<size_t>(i)];
      std::copy(sp + i * INHERENT_N_HEADS, sp + (i + 1) * INHERENT_N_HEADS,
                scores.begin() + static_cast<std::ptrdiff_t>(clip * INHERENT_N_HEADS));
      std::copy(b->labels.begin() + i * INHERENT_N_HEADS, b->labels.begin() + (i + 1) * INHERENT_N_HEADS,
                labels.begin() + static_cast<std::ptrdiff_t>(clip * INHERENT_N_HEADS));
    }
  }
  model->train();
  EvalResult r;
  r.metrics = eval::compute_metrics(scores.data(), labels.data(), data.size());
  r.loss = loss_sum / static_cast<double>(data.size());
  r.seconds = seconds_since(start);
  return r;
}

// ---- the run ----

struct Hashes {
  std::string code, train_labels, eval_labels, training;
  json to_json() const {
    return {{"code_commit", code},
            {"train_labels", train_labels},
            {"eval_labels", eval_labels},
            {"training_hash", training}};
  }
};

// Overrides of the command line on top of a config.
void apply_overrides(const TrainRequest& r, TrainConfig* c) {
  if (r.max_steps) c->training.max_steps = *r.max_steps;
  if (r.device) c->training.device = *r.device;
  if (r.threads) c->training.threads = *r.threads;
  if (r.seed) c->training.seed = *r.seed, c->data.seed = *r.seed;
  if (c->training.max_steps < 1) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--max-steps must be >= 1");
  if (c->training.threads < 1) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--threads must be >= 1");
  if (c->training.device != "cpu" && c->training.device != "cuda") {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, "--device must be cpu or cuda, got '" + c->training.device + "'");
  }
}

// The first line where two YAML dumps differ, for a message.
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0, line_start = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') line_start = i + 1;
    ++i;
  }
  auto line = [&](const std::string& s) {
    return s.substr(line_start, s.find('\n', line_start) - line_start);
  };
  return "'" + line(a) + "' vs '" + line(b) + "'";
}

// What one optimizer step reports back to the loop.
struct StepOutcome {
  double loss = 0;       // the heads' loss, averaged over ranks
  double grad_norm = 0;  // before clipping (0 without clipping)
  double lr = 0;
  double aux_lr = 0;  // the auxiliary heads' lr as the optimizer holds it (0: no such head)
  bool stop = false;  // some rank was asked to stop
};

class TrainingRun {
 public:
  explicit TrainingRun(const TrainRequest& req) : req_(req), paths_(req.output_dir) {}
  int run();

 private:
  const TrainingOptions& opts() const { return config_.training; }
  void say(const std::string& s) const {
    if (lead_) std::fprintf(stderr, "%s\n", s.c_str());
  }
  // Setup, in this order.
  void lock_folder();
  void resolve_config();
  void open_device();
  void load_data();
  void report_data() const;
  void build_model();
  void start_or_resume();
  void resume_from(const std::string& dir);
  void normalize_features();
  void broadcast_weights();
  // The loop.
  int loop();
  StepOutcome train_step(Batch& batch);
  double average_gradients(double step_loss, bool* stop);
  void log_train(const Batch& batch, const StepOutcome& s);
  void run_eval();
  void finish(int exit_code);
  // Checkpoints.
  bool load_aux(const std::string& dir, const char* file, torch::nn::Module& head) const;
  void load_aux_heads(const std::string& dir, bool required);
  Metadata model_metadata(const json& metrics) const;
  json trainer_state(const json& metrics) const;
  void check_replicas();
  void save_last();
  void save_best(const json& metrics);

  const TrainRequest& req_;
  const Clock::time_point start_ = Clock::now();
  const RunPaths paths_;
  std::optional<DirLock> lock_;
  std::optional<std::string> last_dir_;  // the resumable checkpoint, if any
  TrainConfig config_;
  torch::Device device_{torch::kCPU};
  std::unique_ptr<Collective> group_;
  int rank_ = 0, world_ = 1;
  bool lead_ = true;  // rank 0: logs, writes files
  DataOptions data_options_;
  std::optional<Dataset> train_, eval_;
  std::string eval_path_;
  Hashes hashes_;
  std::vector<float> pos_weights_;
  torch::Tensor pos_weight_;
  Conformer model_{nullptr};
  CtcHead ctc_{nullptr};
  FeatureHead features_{nullptr};
  NamedParams params_;  // model, then ctc.*, then features.*: the optimizer's order
  std::vector<torch::Tensor> all_params_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<bool> group_is_aux_;  // per optimizer group: the auxiliary heads' (lr times aux_lr_scale)
  // Progress, kept across resumes.
  int64_t step_ = 0;
  json best_json_ = nullptr, last_eval_ = nullptr;
  std::optional<eval::Metrics> best_;
  double trained_seconds_ = 0;
  std::string init_from_;  // the checkpoint a warm start began from
  // This process's run.
  std::optional<JsonLog> log_;
  std::optional<ProgressLine> progress_;
  double loss_sum_ = 0, ctc_sum_ = 0, int8_sum_ = 0, distill_sum_ = 0, feature_sum_ = 0;
  int64_t loss_count_ = 0, steps_this_run_ = 0;
  double rate_ = 0, wait_seconds_ = 0, last_loss_ = NAN;
};

// One run per folder: a second train into it would interleave metrics.jsonl and lose a
// run. Rank 0 holds the lock for all ranks of a multi-process run.
void TrainingRun::lock_folder() {
  if (req_.labels.empty()) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--labels is required");
  if (req_.output_dir.empty()) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--output-dir is required");
  fs::create_directories(paths_.dir);
  const char* rank_env = std::getenv("RANK");
  if (!rank_env || std::atoi(rank_env) == 0) lock_.emplace(paths_.dir, "training run");
}

// The run directory's copy of the config is authoritative on --resume.
void TrainingRun::resolve_config() {
  last_dir_ = find_checkpoint_dir(paths_.last, kTrainerFile);
  if (last_dir_ && !req_.resume) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         paths_.dir + " already holds a run (" + paths_.last +
             "): pass --resume to continue it, or choose another --output-dir");
  }
  if (req_.resume && last_dir_ && fs::exists(paths_.config)) {
    config_ = parse_train_config_yaml(read_file(paths_.config), paths_.config);
    if (req_.config_given) {
      TrainConfig given = load_train_config(req_.config);
      given.training.max_steps = config_.training.max_steps;
      given.training.threads = config_.training.threads;
      given.training.device = config_.training.device;
      const std::string a = train_config_to_yaml(given), b = train_config_to_yaml(config_);
      if (a != b) {
        fail(INHERENT_STATUS_INVALID_ARGUMENT,
             "--config " + req_.config + " differs from the run's " + paths_.config + " (" +
                 first_difference(a, b) + "); --resume continues with the run's config: leave --config out");
      }
    }
    if (req_.seed && *req_.seed != config_.training.seed) {
      fail(INHERENT_STATUS_INVALID_ARGUMENT, "--seed differs from the run's seed " +
                                                 std::to_string(config_.training.seed) +
                                                 " (a resume keeps its seed)");
    }
  } else {
    // A fresh start: what an earlier run left (its best checkpoint, its metrics) belongs
    // to that run, and would otherwise be mistaken for this one's.
    if (!last_dir_ && (fs::exists(paths_.best) || fs::exists(paths_.metrics))) {
      std::fprintf(stderr, "inherent train: %s holds no resumable run (no %s); removing the old %s and %s\n",
                   paths_.dir.c_str(), paths_.last.c_str(), paths_.best.c_str(), paths_.metrics.c_str());
      fs::remove_all(paths_.best);
      fs::remove(paths_.metrics);
    }
    config_ = load_train_config(req_.config);
  }
  apply_overrides(req_, &config_);
}

// Threads, the device and the process group.
void TrainingRun::open_device() {
  torch::set_num_threads(opts().threads);
  try {
    at::set_num_interop_threads(1);
  } catch (const std::exception&) {
    // Already set in this process (only the first call may set it).
  }
  if (opts().device == "cuda" && !torch::cuda::is_available()) {
    fail(INHERENT_STATUS_UNSUPPORTED,
         "--device cuda: this LibTorch has no CUDA device (the CPU wheel, or no GPU visible); use --device "
         "cpu");
  }
  const char* local_rank = std::getenv("LOCAL_RANK");
  device_ = opts().device == "cuda" ? torch::Device(torch::kCUDA, local_rank ? std::atoi(local_rank) : 0)
                                    : torch::Device(torch::kCPU);
  group_ = collective_from_environment(device_);
  rank_ = group_->rank(), world_ = group_->world_size();
  lead_ = rank_ == 0;
  install_signal_handlers();  // every rank: the stop request travels with the gradients
}

void TrainingRun::load_data() {
  data_options_ = config_.data;
  train_ = Dataset::load(req_.labels, *parse_split(config_.train_split), data_options_);
  data_options_.augment = make_wave_augmenter(config_.augment, *train_, opts().seed);
  eval_path_ = req_.eval_labels.empty() ? req_.labels : req_.eval_labels;
  try {
    eval_ = Dataset::load(eval_path_, *parse_split(config_.eval.split), data_options_);
  } catch (const Exception& e) {
    if (!req_.eval_labels.empty() || std::string(e.what()).find("no rows with split") == std::string::npos)
      throw;
  }
  if (opts().distill_weight > 0 && train_->n_with_teacher() == 0)
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         req_.labels + ": training.distill_weight is " + std::to_string(opts().distill_weight) + " but no " +
             split_name(train_->split()) +
             " row has teacher scores (the 13 teacher_<head> columns; docs/training.md, \"Distillation\")");
  if (opts().feature_distill_weight > 0 && train_->n_with_features() == 0)
    fail(INHERENT_STATUS_INVALID_ARGUMENT, req_.labels + ": training.feature_distill_weight is " +
                                               std::to_string(opts().feature_distill_weight) + " but no " +
                                               split_name(train_->split()) +
                                               " row has teacher features (the teacher_features column; "
                                               "docs/training.md, \"Feature distillation\")");
  if (train_->n_unlabelled() > 0 && !(opts().distill_weight > 0))
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         req_.labels + ": " + std::to_string(train_->n_unlabelled()) +
             " train rows are unlabelled (teacher scores only) but training.distill_weight is 0: set it, "
             "or leave those rows out (docs/training.md, \"Distillation\")");
  if (eval_ && eval_->n_unlabelled() > 0)
    fail(INHERENT_STATUS_INVALID_ARGUMENT, eval_path_ + ": the eval split (" + split_name(eval_->split()) +
                                               ") holds unlabelled rows; evaluation needs labels");
  hashes_.code = code_commit();
  hashes_.train_labels = train_->content_hash();
  hashes_.eval_labels = eval_ ? eval_->content_hash() : "";
  hashes_.training = fnv1a_hex(hashes_.code + "|" + hashes_.train_labels + "|" + hashes_.eval_labels);
  pos_weights_ = opts().pos_weight ? train_->positive_weights(opts().pos_weight_max)
                                   : std::vector<float>(INHERENT_N_HEADS, 1.0f);
  pos_weight_ = torch::tensor(pos_weights_).to(device_);
}

void TrainingRun::report_data() const {
  say("model: " + describe_model(config_.model));
  const std::string balance = train_->balance_report();
  say(balance.substr(0, balance.size() - 1));
  if (eval_) {
    say("eval: " + std::to_string(eval_->size()) + " clips (split " + config_.eval.split + " of " +
        eval_path_ + ")");
  } else {
    say("eval: none (no rows with split " + config_.eval.split + " in " + eval_path_ +
        "): no metrics and no best checkpoint");
  }
  std::string a = "augmentation: " + data_options_.augment->describe();
  if (config_.augment.preset != "none" && train_->uses_mel_cache())
    a += " (skipped: features come from the mel cache)";
  if (data_options_.trim_to_speech) a += "; each clip cut to its speech span";
  if (data_options_.spec_augment) {
    const auto& s = data_options_.spec;
    a += "; SpecAugment " + std::to_string(s.time_masks) + " time x " + std::to_string(s.time_width) +
         " frames, " + std::to_string(s.freq_masks) + " freq x " + std::to_string(s.freq_width) + " bins";
    if (s.freq_warp > 0) {
      char warp[64];
      std::snprintf(warp, sizeof warp, ", formants x [%.3g, %.3g]", 1 - s.freq_warp, 1 + s.freq_warp);
      a += warp;
    }
  }
  say(a);
  std::string w = "positive weights:";
  char b[32];
  for (float x : pos_weights_) std::snprintf(b, sizeof(b), " %.2f", static_cast<double>(x)), w += b;
  say(w);
}

// The model, the optional CTC head and AdamW (weight decay on matrices only), seeded.
void TrainingRun::build_model() {
  torch::manual_seed(opts().seed);
  model_ = Conformer(config_.model.arch, config_.model.dropout);
  model_->to(device_);
  model_->train();
  params_ = named_parameters(*model_);
  if (opts().ctc_weight > 0) {
    ctc_ = CtcHead(config_.model.arch.n_hidden);
    ctc_->to(device_);
    ctc_->train();
    for (const auto& p : ctc_->named_parameters(true)) params_.emplace_back("ctc." + p.key(), p.value());
  }
  if (opts().feature_distill_weight > 0) {
    features_ = FeatureHead(config_.model.arch.n_hidden, train_->feature_dim());
    features_->to(device_);
    features_->train();
    for (const auto& p : features_->named_parameters(true))
      params_.emplace_back("features." + p.key(), p.value());
  }
  // Four groups: matrices decay, the rest not; the auxiliary heads (ctc.*, features.*)
  // apart, since training.aux_lr_scale scales their lr (a fresh head beside a fine-tuned
  // encoder learns at the encoder's small rate otherwise).
  std::vector<torch::Tensor> by_group[4];
  for (const auto& [name, p] : params_) {
    const bool aux = name.rfind("ctc.", 0) == 0 || name.rfind("features.", 0) == 0;
    by_group[(aux ? 2 : 0) + (p.dim() >= 2 ? 0 : 1)].push_back(p);
    all_params_.push_back(p);
  }
  const TrainingOptions& t = opts();
  auto adam = torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (int g = 0; g < 4; ++g) {
    if (by_group[g].empty()) continue;
    const double decay = g % 2 == 0 ? t.weight_decay : 0.0;
    groups.emplace_back(by_group[g], std::make_unique<torch::optim::AdamWOptions>(adam.weight_decay(decay)));
    group_is_aux_.push_back(g >= 2);
  }
  optimizer_ = std::make_unique<torch::optim::AdamW>(groups, adam);
}

NamedParams module_tensors(torch::nn::Module& head) {
  NamedParams out;
  for (const auto& p : head.named_parameters(true)) out.emplace_back(p.key(), p.value());
  return out;
}

// Loads an auxiliary head saved beside a checkpoint; false when there is none.
bool TrainingRun::load_aux(const std::string& dir, const char* name_of_file, torch::nn::Module& head) const {
  const std::string file = dir + "/" + name_of_file;
  if (!fs::exists(file)) return false;
  const LoadedTensors aux = safetensors_to_tensors(read_file(file), file);
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : module_tensors(head)) {
    const torch::Tensor* v = aux.find(name);
    if (!v || v->sizes() != p.sizes()) {
      fail(INHERENT_STATUS_INVALID_MODEL, file + ": tensor '" + name + "' missing or misshapen");
    }
    p.copy_(*v);
  }
  return true;
}

// The auxiliary heads beside a checkpoint. Resuming needs every one the config trains;
// a warm start takes those it finds and starts the others fresh.
void TrainingRun::load_aux_heads(const std::string& dir, bool required) {
  struct Aux {
    torch::nn::Module* head;
    const char *file, *key, *what;
  };
  const Aux heads[] = {{ctc_ ? ctc_.get() : nullptr, kCtcFile, "training.ctc_weight", "CTC head"},
                       {features_ ? features_.get() : nullptr, kFeatureFile,
                        "training.feature_distill_weight", "feature projection"}};
  for (const Aux& a : heads) {
    if (!a.head || load_aux(dir, a.file, *a.head)) continue;
    if (required)
      fail(INHERENT_STATUS_INVALID_ARGUMENT, dir + " has no " + a.file + ": it was trained without " + a.key +
                                                 "; resume it with the same config");
    say(std::string("no ") + a.what + " in " + dir + ": a fresh one");
  }
}

void TrainingRun::resume_from(const std::string& src) {
  load_model_safetensors(*model_, read_file(src + "/" + kModelFile), src + "/" + kModelFile);
  const LoadedTensors opt =
      safetensors_to_tensors(read_file(src + "/" + kOptimizerFile), src + "/" + kOptimizerFile);
  load_aux_heads(src, true);
  load_optimizer(*optimizer_, params_, opt, src + "/" + kOptimizerFile);
  const std::string state_path = src + "/" + kTrainerFile;
  const TrainerState state = parse_trainer_state(read_file(state_path), state_path);
  step_ = state.step;
  trained_seconds_ = state.train_seconds;
  init_from_ = state.init_from;
  best_json_ = state.best;
  best_ = state.best_metrics;
  last_eval_ = state.last_eval;
  if (state.world_size != world_) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, src + " was written by a run of " +
                                               std::to_string(state.world_size) +
                                               " processes; resume it with as many (WORLD_SIZE)");
  }
  if (const torch::Tensor* rng = opt.find("rng.cpu")) set_cpu_rng_state(*rng);
  if (state.train_labels_hash != hashes_.train_labels) {
    say("warning: " + req_.labels +
        " changed since the checkpoint (its batches differ from the interrupted run's)");
  }
  say("resumed " + src + " at step " + std::to_string(step_));
}

// A fresh model's feature normalization: per-bin mean and std of the training log-mels.
void TrainingRun::normalize_features() {
  const auto stats_start = Clock::now();
  const int64_t norm_clips = opts().norm_clips;
  auto [mean, sd] = train_->mel_stats(static_cast<size_t>(norm_clips), opts().seed, data_options_);
  model_->set_mel_norm(torch::tensor(mean), torch::tensor(sd));
  const auto n = static_cast<int64_t>(train_->size());
  char b[160];
  std::snprintf(b, sizeof(b),
                "mel normalization: mean %.2f, std %.2f (averaged over bins) from %lld clips in %.1f s",
                std::accumulate(mean.begin(), mean.end(), 0.0) / kMels,
                std::accumulate(sd.begin(), sd.end(), 0.0) / kMels,
                static_cast<long long>(norm_clips > 0 ? std::min<int64_t>(norm_clips, n) : n),
                seconds_since(stats_start));
  say(b);
}

// Resume the last checkpoint, warm-start from --init-from, or normalize a fresh model.
void TrainingRun::start_or_resume() {
  const bool resuming = req_.resume && last_dir_;
  if (resuming) {
    resume_from(*last_dir_);
  } else if (req_.resume) {
    say("no checkpoint in " + paths_.dir + ": starting a new run");
  }
  if (!resuming && !req_.init_from.empty()) {
    // Warm start: weights (and the feature normalization they were trained with) from
    // another run's checkpoint; optimizer, schedule and step start fresh.
    const std::string& src = init_from_ = req_.init_from;
    if (!fs::exists(src + "/" + kModelFile)) {
      fail(INHERENT_STATUS_IO_ERROR, "--init-from " + src + ": no " + kModelFile + " there");
    }
    load_model_safetensors(*model_, read_file(src + "/" + kModelFile), src + "/" + kModelFile);
    say("initialized from " + src);
    load_aux_heads(src, false);
  } else if (!resuming) {
    normalize_features();
  }
}

// Every rank starts from rank 0's weights and buffers.
void TrainingRun::broadcast_weights() {
  if (world_ == 1) return;
  std::vector<std::pair<std::string, torch::Tensor>> shared = model_->named_tensors();
  if (ctc_)
    for (auto& kv : module_tensors(*ctc_)) shared.push_back(kv);
  if (features_)
    for (auto& kv : module_tensors(*features_)) shared.push_back(kv);
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : shared) {
    torch::Tensor x = tensor;
    group_->broadcast(x, 0);
  }
}

Metadata TrainingRun::model_metadata(const json& metrics) const {
  Metadata m = {{"format", "inherent-model/1"}, {"preset", config_.model.preset}};
  for (auto& kv : arch_config_to_pairs(config_.model.arch)) m.push_back(kv);
  m.push_back({"head_order", json_text(head_order())});
  m.push_back({"step", std::to_string(step_)});
  m.push_back({"code_commit", hashes_.code});
  m.push_back({"training_hash", hashes_.training});
  m.push_back({"train_labels_hash", hashes_.train_labels});
  m.push_back({"eval_labels_hash", hashes_.eval_labels});
  m.push_back({"metrics", json_text(metrics)});
  m.push_back({"config", train_config_to_yaml(config_)});
  return m;
}

json TrainingRun::trainer_state(const json& metrics) const {
  const int64_t batch = data_options_.batch_size;
  const int64_t batches_per_epoch =
      std::max<int64_t>(1, (static_cast<int64_t>(train_->size()) + batch - 1) / batch);
  return json{{"format", "inherent-trainer/1"},
              {"step", step_},
              {"max_steps", opts().max_steps},
              {"epoch", step_ * world_ / batches_per_epoch},
              {"world_size", world_},
              {"seed", opts().seed},
              {"train_seconds", trained_seconds_},
              {"init_from", init_from_},
              {"hashes", hashes_.to_json()},
              {"head_order", head_order()},
              {"best", best_json_},
              {"last_eval", metrics},
              {"config", train_config_to_yaml(config_)}};
}

void TrainingRun::check_replicas() {
  if (world_ == 1) return;
  if (!replicas_identical(*model_, *group_, device_)) {
    fail(INHERENT_STATUS_INTERNAL, "rank " + std::to_string(rank_) + ": the ranks' weights differ at step " +
                                       std::to_string(step_) +
                                       " (non-deterministic gradients or a bad collective)");
  }
}

void TrainingRun::save_last() {
  check_replicas();
  if (!lead_) return;
  NamedParams opt = optimizer_tensors(*optimizer_, params_);
  opt.emplace_back("rng.cpu", cpu_rng_state());
  std::vector<std::pair<std::string, std::string>> files = {
      {kModelFile, model_to_safetensors(*model_, model_metadata(last_eval_))},
      {kOptimizerFile, tensors_to_safetensors(opt, {{"format", "inherent-optimizer/1"},
                                                    {"optimizer", "adamw"},
                                                    {"step", std::to_string(step_)}})}};
  if (ctc_) {
    files.emplace_back(kCtcFile, tensors_to_safetensors(module_tensors(*ctc_),
                                                        {{"format", "inherent-ctc/1"},
                                                         {"symbols", std::to_string(kCtcSymbols)},
                                                         {"upsample", std::to_string(kCtcUpsample)}}));
  }
  if (features_) {
    files.emplace_back(kFeatureFile, tensors_to_safetensors(module_tensors(*features_),
                                                            {{"format", "inherent-feature-head/1"}}));
  }
  files.emplace_back(kTrainerFile, json_text(trainer_state(last_eval_), 2) + "\n");
  write_checkpoint_dir(paths_.last, files, kTrainerFile);
}

void TrainingRun::save_best(const json& metrics) {
  if (!lead_) return;
  write_checkpoint_dir(paths_.best,
                       {{kModelFile, model_to_safetensors(*model_, model_metadata(metrics))},
                        {kTrainerFile, json_text(trainer_state(metrics), 2) + "\n"}},
                       kTrainerFile);
}

void TrainingRun::run_eval() {
  if (!eval_ || !lead_) return;
  progress_->clear();
  const EvalResult r = evaluate(model_, *eval_, config_, pos_weight_, device_);
  const json mj = eval::metrics_to_json(r.metrics);
  const bool is_best = !best_ || eval::better_than(r.metrics, *best_);
  last_eval_ = {{"step", step_}, {"eval_loss", r.loss}, {"metrics", mj}};
  if (is_best) {
    best_ = r.metrics;
    best_json_ = last_eval_;
    save_best(last_eval_);
  }
  log_->write({{"event", "eval"},
               {"step", step_},
               {"eval_loss", r.loss},
               {"seconds", r.seconds},
               {"best", is_best},
               {"metrics", mj}});
  char b[200];
  std::snprintf(b, sizeof(b),
                "eval   step %lld  loss %.4f  gate AUC %.3f  intent AUC mean %.3f min %.3f  gates %d/5%s",
                static_cast<long long>(step_), r.loss, r.metrics.heads[0].auc, r.metrics.intent_mean_auc,
                r.metrics.intent_min_auc, r.metrics.gates_passed(), is_best ? "  (best)" : "");
  say(b);
}

// Every rank's gradients, loss and stop request averaged in one flat buffer.
double TrainingRun::average_gradients(double step_loss, bool* stop) {
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& p : all_params_)
    flat.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}, p.options()));
  flat.push_back(torch::tensor({step_loss, *stop ? 1.0 : 0.0},
                               torch::TensorOptions().dtype(torch::kFloat32).device(device_)));
  torch::Tensor buffer = torch::cat(flat);
  group_->all_reduce_mean(buffer);
  int64_t offset = 0;
  for (const torch::Tensor& p : all_params_) {
    if (p.grad().defined()) p.mutable_grad().copy_(buffer.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
  *stop = buffer[offset + 1].item<double>() > 0;
  return buffer[offset].item<double>();
}

// Forward, the losses the config asks for, backward and one optimizer step.
StepOutcome TrainingRun::train_step(Batch& batch) {
  const TrainingOptions& t = opts();
  auto [mel, y] = to_tensors(batch, device_);
  auto [h, valid2] = model_->encode(mel);
  const torch::Tensor logits = model_->classify(h, valid2);
  const torch::Tensor heads_loss = labelled_focal_bce(logits, y, pos_weight_, t.focal_gamma, batch, device_);
  torch::Tensor loss = heads_loss;
  if (t.int8_consistency > 0) {
    torch::Tensor rounded;
    {
      FakeInt8Scope int8;
      rounded = model_->forward(mel);
    }
    const torch::Tensor drift = (torch::sigmoid(logits) - torch::sigmoid(rounded)).abs().mean();
    loss = loss + t.int8_consistency * drift;
    int8_sum_ += drift.item<double>();
  }
  if (t.distill_weight > 0) {
    const torch::Tensor kd = distill_loss(logits, batch, device_);
    loss = loss + t.distill_weight * kd;
    distill_sum_ += kd.item<double>();
  }
  if (ctc_) {
    std::vector<std::string> transcripts;
    for (const size_t c : batch.clips) transcripts.push_back(train_->clip(c).row.transcript);
    const torch::Tensor aux = ctc_->loss(h, valid2, transcripts);
    loss = loss + t.ctc_weight * aux;
    ctc_sum_ += aux.item<double>();
  }
  if (features_) {
    const torch::Tensor aux = features_->loss(h, valid2, batch, device_);
    loss = loss + t.feature_distill_weight * aux;
    feature_sum_ += aux.item<double>();
  }
  optimizer_->zero_grad();
  loss.backward();
  StepOutcome out;
  out.stop = g_signal.load() != 0;
  out.loss = heads_loss.item<double>();
  if (!std::isfinite(loss.item<double>())) out.loss = loss.item<double>();
  if (world_ > 1) out.loss = average_gradients(out.loss, &out.stop);
  if (!std::isfinite(out.loss)) {
    progress_->clear();
    fail(INHERENT_STATUS_INTERNAL,
         "loss is " + std::to_string(out.loss) + " at step " + std::to_string(step_ + 1) +
             " (lower training.lr or check the data); the last checkpoint is intact");
  }
  if (t.grad_clip > 0) out.grad_norm = torch::nn::utils::clip_grad_norm_(all_params_, t.grad_clip);
  out.lr = lr_at(t, step_ + 1);
  auto& groups = optimizer_->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& options = static_cast<torch::optim::AdamWOptions&>(groups[g].options());
    options.lr(out.lr * (group_is_aux_[g] ? t.aux_lr_scale : 1.0));
    if (group_is_aux_[g]) out.aux_lr = options.lr();
  }
  optimizer_->step();
  return out;
}

void TrainingRun::log_train(const Batch& batch, const StepOutcome& s) {
  const auto n = static_cast<double>(loss_count_);
  json record = {{"event", "train"},
                 {"step", step_},
                 {"loss", loss_sum_ / n},
                 {"lr", s.lr},
                 {"grad_norm", s.grad_norm},
                 {"steps_per_s", rate_},
                 {"epoch", batch.epoch},
                 {"data_wait_s", wait_seconds_},
                 {"elapsed_s", seconds_since(start_)}};
  // This rank's auxiliary loss (the heads' loss above is averaged over ranks).
  if (ctc_) record["ctc_loss"] = ctc_sum_ / n;
  if (opts().distill_weight > 0) record["distill_loss"] = distill_sum_ / n;
  if (features_) record["feature_loss"] = feature_sum_ / n;
  if (ctc_ || features_) record["aux_lr"] = s.aux_lr;
  if (opts().int8_consistency > 0) record["int8_drift"] = int8_sum_ / n;
  log_->write(record);
  loss_sum_ = 0, ctc_sum_ = 0, int8_sum_ = 0, distill_sum_ = 0, feature_sum_ = 0, loss_count_ = 0;
}

// Steps until max_steps, --stop-at or a signal; returns the exit code.
int TrainingRun::loop() {
  const TrainingOptions& t = opts();
  if (lead_) {
    log_.emplace(paths_.metrics);
    log_->write({{"event", step_ ? "resume" : "start"},
                 {"step", step_},
                 {"max_steps", t.max_steps},
                 {"params", count_parameters(*model_)},
                 {"model", describe_model(config_.model)},
                 {"world_size", world_},
                 {"device", t.device},
                 {"threads", t.threads},
                 {"init_from", init_from_},
                 {"hashes", hashes_.to_json()}});
  }
  say("training: " + std::to_string(t.max_steps) + " steps, batch " +
      std::to_string(data_options_.batch_size) +
      (world_ > 1 ? " x " + std::to_string(world_) + " processes" : "") + ", " +
      std::to_string(BatchPlan::training(*train_, data_options_, 0, 1).batches_per_epoch()) +
      " batches per epoch, device " + t.device + ", " + std::to_string(t.threads) + " thread(s), " +
      group_->describe());
  BatchLoader loader(*train_, data_options_,
                     BatchPlan::training(*train_, data_options_, step_ * world_ + rank_, world_));
  progress_.emplace(lead_ && !req_.quiet);
  const int64_t stop_at = req_.stop_at ? std::min(*req_.stop_at, t.max_steps) : t.max_steps;
  int exit_code = 0;
  bool saved = step_ > 0;  // the checkpoint just resumed is the current state
  while (step_ < stop_at) {
    const auto step_start = Clock::now();
    std::optional<Batch> batch = loader.next();
    wait_seconds_ += seconds_since(step_start);
    const StepOutcome s = train_step(*batch);
    ++step_;
    ++steps_this_run_;
    saved = false;
    const double dt = seconds_since(step_start);
    trained_seconds_ += dt;
    rate_ = steps_this_run_ == 1 ? 1.0 / dt : 0.9 * rate_ + 0.1 / dt;
    loss_sum_ += s.loss;
    ++loss_count_;
    last_loss_ = s.loss;
    progress_->update(step_, t.max_steps, s.loss, rate_);
    if (lead_ && (step_ % t.log_every == 0 || step_ == stop_at)) log_train(*batch, s);
    if (config_.eval.every > 0 && step_ % config_.eval.every == 0 && step_ < t.max_steps) run_eval();
    if (step_ % t.save_every == 0) {
      save_last();
      saved = true;
    }
    if (s.stop) {
      exit_code = 130;
      break;
    }
  }
  progress_->update(step_, t.max_steps, last_loss_, rate_, true);
  progress_->clear();
  if (step_ >= t.max_steps && config_.eval.at_end && exit_code == 0) run_eval();
  if (!saved || step_ >= t.max_steps) save_last();
  return exit_code;
}

// summary.json, the last log record and what to do next.
void TrainingRun::finish(int exit_code) {
  const TrainingOptions& t = opts();
  if (lead_) {
    const json summary = {{"step", step_},
                          {"max_steps", t.max_steps},
                          {"finished", step_ >= t.max_steps},
                          {"interrupted", exit_code == 130},
                          {"steps_this_run", steps_this_run_},
                          {"train_seconds", trained_seconds_},
                          {"steps_per_s_this_run", rate_},
                          {"data_wait_s", wait_seconds_},
                          {"wall_seconds", seconds_since(start_)},
                          {"params", count_parameters(*model_)},
                          {"model", describe_model(config_.model)},
                          {"world_size", world_},
                          {"final_loss", std::isfinite(last_loss_) ? json(last_loss_) : json(nullptr)},
                          {"best", best_json_},
                          {"last_eval", last_eval_},
                          {"hashes", hashes_.to_json()}};
    write_file_atomic(paths_.summary, json_text(summary, 2) + "\n");
    log_->write({{"event", exit_code == 130 ? "interrupted" : "end"},
                 {"step", step_},
                 {"wall_seconds", seconds_since(start_)}});
    if (best_json_.is_object()) {
      say("best: step " + std::to_string(best_json_["step"].get<int64_t>()) + " (" + paths_.best + ")\n" +
          eval::metrics_table(*best_));
    }
    if (exit_code == 130) {
      say("interrupted at step " + std::to_string(step_) + ": saved " + paths_.last +
          "; continue with --resume");
    } else if (step_ < t.max_steps) {
      say("stopped at step " + std::to_string(step_) + " of " + std::to_string(t.max_steps) + ": saved " +
          paths_.last + "; continue with --resume");
    } else {
      say("done: " + std::to_string(step_) + " steps, " + format_duration(seconds_since(start_)) + "; " +
          paths_.dir);
    }
  }
  if (world_ > 1) {
    check_replicas();
    std::fprintf(stderr, "rank %d: step %lld, weights fingerprint %016llx (identical on all %d ranks)\n",
                 rank_, static_cast<long long>(step_),
                 static_cast<unsigned long long>(weights_fingerprint(*model_)), world_);
  }
  group_->barrier();
}

int TrainingRun::run() {
  lock_folder();
  resolve_config();
  open_device();
  load_data();
  report_data();
  build_model();
  start_or_resume();
  broadcast_weights();
  if (lead_) write_file_atomic(paths_.config, train_config_to_yaml(config_));
  const int exit_code = loop();
  finish(exit_code);
  return exit_code;
}

}  // namespace

int run_training(const TrainRequest& request) { return TrainingRun(request).run(); }

}  // namespace inherent::train
