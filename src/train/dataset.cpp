// SPDX-License-Identifier: Apache-2.0
#include "dataset.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "common/random.h"
#include "frontend/audio-file.h"
#include "frontend/log-mel.h"
#include "host/files.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

[[noreturn]] void fail(inherent_status status, const std::string& what) { throw Exception(status, what); }

// Uniform integer in [0, n) from a 64-bit generator; the same on every platform
// (std::uniform_int_distribution is not specified bit for bit).
uint64_t below(std::mt19937_64& rng, uint64_t n) { return n ? rng() % n : 0; }

template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(rng, i)]);
}

class NoAugment final : public WaveAugmenter {
 public:
  void apply(std::vector<float>&, std::mt19937_64&, const LabelRow&) const override {}
  std::string describe() const override { return "none"; }
};

std::string fnv1a_hex(const std::string& bytes) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, fnv1a64(bytes));
  return hex;
}

}  // namespace

std::shared_ptr<const WaveAugmenter> no_wave_augmentation() {
  static const auto none = std::make_shared<const NoAugment>();
  return none;
}

uint64_t augmentation_seed(uint64_t seed, int64_t epoch, size_t clip) {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(epoch)) ^
                    static_cast<uint64_t>(clip));
}

// Cuts the clip at out[start...] down to its speech span; returns its frames.
int64_t keep_speech_span(std::vector<float>* out, size_t start, int64_t frames, const std::string& path,
                         size_t line) {
  size_t first = 0, end = 0;
  if (inherent_mel_speech_span(out->data() + start, static_cast<size_t>(frames), &first, &end) !=
      INHERENT_STATUS_OK)
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         path + ":" + std::to_string(line) + ": speech span: " + inherent_last_error());
  const auto base = out->begin() + static_cast<std::ptrdiff_t>(start);
  out->erase(base + static_cast<std::ptrdiff_t>(end * kMels), out->end());
  out->erase(base, base + static_cast<std::ptrdiff_t>(first * kMels));
  return static_cast<int64_t>(end - first);
}

// The frequency whose content the warp moves to g: the inverse of f -> alpha f below the
// corner, then the straight line from (corner, alpha corner) to (kFMax, kFMax).
double unwarped_hz(double g, double alpha) {
  const double corner = 0.8 * kFMax * std::min(alpha, 1.0) / alpha;
  if (g <= alpha * corner) return g / alpha;
  return corner + (g - alpha * corner) * (kFMax - corner) / (kFMax - alpha * corner);
}

void spec_augment(float* mel, int64_t n_frames, const SpecAugmentOptions& o, std::mt19937_64& rng) {
  if (n_frames <= 0) return;
  if (o.freq_warp > 0) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    warp_frequency(mel, n_frames, 1.0 + o.freq_warp * (2.0 * u - 1.0));
  }
  const size_t n = static_cast<size_t>(n_frames) * kMels;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += mel[i];
  const auto fill = static_cast<float>(sum / static_cast<double>(n));
  const int64_t time_cap =
      std::min<int64_t>(o.time_width, static_cast<int64_t>(o.time_fraction * static_cast<double>(n_frames)));
  for (int m = 0; m < o.time_masks && time_cap > 0; ++m) {
    const auto width = static_cast<int64_t>(below(rng, static_cast<uint64_t>(time_cap) + 1));
    const auto start = static_cast<int64_t>(below(rng, static_cast<uint64_t>(n_frames - width) + 1));
    std::fill(mel + start * kMels, mel + (start + width) * kMels, fill);
  }
  for (int m = 0; m < o.freq_masks && o.freq_width > 0; ++m) {
    const auto width = static_cast<int>(below(rng, static_cast<uint64_t>(std::min(o.freq_width, kMels)) + 1));
    const auto start = static_cast<int>(below(rng, static_cast<uint64_t>(kMels - width) + 1));
    for (int64_t t = 0; t < n_frames; ++t)
      std::fill(mel + t * kMels + start, mel + t * kMels + start + width, fill);
  }
}

