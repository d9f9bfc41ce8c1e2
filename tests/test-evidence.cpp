// SPDX-License-Identifier: Apache-2.0
//
// The minimum-evidence rule (src/engine/evidence.h) and model integrity, through the
// C ABI every binding uses: empty, tiny and silent inputs score 0 on every head and fire
// nothing, in sessions and streams; loud input still reaches the model; the rule can be
// turned off; weights that are not the ones the sidecar describes are refused, and a
// non-finite score is an error naming the model. The speech span finds the words inside
// seconds of room noise, keeps silence and steady noise whole, and a trimming session
// scores exactly the span.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/sha256.h"
#include "engine/evidence.h"
#include "engine/model-package.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

// Thresholds of 0.01: a model that scores at all fires every head it can.
Model eager_model(uint64_t seed = 21, bool trim_to_speech = false) {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  PackageInfo info = package_default_info();
  for (float& t : info.thresholds) t = 0.01f;
  info.trim_to_speech = trim_to_speech;
  const std::string weights = random_package_bytes(c, info, seed);
  EXPECT_FALSE(weights.empty());
  return Model::from_memory(weights.data(), weights.size(), {});
}

std::vector<float> noise(double seconds, double dbfs, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0f, static_cast<float>(std::pow(10.0, dbfs / 20.0)));
  std::vector<float> x(static_cast<size_t>(seconds * INHERENT_SAMPLE_RATE));
  for (float& v : x) v = n(rng);
  return x;
}

bool all_zero(const Scores& s) {
  for (const float v : s)
    if (v != 0.0f) return false;
  return true;
}

Mel mel_of(const std::vector<float>& x) { return mel(x.data(), x.size()); }

