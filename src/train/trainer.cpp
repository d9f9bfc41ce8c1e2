// SPDX-License-Identifier: Apache-2.0
#include "trainer.h"

#include <unistd.h>

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

#include "common/files.h"
#include "common/json-text.h"
#include "common/progress.h"
#include "common/random.h"
#include "engine/model-package.h"
#include "eval/metrics.h"
#include "inherent/inherent.hpp"
#include "train/augment-hook.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/ctc.h"
#include "train/dataset.h"
#include "train/distributed.h"
#include "train/model.h"
#include "train/trainer-state.h"

namespace inherent::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kModelFile = kPackageWeightsFile;  // a checkpoint's weights load as a package's
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kCtcFile = "ctc.safetensors";   // the auxiliary head (training only)
constexpr const char* kTrainerFile = "trainer.json";  // written last: marks a complete checkpoint

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

// ref: warmup then cosine/linear decay to lr * min_lr_ratio; step is 1-based.
double lr_at(const TrainingOptions& t, int64_t step) {
  if (t.warmup_steps > 0 && step <= t.warmup_steps) {
    return t.lr * static_cast<double>(step) / static_cast<double>(t.warmup_steps);
  }
  const double span = static_cast<double>(std::max<int64_t>(1, t.max_steps - t.warmup_steps));
  const double progress = std::clamp(static_cast<double>(step - t.warmup_steps) / span, 0.0, 1.0);
  const double floor = t.lr * t.min_lr_ratio;
  if (t.decay == "cosine") return floor + (t.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
  if (t.decay == "linear") return t.lr + (floor - t.lr) * progress;
  return t.lr;
}

// Focal binary cross-entropy, mean over clips and heads:
//   y = 1: -w_h (1 - p)^gamma log p      y = 0: -p^gamma log(1 - p)
// with log p and log(1 - p) from logsigmoid for stability. gamma = 0, w = 1 is BCE.
torch::Tensor focal_bce(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& pos_weight,
                        double gamma) {
  const torch::Tensor log_p = torch::log_sigmoid(logits), log_q = torch::log_sigmoid(-logits);
  torch::Tensor pos = y * pos_weight * log_p, neg = (1 - y) * log_q;
  if (gamma > 0) {
    const torch::Tensor p = torch::sigmoid(logits);
    pos = pos * torch::pow(1 - p, gamma);
    neg = neg * torch::pow(p, gamma);
  }
  return -(pos + neg).mean();
}

// The batch as tensors on the device: mel [B, T, 128], labels [B, 13] float.
std::pair<torch::Tensor, torch::Tensor> to_tensors(Batch& b, const torch::Device& device) {
  torch::Tensor mel = torch::from_blob(b.mel.data(), {b.size, b.frames, kMels}, torch::kFloat32);
  torch::Tensor y =
      torch::from_blob(b.labels.data(), {b.size, INHERENT_N_HEADS}, torch::kUInt8).to(torch::kFloat32);
  if (device.is_cpu()) return {mel, y};
  return {mel.to(device), y.to(device)};
}

// Plain BCE of the logits toward the teacher's scores, over the batch's rows that have
// them (0 when none does): the teacher's soft view, with no class weights or focusing.
torch::Tensor distill_loss(const torch::Tensor& logits, Batch& b, const torch::Device& device) {
  const torch::Tensor has =
      torch::from_blob(b.has_teacher.data(), {b.size}, torch::kUInt8).to(torch::kBool).to(device);
  if (!has.any().item<bool>()) return torch::zeros({}, logits.options());
  const torch::Tensor target =
      torch::from_blob(b.teacher.data(), {b.size, INHERENT_N_HEADS}, torch::kFloat32).to(device);
  return torch::binary_cross_entropy_with_logits(logits.index({has}), target.index({has}));
}

// ---- output files ----

struct Paths {
  std::string dir, config, metrics, last, best, summary;
  explicit Paths(const std::string& d)
      : dir(d),
        config(d + "/config.yaml"),
        metrics(d + "/metrics.jsonl"),
        last(d + "/last"),
        best(d + "/best"),
        summary(d + "/summary.json") {}
};

class JsonLog {
 public:
  explicit JsonLog(const std::string& path) : f_(std::fopen(path.c_str(), "a")) {
    if (!f_) fail(INHERENT_STATUS_IO_ERROR, "cannot open " + path + " for appending");
  }
  ~JsonLog() { std::fclose(f_); }
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;
  void write(const json& j) {
    const std::string line = json_text(j) + "\n";
    std::fwrite(line.data(), 1, line.size(), f_);
    std::fflush(f_);
  }

 private:
  std::FILE* f_;
};

// The live line on stderr: redrawn on a terminal, every 10 s into a file or pipe.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), tty_(::isatty(2) == 1) {}
  void update(int64_t step, int64_t max_steps, double loss, double steps_per_s, bool force = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!force && since < (tty_ ? 0.25 : 10.0)) return;
    last_ = now;
    const double eta = steps_per_s > 0 ? static_cast<double>(max_steps - step) / steps_per_s : 0;
    std::fprintf(stderr, "%strain  step %lld/%lld  loss %.4f  %.2f steps/s  ETA %s%s", tty_ ? "\r\033[K" : "",
                 static_cast<long long>(step), static_cast<long long>(max_steps), loss, steps_per_s,
                 format_duration(eta).c_str(), tty_ ? "" : "\n");
    std::fflush(stderr);
    drawn_ = tty_;
  }
  // Ends the redrawn line before other output.
  void clear() {
    if (drawn_) std::fputs("\n", stderr);
    drawn_ = false;
  }

 private:
  bool enabled_, tty_, drawn_ = false;
  Clock::time_point last_{};
};

