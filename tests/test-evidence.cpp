// SPDX-License-Identifier: Apache-2.0
//
// The minimum-evidence rule (src/engine/evidence.h) and model integrity, through the
// C ABI every binding uses: empty, tiny and silent inputs score 0 on every head and fire
// nothing, in sessions and streams; loud input still reaches the model; the rule can be
// turned off; weights that are not the ones the sidecar describes are refused, and a
// non-finite score is an error naming the model.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "engine/evidence.h"
#include "engine/model-package.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

// Thresholds of 0.01: a model that scores at all fires every head it can.
Model eager_model(uint64_t seed = 21) {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  PackageInfo info = package_default_info();
  for (float& t : info.thresholds) t = 0.01f;
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
