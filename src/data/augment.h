// SPDX-License-Identifier: Apache-2.0
//
// Audio augmentation for inherent's training data: used by `inherent synth` when it writes
// a corpus and by the trainer on the fly, so every epoch hears each clip differently.
// Depends on libsoxr only (speed changes); everything else is plain C++.
//
// All audio is 16 kHz mono float. Every random choice comes from an explicit seed, and the
// same seed gives the same samples on the same build:
//
//     inherent::augment::NoiseBank bank;               // optional: babble and recorded noise
//     bank.add_babble(other_utterance);                // speech of the same split only
//     inherent::augment::Augmenter aug(inherent::augment::preset("default"), bank);
//     inherent::augment::Plan plan;
//     std::vector<float> out = aug.run(speech, /*seed=*/clip_seed ^ epoch, &plan);
//     // plan.summary() -> "speed=1.04 level=-23.1 lead=0.31 trail=0.22 reverb=0.42 ..."
//
// The chain (each step optional, drawn per clip from the preset):
//   speed (resample) -> level -> lead/trail silence -> reverb (synthetic RIR) ->
//   room tone + noise at a target SNR -> band limit (phone, low-pass, laptop) ->
//   clipping -> peak limit (never above 0.99).
// SNR is measured against the speech's own samples (the clip without its padding), so
// silence padding never changes what "12 dB" means.
//
// An Augmenter is immutable; run() is const and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"

namespace inherent::augment {

inline constexpr int kRate = 16000;

// Samples in s seconds at kRate, rounded (0 for s <= 0).
size_t seconds_to_samples(double s);

// ---- randomness: identical on every platform (no std:: distributions) ----

// The project's generator (common/random.h) with the draws augmentation needs.
class Rng : public Xoshiro256 {
 public:
  explicit Rng(uint64_t seed = 0) : Xoshiro256(seed), seed_(seed) {}
  using Xoshiro256::uniform;
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }  // [lo, hi)
  double normal();                                                             // mean 0, sd 1 (Box-Muller)
  bool chance(double p) { return uniform() < p; }
  // An independent stream for one purpose: the same (seed, tag) always gives the same stream.
  Rng fork(std::string_view tag) const;

 private:
  uint64_t seed_;
};

// A 64-bit seed mixed from a base seed and a label or number (stable across platforms).
uint64_t mix_seed(uint64_t seed, std::string_view tag);
uint64_t mix_seed(uint64_t seed, uint64_t n);

// ---- levels ----

double rms(std::span<const float> x);
double peak(std::span<const float> x);
double to_db(double amplitude);  // 20 log10(a), -inf guarded to -200
double from_db(double db);       // 10^(db / 20)
void apply_gain_db(std::span<float> x, double db);
void set_rms_db(std::span<float> x, double dbfs);             // no-op on silence
void limit_peak(std::span<float> x, double max_peak = 0.99);  // scales down only
// First and one past the last sample above threshold (amplitude); {0, 0} when none.
std::pair<size_t, size_t> active_range(std::span<const float> x, double threshold = 1e-4);

// ---- speed (pitch and tempo together, like a tape) ----

// Resampled with libsoxr: duration divided by factor, pitch multiplied by it.
// factor in [0.5, 2].
std::vector<float> change_speed(std::span<const float> x, double factor);

// ---- noise sources (unit RMS) ----

std::vector<float> white_noise(size_t n, Rng& rng);
std::vector<float> pink_noise(size_t n, Rng& rng);   // -3 dB/octave (Voss-McCartney, 16 rows)
std::vector<float> brown_noise(size_t n, Rng& rng);  // -6 dB/octave, DC removed
std::vector<float> hum(size_t n, Rng& rng);          // 50 or 60 Hz mains hum with harmonics and hiss
std::vector<float> music_tones(size_t n, Rng& rng);  // notes and chords with harmonics and envelopes
// 2..talkers overlapping excerpts of the given utterances (each at unit RMS, random offsets).
std::vector<float> babble(size_t n, std::span<const std::vector<float>> utterances, int talkers, Rng& rng);
// A random excerpt of a recording, looped with a short crossfade when too short.
std::vector<float> excerpt(std::span<const float> recording, size_t n, Rng& rng);

