// SPDX-License-Identifier: Apache-2.0
//
// The training data pipeline on small synthesized clips: every clip once per epoch,
// length buckets, determinism independent of threads, resume and rank striding, the
// augmentation hook, the mel cache, feature statistics and label errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "common/heads.h"
#include "frontend/audio-file.h"
#include "frontend/log-mel.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"
#include "test-clips.h"
#include "train/augment-hook.h"
#include "train/dataset.h"

namespace inherent::train {
namespace {

using inherent::test::write_wav;

namespace fs = std::filesystem;

std::vector<float> tone(size_t n, double hz, uint32_t seed) {
  std::vector<float> x(n);
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    const double noise = (static_cast<double>(s >> 8) / 16777216.0 - 0.5) * 0.05;
    x[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * hz * static_cast<double>(i) / 16000.0) + noise);
  }
  return x;
}

const char* kHeader =
    "audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split,isInteresting,"
    "hasAddToListIntent,hasTermSearchQuery,hasPhotoQuery,hasCalendarEvent,hasCreateDocIntent,"
    "hasPersonContext,"
    "hasEventContext,hasDeepResearchIntent,hasInsightIntent,hasBrowsingAgentIntent,hasCallingAgentIntent,"
    "hasStartTimerIntent";

// n_train + n_eval clips of 0.1 .. 1.5 s; clip i is interesting when i % 3 != 0, with a
// timer intent when i % 3 == 1.
struct Corpus {
  std::string dir, csv;
  Corpus(int n_train, int n_eval) {
    static int serial = 0;
    dir = (fs::temp_directory_path() /
           ("inherent-test-dataset-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
              .string();
    fs::create_directories(dir + "/audio");
    csv = dir + "/labels.csv";
    std::ofstream f(csv);
    f << kHeader << "\n";
    for (int i = 0; i < n_train + n_eval; ++i) {
      const size_t samples = 1600 + static_cast<size_t>((i * 7919) % 22400);
      const std::string name = "audio/clip" + std::to_string(i) + ".wav";
      write_wav(dir + "/" + name, tone(samples, 200.0 + 50.0 * i, static_cast<uint32_t>(i)));
      const int gate = i % 3 != 0, timer = i % 3 == 1;
      f << name << ",clip " << i << ",spk" << i % 4 << ",s" << i << ",synth,clean,test,,"
        << (i < n_train ? "train" : "eval") << "," << gate;
      for (int h = 1; h < 13; ++h) f << "," << (h == 12 ? timer : 0);
      f << "\n";
    }
  }
  ~Corpus() { fs::remove_all(dir); }
};

DataOptions options(int batch = 4, int workers = 2) {
  DataOptions o;
  o.batch_size = batch;
  o.workers = workers;
  o.bucket_batches = 2;
  o.seed = 42;
  return o;
}

TEST(Dataset, LoadsSplitBalanceAndWeights) {
  Corpus corpus(10, 3);
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  const Dataset eval = Dataset::load(corpus.csv, Split::eval, options());
  EXPECT_EQ(train.size(), 10u);
  EXPECT_EQ(eval.size(), 3u);
  EXPECT_FALSE(train.uses_mel_cache());
  const ClassBalance b = train.balance();
  EXPECT_EQ(b.positives[0], 6);   // i % 3 != 0 among 0..9
  EXPECT_EQ(b.positives[12], 3);  // i % 3 == 1: 1, 4, 7
  EXPECT_EQ(b.positives[1], 0);
  const std::vector<float> w = train.positive_weights();
  EXPECT_FLOAT_EQ(w[0], 4.0f / 6.0f);
  EXPECT_FLOAT_EQ(w[12], 7.0f / 3.0f);
  EXPECT_FLOAT_EQ(w[1], 1.0f);  // no positive
  const std::string report = train.balance_report();
  EXPECT_NE(report.find("10 clips"), std::string::npos) << report;
  EXPECT_NE(report.find("hasStartTimerIntent"), std::string::npos);
  // Durations came from the audio (the CSV left them empty): frames estimate is exact.
  for (size_t i = 0; i < train.size(); ++i) {
    std::vector<float> mel;
    EXPECT_EQ(train.features(i, false, 0, options(), &mel), train.clip(i).n_frames);
  }
}

TEST(Dataset, FeaturesAreTheFrontend) {
  Corpus corpus(2, 1);
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  std::vector<float> mel;
  const int64_t t = train.features(1, false, 0, options(), &mel);
  const AudioData audio = read_audio_file(train.clip(1).row.resolved_path);
  std::vector<float> ref(mel_n_frames(audio.samples.size(), 3000) * kNMels);
  LogMel::get().compute(audio.samples.data(), audio.samples.size(), ref.size() / kNMels, ref.data());
  ASSERT_EQ(static_cast<size_t>(t) * kNMels, ref.size());
  EXPECT_EQ(mel, ref);
}

// data.trim_to_speech: a clip inside a second of quiet each side trains on exactly the
// frames the engine's speech span keeps.
TEST(Dataset, TrimToSpeechKeepsTheEnginesSpan) {
  Corpus corpus(2, 1);
  std::vector<float> framed(16000, 0.0f);
  const std::vector<float> words = tone(16000, 300.0, 7);
  framed.insert(framed.end(), words.begin(), words.end());
  framed.insert(framed.end(), 16000, 0.0f);
  for (size_t i = 0; i < framed.size(); ++i) framed[i] += i % 2 ? 1e-4f : -1e-4f;  // room tone, not zeros
  write_wav(corpus.dir + "/audio/clip0.wav", framed);
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  std::vector<float> all, cut;
  DataOptions o = options();
  const int64_t t_all = train.features(0, false, 0, o, &all);
  o.trim_to_speech = true;
  const int64_t t_cut = train.features(0, false, 0, o, &cut);
  size_t start = 0, end = 0;
  ASSERT_EQ(inherent_mel_speech_span(all.data(), static_cast<size_t>(t_all), &start, &end),
            INHERENT_STATUS_OK);
  EXPECT_GT(start, 30u);  // the leading second (50 frames) minus the 12-frame margin, roughly
  EXPECT_LT(end, static_cast<size_t>(t_all) - 30);
  ASSERT_EQ(static_cast<size_t>(t_cut), end - start);
  EXPECT_EQ(cut, std::vector<float>(all.begin() + static_cast<std::ptrdiff_t>(start * kNMels),
                                    all.begin() + static_cast<std::ptrdiff_t>(end * kNMels)));
}

TEST(Dataset, EpochsCoverEveryClipOnceInBuckets) {
  Corpus corpus(23, 1);
  const DataOptions o = options(4);
  const Dataset train = Dataset::load(corpus.csv, Split::train, o);
  const BatchPlan plan = BatchPlan::training(train, o, 0, 1);
  EXPECT_EQ(plan.batches_per_epoch(), 6);  // ceil(23 / 4)
  std::vector<std::vector<size_t>> previous;
  for (int64_t e = 0; e < 3; ++e) {
    const auto batches = plan.epoch_batches(e);
    ASSERT_EQ(batches.size(), 6u);
    std::multiset<size_t> seen;
    for (const auto& b : batches) seen.insert(b.begin(), b.end());
    EXPECT_EQ(seen.size(), 23u);
    EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), 23u) << "a clip twice in epoch " << e;
    // Within a batch, clips are length-sorted (bucketed windows of 2 batches).
    for (const auto& b : batches) {
      for (size_t i = 1; i < b.size(); ++i)
        EXPECT_LE(train.clip(b[i - 1]).n_frames, train.clip(b[i]).n_frames);
    }
    EXPECT_NE(batches, previous) << "epoch " << e << " not reshuffled";
    EXPECT_EQ(batches, plan.epoch_batches(e)) << "not deterministic";
    previous = batches;
  }
}