void warp_frequency(float* mel, int64_t n_frames, double alpha) {
  // Bin m is read at fractional bin source[m]: its centre frequency, unwarped, in bins.
  const double lo = hz_to_mel(kFMin), step = (hz_to_mel(kFMax) - lo) / (kMels + 1);
  std::array<int, kMels> below_bin{};
  std::array<float, kMels> frac{};
  for (int m = 0; m < kMels; ++m) {
    const double source = (hz_to_mel(unwarped_hz(mel_edge_hz(m + 1), alpha)) - lo) / step - 1.0;
    const double clamped = std::clamp(source, 0.0, static_cast<double>(kMels - 1));
    below_bin[m] = std::min(static_cast<int>(clamped), kMels - 2);
    frac[m] = static_cast<float>(clamped - below_bin[m]);
  }
  std::array<float, kMels> row{};
  for (int64_t t = 0; t < n_frames; ++t) {
    float* frame = mel + t * kMels;
    std::copy(frame, frame + kMels, row.begin());
    for (int m = 0; m < kMels; ++m)
      frame[m] = row[below_bin[m]] + frac[m] * (row[below_bin[m] + 1] - row[below_bin[m]]);
  }
}

// ---- Dataset ----

Dataset Dataset::load(const std::string& labels_path, Split split, const DataOptions& o) {
  Dataset d;
  d.path_ = labels_path;
  d.split_ = split;
  const std::string bytes = read_file(labels_path);
  d.hash_ = fnv1a_hex(bytes);
  // A prep manifest carries mel_path and n_frames; its audio is not needed then.
  const CsvTable table = parse_csv(bytes, labels_path);
  const int mel_col = table.column("mel_path"), frames_col = table.column("n_frames");
  d.cached_ = o.mel_cache && mel_col >= 0 && frames_col >= 0;
  LabelsCheckOptions check;
  check.check_audio = o.check_audio && !d.cached_;
  check.allow_unlabelled = true;  // teacher-only rows: the trainer refuses them without distillation
  LabelsCheck checked = check_labels_table(table, labels_path, check);
  if (!checked.ok()) {
    std::string msg =
        labels_path + ": " + std::to_string(checked.issues.size()) + " problem(s) in labels file";
    const size_t shown = std::min<size_t>(checked.issues.size(), 10);
    for (size_t i = 0; i < shown; ++i) msg += "\n  " + format_issue(labels_path, checked.issues[i]);
    if (shown < checked.issues.size())
      msg += "\n  ... (run `inherent labels check " + labels_path + "` for all)";
    fail(INHERENT_STATUS_INVALID_ARGUMENT, msg);
  }
  const std::string base = parent_dir(labels_path);
  const int max_frames = std::max(1, o.max_frames);
  const TeacherColumns teacher = teacher_columns(table.header, labels_path);
  const int features_col = teacher_features_column(table.header);
  for (LabelRow& row : checked.labels.rows) {
    if (row.split != split) continue;
    Clip c;
    c.teacher = teacher_scores(row, teacher, labels_path);
    d.n_teacher_ += c.teacher.has_value();
    c.teacher_features = teacher_features(row, features_col, labels_path);
    if (!c.teacher_features.empty()) {
      const auto dim = static_cast<int64_t>(c.teacher_features.size());
      if (d.feature_dim_ != 0 && dim != d.feature_dim_)
        fail(INHERENT_STATUS_INVALID_ARGUMENT,
             labels_path + ":" + std::to_string(row.line) + ":" + std::to_string(features_col + 1) +
                 ": teacher_features holds " + std::to_string(dim) + " values where earlier rows hold " +
                 std::to_string(d.feature_dim_) + " (one teacher per file)");
      d.feature_dim_ = dim;
      ++d.n_features_;
    }
    d.n_unlabelled_ += row.labelled ? 0 : 1;
    if (d.cached_) {
      const std::string& frames = row.fields.at(static_cast<size_t>(frames_col));
      char* end = nullptr;
      const long long f = std::strtoll(frames.c_str(), &end, 10);
      if (frames.empty() || *end != '\0' || f <= 0) {
        fail(INHERENT_STATUS_INVALID_ARGUMENT, labels_path + ":" + std::to_string(row.line) + ":" +
                                                   std::to_string(frames_col + 1) + ": n_frames \"" + frames +
                                                   "\" is not a positive integer");
      }
      c.mel_path = resolve_path(base, row.fields.at(static_cast<size_t>(mel_col)));
      c.n_frames = std::min<int64_t>(f, max_frames);
    } else {
      // Bucketing only needs an estimate; the frontend decides the exact count.
      const double samples = std::max(row.duration_s, 0.0) * kSampleRate;
      c.n_frames = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(samples / kHopLength)), 1, max_frames);
    }
    c.row = std::move(row);
    d.clips_.push_back(std::move(c));
  }
  d.standardize_features();
  if (d.clips_.empty()) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, labels_path + ": no rows with split " + split_name(split) +
                                               " (the split column decides which rows train)");
  }
  return d;
}

