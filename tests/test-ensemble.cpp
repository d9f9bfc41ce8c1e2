// SPDX-License-Identifier: Apache-2.0
//
// The ensemble family (src/engine/arch.h): its logits are the weighted sum of its
// members' on every kernel set and precision, padding included; its streams equal its
// sessions; and its config and package rules (pairs, JSON, refusals naming the field).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/model-package.h"
#include "engine/model.h"
#include "inherent/inherent.hpp"
#include "stream-check.h"

namespace inherent {
namespace {

ModelConfig whisper_member() {
  ModelConfig c;
  c.family = ArchFamily::whisper;
  c.n_hidden = 32, c.n_blocks = 1, c.n_heads = 2, c.ffn_mult = 4, c.conv_kernel = 3;
  c.bridge_mels = 80, c.head_width = 16;
  return c;
}

ModelConfig conformer_member() {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  return c;
}

ModelConfig ensemble(const std::vector<ModelConfig>& members, const std::vector<float>& weights) {
  ModelConfig c;
  c.family = ArchFamily::ensemble;
  c.members = members;
  c.member_weights = weights;
  return c;
}

ModelConfig pair_config() { return ensemble({whisper_member(), conformer_member()}, {0.3f, 0.7f}); }

std::string package_bytes(const ModelConfig& config, const std::vector<PackageTensor>& tensors) {
  std::string bytes, error;
  EXPECT_EQ(model_package_encode(config, tensors, model_metadata_json(config, package_default_info()), true,
                                 &bytes, &error),
            INHERENT_STATUS_OK)
      << error;
  return bytes;
}

inherent_status load(const std::string& bytes, ModelPackage* pkg, std::string* error) {
  return model_package_load_memory(bytes.data(), bytes.size(), nullptr, 0, pkg, error);
}

std::unique_ptr<engine::Model> build(const ModelConfig& config, const std::vector<PackageTensor>& tensors,
                                     const kernels::Kernels& k, engine::Precision precision) {
  ModelPackage pkg;
  std::string error;
  EXPECT_EQ(load(package_bytes(config, tensors), &pkg, &error), INHERENT_STATUS_OK) << error;
  std::unique_ptr<engine::Model> model;
  EXPECT_EQ(engine::Model::create(std::move(pkg), k, &model, &error, precision), INHERENT_STATUS_OK) << error;
  return model;
}

// The ensemble's tensors of one member, its prefix cut.
std::vector<PackageTensor> member_tensors(const std::vector<PackageTensor>& all, size_t i) {
  std::vector<PackageTensor> out;
  const std::string p = ensemble_prefix(i);
  for (PackageTensor t : all) {
    if (t.name.compare(0, p.size(), p) != 0) continue;
    t.name.erase(0, p.size());
    out.push_back(std::move(t));
  }
  return out;
}

// A log-mel of speech-like values, with `lead` and `trail` padding frames (all zero).
std::vector<float> speechy_mel(int frames, int lead = 0, int trail = 0) {
  std::mt19937 rng(7);
  std::normal_distribution<float> n(-6.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(lead + frames + trail) * INHERENT_N_MELS, 0.0f);
  for (size_t i = static_cast<size_t>(lead) * INHERENT_N_MELS;
       i < static_cast<size_t>(lead + frames) * INHERENT_N_MELS; ++i)
    x[i] = n(rng);
  return x;
}

TEST(Ensemble, LogitsAreTheWeightedSumOfItsMembersOnEveryKernelSetAndPrecision) {
  const ModelConfig config = pair_config();
  const std::vector<PackageTensor> tensors = random_package_tensors(config, 5);
  for (const kernels::Kernels* const* k = kernels::kernels_available(); *k; ++k) {
    for (engine::Precision precision : {engine::Precision::float32, engine::Precision::int8}) {
      const auto whole = build(config, tensors, **k, precision);
      const auto a = build(config.members[0], member_tensors(tensors, 0), **k, precision);
      const auto b = build(config.members[1], member_tensors(tensors, 1), **k, precision);
      ASSERT_TRUE(whole && a && b);
      EXPECT_EQ(whole->members.size(), 2u);
      EXPECT_EQ(whole->max_frames(), std::min(a->max_frames(), b->max_frames()));
      EXPECT_EQ(whole->n_params(), a->n_params() + b->n_params());
      engine::Workspace ws, wa, wb;
      for (auto [frames, lead, trail] : {std::tuple{9, 0, 0}, {60, 3, 5}, {151, 0, 2}}) {
        const std::vector<float> x = speechy_mel(frames, lead, trail);
        const int n = lead + frames + trail;
        float got[INHERENT_N_HEADS], la[INHERENT_N_HEADS], lb[INHERENT_N_HEADS];
        std::string error;
        ASSERT_EQ(engine::forward(*whole, ws, x.data(), n, got, &error), INHERENT_STATUS_OK) << error;
        ASSERT_EQ(engine::forward(*a, wa, x.data(), n, la, &error), INHERENT_STATUS_OK) << error;
        ASSERT_EQ(engine::forward(*b, wb, x.data(), n, lb, &error), INHERENT_STATUS_OK) << error;
        for (int h = 0; h < INHERENT_N_HEADS; ++h) {
          const float want = 0.0f + 0.3f * la[h] + 0.7f * lb[h];
          EXPECT_EQ(got[h], want) << (*k)->name << " frames " << n << " head " << h;
          EXPECT_NE(la[h], lb[h]);  // two different models, so the sum is not trivially either
        }
      }
    }
  }
}

TEST(Ensemble, AWindowOfPaddingIsRefusedAsByItsMembers) {
  const ModelConfig config = pair_config();
  const auto model =
      build(config, random_package_tensors(config, 5), kernels::kernels_best(), engine::Precision::float32);
  ASSERT_TRUE(model);
  const std::vector<float> zeros(20 * INHERENT_N_MELS, 0.0f);
  engine::Workspace ws;
  float logits[INHERENT_N_HEADS];
  std::string error;
  EXPECT_EQ(engine::forward(*model, ws, zeros.data(), 20, logits, &error), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error.find("padding"), std::string::npos) << error;
  const std::vector<float> longer = speechy_mel(model->max_frames() + 1);
  EXPECT_EQ(engine::forward(*model, ws, longer.data(), model->max_frames() + 1, logits, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
}

TEST(Ensemble, StreamEqualsTheSessionOnTheSameWindows) {
  const ModelConfig config = pair_config();
  const std::string bytes = package_bytes(config, random_package_tensors(config, 11));
  const Model model = Model::from_memory(bytes.data(), bytes.size(), {}, inherent_model_default_params());
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::vector<float> x(static_cast<size_t>(2.7 * INHERENT_SAMPLE_RATE));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * std::sin(0.05f * static_cast<float>(i)) + noise(rng);
  const size_t n = test::expect_stream_equals_session(model, x, 1000, 100).first;
  EXPECT_GT(n, 20u);
}

TEST(Ensemble, ConfigTravelsAsPairsAndJson) {
  const ModelConfig config = pair_config();
  EXPECT_EQ(arch_config_check(config), "");
  const auto pairs = arch_config_to_pairs(config);
  ModelConfig back;
  ASSERT_EQ(arch_config_from_pairs(pairs, &back), "");
  EXPECT_TRUE(back == config);
  EXPECT_EQ(back.member_weights, (std::vector<float>{0.3f, 0.7f}));
  ModelMetadata meta;
  std::string error;
  const std::string json = model_metadata_json(config, package_default_info());
  ASSERT_EQ(model_metadata_parse(json, &meta, &error), INHERENT_STATUS_OK) << error << "\n" << json;
  EXPECT_TRUE(meta.config == config);
  EXPECT_NE(json.find("\"members.0.family\": \"whisper\""), std::string::npos) << json;

  // Refusals name the key.
  auto with = [&pairs](const std::string& key, const std::string& value) {
    auto p = pairs;
    for (auto& kv : p)
      if (kv.first == key) kv.second = value;
    return p;
  };
  EXPECT_NE(arch_config_from_pairs(with("members.1.weight", "heavy"), &back).find("members.1.weight"),
            std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members.0.weight", "0"), &back).find("non-zero"), std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members", "0"), &back).find("out of range"), std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members", "3"), &back).find("members.2.weight"), std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members.0.family", "ensemble"), &back).find("not ensembles"),
            std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members.1.n_outputs", "12"), &back).find("members.1"),
            std::string::npos);
  EXPECT_NE(arch_config_from_pairs(with("members.1.n_heads", "5"), &back).find("members.1.n_heads = 5"),
            std::string::npos);
  std::string bad = json;
  const std::string weight = "\"members.1.weight\": 0.7";
  ASSERT_NE(bad.find(weight), std::string::npos) << json;
  bad.replace(bad.find(weight), weight.size(), "\"members.1.weight\": []");
  EXPECT_EQ(model_metadata_parse(bad, &meta, &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("config.members.1.weight"), std::string::npos) << error;
}

TEST(Ensemble, TheBackboneConfigIsAnEvenPairOfWhisperTinyEnAndSmall) {
  ModelConfig backbone, whisper, small;
  ASSERT_TRUE(arch_config_by_name("backbone", &backbone));
  ASSERT_TRUE(arch_config_by_name("whisper-tiny.en", &whisper));
  ASSERT_TRUE(arch_config_by_name("small", &small));
  EXPECT_EQ(backbone.family, ArchFamily::ensemble);
  EXPECT_TRUE(backbone.members == (std::vector<ModelConfig>{whisper, small}));
  EXPECT_EQ(backbone.member_weights, (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(arch_n_params(backbone), arch_n_params(whisper) + arch_n_params(small));
  EXPECT_TRUE(arch_cuts_padding(backbone));
  EXPECT_FALSE(arch_cuts_padding(small));
}

TEST(Ensemble, PackageRulesReachIntoEachMember) {
  const ModelConfig config = pair_config();
  std::vector<PackageTensor> tensors = random_package_tensors(config, 5);
  ModelPackage pkg;
  std::string error;
  ASSERT_EQ(load(package_bytes(config, tensors), &pkg, &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ(pkg.tensors.size(), arch_tensors(config).size());
  for (PackageTensor& t : tensors)
    if (t.name == "members.0.bridge.matrix") t.data[3] = -1.0f;
  EXPECT_EQ(load(package_bytes(config, tensors), &pkg, &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("members.0.bridge.matrix"), std::string::npos) << error;
  tensors = random_package_tensors(config, 5);
  for (PackageTensor& t : tensors)
    if (t.name == "members.1.mel_norm.std") t.data[0] = 0.0f;
  EXPECT_EQ(load(package_bytes(config, tensors), &pkg, &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("members.1.mel_norm.std"), std::string::npos) << error;
  // A member's tensor under the wrong prefix is not one the ensemble has.
  tensors = random_package_tensors(config, 5);
  for (PackageTensor& t : tensors)
    if (t.name == "members.1.head.weight") t.name = "head.weight";
  std::string bytes;
  EXPECT_NE(model_package_encode(config, tensors, model_metadata_json(config, package_default_info()), true,
                                 &bytes, &error),
            INHERENT_STATUS_OK);
  EXPECT_NE(error.find("head.weight"), std::string::npos) << error;
}

}  // namespace
}  // namespace inherent