std::vector<Batch> take(const Dataset& d, const DataOptions& o, BatchPlan plan, int n) {
  BatchLoader loader(d, o, std::move(plan));
  std::vector<Batch> out;
  for (int i = 0; i < n; ++i) out.push_back(*loader.next());
  return out;
}

TEST(Dataset, LoaderIsDeterministicResumableAndStrided) {
  Corpus corpus(9, 1);
  const DataOptions o1 = options(2, 1), o3 = options(2, 3);
  const Dataset train = Dataset::load(corpus.csv, Split::train, o1);
  // 5 batches per epoch; 12 batches cross two epoch boundaries.
  const auto one = take(train, o1, BatchPlan::training(train, o1, 0, 1), 12);
  const auto three = take(train, o3, BatchPlan::training(train, o3, 0, 1), 12);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(one[i].epoch, static_cast<int64_t>(i) / 5);
    EXPECT_EQ(one[i].clips, three[i].clips);
    EXPECT_EQ(one[i].mel, three[i].mel) << "augmentation depends on threads at batch " << i;
  }
  // Resume at batch 7: the same batches as the uninterrupted stream.
  const auto resumed = take(train, o1, BatchPlan::training(train, o1, 7, 1), 5);
  for (size_t i = 0; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].clips, one[7 + i].clips);
    EXPECT_EQ(resumed[i].mel, one[7 + i].mel);
  }
  // Two ranks: rank r takes batches 2 s + r.
  const auto rank1 = take(train, o1, BatchPlan::training(train, o1, 1, 2), 5);
  for (size_t i = 0; i < rank1.size(); ++i) EXPECT_EQ(rank1[i].clips, one[2 * i + 1].clips);
}