// Teachers' raw features share a large common direction (every clip's mean looks alike),
// which a cosine would reward for free: each dimension is centred and scaled over the
// split's rows that have features (float64), so what is left is what differs by clip.
void Dataset::standardize_features() {
  if (n_features_ == 0) return;
  const auto dim = static_cast<size_t>(feature_dim_);
  std::vector<double> sum(dim, 0.0), sq(dim, 0.0);
  for (const Clip& c : clips_)
    for (size_t j = 0; j < c.teacher_features.size(); ++j) {
      sum[j] += c.teacher_features[j];
      sq[j] += static_cast<double>(c.teacher_features[j]) * c.teacher_features[j];
    }
  const auto n = static_cast<double>(n_features_);
  std::vector<double> mean(dim), scale(dim);
  for (size_t j = 0; j < dim; ++j) {
    mean[j] = sum[j] / n;
    scale[j] = 1.0 / std::max(std::sqrt(std::max(sq[j] / n - mean[j] * mean[j], 0.0)), 1e-6);
  }
  for (Clip& c : clips_)
    for (size_t j = 0; j < c.teacher_features.size(); ++j)
      c.teacher_features[j] = static_cast<float>((c.teacher_features[j] - mean[j]) * scale[j]);
}

int64_t Dataset::features(size_t i, bool augment, uint64_t aug_seed, const DataOptions& o,
                          std::vector<float>* out) const {
  const Clip& c = clips_.at(i);
  std::mt19937_64 rng(aug_seed);
  const size_t max_frames = static_cast<size_t>(std::max(1, o.max_frames));
  const size_t start = out->size();
  int64_t frames = 0;
  try {
    if (cached_) {
      const NpyArray a = read_npy(c.mel_path);
      if (a.shape.size() != 2 || a.shape[1] != kMels || a.shape[0] == 0) {
        fail(INHERENT_STATUS_INVALID_ARGUMENT, c.mel_path + " is not a [T, 128] log-mel array");
      }
      frames = static_cast<int64_t>(std::min(a.shape[0], max_frames));
      out->insert(out->end(), a.data.begin(), a.data.begin() + frames * kMels);
    } else {
      AudioData audio = read_audio_file(c.row.resolved_path);
      if (augment) {
        const auto& hook = o.augment ? o.augment : no_wave_augmentation();
        hook->apply(audio.samples, rng, c.row);
      }
      const size_t n = mel_n_frames(audio.samples.size(), max_frames);
      out->resize(start + n * kMels);
      LogMel::get().compute(audio.samples.data(), audio.samples.size(), n, out->data() + start);
      frames = static_cast<int64_t>(n);
    }
  } catch (const std::exception& e) {
    out->resize(start);
    const auto* ie = dynamic_cast<const Exception*>(&e);
    fail(ie ? ie->status() : INHERENT_STATUS_INTERNAL,
         path_ + ":" + std::to_string(c.row.line) + ": " + e.what());
  }
  if (o.trim_to_speech) frames = keep_speech_span(out, start, frames, path_, c.row.line);
  if (augment && o.spec_augment) spec_augment(out->data() + start, frames, o.spec, rng);
  return frames;
}