TEST(Evidence, VoicedFramesFollowTheFloor) {
  // Digital silence and quiet noise are below the floor; -40 dBFS noise is above it;
  // padding (exact zeros) never counts, although 0 is above the floor.
  size_t n = 0;
  const Mel silent = mel_of(std::vector<float>(16000, 0.0f));
  ASSERT_EQ(inherent_mel_voiced_frames(silent.data.data(), silent.n_frames, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(n, 0u);
  const Mel quiet = mel_of(noise(1.0, -70.0));
  ASSERT_EQ(inherent_mel_voiced_frames(quiet.data.data(), quiet.n_frames, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(n, 0u);
  const Mel loud = mel_of(noise(1.0, -40.0));
  ASSERT_EQ(inherent_mel_voiced_frames(loud.data.data(), loud.n_frames, &n), INHERENT_STATUS_OK);
  EXPECT_GE(n, 49u);
  const std::vector<float> padding(5 * INHERENT_N_MELS, 0.0f);
  ASSERT_EQ(inherent_mel_voiced_frames(padding.data(), 5, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(inherent_mel_voiced_frames(nullptr, 3, &n), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(engine::min_voiced_frames(200), 10u);
  EXPECT_EQ(engine::min_voiced_frames(210), 11u);
  EXPECT_EQ(engine::min_voiced_frames(0), 0u);
}

TEST(Evidence, NothingFiresOnEmptyTinyOrSilentAudio) {
  const Model model = eager_model();
  Session session(model);
  const std::vector<std::vector<float>> inputs = {
      {},                               // an empty buffer
      {0.5f},                           // one sample
      noise(0.01, -10.0),               // 10 ms, loud
      noise(0.15, -10.0),               // 150 ms, loud: still too short
      std::vector<float>(11200, 0.0f),  // 0.7 s of digital silence
      noise(2.0, -75.0),                // 2 s of a very quiet room
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Scores s = session.score_audio(inputs[i].data(), inputs[i].size());
    EXPECT_TRUE(all_zero(s)) << "input " << i;
    EXPECT_EQ(model.decide(s), 0u) << "input " << i;
    EXPECT_LT(session.voiced_frames(), 10u) << "input " << i;
  }
  // The same through score_mel.
  const Mel silent = mel_of(std::vector<float>(11200, 0.0f));
  EXPECT_TRUE(all_zero(session.score_mel(silent.data.data(), silent.n_frames)));
}

TEST(Evidence, LoudInputReachesTheModelAndTheRuleCanBeTurnedOff) {
  const Model model = eager_model();
  Session session(model);
  const std::vector<float> loud = noise(0.5, -20.0);
  const Scores s = session.score_audio(loud.data(), loud.size());
  EXPECT_FALSE(all_zero(s));
  EXPECT_GE(session.voiced_frames(), 24u);

  inherent_session_params p = inherent_session_default_params();
  p.min_voiced_ms = 0;
  Session raw(model, p);
  const float one = 0.5f;
  const Scores r = raw.score_audio(&one, 1);
  EXPECT_FALSE(all_zero(r));  // the model's own guess on one sample, which the rule hides
  p.min_voiced_ms = 60001;
  inherent_session* bad = nullptr;
  EXPECT_EQ(inherent_session_init(model.get(), &p, &bad), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(inherent_last_error()).find("min_voiced_ms"), std::string::npos);
}

TEST(Evidence, StreamsEmitNothingForNothingAndZeroForSilence) {
  const Model model = eager_model();
  {  // No samples at all: no result, even after input_finished.
    Stream st(model);
    st.input_finished();
    EXPECT_EQ(st.ready(), 0u);
  }
  {  // One sample: a flush result that fires nothing.
    Stream st(model);
    const float one = 0.9f;
    st.accept(&one, 1);
    st.input_finished();
    ASSERT_EQ(st.ready(), 1u);
    const inherent_stream_result r = st.scores();
    EXPECT_EQ(r.fired, 0u);
    for (const float v : r.scores) EXPECT_EQ(v, 0.0f);
  }
  {  // Silence then loud noise: silent windows score 0, loud ones reach the model.
    Stream st(model);
    std::vector<float> x(32000, 0.0f);
    const std::vector<float> loud = noise(1.0, -20.0);
    x.insert(x.end(), loud.begin(), loud.end());
    st.accept(x.data(), x.size());
    st.input_finished();
    int silent = 0, scored = 0;
    while (st.ready() > 0) {
      const inherent_stream_result r = st.scores();
      bool zero = true;
      for (const float v : r.scores) zero = zero && v == 0.0f;
      if (r.end_s <= 2.0) {
        EXPECT_TRUE(zero) << r.end_s;
        EXPECT_EQ(r.fired, 0u);
        ++silent;
      } else if (r.end_s >= 2.3) {
        EXPECT_FALSE(zero) << r.end_s;
        ++scored;
      }
    }
    EXPECT_EQ(silent, 20);
    EXPECT_GT(scored, 5);
  }
}

// --- model integrity ----------------------------------------------------------------

struct PackageBytes {
  std::string weights, metadata;
};

PackageBytes package_with_digest(std::vector<PackageTensor> tensors) {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  PackageBytes p;
  std::string error;
  EXPECT_EQ(model_package_encode(c, tensors, "", false, &p.weights, &error), INHERENT_STATUS_OK);
  PackageInfo info = package_default_info();
  info.model_name = "tiny";
  info.weights_size = static_cast<int64_t>(p.weights.size());
  info.weights_sha256 = sha256_hex(p.weights);
  p.metadata = model_metadata_json(c, info);
  return p;
}

std::vector<PackageTensor> tiny_tensors() {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  return random_package_tensors(c, 5);
}

inherent_status load(const PackageBytes& p, std::string* message) {
  inherent_model* m = nullptr;
  const inherent_status st = inherent_model_init_from_memory(
      p.weights.data(), p.weights.size(), p.metadata.data(), p.metadata.size(), nullptr, &m);
  *message = inherent_last_error();
  inherent_model_free(m);
  return st;
}

// 4 s of white noise `snr_db` below two 0.5 s "syllables" (a 200 Hz voice with
// harmonics to 3 kHz, 0.25 s apart), then 2.5 s more: the words span 4.0-5.25 s.
std::vector<float> words_in_room_noise(double snr_db) {
  const int sr = INHERENT_SAMPLE_RATE;
  std::vector<float> x = noise(4.0 + 1.5 + 2.5, -20.0 - snr_db, 5);
  for (int i = 0; i < static_cast<int>(1.5 * sr); ++i) {
    const double t = static_cast<double>(i) / sr;
    if (std::fmod(t, 0.75) >= 0.5) continue;
    double v = 0;
    for (int k = 1; k < 16; ++k) v += std::sin(2 * M_PI * 200 * k * t) / k;
    x[static_cast<size_t>(4 * sr + i)] += static_cast<float>(0.1 * v);  // about -20 dBFS
  }
  return x;
}

std::pair<size_t, size_t> span_of(const Mel& m) {
  size_t start = 99, end = 99;
  EXPECT_EQ(inherent_mel_speech_span(m.data.data(), m.n_frames, &start, &end), INHERENT_STATUS_OK);
  return {start, end};
}

TEST(SpeechSpan, FindsTheWordsInsideRoomNoise) {
  for (const double snr : {10.0, 25.0, 40.0}) {
    const auto [start, end] = span_of(mel_of(words_in_room_noise(snr)));
    // Frames 200-262 hold the words; 12 frames of margin each side, and a frame's 25 ms
    // window and the 3-frame smoothing may add one.
    EXPECT_GE(start, 186u) << snr;
    EXPECT_LE(start, 188u) << snr;
    EXPECT_GE(end, 274u) << snr;
    EXPECT_LE(end, 277u) << snr;
  }
}

TEST(SpeechSpan, SilenceSteadyNoiseShortInputsAndPaddingKeepTheirFrames) {
  for (const Mel& m : {mel_of(std::vector<float>(32000, 0.0f)), mel_of(noise(2.0, -30.0))}) {
    const auto [start, end] = span_of(m);
    EXPECT_EQ(start, 0u);
    EXPECT_EQ(end, m.n_frames);
  }
  const Mel two = mel_of(noise(0.03, -20.0));
  ASSERT_LE(two.n_frames, 2u);
  EXPECT_EQ(span_of(two), std::make_pair(size_t{0}, two.n_frames));
  // All-zero frames after the input are padding: never in the span, whatever their level.
  Mel padded = mel_of(words_in_room_noise(25.0));
  const size_t real = padded.n_frames;
  const auto unpadded = span_of(padded);
  padded.data.resize((real + 500) * INHERENT_N_MELS, 0.0f);
  padded.n_frames = real + 500;
  EXPECT_EQ(span_of(padded), unpadded);
}

TEST(SpeechSpan, ATrimmingSessionScoresExactlyTheSpan) {
  const Model model = eager_model();
  const Mel framed = mel_of(words_in_room_noise(20.0));
  const auto [start, end] = span_of(framed);
  ASSERT_GT(start, 0u);
  ASSERT_LT(end, framed.n_frames);
  inherent_session_params p = inherent_session_default_params();
  p.trim_to_speech = 1;
  Session trimming(model, p);
  Session plain(model);
  const Scores t = trimming.score_mel(framed.data.data(), framed.n_frames);
  const Scores s = plain.score_mel(framed.data.data() + start * INHERENT_N_MELS, end - start);
  EXPECT_EQ(t, s);
  EXPECT_EQ(trimming.voiced_frames(), plain.voiced_frames());
  EXPECT_NE(t, plain.score_mel(framed.data.data(), framed.n_frames));  // the noise did matter
}

// A model whose metadata says scoring.trim_to_speech: sessions trim unless told otherwise.
TEST(SpeechSpan, TheModelsMetadataPicksTheDefault) {
  const Model says_trim = eager_model(21, true), says_nothing = eager_model(21);
  EXPECT_TRUE(says_trim.metadata().find("\"trim_to_speech\": true") != std::string::npos);
  EXPECT_EQ(says_nothing.metadata().find("scoring"), std::string::npos);
  const Mel framed = mel_of(words_in_room_noise(20.0));
  inherent_session_params every = inherent_session_default_params(), span = every;
  EXPECT_EQ(every.trim_to_speech, -1);
  every.trim_to_speech = 0;
  span.trim_to_speech = 1;
  const auto score = [&](const Model& m, const inherent_session_params* p) {
    Session s(m, p ? *p : inherent_session_default_params());
    return s.score_mel(framed.data.data(), framed.n_frames);
  };
  EXPECT_EQ(score(says_trim, nullptr), score(says_nothing, &span));
  EXPECT_EQ(score(says_trim, &every), score(says_nothing, nullptr));
  EXPECT_EQ(score(says_nothing, nullptr), score(says_nothing, &every));
  EXPECT_NE(score(says_trim, nullptr), score(says_nothing, nullptr));
}

TEST(SpeechSpan, BadArgumentsAreNamed) {
  Mel m = mel_of(noise(0.5, -20.0));
  size_t start = 0, end = 0;
  EXPECT_EQ(inherent_mel_speech_span(m.data.data(), m.n_frames, nullptr, &end),
            INHERENT_STATUS_INVALID_ARGUMENT);
  m.data[5 * INHERENT_N_MELS + 7] = std::nanf("");
  EXPECT_EQ(inherent_mel_speech_span(m.data.data(), m.n_frames, &start, &end),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(inherent_last_error()).find("mel[5, 7]"), std::string::npos);
  const Model model = eager_model();
  inherent_session_params p = inherent_session_default_params();
  p.trim_to_speech = 2;
  inherent_session* bad = nullptr;
  EXPECT_EQ(inherent_session_init(model.get(), &p, &bad), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(inherent_last_error()).find("trim_to_speech"), std::string::npos);
}

TEST(Integrity, WeightsMustMatchTheSidecarDigest) {
  PackageBytes p = package_with_digest(tiny_tensors());
  std::string message;
  ASSERT_EQ(load(p, &message), INHERENT_STATUS_OK) << message;
  // One byte changed in the last tensor's data: still finite, still the right shape.
  p.weights[p.weights.size() - 3] ^= 0x01;
  EXPECT_EQ(load(p, &message), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(message.find("SHA-256"), std::string::npos) << message;
  p.weights.pop_back();
  EXPECT_EQ(load(p, &message), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(message.find("bytes but"), std::string::npos) << message;
}

TEST(Integrity, MalformedDigestEntriesAreNamed) {
  PackageBytes p = package_with_digest(tiny_tensors());
  const size_t at = p.metadata.find("\"sha256\": \"");
  ASSERT_NE(at, std::string::npos);
  p.metadata[at + 11] = 'Z';
  std::string message;
  EXPECT_EQ(load(p, &message), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(message.find("artifacts[0].sha256"), std::string::npos) << message;
}

TEST(Integrity, NonFiniteScoresAreAnErrorNamingTheModel) {
  // Finite weights whose sums overflow: the head's weights at 3e38.
  std::vector<PackageTensor> t = tiny_tensors();
  for (PackageTensor& x : t)
    if (x.name == "head.weight")
      for (float& v : x.data) v = 3e38f;
  const PackageBytes p = package_with_digest(t);
  const Model model = Model::from_memory(p.weights.data(), p.weights.size(), p.metadata);
  Session session(model);
  const std::vector<float> loud = noise(1.0, -20.0);
  float scores[INHERENT_N_HEADS];
  EXPECT_EQ(inherent_session_score_audio(session.get(), loud.data(), loud.size(), scores),
            INHERENT_STATUS_INVALID_MODEL);
  const std::string message = inherent_last_error();
  EXPECT_NE(message.find("model tiny 0.0.0 gave a non-finite score"), std::string::npos) << message;
  Stream st(model);
  st.accept(loud.data(), loud.size());
  // The first windows are too short to score (0, no error); the first scored one fails.
  inherent_stream_result r;
  inherent_status status = INHERENT_STATUS_OK;
  while (st.ready() > 0 && status == INHERENT_STATUS_OK) status = inherent_stream_scores(st.get(), &r);
  EXPECT_EQ(status, INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(std::string(inherent_last_error()).find("non-finite score"), std::string::npos);
}

}  // namespace
}  // namespace inherent