// ---- optimizer state ----

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

NamedParams named_parameters(ConformerImpl& model) {
  NamedParams out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> optimizer_tensors(torch::optim::AdamW& opt,
                                                                     const NamedParams& params) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  std::vector<int64_t> steps;
  for (const auto& [name, p] : params) {
    auto it = opt.state().find(p.unsafeGetTensorImpl());
    if (it == opt.state().end()) {
      out.emplace_back(name + ".exp_avg", torch::zeros_like(p));
      out.emplace_back(name + ".exp_avg_sq", torch::zeros_like(p));
      steps.push_back(0);
      continue;
    }
    auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
    out.emplace_back(name + ".exp_avg", s.exp_avg());
    out.emplace_back(name + ".exp_avg_sq", s.exp_avg_sq());
    steps.push_back(s.step());
  }
  out.emplace_back("adamw.step", torch::tensor(steps, torch::kInt64));
  return out;
}

void load_optimizer(torch::optim::AdamW& opt, const NamedParams& params, const LoadedTensors& file,
                    const std::string& source) {
  const torch::Tensor* steps = file.find("adamw.step");
  if (!steps || steps->numel() != static_cast<int64_t>(params.size())) {
    fail(INHERENT_STATUS_INVALID_MODEL, source + ": adamw.step missing or of the wrong size");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [name, p] = params[i];
    const torch::Tensor* m = file.find(name + ".exp_avg");
    const torch::Tensor* v = file.find(name + ".exp_avg_sq");
    if (!m || !v || m->sizes() != p.sizes() || v->sizes() != p.sizes()) {
      fail(INHERENT_STATUS_INVALID_MODEL,
           source + ": optimizer state of '" + name + "' missing or misshapen");
    }
    const int64_t step = (*steps)[static_cast<int64_t>(i)].item<int64_t>();
    if (step == 0) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(step);
    state->exp_avg(m->to(p.device()).clone());
    state->exp_avg_sq(v->to(p.device()).clone());
    opt.state()[p.unsafeGetTensorImpl()] = std::move(state);
  }
}

torch::Tensor cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
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

}  // namespace