ClassBalance Dataset::balance() const {
  ClassBalance b;
  for (const Clip& c : clips_) {
    if (!c.row.labelled) continue;  // no labels to count: class balance is of labelled rows
    ++b.clips;
    b.seconds +=
        c.row.duration_s > 0 ? c.row.duration_s : static_cast<double>(c.n_frames) * kHopLength / kSampleRate;
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      b.positives[static_cast<size_t>(h)] += c.row.heads[static_cast<size_t>(h)];
  }
  return b;
}

std::string Dataset::balance_report() const {
  const ClassBalance b = balance();
  std::string out;
  char line[160];
  char amount[48];
  if (b.seconds >= 360) {
    std::snprintf(amount, sizeof(amount), "%.2f h of audio", b.seconds / 3600.0);
  } else {
    std::snprintf(amount, sizeof(amount), "%.1f s of audio", b.seconds);
  }
  std::snprintf(line, sizeof(line), "%s split of %s: %lld clips, %s%s\n", split_name(split_), path_.c_str(),
                static_cast<long long>(b.clips), amount, cached_ ? " (mel cache)" : "");
  out += line;
  if (n_unlabelled_ > 0) {
    std::snprintf(line, sizeof(line), "  and %zu unlabelled clips (teacher scores only; not counted below)\n",
                  n_unlabelled_);
    out += line;
  }
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const int64_t p = b.positives[static_cast<size_t>(h)];
    std::snprintf(line, sizeof(line), "  %-24s %7lld positive  %5.1f%%%s\n", inherent_head_name(h),
                  static_cast<long long>(p),
                  100.0 * static_cast<double>(p) / static_cast<double>(std::max<int64_t>(1, b.clips)),
                  p == 0 ? "  (no positive: its loss only learns 'no')" : "");
    out += line;
  }
  return out;
}

std::vector<float> Dataset::positive_weights(double max_weight) const {
  const ClassBalance b = balance();
  std::vector<float> w(INHERENT_N_HEADS, 1.0f);
  for (size_t h = 0; h < w.size(); ++h) {
    const int64_t p = b.positives[h], n = b.clips - p;
    if (p > 0 && n > 0) {
      w[h] = static_cast<float>(
          std::clamp(static_cast<double>(n) / static_cast<double>(p), 1.0 / max_weight, max_weight));
    }
  }
  return w;
}

