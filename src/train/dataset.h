// SPDX-License-Identifier: Apache-2.0
//
// The training data pipeline, without LibTorch (batches are plain float buffers the
// trainer wraps as tensors):
//
//   labels CSV (read_labels: every row valid or nothing)
//     -> decode (read_audio_file: any format, 16 kHz mono)          } skipped when the CSV
//     -> waveform augmentation (WaveAugmenter hook; train only)     } is an `inherent prep`
//     -> the C++ log-mel frontend                                   } manifest (mel_path)
//     -> SpecAugment time/frequency masks (train only)
//     -> length-bucketed, zero-padded batches built by background threads
//
// Determinism: the batches of an epoch, and every random choice of augmentation, are a
// pure function of (seed, epoch, clip), never of thread timing. Batch number g of the
// endless training stream is batch g mod n of epoch g / n (n batches per epoch), so a
// run resumed at step s continues with exactly the batches it would have seen.
// Multi-process runs give rank r of W the batches g = s * W + r.
//
// Usage:
//   DataOptions o;  o.batch_size = 16;
//   Dataset train = Dataset::load("labels.csv", Split::train, o);
//   std::printf("%s", train.balance_report().c_str());
//   BatchLoader loader(train, o, BatchPlan::training(train, o, /*first=*/0, /*stride=*/1));
//   while (auto batch = loader.next()) ... batch->mel: [B, T, 128]
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "inherent/inherent.h"
#include "labels/labels.h"

namespace inherent::train {

constexpr int kMels = 128;

// ---- augmentation hook ----

// Waveform augmentation applied to each training clip's 16 kHz mono samples before the
// frontend (noise at an SNR, gain, speed, reverb, band limits...). apply() must be
// thread-safe and draw every random number from rng, which the pipeline seeds per
// (seed, epoch, clip): that keeps runs reproducible and resumable.
class WaveAugmenter {
 public:
  virtual ~WaveAugmenter() = default;
  virtual void apply(std::vector<float>& samples, std::mt19937_64& rng, const LabelRow& row) const = 0;
  virtual std::string describe() const = 0;
};

// The default hook: leaves the samples alone.
std::shared_ptr<const WaveAugmenter> no_wave_augmentation();

// SpecAugment on log-mels [T, 128]. Masked values are set to the clip's mean log-mel,
// never to 0: an all-zero frame means padding to the model.
struct SpecAugmentOptions {
  int time_masks = 2;          // masks per clip
  int time_width = 10;         // max frames per time mask (each drawn in [0, time_width])
  double time_fraction = 0.2;  // and at most this fraction of the clip per mask
  int freq_masks = 2;
  int freq_width = 12;     // max mel bins per frequency mask
  double freq_warp = 0.0;  // each clip's formants moved by a factor drawn in [1 - w, 1 + w] (0: off)
};
// The warp (when freq_warp > 0), then the masks.
void spec_augment(float* mel, int64_t n_frames, const SpecAugmentOptions& o, std::mt19937_64& rng);

// Vocal tract length perturbation of log-mels [T, 128]: each frame resampled along
// frequency so what sat at f now sits at alpha * f, as a speaker with a shorter (alpha > 1)
// or longer vocal tract would say it. The map bends to a straight line above a corner
// (80 % of kFMax, scaled as VTLP does) so the band's top stays put and nothing is cut off;
// bins read past either end repeat the edge bin.
void warp_frequency(float* mel, int64_t n_frames, double alpha);

// ---- options ----

struct DataOptions {
  int batch_size = 16;       // clips per batch (per process)
  int workers = 2;           // background threads building batches
  int prefetch = 4;          // batches kept ready ahead of the trainer
  int bucket_batches = 32;   // clips sorted by length within windows of this many batches
  bool mel_cache = true;     // use mel_path of an `inherent prep` manifest when present
  bool check_audio = true;   // labels check opens every audio file (no cache)
  bool spec_augment = true;  // SpecAugment on training batches
  SpecAugmentOptions spec;
  uint64_t seed = 0;
  int max_frames = 3000;  // frames per clip read (60 s)
  // Keep only each clip's speech span (the engine's inherent_mel_speech_span, after the
  // waveform augmentation), as a session with trim_to_speech scores it.
  bool trim_to_speech = false;
  std::shared_ptr<const WaveAugmenter> augment;  // null = no_wave_augmentation()
};

// ---- the clips of one split ----

struct Clip {
  LabelRow row;          // the labels row (line, paths, heads, transcript...)
  std::string mel_path;  // resolved cache file, empty when decoding audio
  int64_t n_frames = 0;  // exact (cache) or from the duration (audio)
  // A teacher model's scores (teacher_<head> columns, labels.h), when the row has them.
  std::optional<std::array<float, INHERENT_N_HEADS>> teacher;
  // A teacher's pooled features (the teacher_features column, labels.h); empty when none.
  std::vector<float> teacher_features;
};

struct ClassBalance {
  int64_t clips = 0;
  double seconds = 0;
  std::array<int64_t, INHERENT_N_HEADS> positives{};
};

class Dataset {
 public:
  // Rows of `split` from a labels CSV or an `inherent prep` manifest. Throws on any bad
  // row (file:line:column) and when the split has no rows.
  static Dataset load(const std::string& labels_path, Split split, const DataOptions& options);