// Adds noise scaled so that 10 log10(P_signal / P_noise) = snr_db, both powers measured
// over signal[ref_begin, ref_end) (the whole signal when ref_end == 0). noise.size() must
// equal signal.size(). Returns the gain applied to the noise.
double add_at_snr(std::span<float> signal, std::span<const float> noise, double snr_db, size_t ref_begin = 0,
                  size_t ref_end = 0);

// ---- reverb ----

// A synthetic room impulse response: a unit direct path, a pre-delay, then exponentially
// decaying noise reaching -60 dB at rt60_s, with early energy boosted and high frequencies
// decaying faster. drr_db is the direct-to-reverberant energy ratio.
std::vector<float> synthetic_rir(double rt60_s, double drr_db, Rng& rng);
// x convolved with h, cut to x.size() (FFT convolution).
std::vector<float> convolve_same(std::span<const float> x, std::span<const float> h);
// Convolves in place with the RIR and rescales to the dry signal's RMS (same length, same energy).
void apply_reverb(std::vector<float>& x, std::span<const float> rir);

// ---- channel ----

void highpass(std::span<float> x, double hz);  // 4th-order Butterworth
void lowpass(std::span<float> x, double hz);   // 4th-order Butterworth
void telephone(std::span<float> x);            // 300-3400 Hz band
void laptop_mic(std::span<float> x);           // 150 Hz high-pass, a 2.5 kHz presence bump, 7 kHz low-pass
// Hard clipping at the level that `fraction` of the samples exceed. Returns that level.
double clip_fraction(std::span<float> x, double fraction);

// The part of a recording that one split may hear: the first 70% for train (split 0),
// the next 10% for eval (1), the last 20% for test (2). `inherent synth` cuts recorded
// noise this way, so no noise sample is heard in two splits; the trainer should add only
// the train part to its bank.
std::span<const float> split_part(std::span<const float> recording, int split);

// ---- noise bank: what babble and recorded noise draw from ----

struct NoiseBank {
  struct Recording {
    std::string name;  // file name, recorded in the plan
    std::vector<float> samples;
  };
  std::vector<Recording> recorded;
  std::vector<std::vector<float>> babble;  // whole utterances

  void add_recording(std::string name, std::vector<float> samples);
  void add_babble(std::vector<float> utterance);
};

// ---- presets and plans ----

enum class NoiseKind : uint8_t { none, white, pink, brown, hum, tones, babble, recorded };
const char* noise_kind_name(NoiseKind k);
enum class Band : uint8_t { full, telephone, lowpass, laptop };
const char* band_name(Band b);

// Probabilities and ranges of one augmentation recipe.
struct Preset {
  std::string name;
  double p_speed = 0, speed_min = 1, speed_max = 1;
  double level_min_db = -26, level_max_db = -20;  // speech RMS, dBFS
  double lead_min_s = 0, lead_max_s = 0, trail_min_s = 0, trail_max_s = 0;
  double room_tone_min_db = 0, room_tone_max_db = 0;  // RMS dBFS; both 0: no room tone
  double p_reverb = 0, rt60_min = 0.2, rt60_max = 0.8, drr_min_db = 0, drr_max_db = 10;
  double p_noise = 0, snr_min_db = 5, snr_max_db = 30;
  // Relative weights of the noise kinds; kinds the bank cannot feed are dropped.
  double w_white = 1, w_pink = 1, w_brown = 1, w_hum = 0.5, w_tones = 0.5, w_babble = 1.5, w_recorded = 1.5;
  double p_band = 0, w_telephone = 1, w_lowpass = 1, w_laptop = 1, lowpass_min_hz = 3000,
         lowpass_max_hz = 7000;
  double p_clip = 0, clip_min = 0.001, clip_max = 0.01;
};

// "none" (level and peak only), "light", "default", "heavy". Throws std::invalid_argument
// naming the known presets.
Preset preset(std::string_view name);
std::vector<std::string> preset_names();