std::pair<std::vector<float>, std::vector<float>> Dataset::mel_stats(size_t max_clips, uint64_t seed,
                                                                     const DataOptions& o) const {
  std::vector<size_t> pick(clips_.size());
  std::iota(pick.begin(), pick.end(), size_t{0});
  if (max_clips > 0 && pick.size() > max_clips) {
    std::mt19937_64 rng(splitmix64(seed ^ 0x6d656c6e6f726dull));
    shuffle(pick, rng);
    pick.resize(max_clips);
    std::sort(pick.begin(), pick.end());
  }
  const unsigned n_threads = static_cast<unsigned>(std::max(1, o.workers));
  struct Acc {
    std::vector<double> sum = std::vector<double>(kMels, 0.0), sq = std::vector<double>(kMels, 0.0);
    int64_t frames = 0;
    std::exception_ptr error;
  };
  std::vector<Acc> acc(n_threads);
  std::atomic<size_t> next{0};
  auto work = [&](Acc& a) {
    std::vector<float> mel;
    try {
      for (size_t k = next++; k < pick.size(); k = next++) {
        mel.clear();
        const int64_t t = features(pick[k], false, 0, o, &mel);
        for (int64_t f = 0; f < t; ++f) {
          for (int m = 0; m < kMels; ++m) {
            const double v = mel[static_cast<size_t>(f * kMels + m)];
            a.sum[static_cast<size_t>(m)] += v;
            a.sq[static_cast<size_t>(m)] += v * v;
          }
        }
        a.frames += t;
      }
    } catch (...) {
      a.error = std::current_exception();
      next = pick.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n_threads; ++t) pool.emplace_back(work, std::ref(acc[t]));
  work(acc[0]);
  for (auto& t : pool) t.join();
  std::vector<double> sum(kMels, 0.0), sq(kMels, 0.0);
  int64_t frames = 0;
  for (const Acc& a : acc) {
    if (a.error) std::rethrow_exception(a.error);
    for (int m = 0; m < kMels; ++m)
      sum[static_cast<size_t>(m)] += a.sum[static_cast<size_t>(m)],
          sq[static_cast<size_t>(m)] += a.sq[static_cast<size_t>(m)];
    frames += a.frames;
  }
  std::vector<float> mean(kMels), sd(kMels);
  for (size_t m = 0; m < static_cast<size_t>(kMels); ++m) {
    const double mu = sum[m] / static_cast<double>(frames);
    const double var = std::max(0.0, sq[m] / static_cast<double>(frames) - mu * mu);
    mean[m] = static_cast<float>(mu);
    sd[m] = static_cast<float>(std::max(std::sqrt(var), 1e-3));
  }
  return {mean, sd};
}

// ---- BatchPlan ----

BatchPlan BatchPlan::training(const Dataset& data, const DataOptions& o, int64_t first, int64_t stride) {
  BatchPlan p;
  p.data_ = &data;
  p.batch_size_ = std::max(1, o.batch_size);
  p.bucket_batches_ = std::max(1, o.bucket_batches);
  p.seed_ = o.seed;
  p.first_ = first;
  p.stride_ = std::max<int64_t>(1, stride);
  p.per_epoch_ = static_cast<int64_t>((data.size() + static_cast<size_t>(p.batch_size_) - 1) /
                                      static_cast<size_t>(p.batch_size_));
  p.endless_ = true;
  return p;
}

BatchPlan BatchPlan::evaluation(const Dataset& data, const DataOptions& o) {
  BatchPlan p;
  p.data_ = &data;
  p.batch_size_ = std::max(1, o.batch_size);
  std::vector<size_t> order(data.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return data.clip(a).n_frames < data.clip(b).n_frames; });
  for (size_t i = 0; i < order.size(); i += static_cast<size_t>(p.batch_size_)) {
    p.eval_batches_.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                                 order.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                     order.size(), i + static_cast<size_t>(p.batch_size_))));
  }
  p.per_epoch_ = static_cast<int64_t>(p.eval_batches_.size());
  return p;
}

int64_t BatchPlan::length() const { return endless_ ? -1 : per_epoch_; }

std::vector<std::vector<size_t>> BatchPlan::epoch_batches(int64_t epoch) const {
  if (!endless_) return eval_batches_;
  const size_t n = data_->size(), b = static_cast<size_t>(batch_size_);
  std::mt19937_64 rng(splitmix64(splitmix64(seed_ ^ 0x65706f6368ull) ^ static_cast<uint64_t>(epoch)));
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  shuffle(order, rng);
  // Length buckets: sort windows of bucket_batches batches by length, cut into batches,
  // then shuffle the batches so long and short ones alternate over the epoch.
  std::vector<std::vector<size_t>> batches;
  const size_t window = b * static_cast<size_t>(bucket_batches_);
  for (size_t w = 0; w < n; w += window) {
    const auto begin = order.begin() + static_cast<std::ptrdiff_t>(w);
    const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(n, w + window));
    std::stable_sort(begin, end,
                     [&](size_t x, size_t y) { return data_->clip(x).n_frames < data_->clip(y).n_frames; });
    for (auto it = begin; it < end;
         it += static_cast<std::ptrdiff_t>(std::min<size_t>(b, static_cast<size_t>(end - it)))) {
      batches.emplace_back(
          it, it + static_cast<std::ptrdiff_t>(std::min<size_t>(b, static_cast<size_t>(end - it))));
    }
  }
  shuffle(batches, rng);
  return batches;
}