TEST(Dataset, BatchLayoutIsZeroPadded) {
  Corpus corpus(6, 1);
  DataOptions o = options(3, 2);
  o.spec_augment = false;
  const Dataset train = Dataset::load(corpus.csv, Split::train, o);
  const auto batches = take(train, o, BatchPlan::training(train, o, 0, 1), 2);
  for (const Batch& b : batches) {
    ASSERT_EQ(b.mel.size(), static_cast<size_t>(b.size * b.frames * kMels));
    ASSERT_EQ(b.labels.size(), static_cast<size_t>(b.size * 13));
    for (int64_t i = 0; i < b.size; ++i) {
      for (int64_t t = 0; t < b.frames; ++t) {
        const float* f = b.mel.data() + (i * b.frames + t) * kMels;
        const bool zero = std::all_of(f, f + kMels, [](float v) { return v == 0.0f; });
        EXPECT_EQ(zero, t >= b.n_frames[static_cast<size_t>(i)]) << "clip " << i << " frame " << t;
      }
      EXPECT_EQ(b.labels[static_cast<size_t>(i * 13)],
                train.clip(b.clips[static_cast<size_t>(i)]).row.heads[0]);
    }
  }
}

TEST(Dataset, EvaluationPlanIsOnePassByLength) {
  Corpus corpus(2, 7);
  const DataOptions o = options(3);
  const Dataset eval = Dataset::load(corpus.csv, Split::eval, o);
  BatchLoader loader(eval, o, BatchPlan::evaluation(eval, o));
  std::set<size_t> seen;
  int64_t last = 0;
  while (auto b = loader.next()) {
    for (size_t c : b->clips) {
      EXPECT_TRUE(seen.insert(c).second);
      EXPECT_GE(eval.clip(c).n_frames, last);
      last = eval.clip(c).n_frames;
    }
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_FALSE(loader.next().has_value());
}

// Adds seeded noise and counts its calls.
class CountingNoise final : public WaveAugmenter {
 public:
  mutable std::atomic<int> calls{0};
  void apply(std::vector<float>& x, std::mt19937_64& rng, const LabelRow&) const override {
    ++calls;
    for (float& v : x)
      v += static_cast<float>(static_cast<double>(rng() >> 11) / 9007199254740992.0 - 0.5) * 0.01f;
  }
  std::string describe() const override { return "counting noise"; }
};

TEST(Dataset, AugmentationHookIsSeededPerEpochAndClip) {
  Corpus corpus(4, 2);
  DataOptions o = options(2, 2);
  auto hook = std::make_shared<CountingNoise>();
  o.augment = hook;
  o.spec_augment = false;
  const Dataset train = Dataset::load(corpus.csv, Split::train, o);
  std::vector<float> a, b, c, clean;
  train.features(0, true, augmentation_seed(1, 0, 0), o, &a);
  train.features(0, true, augmentation_seed(1, 0, 0), o, &b);
  train.features(0, true, augmentation_seed(1, 1, 0), o, &c);
  train.features(0, false, 0, o, &clean);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, clean);
  EXPECT_EQ(hook->calls.load(), 3);
  // Evaluation batches never augment.
  const Dataset eval = Dataset::load(corpus.csv, Split::eval, o);
  BatchLoader loader(eval, o, BatchPlan::evaluation(eval, o));
  while (loader.next()) {
  }
  EXPECT_EQ(hook->calls.load(), 3);
  EXPECT_EQ(no_wave_augmentation()->describe(), "none");
}

