// SPDX-License-Identifier: Apache-2.0
//
// The LibTorch Whisper encoder (src/train/whisper-encoder) against golden files from the
// independent reference, src/backbone/whisper_encoder.py run in float64
// (tests/data/whisper-random/make.py: a random encoder of Whisper's layout, 2 blocks,
// width 32, 4 heads). The reference itself equals CTranslate2's Whisper.encode on the
// real weights (python/tests/test_whisper_backbone.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "host/files.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"
#include "train/whisper-encoder.h"

namespace inherent::train {
namespace {

const std::string kDir = std::string(INHERENT_SOURCE_DIR) + "/tests/data/whisper-random/";

TEST(WhisperEncoder, EqualsTheFloat64Reference) {
  torch::NoGradGuard no_grad;
  WhisperEncoder encoder = load_whisper_encoder(kDir + "encoder.safetensors");
  EXPECT_EQ(encoder->n_layers(), 2);
  EXPECT_EQ(encoder->n_heads(), 4);
  EXPECT_EQ(encoder->width(), 32);
  const NpyArray mel = read_npy(kDir + "mel.npy"), want = read_npy(kDir + "expected.npy");
  ASSERT_EQ(mel.shape, (std::vector<size_t>{1, 80, 200}));
  const torch::Tensor x =
      torch::from_blob(const_cast<float*>(mel.data.data()), {1, 80, 200}, torch::kFloat32);
  const torch::Tensor got = encoder->forward(x).contiguous();
  ASSERT_EQ(got.sizes().vec(), (std::vector<int64_t>{1, 100, 32}));
  const float* g = got.data_ptr<float>();
  double worst = 0;
  for (size_t i = 0; i < want.data.size(); ++i)
    worst = std::max(worst, double(std::abs(g[i] - want.data[i])));
  std::printf("max |LibTorch float32 - float64 reference| = %.2e\n", worst);
  EXPECT_LE(worst, 1e-4);
  EXPECT_EQ(encoder->parameters().size(), 31u);  // every weight is a parameter (trainable)
}

TEST(WhisperEncoder, GradientsReachTheStem) {
  WhisperEncoder encoder = load_whisper_encoder(kDir + "encoder.safetensors");
  const torch::Tensor x = torch::randn({1, 80, 40});
  encoder->forward(x).pow(2).mean().backward();
  for (const auto& p : encoder->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

// The message a file's tensors are refused with ("" when they load).
std::string load_error(const LoadedTensors& tensors) {
  try {
    WhisperEncoder e(tensors, "e.safetensors");
  } catch (const Exception& e) {
    return e.what();
  }
  return "";
}

TEST(WhisperEncoder, BadFilesNameTheTensor) {
  const LoadedTensors good = safetensors_to_tensors(read_file(kDir + "encoder.safetensors"), "e.safetensors");
  EXPECT_EQ(load_error(good), "");
  LoadedTensors missing = good;
  std::erase_if(missing.tensors, [](const auto& kv) { return kv.first == "whisper.encoder.conv2.weight"; });
  EXPECT_NE(load_error(missing).find("e.safetensors: no tensor whisper.encoder.conv2.weight"),
            std::string::npos)
      << load_error(missing);
  LoadedTensors wrong = good;
  for (auto& [name, t] : wrong.tensors)
    if (name == "whisper.encoder.layer_1.self_attention.linear_1.weight") t = torch::zeros({32, 31});
  EXPECT_NE(load_error(wrong).find("layer_1.self_attention.linear_1.weight has shape"), std::string::npos)
      << load_error(wrong);
  LoadedTensors headless = good;
  headless.metadata.clear();
  EXPECT_NE(load_error(headless).find("metadata num_heads (0) is missing"), std::string::npos)
      << load_error(headless);
}

}  // namespace
}  // namespace inherent::train