std::optional<BatchPlan::Item> BatchPlan::item(int64_t k) const {
  if (!endless_) {
    if (k < 0 || k >= per_epoch_) return std::nullopt;
    return Item{k, 0, eval_batches_[static_cast<size_t>(k)]};
  }
  const int64_t number = first_ + k * stride_;
  const int64_t epoch = number / per_epoch_, index = number % per_epoch_;
  std::shared_ptr<const std::vector<std::vector<size_t>>> batches;
  {
    std::lock_guard<std::mutex> lock(cache_->mu);
    if (cache_->epoch != epoch) {
      cache_->batches = std::make_shared<const std::vector<std::vector<size_t>>>(epoch_batches(epoch));
      cache_->epoch = epoch;
    }
    batches = cache_->batches;
  }
  return Item{number, epoch, (*batches)[static_cast<size_t>(index)]};
}

// ---- BatchLoader ----

BatchLoader::BatchLoader(const Dataset& data, const DataOptions& options, BatchPlan plan)
    : data_(data), options_(options), plan_(std::move(plan)) {
  const int n = std::max(1, options_.workers);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  space_.notify_all();
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void BatchLoader::work() {
  const int64_t prefetch = std::max(1, options_.prefetch);
  for (;;) {
    int64_t k;
    {
      std::unique_lock<std::mutex> lock(mu_);
      space_.wait(lock, [&] { return stop_ || claimed_ < consumed_ + prefetch; });
      if (stop_ || error_) return;
      k = claimed_++;
    }
    const std::optional<BatchPlan::Item> item = plan_.item(k);
    if (!item) return;  // past the end of a finite plan
    try {
      Batch b = build(*item);
      std::lock_guard<std::mutex> lock(mu_);
      done_.emplace(k, std::move(b));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
    ready_.notify_all();
  }
}

Batch BatchLoader::build(const BatchPlan::Item& item) const {
  Batch b;
  b.number = item.number;
  b.epoch = item.epoch;
  b.clips = item.clips;
  b.size = static_cast<int64_t>(item.clips.size());
  std::vector<std::vector<float>> mels(item.clips.size());
  for (size_t i = 0; i < item.clips.size(); ++i) {
    const size_t c = item.clips[i];
    const int64_t t = data_.features(c, plan_.augment(), augmentation_seed(options_.seed, item.epoch, c),
                                     options_, &mels[i]);
    b.n_frames.push_back(t);
    b.frames = std::max(b.frames, t);
    const Clip& clip = data_.clip(c);
    b.labels.insert(b.labels.end(), clip.row.heads.begin(), clip.row.heads.end());
    const std::array<float, INHERENT_N_HEADS> none{};
    const auto& scores = clip.teacher ? *clip.teacher : none;
    b.teacher.insert(b.teacher.end(), scores.begin(), scores.end());
    b.has_teacher.push_back(clip.teacher ? 1 : 0);
    b.labelled.push_back(clip.row.labelled ? 1 : 0);
    if (data_.feature_dim() > 0) {
      const bool has = !clip.teacher_features.empty();
      if (has)
        b.features.insert(b.features.end(), clip.teacher_features.begin(), clip.teacher_features.end());
      else
        b.features.resize(b.features.size() + static_cast<size_t>(data_.feature_dim()), 0.0f);
      b.has_features.push_back(has ? 1 : 0);
    }
  }
  b.mel.assign(static_cast<size_t>(b.size * b.frames * kMels), 0.0f);
  for (size_t i = 0; i < mels.size(); ++i) {
    std::memcpy(b.mel.data() + i * static_cast<size_t>(b.frames * kMels), mels[i].data(),
                mels[i].size() * sizeof(float));
  }
  return b;
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t length = plan_.length();
  if (length >= 0 && consumed_ >= length) return std::nullopt;
  ready_.wait(lock, [&] { return error_ || done_.count(consumed_) > 0; });
  if (error_) std::rethrow_exception(error_);
  auto it = done_.find(consumed_);
  Batch b = std::move(it->second);
  done_.erase(it);
  ++consumed_;
  lock.unlock();
  space_.notify_all();
  return b;
}

}  // namespace inherent::train