TEST(Dataset, AugmentationPresetsFromTheDataTools) {
  Corpus corpus(4, 1);
  const DataOptions o = options();
  const Dataset train = Dataset::load(corpus.csv, Split::train, o);
  AugmentOptions none;
  EXPECT_EQ(make_wave_augmenter(none, train, 1)->describe(), "none");
  AugmentOptions bad;
  bad.preset = "extreme";
  EXPECT_THROW(make_wave_augmenter(bad, train, 1), Exception);
  if (!wave_augmentation_available()) GTEST_SKIP() << "built without the data tools";
  AugmentOptions light;
  light.preset = "default";
  light.babble_clips = 3;
  const auto hook = make_wave_augmenter(light, train, 1);
  EXPECT_NE(hook->describe().find("babble from 3 clips"), std::string::npos) << hook->describe();
  DataOptions with = o;
  with.augment = hook;
  with.spec_augment = false;
  std::vector<float> a, b, c;
  train.features(0, true, augmentation_seed(1, 0, 0), with, &a);
  train.features(0, true, augmentation_seed(1, 0, 0), with, &b);
  train.features(0, true, augmentation_seed(1, 1, 0), with, &c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (size_t t = 0; t < a.size() / kMels; ++t) {
    EXPECT_FALSE(std::all_of(a.begin() + static_cast<std::ptrdiff_t>(t * kMels),
                             a.begin() + static_cast<std::ptrdiff_t>((t + 1) * kMels),
                             [](float v) { return v == 0; }));
  }
}

TEST(Dataset, SpecAugmentNeverWritesPaddingFrames) {
  std::mt19937_64 rng(5);
  std::vector<float> mel(50 * kMels);
  for (size_t i = 0; i < mel.size(); ++i) mel[i] = -10.0f + static_cast<float>(i % 7);
  const std::vector<float> before = mel;
  SpecAugmentOptions o;
  o.time_masks = 3, o.time_width = 20, o.time_fraction = 0.5, o.freq_masks = 3, o.freq_width = 30;
  spec_augment(mel.data(), 50, o, rng);
  EXPECT_NE(mel, before);
  for (int t = 0; t < 50; ++t) {
    EXPECT_FALSE(
        std::all_of(mel.begin() + t * kMels, mel.begin() + (t + 1) * kMels, [](float v) { return v == 0; }));
  }
}

// One frame: a smooth bump (a formant) centred on bin `peak` over a floor.
std::vector<float> formant_frame(int peak) {
  std::vector<float> f(kMels);
  for (int m = 0; m < kMels; ++m) f[m] = -8.0f + 6.0f * std::exp(-0.5f * std::pow((m - peak) / 3.0f, 2.0f));
  return f;
}

// The fractional bin whose centre frequency is f.
double bin_of_hz(double f) {
  const double lo = hz_to_mel(kFMin), step = (hz_to_mel(kFMax) - lo) / (kMels + 1);
  return (hz_to_mel(f) - lo) / step - 1.0;
}

TEST(Dataset, FrequencyWarpOfOneLeavesTheMelAlone) {
  std::mt19937_64 rng(3);
  std::vector<float> mel(20 * kMels);
  for (float& v : mel) v = static_cast<float>(rng() % 1000) / 100.0f - 12.0f;
  std::vector<float> warped = mel;
  warp_frequency(warped.data(), 20, 1.0);
  for (size_t i = 0; i < mel.size(); ++i) ASSERT_NEAR(warped[i], mel[i], 1e-4) << i;
}

TEST(Dataset, FrequencyWarpMovesAFormantByItsFactor) {
  const int peak = 40;  // ~1 kHz: below the corner for both factors
  for (double alpha : {0.9, 1.1}) {
    std::vector<float> frame = formant_frame(peak);
    warp_frequency(frame.data(), 1, alpha);
    const auto top = std::max_element(frame.begin(), frame.end()) - frame.begin();
    const double expected = bin_of_hz(alpha * mel_edge_hz(peak + 1));
    EXPECT_NEAR(static_cast<double>(top), expected, 1.0) << alpha;
    EXPECT_GT(std::abs(static_cast<double>(top) - peak), 2.0) << alpha;  // it did move
    // The floor stays the floor: nothing is read from outside the frame's values.
    EXPECT_GE(*std::min_element(frame.begin(), frame.end()), -8.0f - 1e-5f);
    EXPECT_LE(*std::max_element(frame.begin(), frame.end()), -2.0f + 1e-5f);
  }
}

TEST(Dataset, FrequencyWarpKeepsTheBandsTop) {
  // Above the corner the map runs straight to kFMax, so the last bin reads (nearly) itself.
  for (double alpha : {0.85, 1.15}) {
    std::vector<float> frame(kMels);
    for (int m = 0; m < kMels; ++m) frame[m] = static_cast<float>(m);
    warp_frequency(frame.data(), 1, alpha);
    EXPECT_NEAR(frame[kMels - 1], kMels - 1, 1.5) << alpha;
    EXPECT_TRUE(std::is_sorted(frame.begin(), frame.end())) << alpha;  // a monotone map
  }
}

TEST(Dataset, SpecAugmentWarpsOnlyWhenAsked) {
  std::vector<float> mel(10 * kMels);
  for (int t = 0; t < 10; ++t) std::copy_n(formant_frame(40).begin(), kMels, mel.begin() + t * kMels);
  SpecAugmentOptions none;
  none.time_masks = 0, none.freq_masks = 0;
  std::mt19937_64 rng(9);
  std::vector<float> a = mel;
  spec_augment(a.data(), 10, none, rng);
  EXPECT_EQ(a, mel);
  SpecAugmentOptions warp = none;
  warp.freq_warp = 0.2;
  std::mt19937_64 r1(9), r2(9);
  std::vector<float> b = mel, c = mel;
  spec_augment(b.data(), 10, warp, r1);
  spec_augment(c.data(), 10, warp, r2);
  EXPECT_NE(b, mel);
  EXPECT_EQ(b, c);  // the factor comes from the clip's rng: same seed, same warp
  EXPECT_TRUE(std::equal(b.begin(), b.begin() + kMels, b.begin() + kMels));  // one factor per clip
}

TEST(Dataset, MelCacheManifest) {
  Corpus corpus(3, 1);
  // A manifest as `inherent prep` writes it: the labels columns plus mel_path, n_frames.
  const Dataset audio = Dataset::load(corpus.csv, Split::train, options());
  fs::create_directories(corpus.dir + "/cache/mels");
  std::ofstream f(corpus.dir + "/cache/manifest.csv");
  f << kHeader << ",mel_path,n_frames\n";
  for (size_t i = 0; i < audio.size(); ++i) {
    std::vector<float> mel;
    const int64_t t = audio.features(i, false, 0, options(), &mel);
    // Distinct values so the test sees the cache, not the audio, was read.
    for (float& v : mel) v += 1.0f;
    const std::string name = "mels/c" + std::to_string(i) + ".npy";
    write_npy(corpus.dir + "/cache/" + name, mel.data(), {static_cast<size_t>(t), 128});
    f << "../" << audio.clip(i).row.audio_path << ",x,s,s,d,e,src,,train,0,0,0,0,0,0,0,0,0,0,0,0,0," << name
      << "," << t << "\n";
  }
  f.close();
  const Dataset cached = Dataset::load(corpus.dir + "/cache/manifest.csv", Split::train, options());
  EXPECT_TRUE(cached.uses_mel_cache());
  for (size_t i = 0; i < cached.size(); ++i) {
    std::vector<float> a, b;
    audio.features(i, false, 0, options(), &a);
    cached.features(i, false, 0, options(), &b);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_FLOAT_EQ(b[0], a[0] + 1.0f);
  }
  DataOptions no_cache = options();
  no_cache.mel_cache = false;
  EXPECT_FALSE(Dataset::load(corpus.dir + "/cache/manifest.csv", Split::train, no_cache).uses_mel_cache());
}

TEST(Dataset, MelStatsMatchADirectComputation) {
  Corpus corpus(5, 1);
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  const auto [mean, sd] = train.mel_stats(0, 1, options(4, 3));
  std::vector<double> sum(128, 0), sq(128, 0);
  double n = 0;
  for (size_t i = 0; i < train.size(); ++i) {
    std::vector<float> mel;
    const int64_t t = train.features(i, false, 0, options(), &mel);
    for (int64_t f = 0; f < t; ++f) {
      for (int m = 0; m < 128; ++m)
        sum[m] += mel[f * 128 + m], sq[m] += double{mel[f * 128 + m]} * mel[f * 128 + m];
    }
    n += static_cast<double>(t);
  }
  for (int m = 0; m < 128; m += 17) {
    EXPECT_NEAR(mean[m], sum[m] / n, 1e-4);
    EXPECT_NEAR(sd[m], std::sqrt(sq[m] / n - (sum[m] / n) * (sum[m] / n)), 1e-3);
  }
}

// Appends the 13 teacher_<head> columns to a labels CSV: row i (0-based) gets
// cell(i, h), an empty string leaving that cell empty.
void add_teacher_columns(const std::string& csv, const std::function<std::string(int, int)>& cell) {
  std::ifstream in(csv);
  std::string text, line;
  for (int row = -1; std::getline(in, line); ++row) {
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      line +=
          "," + (row < 0 ? std::string("teacher_") + kHeadTable[static_cast<size_t>(h)].name : cell(row, h));
    text += line + "\n";
  }
  in.close();
  std::ofstream(csv) << text;
}

std::string load_error(const std::string& csv) {
  try {
    Dataset::load(csv, Split::train, options());
  } catch (const Exception& e) {
    return e.what();
  }
  return "";
}

TEST(Dataset, TeacherScoresReachTheBatches) {
  Corpus corpus(6, 0);
  // Even rows carry scores 0.01 * (10 i + h); odd rows none.
  add_teacher_columns(
      corpus.csv, [](int i, int h) { return i % 2 ? std::string() : std::to_string(0.01 * (10 * i + h)); });
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  EXPECT_EQ(train.n_with_teacher(), 3u);
  for (size_t i = 0; i < train.size(); ++i) {
    const int row = static_cast<int>(train.clip(i).row.line) - 2;
    ASSERT_EQ(train.clip(i).teacher.has_value(), row % 2 == 0) << row;
    if (row % 2 == 0) {
      EXPECT_FLOAT_EQ((*train.clip(i).teacher)[3], static_cast<float>(0.01 * (10 * row + 3)));
    }
  }
  BatchLoader loader(train, options(6), BatchPlan::evaluation(train, options(6)));
  const std::optional<Batch> b = loader.next();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->teacher.size(), static_cast<size_t>(b->size * INHERENT_N_HEADS));
  ASSERT_EQ(b->has_teacher.size(), static_cast<size_t>(b->size));
  for (int64_t k = 0; k < b->size; ++k) {
    const Clip& c = train.clip(b->clips[static_cast<size_t>(k)]);
    EXPECT_EQ(b->has_teacher[static_cast<size_t>(k)], c.teacher ? 1 : 0);
    EXPECT_FLOAT_EQ(b->teacher[static_cast<size_t>(k * INHERENT_N_HEADS + 12)],
                    c.teacher ? (*c.teacher)[12] : 0.0f);
  }
  // Without the columns every clip has none.
  Corpus plain(2, 0);
  EXPECT_EQ(Dataset::load(plain.csv, Split::train, options()).n_with_teacher(), 0u);
}