int run_training(const TrainRequest& req) {
  const auto run_start = Clock::now();
  if (req.labels.empty()) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--labels is required");
  if (req.output_dir.empty()) fail(INHERENT_STATUS_INVALID_ARGUMENT, "--output-dir is required");
  const Paths paths(req.output_dir);
  fs::create_directories(paths.dir);
  // One run per folder: a second train into it would interleave metrics.jsonl and lose a
  // run. Rank 0 holds the lock for all ranks of a multi-process run.
  const char* rank_env = std::getenv("RANK");
  std::optional<DirLock> lock;
  if (!rank_env || std::atoi(rank_env) == 0) lock.emplace(paths.dir, "training run");

  // ---- config: the run directory's copy is authoritative on --resume ----
  const std::optional<std::string> last_dir = find_checkpoint_dir(paths.last, kTrainerFile);
  TrainConfig config;
  if (last_dir && !req.resume) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         paths.dir + " already holds a run (" + paths.last +
             "): pass --resume to continue it, or choose another --output-dir");
  }
  if (req.resume && last_dir && fs::exists(paths.config)) {
    config = parse_train_config_yaml(read_file(paths.config), paths.config);
    if (req.config_given) {
      TrainConfig given = load_train_config(req.config);
      given.training.max_steps = config.training.max_steps;
      given.training.threads = config.training.threads;
      given.training.device = config.training.device;
      const std::string a = train_config_to_yaml(given), b = train_config_to_yaml(config);
      if (a != b) {
        fail(INHERENT_STATUS_INVALID_ARGUMENT,
             "--config " + req.config + " differs from the run's " + paths.config + " (" +
                 first_difference(a, b) + "); --resume continues with the run's config: leave --config out");
      }
    }
    if (req.seed && *req.seed != config.training.seed) {
      fail(INHERENT_STATUS_INVALID_ARGUMENT, "--seed differs from the run's seed " +
                                                 std::to_string(config.training.seed) +
                                                 " (a resume keeps its seed)");
    }
  } else {
    // A fresh start: what an earlier run left (its best checkpoint, its metrics) belongs
    // to that run, and would otherwise be mistaken for this one's.
    if (!last_dir && (fs::exists(paths.best) || fs::exists(paths.metrics))) {
      std::fprintf(stderr, "inherent train: %s holds no resumable run (no %s); removing the old %s and %s\n",
                   paths.dir.c_str(), paths.last.c_str(), paths.best.c_str(), paths.metrics.c_str());
      fs::remove_all(paths.best);
      fs::remove(paths.metrics);
    }
    config = load_train_config(req.config);
  }
  apply_overrides(req, &config);
  const TrainingOptions& t = config.training;

  // ---- device, threads, process group ----
  torch::set_num_threads(t.threads);
  try {
    at::set_num_interop_threads(1);
  } catch (const std::exception&) {
    // Already set in this process (only the first call may set it).
  }
  if (t.device == "cuda" && !torch::cuda::is_available()) {
    fail(INHERENT_STATUS_UNSUPPORTED,
         "--device cuda: this LibTorch has no CUDA device (the CPU wheel, or no GPU visible); use --device "
         "cpu");
  }
  const char* local_rank = std::getenv("LOCAL_RANK");
  const torch::Device device = t.device == "cuda"
                                   ? torch::Device(torch::kCUDA, local_rank ? std::atoi(local_rank) : 0)
                                   : torch::Device(torch::kCPU);
  std::unique_ptr<Collective> group = collective_from_environment(device);
  const int rank = group->rank(), world = group->world_size();
  const bool lead = rank == 0;
  install_signal_handlers();  // every rank: the stop request travels with the gradients
  auto say = [&](const std::string& s) {
    if (lead) std::fprintf(stderr, "%s\n", s.c_str());
  };

  // ---- data ----
  DataOptions data_options = config.data;
  const Dataset train = Dataset::load(req.labels, *parse_split(config.train_split), data_options);
  data_options.augment = make_wave_augmenter(config.augment, train, t.seed);
  std::optional<Dataset> eval_data;
  const std::string eval_path = req.eval_labels.empty() ? req.labels : req.eval_labels;
  try {
    eval_data = Dataset::load(eval_path, *parse_split(config.eval.split), data_options);
  } catch (const Exception& e) {
    if (!req.eval_labels.empty() || std::string(e.what()).find("no rows with split") == std::string::npos)
      throw;
  }
  if (t.distill_weight > 0 && train.n_with_teacher() == 0)
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         req.labels + ": training.distill_weight is " + std::to_string(t.distill_weight) + " but no " +
             split_name(train.split()) +
             " row has teacher scores (the 13 teacher_<head> columns; docs/training.md, \"Distillation\")");
  Hashes hashes;
  hashes.code = code_commit();
  hashes.train_labels = train.content_hash();
  hashes.eval_labels = eval_data ? eval_data->content_hash() : "";
  hashes.training = fnv1a_hex(hashes.code + "|" + hashes.train_labels + "|" + hashes.eval_labels);

  const ModelOptions& mo = config.model;
  say("model: " + describe_model(mo));
  say(train.balance_report().substr(0, train.balance_report().size() - 1));
  if (eval_data) {
    say("eval: " + std::to_string(eval_data->size()) + " clips (split " + config.eval.split + " of " +
        eval_path + ")");
  } else {
    say("eval: none (no rows with split " + config.eval.split + " in " + eval_path +
        "): no metrics and no best checkpoint");
  }
  {
    std::string a = "augmentation: " + data_options.augment->describe();
    if (config.augment.preset != "none" && train.uses_mel_cache())
      a += " (skipped: features come from the mel cache)";
    if (data_options.spec_augment) {
      a += "; SpecAugment " + std::to_string(data_options.spec.time_masks) + " time x " +
           std::to_string(data_options.spec.time_width) + " frames, " +
           std::to_string(data_options.spec.freq_masks) + " freq x " +
           std::to_string(data_options.spec.freq_width) + " bins";
    }
    say(a);
  }
  const std::vector<float> weights =
      t.pos_weight ? train.positive_weights(t.pos_weight_max) : std::vector<float>(INHERENT_N_HEADS, 1.0f);
  const torch::Tensor pos_weight = torch::tensor(weights).to(device);
  {
    std::string w = "positive weights:";
    char b[32];
    for (float x : weights) std::snprintf(b, sizeof(b), " %.2f", static_cast<double>(x)), w += b;
    say(w);
  }

  // ---- model and optimizer ----
  torch::manual_seed(t.seed);
  Conformer model(mo.arch, mo.dropout);
  model->to(device);
  model->train();
  NamedParams params = named_parameters(*model);
  CtcHead ctc{nullptr};
  if (t.ctc_weight > 0) {
    ctc = CtcHead(mo.arch.n_hidden);
    ctc->to(device);
    ctc->train();
    for (const auto& p : ctc->named_parameters(true)) params.emplace_back("ctc." + p.key(), p.value());
  }
  auto ctc_tensors = [&] {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : ctc->named_parameters(true)) out.emplace_back(p.key(), p.value());
    return out;
  };
  // Loads the auxiliary head saved beside a checkpoint; false when there is none.
  auto load_ctc = [&](const std::string& dir) {
    const std::string file = dir + "/" + kCtcFile;
    if (!std::filesystem::exists(file)) return false;
    const LoadedTensors aux = safetensors_to_tensors(read_file(file), file);
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : ctc_tensors()) {
      const torch::Tensor* v = aux.find(name);
      if (!v || v->sizes() != p.sizes()) {
        fail(INHERENT_STATUS_INVALID_MODEL, file + ": tensor '" + name + "' missing or misshapen");
      }
      p.copy_(*v);
    }
    return true;
  };
  std::vector<torch::Tensor> decay, no_decay, all;
  for (const auto& [name, p] : params) {
    (p.dim() >= 2 ? decay : no_decay).push_back(p);
    all.push_back(p);
  }
  auto adam = torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(adam.weight_decay(t.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(adam.weight_decay(0.0)));
  torch::optim::AdamW optimizer(groups, adam);

  // ---- fresh start or resume ----
  int64_t step = 0;
  json best_json = nullptr, last_eval = nullptr;
  std::optional<eval::Metrics> best;
  double trained_seconds = 0;
  std::string init_from;  // the checkpoint a warm start began from (kept across resumes)
  if (req.resume && last_dir) {
    const std::string src = *last_dir;
    load_model_safetensors(*model, read_file(src + "/" + kModelFile), src + "/" + kModelFile);
    const LoadedTensors opt =
        safetensors_to_tensors(read_file(src + "/" + kOptimizerFile), src + "/" + kOptimizerFile);
    if (ctc) {
      if (!load_ctc(src)) {
        fail(INHERENT_STATUS_INVALID_ARGUMENT,
             src + " has no " + kCtcFile +
                 ": it was trained without training.ctc_weight; resume it with the same "
                 "config");
      }
    }
    load_optimizer(optimizer, params, opt, src + "/" + kOptimizerFile);
    const std::string state_path = src + "/" + kTrainerFile;
    const TrainerState state = parse_trainer_state(read_file(state_path), state_path);
    step = state.step;
    trained_seconds = state.train_seconds;
    init_from = state.init_from;
    best_json = state.best;
    best = state.best_metrics;
    last_eval = state.last_eval;
    if (state.world_size != world) {
      fail(INHERENT_STATUS_INVALID_ARGUMENT, src + " was written by a run of " +
                                                 std::to_string(state.world_size) +
                                                 " processes; resume it with as many (WORLD_SIZE)");
    }
    const std::string rng_name = "rng.cpu";
    if (const torch::Tensor* rng = opt.find(rng_name)) set_cpu_rng_state(*rng);
    if (state.train_labels_hash != hashes.train_labels) {
      say("warning: " + req.labels +
          " changed since the checkpoint (its batches differ from the interrupted run's)");
    }
    say("resumed " + src + " at step " + std::to_string(step));
  } else {
    if (req.resume) say("no checkpoint in " + paths.dir + ": starting a new run");
  }
  if (!(req.resume && last_dir) && !req.init_from.empty()) {
    // Warm start: weights (and the feature normalization they were trained with) from
    // another run's checkpoint; optimizer, schedule and step start fresh.
    const std::string& src = init_from = req.init_from;
    if (!fs::exists(src + "/" + kModelFile)) {
      fail(INHERENT_STATUS_IO_ERROR, "--init-from " + src + ": no " + kModelFile + " there");
    }
    load_model_safetensors(*model, read_file(src + "/" + kModelFile), src + "/" + kModelFile);
    const bool with_ctc = ctc && load_ctc(src);
    say("initialized from " + src + (ctc && !with_ctc ? " (no CTC head there: a fresh one)" : ""));
  } else if (!(req.resume && last_dir)) {
    const auto stats_start = Clock::now();
    auto [mean, sd] = train.mel_stats(static_cast<size_t>(t.norm_clips), t.seed, data_options);
    model->set_mel_norm(torch::tensor(mean), torch::tensor(sd));
    char b[160];
    std::snprintf(
        b, sizeof(b), "mel normalization: mean %.2f, std %.2f (averaged over bins) from %lld clips in %.1f s",
        std::accumulate(mean.begin(), mean.end(), 0.0) / kMels,
        std::accumulate(sd.begin(), sd.end(), 0.0) / kMels,
        static_cast<long long>(t.norm_clips > 0
                                   ? std::min<int64_t>(t.norm_clips, static_cast<int64_t>(train.size()))
                                   : static_cast<int64_t>(train.size())),
        seconds_since(stats_start));
    say(b);
  }
  // Every rank starts from rank 0's weights and buffers.
  if (world > 1) {
    std::vector<std::pair<std::string, torch::Tensor>> shared = model->named_tensors();
    if (ctc) {
      for (auto& kv : ctc_tensors()) shared.push_back(kv);
    }
    for (auto& [name, tensor] : shared) {
      torch::NoGradGuard no_grad;
      torch::Tensor x = tensor;
      group->broadcast(x, 0);
    }
  }
  if (lead) write_file_atomic(paths.config, train_config_to_yaml(config));

  // ---- checkpoints ----
  auto model_metadata = [&](const json& metrics) {
    Metadata m = {{"format", "inherent-model/1"}, {"preset", mo.preset}};
    for (auto& kv : arch_config_to_pairs(mo.arch)) m.push_back(kv);
    m.push_back({"head_order", json_text(head_order())});
    m.push_back({"step", std::to_string(step)});
    m.push_back({"code_commit", hashes.code});
    m.push_back({"training_hash", hashes.training});
    m.push_back({"train_labels_hash", hashes.train_labels});
    m.push_back({"eval_labels_hash", hashes.eval_labels});
    m.push_back({"metrics", json_text(metrics)});
    m.push_back({"config", train_config_to_yaml(config)});
    return m;
  };
  auto trainer_state = [&](const json& metrics) {
    return json{{"format", "inherent-trainer/1"},
                {"step", step},
                {"max_steps", t.max_steps},
                {"epoch",
                 step * world /
                     std::max<int64_t>(1, (static_cast<int64_t>(train.size()) + data_options.batch_size - 1) /
                                              data_options.batch_size)},
                {"world_size", world},
                {"seed", t.seed},
                {"train_seconds", trained_seconds},
                {"init_from", init_from},
                {"hashes", hashes.to_json()},
                {"head_order", head_order()},
                {"best", best_json},
                {"last_eval", metrics},
                {"config", train_config_to_yaml(config)}};
  };
  auto check_replicas = [&] {
    if (world == 1) return;
    if (!replicas_identical(*model, *group, device)) {
      fail(INHERENT_STATUS_INTERNAL, "rank " + std::to_string(rank) + ": the ranks' weights differ at step " +
                                         std::to_string(step) +
                                         " (non-deterministic gradients or a bad collective)");
    }
  };
  auto save_last = [&] {
    check_replicas();
    if (!lead) return;
    std::vector<std::pair<std::string, torch::Tensor>> opt = optimizer_tensors(optimizer, params);
    opt.emplace_back("rng.cpu", cpu_rng_state());
    std::vector<std::pair<std::string, std::string>> files = {
        {kModelFile, model_to_safetensors(*model, model_metadata(last_eval))},
        {kOptimizerFile, tensors_to_safetensors(opt, {{"format", "inherent-optimizer/1"},
                                                      {"optimizer", "adamw"},
                                                      {"step", std::to_string(step)}})}};
    if (ctc) {
      files.emplace_back(kCtcFile,
                         tensors_to_safetensors(ctc_tensors(), {{"format", "inherent-ctc/1"},
                                                                {"symbols", std::to_string(kCtcSymbols)},
                                                                {"upsample", std::to_string(kCtcUpsample)}}));
    }
    files.emplace_back(kTrainerFile, json_text(trainer_state(last_eval), 2) + "\n");
    write_checkpoint_dir(paths.last, files, kTrainerFile);
  };
  auto save_best = [&](const json& metrics) {
    if (!lead) return;
    write_checkpoint_dir(paths.best,
                         {{kModelFile, model_to_safetensors(*model, model_metadata(metrics))},
                          {kTrainerFile, json_text(trainer_state(metrics), 2) + "\n"}},
                         kTrainerFile);
  };

  // ---- the loop ----
  std::optional<JsonLog> log;
  if (lead) {
    log.emplace(paths.metrics);
    log->write({{"event", step ? "resume" : "start"},
                {"step", step},
                {"max_steps", t.max_steps},
                {"params", count_parameters(*model)},
                {"model", describe_model(mo)},
                {"world_size", world},
                {"device", t.device},
                {"threads", t.threads},
                {"init_from", init_from},
                {"hashes", hashes.to_json()}});
  }
  say("training: " + std::to_string(t.max_steps) + " steps, batch " +
      std::to_string(data_options.batch_size) +
      (world > 1 ? " x " + std::to_string(world) + " processes" : "") + ", " +
      std::to_string(BatchPlan::training(train, data_options, 0, 1).batches_per_epoch()) +
      " batches per epoch, device " + t.device + ", " + std::to_string(t.threads) + " thread(s), " +
      group->describe());

  BatchLoader loader(train, data_options,
                     BatchPlan::training(train, data_options, step * world + rank, world));
  ProgressLine progress(lead && !req.quiet);
  double loss_sum = 0, ctc_sum = 0, int8_sum = 0, distill_sum = 0, rate = 0, wait_seconds = 0,
         last_loss = NAN;
  int64_t loss_count = 0, steps_this_run = 0;
  const int64_t stop_at = req.stop_at ? std::min(*req.stop_at, t.max_steps) : t.max_steps;
  int exit_code = 0;
  bool saved = step > 0;  // the checkpoint just resumed is the current state

  auto run_eval = [&]() {
    if (!eval_data || !lead) return;
    progress.clear();
    const EvalResult r = evaluate(model, *eval_data, config, pos_weight, device);
    const json mj = eval::metrics_to_json(r.metrics);
    const bool is_best = !best || eval::better_than(r.metrics, *best);
    last_eval = {{"step", step}, {"eval_loss", r.loss}, {"metrics", mj}};
    if (is_best) {
      best = r.metrics;
      best_json = {{"step", step}, {"eval_loss", r.loss}, {"metrics", mj}};
      save_best(last_eval);
    }
    log->write({{"event", "eval"},
                {"step", step},
                {"eval_loss", r.loss},
                {"seconds", r.seconds},
                {"best", is_best},
                {"metrics", mj}});
    char b[200];
    std::snprintf(b, sizeof(b),
                  "eval   step %lld  loss %.4f  gate AUC %.3f  intent AUC mean %.3f min %.3f  gates %d/5%s",
                  static_cast<long long>(step), r.loss, r.metrics.heads[0].auc, r.metrics.intent_mean_auc,
                  r.metrics.intent_min_auc, r.metrics.gates_passed(), is_best ? "  (best)" : "");
    say(b);
  };

  while (step < stop_at) {
    const auto step_start = Clock::now();
    std::optional<Batch> batch = loader.next();
    wait_seconds += seconds_since(step_start);
    auto [mel, y] = to_tensors(*batch, device);
    auto [h, valid2] = model->encode(mel);
    const torch::Tensor logits = model->classify(h, valid2);
    const torch::Tensor heads_loss = focal_bce(logits, y, pos_weight, t.focal_gamma);
    torch::Tensor loss = heads_loss;
    if (t.int8_consistency > 0) {
      torch::Tensor rounded;
      {
        FakeInt8Scope int8;
        rounded = model->forward(mel);
      }
      const torch::Tensor drift = (torch::sigmoid(logits) - torch::sigmoid(rounded)).abs().mean();
      loss = loss + t.int8_consistency * drift;
      int8_sum += drift.item<double>();
    }
    if (t.distill_weight > 0) {
      const torch::Tensor kd = distill_loss(logits, *batch, device);
      loss = loss + t.distill_weight * kd;
      distill_sum += kd.item<double>();
    }
    if (ctc) {
      std::vector<std::string> transcripts;
      for (const size_t c : batch->clips) transcripts.push_back(train.clip(c).row.transcript);
      const torch::Tensor aux = ctc->loss(h, valid2, transcripts);
      loss = loss + t.ctc_weight * aux;
      ctc_sum += aux.item<double>();
    }
    optimizer.zero_grad();
    loss.backward();
    // One flat buffer: gradients, then this rank's loss and stop request.
    bool stop = g_signal.load() != 0;
    double step_loss = heads_loss.item<double>();
    if (!std::isfinite(loss.item<double>())) step_loss = loss.item<double>();
    if (world > 1) {
      std::vector<torch::Tensor> flat;
      for (const torch::Tensor& p : all)
        flat.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}, p.options()));
      flat.push_back(torch::tensor({step_loss, stop ? 1.0 : 0.0},
                                   torch::TensorOptions().dtype(torch::kFloat32).device(device)));
      torch::Tensor buffer = torch::cat(flat);
      group->all_reduce_mean(buffer);
      int64_t offset = 0;
      for (const torch::Tensor& p : all) {
        if (p.grad().defined()) p.mutable_grad().copy_(buffer.narrow(0, offset, p.numel()).view_as(p));
        offset += p.numel();
      }
      step_loss = buffer[offset].item<double>();
      stop = buffer[offset + 1].item<double>() > 0;
    }
    if (!std::isfinite(step_loss)) {
      progress.clear();
      fail(INHERENT_STATUS_INTERNAL,
           "loss is " + std::to_string(step_loss) + " at step " + std::to_string(step + 1) +
               " (lower training.lr or check the data); the last checkpoint is intact");
    }
    double grad_norm = 0;
    if (t.grad_clip > 0) grad_norm = torch::nn::utils::clip_grad_norm_(all, t.grad_clip);
    const double lr = lr_at(t, step + 1);
    for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    optimizer.step();
    ++step;
    ++steps_this_run;
    saved = false;
    const double dt = seconds_since(step_start);
    trained_seconds += dt;
    rate = steps_this_run == 1 ? 1.0 / dt : 0.9 * rate + 0.1 / dt;
    loss_sum += step_loss;
    ++loss_count;
    last_loss = step_loss;
    progress.update(step, t.max_steps, step_loss, rate);

    if (lead && (step % t.log_every == 0 || step == stop_at)) {
      json record = {{"event", "train"},
                     {"step", step},
                     {"loss", loss_sum / static_cast<double>(loss_count)},
                     {"lr", lr},
                     {"grad_norm", grad_norm},
                     {"steps_per_s", rate},
                     {"epoch", batch->epoch},
                     {"data_wait_s", wait_seconds},
                     {"elapsed_s", seconds_since(run_start)}};
      // This rank's auxiliary loss (the heads' loss above is averaged over ranks).
      if (ctc) record["ctc_loss"] = ctc_sum / static_cast<double>(loss_count);
      if (t.distill_weight > 0) record["distill_loss"] = distill_sum / static_cast<double>(loss_count);
      if (t.int8_consistency > 0) record["int8_drift"] = int8_sum / static_cast<double>(loss_count);
      log->write(record);
      loss_sum = 0, ctc_sum = 0, int8_sum = 0, distill_sum = 0, loss_count = 0;
    }
    if (config.eval.every > 0 && step % config.eval.every == 0 && step < t.max_steps) run_eval();
    if (step % t.save_every == 0) {
      save_last();
      saved = true;
    }
    if (stop) {
      exit_code = 130;
      break;
    }
  }
  progress.update(step, t.max_steps, last_loss, rate, true);
  progress.clear();
  if (step >= t.max_steps && config.eval.at_end && exit_code == 0) run_eval();
  if (!saved || step >= t.max_steps) save_last();
  if (lead) {
    const json summary = {{"step", step},
                          {"max_steps", t.max_steps},
                          {"finished", step >= t.max_steps},
                          {"interrupted", exit_code == 130},
                          {"steps_this_run", steps_this_run},
                          {"train_seconds", trained_seconds},
                          {"steps_per_s_this_run", rate},
                          {"data_wait_s", wait_seconds},
                          {"wall_seconds", seconds_since(run_start)},
                          {"params", count_parameters(*model)},
                          {"model", describe_model(mo)},
                          {"world_size", world},
                          {"final_loss", std::isfinite(last_loss) ? json(last_loss) : json(nullptr)},
                          {"best", best_json},
                          {"last_eval", last_eval},
                          {"hashes", hashes.to_json()}};
    write_file_atomic(paths.summary, json_text(summary, 2) + "\n");
    log->write({{"event", exit_code == 130 ? "interrupted" : "end"},
                {"step", step},
                {"wall_seconds", seconds_since(run_start)}});
    if (best_json.is_object()) {
      say("best: step " + std::to_string(best_json["step"].get<int64_t>()) + " (" + paths.best + ")\n" +
          eval::metrics_table(*best));
    }
    if (exit_code == 130) {
      say("interrupted at step " + std::to_string(step) + ": saved " + paths.last +
          "; continue with --resume");
    } else if (step < t.max_steps) {
      say("stopped at step " + std::to_string(step) + " of " + std::to_string(t.max_steps) + ": saved " +
          paths.last + "; continue with --resume");
    } else {
      say("done: " + std::to_string(step) + " steps, " + format_duration(seconds_since(run_start)) + "; " +
          paths.dir);
    }
  }
  if (world > 1) {
    check_replicas();
    std::fprintf(stderr, "rank %d: step %lld, weights fingerprint %016llx (identical on all %d ranks)\n",
                 rank, static_cast<long long>(step),
                 static_cast<unsigned long long>(weights_fingerprint(*model)), world);
  }
  group->barrier();
  return exit_code;
}

}  // namespace inherent::train
