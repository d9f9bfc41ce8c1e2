// SPDX-License-Identifier: Apache-2.0
// espeak-ng through its C API. The library is initialized once in this process (to list
// voices) and never synthesizes here: requests go to a ForkServer forked from that
// initialized state, so each one starts from identical library state.
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "data/tts-engine.h"
#include "data/tts-process.h"

namespace inherent::tts::detail {

namespace {

std::mutex g_init_mu;
int g_rate = 0;  // espeak's output rate after initialization; 0: not initialized

// Samples collected by the synthesis callback (in the helper child only).
std::vector<int16_t>* g_sink = nullptr;

int collect(short* wav, int n, espeak_EVENT*) {
  if (wav && n > 0 && g_sink) g_sink->insert(g_sink->end(), wav, wav + n);
  return 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Request {  // serialized as "voice\nrate\npitch\ntext"
  std::string voice;
  int wpm = 175, pitch = 50;
  std::string text;
};

std::string encode(const Request& r) {
  return r.voice + "\n" + std::to_string(r.wpm) + "\n" + std::to_string(r.pitch) + "\n" + r.text;
}

Request decode(const std::string& s) {
  Request r;
  size_t a = s.find('\n'), b = s.find('\n', a + 1), c = s.find('\n', b + 1);
  if (a == std::string::npos || b == std::string::npos || c == std::string::npos)
    throw std::runtime_error("bad request");
  r.voice = s.substr(0, a);
  r.wpm = std::stoi(s.substr(a + 1, b - a - 1));
  r.pitch = std::stoi(s.substr(b + 1, c - b - 1));
  r.text = s.substr(c + 1);
  return r;
}

// Runs in a fresh helper child.
std::string synth_in_child(const std::string& request) {
  const Request r = decode(request);
  std::vector<int16_t> pcm;
  g_sink = &pcm;
  espeak_SetSynthCallback(collect);
  if (espeak_SetVoiceByName(r.voice.c_str()) != EE_OK)
    throw std::runtime_error("espeak-ng cannot load voice " + r.voice);
  espeak_SetParameter(espeakRATE, r.wpm, 0);
  espeak_SetParameter(espeakPITCH, r.pitch, 0);
  const espeak_ERROR err = espeak_Synth(r.text.c_str(), r.text.size() + 1, 0, POS_CHARACTER, 0,
                                        espeakCHARS_UTF8, nullptr, nullptr);
  if (err != EE_OK)
    throw std::runtime_error("espeak_Synth failed (" + std::to_string(static_cast<int>(err)) + ")");
  espeak_Synchronize();
  return std::string(reinterpret_cast<const char*>(pcm.data()), pcm.size() * sizeof(int16_t));
}

class Espeak : public EngineImpl {
 public:
  Espeak(std::vector<Voice> voices, int rate) : voices_(std::move(voices)), rate_(rate) {}

  const std::vector<Voice>& voices() const override { return voices_; }

  std::vector<float> synthesize(const Voice& v, std::string_view text, const SynthParams& p) override {
    Request r;
    r.voice = v.native;
    r.wpm = static_cast<int>(std::lround(espeakRATE_NORMAL * p.rate));
    r.pitch = std::clamp(static_cast<int>(std::lround(50 * p.pitch)), 0, 100);
    r.text = std::string(text);
    for (char& c : r.text)
      if (c == '\n' || c == '\r') c = ' ';
    std::string reply;
    const std::shared_ptr<ForkServer> s = server();
    try {
      reply = s->call(encode(r));
    } catch (const std::runtime_error&) {
      if (s->alive()) throw;              // the request failed, not the server
      reply = server()->call(encode(r));  // once more, on a fresh server
    }
    return pcm16_to_16k(reinterpret_cast<const int16_t*>(reply.data()), reply.size() / sizeof(int16_t),
                        rate_);
  }

 private:
  // The one server, started with the engine; restarted if it has gone (a helper killed
  // from outside), which forks from a busy process but only in that rare case.
  std::shared_ptr<ForkServer> server() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!server_->alive()) server_ = std::make_shared<ForkServer>(synth_in_child);
    return server_;
  }

  std::vector<Voice> voices_;
  int rate_;
  std::mutex mu_;
  std::shared_ptr<ForkServer> server_ = std::make_shared<ForkServer>(synth_in_child);
};

// Language voices ("gmw/en-GB-x-rp", language "en-gb-x-rp") x variants ("!v/f3").
std::vector<Voice> list_voices() {
  std::vector<Voice> out;
  struct Base {
    std::string lang, file;
    char gender;
    bool operator<(const Base& o) const { return lang < o.lang; }
    bool operator==(const Base& o) const { return lang == o.lang; }
  };
  std::vector<Base> bases;
  for (const espeak_VOICE** v = espeak_ListVoices(nullptr); v && *v; ++v) {
    const char* id = (*v)->identifier;
    const char* langs = (*v)->languages;  // priority byte, then language, NUL, ...
    if (!id || !langs || !langs[0]) continue;
    const std::string lang = lower(langs + 1);
    if (lang != "en" && lang.rfind("en-", 0) != 0) continue;
    if (std::strncmp(id, "mb/", 3) == 0) continue;  // MBROLA voices need MBROLA databases
    // espeak_SetVoiceByName finds a language voice by its file name ("gmw/en" -> "en").
    const char* slash = std::strrchr(id, '/');
    bases.push_back({lang, slash ? slash + 1 : id, (*v)->gender == 2 ? 'f' : 'm'});
  }
  std::sort(bases.begin(), bases.end());
  bases.erase(std::unique(bases.begin(), bases.end()), bases.end());

  std::vector<std::pair<std::string, char>> variants = {{"", '?'}};  // file name, gender
  espeak_VOICE spec{};
  spec.languages = "variant";
  for (const espeak_VOICE** v = espeak_ListVoices(&spec); v && *v; ++v) {
    const char* id = (*v)->identifier;
    if (!id || std::strncmp(id, "!v/", 3) != 0) continue;
    variants.emplace_back(id + 3, (*v)->gender == 2 ? 'f' : (*v)->gender == 1 ? 'm' : '?');
  }
  for (const auto& [lang, file, base_gender] : bases)
    for (const auto& [variant, gender] : variants) {
      Voice v;
      v.engine = Engine::espeak;
      v.base = lang;
      v.variant = variant;
      std::string vid = variant;
      std::replace(vid.begin(), vid.end(), ' ', '_');
      v.id = "espeak:" + lang + (variant.empty() ? "" : "+" + vid);
      v.native = file + (variant.empty() ? "" : "+" + variant);
      v.gender = variant.empty() ? base_gender : gender;
      v.rate = {0.8, 1.45};  // x 175 words per minute
      v.pitch = {0.6, 1.5};  // x 50 on espeak's 0-100 pitch scale
      assign_families(v, "");
      out.push_back(std::move(v));
    }
  return out;
}

}  // namespace

std::unique_ptr<EngineImpl> make_espeak(std::string* why) {
  std::lock_guard<std::mutex> lock(g_init_mu);
  if (g_rate == 0) {
    const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) {
      if (why) *why = "libespeak-ng failed to initialize (espeak-ng-data missing?)";
      return nullptr;
    }
    g_rate = rate;
  }
  std::vector<Voice> voices = list_voices();
  if (voices.empty()) {
    if (why) *why = "no English voices found";
    return nullptr;
  }
  return std::make_unique<Espeak>(std::move(voices), g_rate);
}

}  // namespace inherent::tts::detail