TEST(Dataset, BadTeacherScoresNameFileLineAndColumn) {
  Corpus out_of_range(3, 0);
  add_teacher_columns(out_of_range.csv, [](int i, int h) { return i == 1 && h == 2 ? "1.5" : "0.5"; });
  // Row 1 is line 3; teacher_hasTermSearchQuery is column 22 + 2 + 1.
  std::string msg = load_error(out_of_range.csv);
  EXPECT_NE(msg.find("labels.csv:3:25: teacher_hasTermSearchQuery \"1.5\" is not a score in [0, 1]"),
            std::string::npos)
      << msg;
  Corpus half(3, 0);
  add_teacher_columns(half.csv, [](int i, int h) { return i == 2 && h > 5 ? "" : "0.25"; });
  msg = load_error(half.csv);
  EXPECT_NE(msg.find("labels.csv:4: 6 of 13 teacher scores are filled (all or none)"), std::string::npos)
      << msg;
  Corpus some_columns(2, 0);
  {
    std::ifstream in(some_columns.csv);
    std::string text, line;
    for (bool first = true; std::getline(in, line); first = false)
      text += line + (first ? ",teacher_isInteresting" : ",0.5") + "\n";
    in.close();
    std::ofstream(some_columns.csv) << text;
  }
  msg = load_error(some_columns.csv);
  EXPECT_NE(msg.find("has 1 teacher columns but not teacher_hasAddToListIntent"), std::string::npos) << msg;
}

