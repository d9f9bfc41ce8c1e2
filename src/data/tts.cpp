// SPDX-License-Identifier: Apache-2.0
// The voice inventory, the voice split rule and the Synthesizer facade.
#include "data/tts.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "data/augment.h"
#include "data/tts-engine.h"
#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"

namespace inherent::tts {

namespace {

// Pinned families (docs/synth.md). Everything else falls to the hash rule.
struct Pin {
  const char* family;
  Split split;
};
constexpr Pin kPins[] = {
    // espeak-ng language voices: five accents to train on, one to tune on, two never heard.
    {"espeak-base:en-us", Split::train},
    {"espeak-base:en-gb", Split::train},
    {"espeak-base:en-gb-x-rp", Split::train},
    {"espeak-base:en-gb-x-gbclan", Split::train},
    {"espeak-base:en-029", Split::train},
    {"espeak-base:en-gb-x-gbcwmd", Split::eval},
    {"espeak-base:en-gb-scotland", Split::test},
    {"espeak-base:en-us-nyc", Split::test},
    // The plain voice and espeak's core numbered variants (f1-f5, m1-m8) train.
    {"espeak-variant:default", Split::train},
    {"espeak-variant:f", Split::train},
    {"espeak-variant:m", Split::train},
    // Recorded speakers behind flite and festival: a speaker is one family whichever
    // engine renders it (flite kal/kal16 and festival kal; flite slt and festival slt-hts).
    {"speaker:kal", Split::train},
    {"speaker:slt", Split::train},
    {"speaker:ked", Split::eval},
    {"speaker:awb", Split::test},
    {"speaker:rms", Split::test},
    // The one neural voice trains: no split could hold it out and still train on it.
    {"speaker:joe", Split::train},
};

constexpr uint64_t kSplitSalt = 0x766f6963652d7370ull;  // fixed: changing it reshuffles voices

uint64_t hash64(std::string_view s) {
  uint64_t h = fnv1a64(s, kCacheHashStart ^ kSplitSalt);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

const char* engine_name(Engine e) {
  switch (e) {
    case Engine::espeak:
      return "espeak";
    case Engine::flite:
      return "flite";
    case Engine::festival:
      return "festival";
    case Engine::piper:
      return "piper";
  }
  return "?";
}

std::optional<Engine> parse_engine(std::string_view name) {
  for (Engine e : {Engine::espeak, Engine::flite, Engine::festival, Engine::piper})
    if (name == engine_name(e)) return e;
  return std::nullopt;
}

Split family_split(std::string_view family) {
  for (const Pin& p : kPins)
    if (family == p.family) return p.split;
  const double u = static_cast<double>(hash64(family) >> 11) * 0x1.0p-53;
  return u < 0.7 ? Split::train : u < 0.8 ? Split::eval : Split::test;
}

std::optional<Split> voice_split(const std::vector<std::string>& families) {
  std::optional<Split> s;
  for (const auto& f : families) {
    const Split fs = family_split(f);
    if (s && *s != fs) return std::nullopt;
    s = fs;
  }
  return s;
}

std::string espeak_variant_family(std::string_view variant) {
  std::string f;
  for (char c : variant) f += static_cast<char>(c == ' ' ? '_' : std::tolower(static_cast<unsigned char>(c)));
  while (!f.empty() && std::isdigit(static_cast<unsigned char>(f.back()))) f.pop_back();
  if (f == "whisperf") f = "whisper";  // the same whisper voice, female
  return f.empty() ? "default" : f;
}

namespace detail {

void assign_families(Voice& v, std::string_view speaker) {
  v.families.clear();
  if (v.engine == Engine::espeak) {
    v.families.push_back("espeak-base:" + v.base);
    v.families.push_back("espeak-variant:" + espeak_variant_family(v.variant));
  } else {
    v.families.push_back("speaker:" + std::string(speaker));
  }
  v.split = voice_split(v.families);
}

std::vector<float> pcm16_to_16k(const int16_t* samples, size_t n, int rate) {
  std::vector<float> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>(samples[i]) / 32768.0f;
  if (rate == 16000 || n == 0) return f;
  return resample(f.data(), f.size(), rate, 16000);
}

}  // namespace detail

// ---- Synthesizer ----

struct Synthesizer::Impl {
  std::vector<std::unique_ptr<detail::EngineImpl>> engines;  // index: Engine
  std::vector<Voice> voices;
  std::map<std::string, size_t, std::less<>> by_id;
  std::vector<std::string> notes;
};

Synthesizer::Synthesizer() : Synthesizer(Options{}) {}

Synthesizer::Synthesizer(const Options& o) : impl_(std::make_unique<Impl>()) {
  impl_->engines.resize(n_engines);
  auto add = [&](Engine e, std::unique_ptr<detail::EngineImpl> eng, const std::string& why) {
    if (!why.empty()) impl_->notes.push_back(std::string(engine_name(e)) + ": " + why);
    if (!eng) return;
    for (const Voice& v : eng->voices()) impl_->voices.push_back(v);
    impl_->engines[static_cast<int>(e)] = std::move(eng);
  };
  std::string why;
  if (o.espeak) {
    auto e = detail::make_espeak(&why);
    add(Engine::espeak, std::move(e), why);
  }
  if (o.flite) {
    why.clear();
    auto e = detail::make_flite(&why);
    add(Engine::flite, std::move(e), why);
  }
  if (o.festival) {
    why.clear();
    auto e = detail::make_festival(o.festival_program, &why);
    add(Engine::festival, std::move(e), why);
  }
  if (o.piper) {
    why.clear();
    auto e = detail::make_piper(&why);
    add(Engine::piper, std::move(e), why);
  }
  std::sort(impl_->voices.begin(), impl_->voices.end(),
            [](const Voice& a, const Voice& b) { return a.id < b.id; });
  for (size_t i = 0; i < impl_->voices.size(); ++i) impl_->by_id[impl_->voices[i].id] = i;
}

Synthesizer::~Synthesizer() = default;

const std::vector<Voice>& Synthesizer::voices() const { return impl_->voices; }
const std::vector<std::string>& Synthesizer::notes() const { return impl_->notes; }
bool Synthesizer::has(Engine e) const { return impl_->engines[static_cast<int>(e)] != nullptr; }

const Voice* Synthesizer::find(std::string_view id) const {
  auto it = impl_->by_id.find(id);
  return it == impl_->by_id.end() ? nullptr : &impl_->voices[it->second];
}

const Voice& Synthesizer::voice(std::string_view id) const {
  if (const Voice* v = find(id)) return *v;
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                  "unknown voice '" + std::string(id) + "' (see `inherent synth --list-voices`)");
}

void Synthesizer::prepare(int workers) const {
  for (auto& e : impl_->engines)
    if (e) e->prepare(workers);
}

std::vector<float> Synthesizer::synthesize(const Voice& voice, std::string_view text,
                                           const SynthParams& params) const {
  detail::EngineImpl* e = impl_->engines[static_cast<int>(voice.engine)].get();
  if (!e) throw Exception(INHERENT_STATUS_UNSUPPORTED, "voice " + voice.id + ": engine not available");
  SynthParams p = params;
  p.rate = std::clamp(p.rate, voice.rate.min, voice.rate.max);
  p.pitch = std::clamp(p.pitch, voice.pitch.min, voice.pitch.max);
  std::vector<float> out;
  try {
    out = e->synthesize(voice, text, p);
  } catch (const std::exception& ex) {
    throw Exception(INHERENT_STATUS_INTERNAL, "voice " + voice.id + ": " + ex.what());
  }
  if (out.empty())
    throw Exception(INHERENT_STATUS_INTERNAL,
                    "voice " + voice.id + ": no audio for \"" + std::string(text) + "\"");
  augment::limit_peak(out, 1.0);  // resampling a clipped engine output can overshoot slightly
  return out;
}

}  // namespace inherent::tts