// One clip's draws; also what the manifest records.
struct Plan {
  double speed = 1;
  double level_db = -23;
  double lead_s = 0, trail_s = 0;
  double room_tone_db = 0;      // 0: none
  double rt60 = 0, drr_db = 0;  // rt60 0: no reverb
  NoiseKind noise = NoiseKind::none;
  std::string noise_source;  // recorded: the file name
  double snr_db = 0;
  Band band = Band::full;
  double band_hz = 0;  // lowpass cutoff
  double clip = 0;     // fraction of samples clipped
  uint64_t seed = 0;   // drives the signal-level randomness (noise samples, RIR)

  std::string summary() const;      // every draw, "key=value" separated by spaces
  std::string environment() const;  // short: "clean", "reverb", "pink-noise", "babble+reverb", ...
  std::string device() const;       // channel: "full-band", "telephone", "lowpass-4k" (whole kHz), "laptop"
};

// What a bank can feed, for drawing plans before the bank is filled.
struct NoiseAvailability {
  bool babble = false;
  std::vector<std::string> recorded;  // recording names
};
NoiseAvailability availability(const NoiseBank& bank);

// Draws a plan. Noise kinds the bank has nothing for (babble, recorded) are never drawn.
Plan draw_plan(const Preset& p, const NoiseAvailability& noise, uint64_t seed);
inline Plan draw_plan(const Preset& p, const NoiseBank& bank, uint64_t seed) {
  return draw_plan(p, availability(bank), seed);
}

// Applies a plan to speech. Returns the augmented clip (length: speech after speed +
// lead + trail). When speech_range is given it receives [begin, end) of the speech inside
// the clip.
std::vector<float> apply(const Plan& plan, std::span<const float> speech, const NoiseBank& bank,
                         std::pair<size_t, size_t>* speech_range = nullptr);

// A non-speech clip (gate 0): noise, hum, tones, babble, recorded noise or room tone
// only ("silence"), at a plausible level, with the plan's channel applied.
enum class NonSpeech : uint8_t { silence, white, pink, brown, hum, tones, babble, recorded };
const char* non_speech_name(NonSpeech k);
std::vector<NonSpeech> non_speech_kinds(const NoiseAvailability& noise);  // what the bank can feed
// `channel` supplies the band, clipping, room tone and (for tones and babble) reverb; for
// recorded noise its noise_source names the recording (else one is drawn from seed).
std::vector<float> non_speech(NonSpeech kind, double seconds, const Plan& channel, const NoiseBank& bank,
                              uint64_t seed, std::string* source = nullptr);

// ---- fixed-SNR copies: the same noisy clips for every system (`inherent noisy`) ----

// Which noise a clip gets, drawn from seed alone: one of the bank's recordings when it
// has any, else one of the synthetic kinds (white, pink, brown, hum, tones).
struct NoiseChoice {
  NoiseKind kind = NoiseKind::none;
  std::string source;  // recorded: the recording's name
  uint64_t seed = 0;   // drives the noise samples
};
NoiseChoice choose_noise(const NoiseBank& bank, uint64_t seed);

// clip + the chosen noise at exactly snr_db, both powers measured over the clip's
// active_range (so leading and trailing silence do not count), then peak-limited (which
// scales speech and noise together, so the SNR holds). The noise samples depend on the
// choice only: the same clip at 0 and 20 dB hears the same noise at two gains.
std::vector<float> mix_at_snr(std::span<const float> clip, double snr_db, const NoiseChoice& noise,
                              const NoiseBank& bank);

class Augmenter {
 public:
  Augmenter(Preset preset, NoiseBank bank) : preset_(std::move(preset)), bank_(std::move(bank)) {}
  // Draws a plan from seed and applies it.
  std::vector<float> run(std::span<const float> speech, uint64_t seed, Plan* plan = nullptr) const;
  const Preset& preset() const { return preset_; }
  const NoiseBank& bank() const { return bank_; }

 private:
  Preset preset_;
  NoiseBank bank_;
};

}  // namespace inherent::augment