// Appends a teacher_features column: row i (0-based) gets cell(i) ("" for none).
void add_features_column(const std::string& csv, const std::function<std::string(int)>& cell) {
  std::ifstream in(csv);
  std::string text, line;
  for (int row = -1; std::getline(in, line); ++row)
    text += line + "," + (row < 0 ? "teacher_features" : cell(row)) + "\n";
  in.close();
  std::ofstream(csv) << text;
}

// Teacher features: each row's .npy vector, resolved against the CSV's folder, reaches
// the batches standardized per dimension over the rows that have one (float64 here).
TEST(Dataset, TeacherFeaturesReachTheBatchesStandardized) {
  Corpus corpus(6, 0);
  // Even rows: [i, i * i, 5] (the constant dimension must not divide by zero); odd rows none.
  for (int i = 0; i < 6; i += 2) {
    const float v[3] = {static_cast<float>(i), static_cast<float>(i * i), 5.0f};
    write_npy(corpus.dir + "/f" + std::to_string(i) + ".npy", v, {3});
  }
  add_features_column(corpus.csv,
                      [](int i) { return i % 2 ? std::string() : "f" + std::to_string(i) + ".npy"; });
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  EXPECT_EQ(train.n_with_features(), 3u);
  EXPECT_EQ(train.feature_dim(), 3);
  // Rows 0, 2, 4: dimension 0 is {0, 2, 4} (mean 2, sd sqrt(8 / 3)), dimension 1 {0, 4, 16}.
  const double sd0 = std::sqrt(8.0 / 3), mean1 = 20.0 / 3, sd1 = std::sqrt(272.0 / 3 - mean1 * mean1);
  for (size_t i = 0; i < train.size(); ++i) {
    const Clip& c = train.clip(i);
    const int row = static_cast<int>(c.row.line) - 2;
    ASSERT_EQ(c.teacher_features.size(), row % 2 ? 0u : 3u) << row;
    if (row % 2) continue;
    EXPECT_NEAR(c.teacher_features[0], (row - 2.0) / sd0, 1e-5);
    EXPECT_NEAR(c.teacher_features[1], (row * row - mean1) / sd1, 1e-5);
    EXPECT_NEAR(c.teacher_features[2], 0.0, 1e-5);
  }
  BatchLoader loader(train, options(6), BatchPlan::evaluation(train, options(6)));
  const std::optional<Batch> b = loader.next();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->features.size(), static_cast<size_t>(b->size * 3));
  ASSERT_EQ(b->has_features.size(), static_cast<size_t>(b->size));
  for (int64_t k = 0; k < b->size; ++k) {
    const Clip& c = train.clip(b->clips[static_cast<size_t>(k)]);
    EXPECT_EQ(b->has_features[static_cast<size_t>(k)], c.teacher_features.empty() ? 0 : 1);
    EXPECT_FLOAT_EQ(b->features[static_cast<size_t>(k * 3 + 1)],
                    c.teacher_features.empty() ? 0.0f : c.teacher_features[1]);
  }
  // Without the column no clip has features and batches carry none.
  Corpus plain(2, 0);
  const Dataset none = Dataset::load(plain.csv, Split::train, options());
  EXPECT_EQ(none.n_with_features(), 0u);
  EXPECT_EQ(none.feature_dim(), 0);
}

