// SPDX-License-Identifier: Apache-2.0
//
// The exported graph against the trainer's LibTorch model: the same weights give the
// same scores in the LiteRT graph (run by the float evaluator that calibrates int8
// models) as in the model that was trained, alone and zero-padded to 3000 frames.
// Runtime parity of each artifact against the float64 reference is in pytest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "export/export-model.h"
#include "export/tflite-eval.h"
#include "export/tflite-graph.h"
#include "train/model.h"

namespace inherent::exporter {
namespace {

// Trained-looking weights: linear layers at torch's init scale, LayerNorm near 1 / 0,
// mel_norm like log-mel statistics.
ExportModel random_model(const std::string& name, uint32_t seed) {
  ExportModel m;
  EXPECT_TRUE(arch_config_by_name(name, &m.config));
  m.config_name = name;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const ArchTensor& a : arch_tensors(m.config)) {
    Tensor t{a.shape, std::vector<float>(static_cast<size_t>(a.numel()))};
    const std::string module = a.name.substr(0, a.name.rfind('.'));
    const bool norm = module.ends_with("norm") || module.ends_with("norm1") || module.ends_with("norm2");
    const float fan_in = a.shape.size() > 1 ? static_cast<float>(a.numel() / a.shape[0]) : 64.0f;
    for (float& v : t.data) {
      if (a.name == "mel_norm.mean") {
        v = -11.0f + 2.0f * normal(rng);
      } else if (a.name == "mel_norm.std") {
        v = 4.5f + 0.5f * std::abs(normal(rng));
      } else if (norm) {
        v = a.name.ends_with(".weight") ? 1.0f + 0.1f * normal(rng) : 0.05f * normal(rng);
      } else {
        v = normal(rng) / std::sqrt(fan_in);
      }
    }
    m.tensors[a.name] = std::move(t);
  }
  return m;
}

TEST(ExportTorch, LiteRtGraphScoresLikeTheLibTorchModel) {
  torch::NoGradGuard no_grad;
  for (const char* config : {"tiny", "small"}) {
    const ExportModel m = random_model(config, 5);
    train::Conformer model(m.config, 0.0);
    train::load_model_safetensors(*model, encode_weights(m), "random weights");
    model->eval();
    const tfl::Graph g = tfl::build_conformer(m);
    std::mt19937 rng(9);
    std::normal_distribution<float> noise(0.0f, 1.5f);
    for (int32_t frames : {1, 37, 151}) {
      std::vector<float> mel(static_cast<size_t>(frames) * 128);
      for (size_t i = 0; i < mel.size(); ++i)
        mel[i] = -11.0f + 3.0f * std::sin(0.05f * (i % 128) + 0.3f * (i / 128)) + noise(rng);
      const torch::Tensor x = torch::from_blob(mel.data(), {1, frames, 128}, torch::kFloat32).clone();
      const torch::Tensor want = model->scores(x).contiguous();
      torch::Tensor padded = torch::zeros({1, frames == 37 ? 3000 : frames, 128});
      padded.index_put_({0, torch::indexing::Slice(0, frames)}, x[0]);
      const torch::Tensor want_padded =
          model->scores(padded).contiguous();  // 3000 frames once (it takes seconds)
      const std::vector<tfl::Value> v = tfl::evaluate(g, mel.data(), frames);
      const tfl::Value& got = v.at(g.outputs[0]);
      ASSERT_EQ(got.data.size(), 13u);
      double worst = 0;
      for (int i = 0; i < 13; ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(got.data[i]) - want[0][i].item<double>()));
        EXPECT_NEAR(want_padded[0][i].item<double>(), want[0][i].item<double>(), 1e-5) << "LibTorch padding";
      }
      EXPECT_LE(worst, 2e-5) << config << ", " << frames << " frames";
      std::printf("LiteRT graph vs LibTorch, %s, %d frames: max |diff| %.3g\n", config, frames, worst);
    }
  }
}

}  // namespace
}  // namespace inherent::exporter
