// SPDX-License-Identifier: Apache-2.0
//
// The native engine's whisper family (src/engine/arch.h, model-whisper.cpp) against the
// torch reference run in float64 (src/backbone/package.py; golden files from
// tests/data/whisper-family/make.py: a random model of the family, width 32), on every
// kernel set this host runs; its streams against its sessions; and the package rules
// that are new with the family.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/safetensors.h"
#include "engine/model-package.h"
#include "engine/model.h"
#include "host/files.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"
#include "stream-check.h"

namespace inherent {
namespace {

const std::string kDir = std::string(INHERENT_SOURCE_DIR) + "/tests/data/whisper-family/";
const int kLengths[] = {1, 2, 7, 50, 151};  // lengths.json

// The golden weights file as a single-buffer package (seed thresholds).
std::string package_bytes(const ModelConfig** config_out = nullptr) {
  static ModelConfig config;
  std::vector<PackageTensor> tensors;
  std::string error;
  EXPECT_EQ(package_tensors_from_weights(read_file(kDir + "weights.safetensors"), &config, &tensors, &error),
            INHERENT_STATUS_OK)
      << error;
  std::string bytes;
  EXPECT_EQ(model_package_encode(config, tensors, model_metadata_json(config, package_default_info()), true,
                                 &bytes, &error),
            INHERENT_STATUS_OK)
      << error;
  if (config_out) *config_out = &config;
  return bytes;
}

std::unique_ptr<engine::Model> engine_model(const kernels::Kernels& k,
                                            engine::Precision precision = engine::Precision::float32,
                                            std::string* error_out = nullptr) {
  const std::string bytes = package_bytes();
  ModelPackage pkg;
  std::string error;
  EXPECT_EQ(model_package_load_memory(bytes.data(), bytes.size(), nullptr, 0, &pkg, &error),
            INHERENT_STATUS_OK)
      << error;
  std::unique_ptr<engine::Model> model;
  const inherent_status st = engine::Model::create(std::move(pkg), k, &model, &error, precision);
  if (error_out) *error_out = error;
  if (st != INHERENT_STATUS_OK) return nullptr;
  return model;
}

TEST(WhisperFamily, EqualsTheFloat64ReferenceOnEveryKernelSet) {
  const NpyArray expected = read_npy(kDir + "expected.npy");
  ASSERT_EQ(expected.shape, (std::vector<size_t>{std::size(kLengths), INHERENT_N_HEADS}));
  for (const kernels::Kernels* const* k = kernels::kernels_available(); *k; ++k) {
    const auto model = engine_model(**k);
    ASSERT_TRUE(model);
    EXPECT_EQ(model->config().family, ArchFamily::whisper);
    EXPECT_EQ(model->max_frames(), kWhisperPositions);
    engine::Workspace ws;
    double worst = 0;
    for (size_t i = 0; i < std::size(kLengths); ++i) {
      const NpyArray mel = read_npy(kDir + "mel-" + std::to_string(kLengths[i]) + ".npy");
      ASSERT_EQ(mel.shape, (std::vector<size_t>{static_cast<size_t>(kLengths[i]), INHERENT_N_MELS}));
      float logits[INHERENT_N_HEADS];
      std::string error;
      ASSERT_EQ(engine::forward(*model, ws, mel.data.data(), kLengths[i], logits, &error), INHERENT_STATUS_OK)
          << error;
      for (int h = 0; h < INHERENT_N_HEADS; ++h)
        worst = std::max(worst, std::fabs(double(logits[h]) - expected.data[i * INHERENT_N_HEADS + h]));
    }
    std::printf("%s: max |logit - float64 reference| = %.2e\n", (*k)->name, worst);
    EXPECT_LE(worst, 1e-4) << (*k)->name;
  }
}

TEST(WhisperFamily, PaddingAtEitherEndIsCut) {
  const auto model = engine_model(kernels::kernels_best());
  ASSERT_TRUE(model);
  const NpyArray mel = read_npy(kDir + "mel-50.npy");
  std::vector<float> padded(3 * INHERENT_N_MELS, 0.0f);
  padded.insert(padded.end(), mel.data.begin(), mel.data.end());
  padded.resize(padded.size() + 4 * INHERENT_N_MELS, 0.0f);
  engine::Workspace ws;
  float plain[INHERENT_N_HEADS], cut[INHERENT_N_HEADS];
  std::string error;
  ASSERT_EQ(engine::forward(*model, ws, mel.data.data(), 50, plain, &error), INHERENT_STATUS_OK) << error;
  ASSERT_EQ(engine::forward(*model, ws, padded.data(), 57, cut, &error), INHERENT_STATUS_OK) << error;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(plain[h], cut[h]) << h;
  const std::vector<float> zeros(10 * INHERENT_N_MELS, 0.0f);
  EXPECT_EQ(engine::forward(*model, ws, zeros.data(), 10, plain, &error), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error.find("padding"), std::string::npos) << error;
}

TEST(WhisperFamily, LongerThanThePositionTableIsRefused) {
  const auto model = engine_model(kernels::kernels_best());
  ASSERT_TRUE(model);
  std::vector<float> mel(static_cast<size_t>(kWhisperPositions + 1) * INHERENT_N_MELS, -5.0f);
  engine::Workspace ws;
  float logits[INHERENT_N_HEADS];
  std::string error;
  EXPECT_EQ(engine::forward(*model, ws, mel.data(), kWhisperPositions + 1, logits, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error.find("30 s"), std::string::npos) << error;
}

TEST(WhisperFamily, Int8TracksFloat32OnEveryKernelSet) {
  // The blocks' Linears in int8 (random weights, not snapped to the int8 grid): the
  // logits stay near float32's, and every set computes the same integers.
  const NpyArray expected = read_npy(kDir + "expected.npy");
  std::vector<float> first;
  for (const kernels::Kernels* const* k = kernels::kernels_available(); *k; ++k) {
    const auto model = engine_model(**k, engine::Precision::int8);
    ASSERT_TRUE(model);
    engine::Workspace ws;
    double worst = 0;
    std::vector<float> all;
    for (size_t i = 0; i < std::size(kLengths); ++i) {
      const NpyArray mel = read_npy(kDir + "mel-" + std::to_string(kLengths[i]) + ".npy");
      float logits[INHERENT_N_HEADS];
      std::string error;
      ASSERT_EQ(engine::forward(*model, ws, mel.data.data(), kLengths[i], logits, &error), INHERENT_STATUS_OK)
          << error;
      for (int h = 0; h < INHERENT_N_HEADS; ++h) {
        worst = std::max(worst, std::fabs(double(logits[h]) - expected.data[i * INHERENT_N_HEADS + h]));
        all.push_back(logits[h]);
      }
    }
    std::printf("%s int8: max |logit - float64 reference| = %.2e\n", (*k)->name, worst);
    EXPECT_LE(worst, 0.05) << (*k)->name;
    EXPECT_GT(worst, 1e-6) << (*k)->name << ": int8 should differ from float32 somewhere";
    if (first.empty()) first = all;
    for (size_t i = 0; i < all.size(); ++i) EXPECT_NEAR(all[i], first[i], 1e-4) << (*k)->name << " " << i;
  }
}

// Speech-like audio: a gliding harmonic tone with pauses, plus a little noise.
std::vector<float> audio(double seconds) {
  std::mt19937 rng(4);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  std::vector<float> x(static_cast<size_t>(seconds * INHERENT_SAMPLE_RATE));
  double phase = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / INHERENT_SAMPLE_RATE;
    phase += 2 * M_PI * (140 + 40 * std::sin(2 * M_PI * 0.7 * t)) / INHERENT_SAMPLE_RATE;
    double y = 0;
    for (int h = 1; h < 12; ++h) y += std::sin(h * phase) / h;
    x[i] = static_cast<float>(0.2 * std::max(0.0, std::sin(2 * M_PI * 1.5 * t)) * y) + noise(rng);
  }
  return x;
}

TEST(WhisperFamily, StreamEqualsTheSessionOnTheSameWindows) {
  const std::string bytes = package_bytes();
  const Model model = Model::from_memory(bytes.data(), bytes.size(), {}, inherent_model_default_params());
  const std::vector<float> x = audio(3.3);
  const auto [n, scored] = test::expect_stream_equals_session(model, x, 1000, 100);
  const int64_t frames = mel(x.data(), x.size()).n_frames;
  EXPECT_EQ(n, static_cast<size_t>(frames / 5 + (frames % 5 != 0)));  // every 100 ms hop, and the flush
  EXPECT_GT(scored, 20u);
  inherent_stream_params p = inherent_stream_default_params();
  p.window_ms = 40000;
  EXPECT_THROW(Stream(model, p), Exception);  // longer than the 30 s the family reads
}

TEST(WhisperFamily, ConfigTravelsAsPairsAndJson) {
  const ModelConfig* config = nullptr;
  const std::string bytes = package_bytes(&config);
  ASSERT_TRUE(config);
  const auto pairs = arch_config_to_pairs(*config);
  ASSERT_FALSE(pairs.empty());
  EXPECT_EQ(pairs.front(), (std::pair<std::string, std::string>{"family", "whisper"}));
  ModelConfig back;
  EXPECT_EQ(arch_config_from_pairs(pairs, &back), "");
  EXPECT_TRUE(back == *config);
  // The conformer family writes what files held before the family existed.
  ModelConfig small;
  ASSERT_TRUE(arch_config_by_name("small", &small));
  for (const auto& kv : arch_config_to_pairs(small)) EXPECT_NE(kv.first, "family");
  auto unknown = pairs;
  unknown.front().second = "rnn";
  EXPECT_NE(arch_config_from_pairs(unknown, &back).find("unknown value 'rnn'"), std::string::npos);
  // The sidecar says it too, and the loader checks it.
  ModelMetadata meta;
  std::string error;
  const std::string json = model_metadata_json(*config, package_default_info());
  ASSERT_EQ(model_metadata_parse(json, &meta, &error), INHERENT_STATUS_OK) << error;
  EXPECT_TRUE(meta.config == *config);
  std::string bad = json;
  bad.replace(bad.find("\"whisper\""), 9, "\"lstm\"");
  EXPECT_EQ(model_metadata_parse(bad, &meta, &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("config.family"), std::string::npos) << error;
  EXPECT_EQ(arch_whisper_tiny_en().n_hidden, 384);
  EXPECT_EQ(arch_config_check(arch_whisper_tiny_en()), "");
}

TEST(WhisperFamily, ANegativeBridgeIsRefused) {
  const ModelConfig* config = nullptr;
  package_bytes(&config);
  std::vector<PackageTensor> tensors = random_package_tensors(*config, 9);
  for (PackageTensor& t : tensors)
    if (t.name == "bridge.matrix") t.data[5] = -0.5f;
  std::string bytes, error;
  ASSERT_EQ(model_package_encode(*config, tensors, model_metadata_json(*config, package_default_info()), true,
                                 &bytes, &error),
            INHERENT_STATUS_OK);
  ModelPackage pkg;
  EXPECT_EQ(model_package_load_memory(bytes.data(), bytes.size(), nullptr, 0, &pkg, &error),
            INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("'bridge.matrix' element 5"), std::string::npos) << error;
}

}  // namespace
}  // namespace inherent