TEST(Dataset, BadTeacherFeaturesNameFileLineAndColumn) {
  // Column 23: the 22 contract columns, then teacher_features.
  Corpus missing(2, 0);
  add_features_column(missing.csv, [](int i) { return i == 1 ? "nowhere.npy" : ""; });
  std::string msg = load_error(missing.csv);
  EXPECT_NE(msg.find("labels.csv:3:23: teacher_features nowhere.npy: "), std::string::npos) << msg;
  Corpus matrix(2, 0);
  const float m[4] = {1, 2, 3, 4};
  write_npy(matrix.dir + "/m.npy", m, {2, 2});
  add_features_column(matrix.csv, [](int) { return "m.npy"; });
  msg = load_error(matrix.csv);
  EXPECT_NE(msg.find("labels.csv:2:23: teacher_features m.npy: not a 1-D array of features"),
            std::string::npos)
      << msg;
  Corpus widths(2, 0);
  write_npy(widths.dir + "/a.npy", m, {4});
  write_npy(widths.dir + "/b.npy", m, {3});
  add_features_column(widths.csv, [](int i) { return i ? "b.npy" : "a.npy"; });
  msg = load_error(widths.csv);
  EXPECT_NE(msg.find("labels.csv:3:23: teacher_features holds 3 values where earlier rows hold 4"),
            std::string::npos)
      << msg;
  Corpus nan(1, 0);
  const float bad[2] = {1.0f, std::nanf("")};
  write_npy(nan.dir + "/n.npy", bad, {2});
  add_features_column(nan.csv, [](int) { return "n.npy"; });
  msg = load_error(nan.csv);
  EXPECT_NE(msg.find("labels.csv:2:23: teacher_features n.npy: value 1 is not finite"), std::string::npos)
      << msg;
}

