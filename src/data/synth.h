// SPDX-License-Identifier: Apache-2.0
//
// The synthetic corpus behind `inherent synth` (docs/synth.md): a deterministic plan
// (which sentence, voice, rate, pitch and augmentation each clip gets), then workers that
// render it to 16 kHz 16-bit WAVs and a labels CSV.
//
//     inherent::synth::Options o;  o.out = "out/corpus";  o.count = 2000;
//     inherent::synth::Corpus c = inherent::synth::plan(o, tts, texts);  // no audio yet
//     std::puts(inherent::synth::describe(c).c_str());                   // --dry-run
//     inherent::synth::RunStats s = inherent::synth::render(c, o, tts, texts);
//
// Text comes from a TextSource (the template grammar, through a small adapter in the CLI),
// so this library does not depend on the grammar.
//
// Layout of the output folder:
//   labels.csv                         the labels contract + extra columns (written last, atomically)
//   wav/<split>/<index>-<key>.wav      one clip; key hashes everything that shaped it
// A rerun with the same options reuses every clip already on disk (a killed run resumes).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/tts.h"
#include "labels/labels.h"

namespace inherent::synth {

using Heads = std::array<uint8_t, INHERENT_N_HEADS>;

// One sentence to speak, with its labels.
struct Text {
  std::string text;
  Heads heads{};
  std::string template_id, category;
  std::string kind;  // "intent", "out_of_scope", "negative"
  bool hard = false;
};

// n sentences of one split, deterministic in (n, split, seed). May throw.
using TextSource = std::function<std::vector<Text>(size_t n, Split split, uint64_t seed)>;

struct Options {
  std::string out;
  size_t count = 0;
  std::array<double, n_splits> split_fractions = {0.8, 0.1, 0.1};
  // Voice ids or patterns with '*' ("espeak:*", "flite:slt", "festival:*"); "all" = every voice.
  std::vector<std::string> voices = {"all"};
  uint64_t seed = 1;
  int threads = 0;  // 0: all cores
  std::string augment = "default";
  std::string noise_dir;  // recorded noise (optional)
  double non_speech_fraction = 0.03;
  // espeak, flite, festival, piper (0: the neural voice only where asked for)
  std::array<double, tts::n_engines> engine_weights = {0.6, 0.25, 0.15, 0};
  size_t babble_pool = 0;  // utterances per split for babble; 0: scaled with the split's size
  // Render only clips with index % shard_count == shard_index and write no labels.csv
  // (machines share the work; a final run without a shard reuses every clip).
  size_t shard_index = 0, shard_count = 1;
  // Splits to render and list in labels.csv (the plan is the whole corpus either way, so
  // a test-only run renders exactly the test clips of the full corpus).
  std::array<bool, n_splits> render_splits = {true, true, true};
  bool quiet = false;
  // Real recordings (folders of wav/flac, e.g. ../shared/data/fsdd) as gate-0 clips with
  // every head 0, real_fraction of each split's clips; speakers are split (real_recordings).
  // Empty or 0: no real clips, and the plan is exactly what it was without these options.
  std::vector<std::string> real_dirs;
  double real_fraction = 0;
  // Share of speech clips that also carry a real recording (a stray word or digit from
  // real_dirs, same split) just before or after the sentence. The sentence's labels stay,
  // so real voices appear in both gate classes and never predict the gate by themselves.
  // 0: the plan is exactly what it was without this option.
  double real_mix_fraction = 0;
};

// A real recording and the split of its speaker.
struct RealRecording {
  std::string file;        // path to read
  std::string rel;         // relative to its folder (for labels and keys)
  std::string source;      // the folder's name, e.g. "fsdd", "precise-community"
  std::string speaker;     // "theo" (fsdd names: <digit>_<speaker>_<n>.wav), else the file's subfolder
  std::string transcript;  // from the digit of an fsdd name or a metadata.csv beside it; may be empty
  Split split = Split::train;
};
// Every audio file under each folder. Within a folder, speakers are ordered by a stable
// hash of "<source>|<speaker>": the first 15% are test, the next 15% eval (at least one
// each when the folder has three or more speakers), the rest train; so no speaker is heard
// in two splits. Throws Exception for a folder without audio files.
std::vector<RealRecording> real_recordings(const std::vector<std::string>& dirs);

// One clip of the plan.
struct Clip {
  size_t index = 0;
  Split split = Split::train;
  bool speech = true;
  Text text;                                                    // speech clips
  const tts::Voice* voice = nullptr;                            // speech clips
  tts::SynthParams params;                                      // speech clips
  augment::NonSpeech non_speech = augment::NonSpeech::silence;  // non-speech clips
  double non_speech_s = 0;
  augment::Plan aug;
  std::string path;                     // relative to the output folder
  const RealRecording* real = nullptr;  // a real recording (speech == false; all heads 0)
  // Speech clips only: a real recording joined to the sentence (real_mix_fraction).
  const RealRecording* real_part = nullptr;
  bool real_part_first = false;  // before the sentence, else after it
  double real_part_gap_s = 0;    // silence between the two
};

struct Corpus {
  std::vector<Clip> clips;
  std::array<std::vector<const tts::Voice*>, n_splits> voices;  // eligible voices per split
  std::array<augment::NoiseAvailability, n_splits> noise;
  std::string preset;
  std::shared_ptr<const std::vector<RealRecording>> real;  // what Clip::real points into
};

// Plans every clip. Throws inherent::Exception on bad options (no voice for a split that
// needs clips, unknown preset, unreadable noise folder, too few sentences).
Corpus plan(const Options& o, const tts::Synthesizer& tts, const TextSource& texts);

// A readable plan: clips per split, engine and voice counts, positives per head.
std::string describe(const Corpus& c);

struct RunStats {
  size_t clips = 0, rendered = 0, reused = 0;
  double wall_s = 0;
  double rendered_audio_s = 0;  // audio seconds of the clips rendered in this run
  double total_audio_s = 0;
  std::vector<std::string> warnings;  // e.g. a head with one class only in a split
};

// Renders what is missing, then writes labels.csv (not for a shard). Throws
// inherent::Exception listing the clips that failed (finished clips stay on disk).
RunStats render(const Corpus& c, const Options& o, const tts::Synthesizer& tts, const TextSource& texts);

// Summary table: clips, duration and positives per head per split, from a labels file.
std::string summarize_labels(const std::string& labels_csv);

// The labels header synth writes: the contract's columns, then the extra ones.
std::vector<std::string> labels_header();

// 16-bit PCM mono WAV bytes of 16 kHz float samples (clamped to [-1, 1]).
std::string wav_bytes(std::span<const float> samples);

// Recorded noise from a folder (wav/flac/ogg, recursively; "" gives empty banks): each
// file cut by time into train (first 70%), eval (10%), test (20%) with
// augment::split_part, one bank per split, so no noise sample is heard in two splits.
// `inherent synth` and `inherent noisy` load it this way.
std::array<augment::NoiseBank, n_splits> load_noise(const std::string& dir);

// Matches a voice id against a pattern ('*' matches any run of characters).
bool voice_matches(std::string_view pattern, std::string_view id);

}  // namespace inherent::synth