  size_t size() const { return clips_.size(); }
  const Clip& clip(size_t i) const { return clips_[i]; }
  const std::string& path() const { return path_; }
  Split split() const { return split_; }
  bool uses_mel_cache() const { return cached_; }
  // Rows of this split with teacher scores (distillation targets).
  size_t n_with_teacher() const { return n_teacher_; }
  // Rows without head labels (teacher scores only; labels.h).
  size_t n_unlabelled() const { return n_unlabelled_; }
  // Rows of this split with teacher features, and their width D (0 when none has them).
  // The vectors are standardized per dimension over these rows at load.
  size_t n_with_features() const { return n_features_; }
  int64_t feature_dim() const { return feature_dim_; }

  // The clip's log-mels [n_frames, 128] (appended to *out; returns n_frames). With
  // augment, the waveform hook (audio only) and SpecAugment run with an rng seeded
  // from aug_seed. Errors name the labels file and line.
  int64_t features(size_t i, bool augment, uint64_t aug_seed, const DataOptions& o,
                   std::vector<float>* out) const;

  ClassBalance balance() const;
  // Rows, hours and positives per head (count and share), one head per line.
  std::string balance_report() const;

  // Per-head positive weight for the loss: negatives / positives (1 when a head has no
  // positive or no negative in the split), clamped to [1 / max_weight, max_weight].
  std::vector<float> positive_weights(double max_weight = 100.0) const;

  // Per-bin mean and standard deviation of the (unaugmented) log-mels of up to
  // max_clips clips (a seeded random subset when there are more), in float64.
  // Returns {mean[128], std[128]}; std is floored at 1e-3.
  std::pair<std::vector<float>, std::vector<float>> mel_stats(size_t max_clips, uint64_t seed,
                                                              const DataOptions& o) const;

  // FNV-1a of the file's bytes (hex): part of the training hash.
  const std::string& content_hash() const { return hash_; }

 private:
  void standardize_features();

  std::string path_, hash_;
  Split split_ = Split::train;
  bool cached_ = false;
  size_t n_teacher_ = 0;
  size_t n_unlabelled_ = 0;
  size_t n_features_ = 0;
  int64_t feature_dim_ = 0;
  std::vector<Clip> clips_;
};

// ---- batches ----

struct Batch {
  int64_t number = 0;  // position in its plan (global batch number when training)
  int64_t epoch = 0;
  int64_t size = 0, frames = 0;       // B, T (the longest clip)
  std::vector<float> mel;             // [B, T, 128], each clip zero-padded at its end
  std::vector<uint8_t> labels;        // [B, 13]
  std::vector<float> teacher;         // [B, 13] teacher scores (0 where has_teacher is 0)
  std::vector<uint8_t> has_teacher;   // [B]
  std::vector<uint8_t> labelled;      // [B] 0: no head labels (its labels row is all 0), teacher only
  std::vector<float> features;        // [B, D] teacher features (0 where has_features is 0; empty if D is 0)
  std::vector<uint8_t> has_features;  // [B]
  std::vector<int64_t> n_frames;      // [B]
  std::vector<size_t> clips;          // [B] indices into the dataset
};

// Which clips make batch number g. Training plans are endless (epochs follow each
// other); evaluation plans are one pass in length order.
class BatchPlan {
 public:
  // Batches first, first + stride, first + 2 stride, ... of the endless shuffled stream.
  static BatchPlan training(const Dataset& data, const DataOptions& o, int64_t first, int64_t stride);
  // One pass over every clip, sorted by length (padding kept small), no augmentation.
  static BatchPlan evaluation(const Dataset& data, const DataOptions& o);

  int64_t batches_per_epoch() const { return per_epoch_; }
  bool endless() const { return endless_; }
  bool augment() const { return endless_; }
  // Number of batches this plan yields (endless: -1).
  int64_t length() const;
  // The k-th batch this plan yields: its global number, epoch and clips.
  struct Item {
    int64_t number, epoch;
    std::vector<size_t> clips;
  };
  std::optional<Item> item(int64_t k) const;

  // The clip order of an epoch (exposed for tests): batches of one epoch, in order.
  std::vector<std::vector<size_t>> epoch_batches(int64_t epoch) const;

 private:
  const Dataset* data_ = nullptr;
  int batch_size_ = 1, bucket_batches_ = 1;
  uint64_t seed_ = 0;
  int64_t first_ = 0, stride_ = 1, per_epoch_ = 0;
  bool endless_ = false;
  std::vector<std::vector<size_t>> eval_batches_;
  // The last epoch planned (workers ask for the same epoch many times); shared by copies.
  struct EpochCache {
    std::mutex mu;
    int64_t epoch = -1;
    std::shared_ptr<const std::vector<std::vector<size_t>>> batches;
  };
  std::shared_ptr<EpochCache> cache_ = std::make_shared<EpochCache>();
};

// Builds the batches of a plan on background threads, in order, `prefetch` ahead.
class BatchLoader {
 public:
  BatchLoader(const Dataset& data, const DataOptions& options, BatchPlan plan);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch; nullopt at the end of a finite plan. A worker's error is rethrown.
  std::optional<Batch> next();

 private:
  void work();
  Batch build(const BatchPlan::Item& item) const;

  const Dataset& data_;
  DataOptions options_;
  BatchPlan plan_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::map<int64_t, Batch> done_;
  int64_t claimed_ = 0, consumed_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

// The seed of clip i's augmentation in an epoch (splitmix64 of the three).
uint64_t augmentation_seed(uint64_t seed, int64_t epoch, size_t clip);

}  // namespace inherent::train