// Empties the 13 head cells (fields 9-21) of the given data rows (0-based).
void blank_heads(const std::string& csv, const std::vector<int>& rows) {
  std::ifstream in(csv);
  std::string text, line;
  for (int row = -1; std::getline(in, line); ++row) {
    if (std::find(rows.begin(), rows.end(), row) != rows.end()) {
      std::vector<std::string> cells(1);  // trailing empty cells kept
      for (const char ch : line) {
        if (ch == ',')
          cells.emplace_back();
        else
          cells.back().push_back(ch);
      }
      for (int h = 0; h < INHERENT_N_HEADS; ++h) cells.at(static_cast<size_t>(9 + h)).clear();
      line.clear();
      for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
    }
    text += line + "\n";
  }
  in.close();
  std::ofstream(csv) << text;
}

TEST(Dataset, UnlabelledRowsCarryTeacherScoresOnly) {
  Corpus corpus(6, 2);
  add_teacher_columns(corpus.csv, [](int, int h) { return std::to_string(0.05 * h); });
  blank_heads(corpus.csv, {1, 3});
  const Dataset train = Dataset::load(corpus.csv, Split::train, options());
  EXPECT_EQ(train.n_unlabelled(), 2u);
  EXPECT_EQ(train.balance().clips, 4);  // class balance counts labelled rows only
  EXPECT_NE(train.balance_report().find("and 2 unlabelled clips"), std::string::npos);
  BatchLoader loader(train, options(6), BatchPlan::evaluation(train, options(6)));
  const std::optional<Batch> b = loader.next();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->labelled.size(), static_cast<size_t>(b->size));
  for (int64_t k = 0; k < b->size; ++k) {
    const Clip& c = train.clip(b->clips[static_cast<size_t>(k)]);
    const bool unlabelled = c.row.line == 3 || c.row.line == 5;
    EXPECT_EQ(b->labelled[static_cast<size_t>(k)], unlabelled ? 0 : 1) << c.row.line;
    EXPECT_EQ(c.row.labelled, !unlabelled);
    if (unlabelled) {
      for (int h = 0; h < INHERENT_N_HEADS; ++h)
        EXPECT_EQ(b->labels[static_cast<size_t>(k * INHERENT_N_HEADS + h)], 0);
    }
  }
  // Other readers refuse them by line; the labels check names the rule.
  LabelsCheckOptions no_audio;
  no_audio.check_audio = false;
  const LabelsCheck strict = check_labels(corpus.csv, no_audio);
  ASSERT_EQ(strict.issues.size(), 2u);
  EXPECT_EQ(strict.issues[0].rule, "unlabelled");
  EXPECT_EQ(strict.issues[0].line, 3u);
}

TEST(Dataset, UnlabelledRowsNeedTrainAndATeacher) {
  Corpus in_eval(4, 2);
  add_teacher_columns(in_eval.csv, [](int, int) { return "0.5"; });
  blank_heads(in_eval.csv, {5});
  std::string msg = load_error(in_eval.csv);
  EXPECT_NE(msg.find("labels.csv:7:10: [unlabelled] every head cell is empty in a eval row"),
            std::string::npos)
      << msg;
  Corpus untaught(4, 0);
  add_teacher_columns(untaught.csv, [](int i, int) { return i == 2 ? "" : "0.5"; });
  blank_heads(untaught.csv, {2});
  msg = load_error(untaught.csv);
  EXPECT_NE(msg.find("labels.csv:4:10: [unlabelled] every head cell is empty and the row has no teacher"),
            std::string::npos)
      << msg;
  Corpus no_columns(3, 0);
  blank_heads(no_columns.csv, {0});
  msg = load_error(no_columns.csv);
  EXPECT_NE(msg.find("labels.csv:2:10: [unlabelled]"), std::string::npos) << msg;
}

TEST(Dataset, BadLabelsNameFileLineAndColumn) {
  Corpus corpus(2, 1);
  std::ofstream(corpus.csv, std::ios::app)
      << "audio/clip0.wav,x,s,s,d,e,src,,train,1,2,0,0,0,0,0,0,0,0,0,0,0\n";
  try {
    Dataset::load(corpus.csv, Split::train, options());
    FAIL() << "accepted a bad row";
  } catch (const Exception& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("labels.csv:5:11: [head-value]"), std::string::npos) << msg;
  }
  Corpus only_train(2, 0);
  try {
    Dataset::load(only_train.csv, Split::eval, options());
    FAIL() << "accepted an empty split";
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find("no rows with split eval"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace inherent::train
