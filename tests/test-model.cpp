// SPDX-License-Identifier: Apache-2.0
//
// The LibTorch Conformer: its tensors are exactly the arch table, parameter counts
// match the named configs, configs load by name and YAML with file:line errors, and a
// clip scores the same alone, in a padded batch and zero-padded to 3000 frames.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/reference.h"
#include "inherent/inherent.hpp"
#include "train/config.h"
#include "train/model.h"

namespace inherent::train {
namespace {

using torch::indexing::Slice;

// One intra-op thread: faster on these small shapes and steady on a loaded machine
// (OpenMP workers spinning against other processes slow the tests down many times).
const bool kOneThread = [] {
  torch::set_num_threads(1);
  return true;
}();

Conformer make_model(const std::string& name, uint64_t seed = 1) {
  torch::manual_seed(seed);
  Conformer model(load_model_options(name).arch, 0.0);
  model->eval();
  return model;
}

// A log-mel-like clip [T, 128] with no all-zero frame (log energies are around -18..5).
torch::Tensor random_clip(int64_t frames, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn({frames, 128}, gen) * 3.0 - 8.0;
}

TEST(Model, TensorsAreTheArchTable) {
  for (const char* name : {"tiny", "small", "base"}) {
    Conformer model = make_model(name);
    std::map<std::string, std::vector<int64_t>> torch_shapes;
    for (const auto& p : model->named_parameters(true)) torch_shapes[p.key()] = p.value().sizes().vec();
    for (const auto& b : model->named_buffers(true)) torch_shapes[b.key()] = b.value().sizes().vec();
    const std::vector<ArchTensor> arch = arch_tensors(model->config);
    ASSERT_EQ(torch_shapes.size(), arch.size()) << name;
    for (const ArchTensor& t : arch) {
      auto it = torch_shapes.find(t.name);
      ASSERT_NE(it, torch_shapes.end()) << name << ": model lacks " << t.name;
      EXPECT_EQ(it->second, t.shape) << name << ": " << t.name;
      const bool is_buffer = model->named_buffers(true).find(t.name) != nullptr;
      EXPECT_EQ(is_buffer, t.role == ArchRole::buffer) << t.name;
    }
    const auto tensors = model->named_tensors();
    ASSERT_EQ(tensors.size(), arch.size());
    for (size_t i = 0; i < arch.size(); ++i) EXPECT_EQ(tensors[i].first, arch[i].name);
  }
}

TEST(Model, ParameterCounts) {
  std::map<std::string, int64_t> counts;
  for (const char* name : {"tiny", "small", "base"}) {
    Conformer model = make_model(name);
    counts[name] = count_parameters(*model);
    EXPECT_EQ(counts[name], arch_n_params(model->config)) << name;
    std::printf("%s\n", describe_model(load_model_options(name)).c_str());
  }
  // The seed's production shape: 9.44M parameters.
  EXPECT_NEAR(static_cast<double>(counts["base"]), 9.44e6, 0.01e6);
  EXPECT_NEAR(static_cast<double>(counts["small"]), 1.6e6, 0.1e6);
  EXPECT_LT(counts["tiny"], 100000);
}

TEST(Model, TheWhisperFamilyHasNoTrainerModel) {
  // Its weights come from src/backbone/package.py; a checkpoint path given one says so.
  try {
    Conformer model(arch_whisper_tiny_en(), 0.0);
    ADD_FAILURE() << "a whisper-family config built a Conformer";
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find("--artifact"), std::string::npos) << e.what();
  }
  // Its named config is refused as a training preset, naming what makes it.
  try {
    model_options_for_preset("whisper-tiny.en");
    ADD_FAILURE() << "whisper-tiny.en was taken as a training preset";
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find("src/backbone/package.py"), std::string::npos) << e.what();
  }
}

TEST(Model, ScoresAreSigmoidsOfEveryHead) {
  Conformer model = make_model("tiny");
  torch::NoGradGuard no_grad;
  const torch::Tensor s = model->scores(random_clip(50, 3).unsqueeze(0));
  ASSERT_EQ(s.sizes(), (std::vector<int64_t>{1, INHERENT_N_HEADS}));
  EXPECT_TRUE(s.gt(0).all().item<bool>() && s.lt(1).all().item<bool>());
}

// FakeInt8Scope rounds the dynamically quantized layers' inputs: scores move a little
// (8-bit steps), not at all outside the scope, and gradients still reach the input.
TEST(Model, FakeInt8ScopeRoundsOnlyInside) {
  Conformer model = make_model("tiny");
  const torch::Tensor mel = random_clip(120, 4).unsqueeze(0);
  torch::Tensor before, inside, after;
  {
    torch::NoGradGuard no_grad;
    before = model->scores(mel);
    {
      FakeInt8Scope int8;
      { FakeInt8Scope nested; }
      inside = model->scores(mel);  // still rounded after the nested scope ended
    }
    after = model->scores(mel);
  }
  EXPECT_TRUE(torch::equal(before, after));
  const double drift = (inside - before).abs().max().item<double>();
  EXPECT_GT(drift, 1e-6);
  EXPECT_LT(drift, 0.05);
  // Straight-through: the rounded forward has the float forward's gradient to first order.
  const torch::Tensor x = mel.clone().requires_grad_(true);
  {
    FakeInt8Scope int8;
    model->forward(x).sum().backward();
  }
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
}

// The padding contract (contracts/runtime_contract.md): alone == in a padded batch ==
// zero-padded to 3000 frames.
TEST(Model, PaddingInvariance) {
  const std::vector<std::pair<const char*, std::vector<int64_t>>> cases = {
      {"tiny", {1, 2, 3, 4, 5, 37, 100, 251}}, {"small", {3, 150}}};
  float worst = 0;
  for (const auto& [name, lengths] : cases) {
    Conformer model = make_model(name, 7);
    // A non-trivial normalization, to check it leaves padding at zero.
    model->set_mel_norm(torch::full({128}, -6.0), torch::full({128}, 2.5));
    torch::NoGradGuard no_grad;
    for (int64_t frames : lengths) {
      const torch::Tensor clip = random_clip(frames, 100 + frames);
      const torch::Tensor alone = model->scores(clip.unsqueeze(0))[0];

      // A batch with a longer clip: this one is zero-padded at its end.
      const int64_t longest = frames + 61;
      torch::Tensor batch = torch::zeros({3, longest, 128});
      batch[0] = random_clip(longest, 5);
      batch[1].index_put_({Slice(0, frames)}, clip);
      batch[2].index_put_({Slice(0, longest - 9)}, random_clip(longest - 9, 6));
      const torch::Tensor in_batch = model->scores(batch)[1];

      torch::Tensor padded = torch::zeros({1, 3000, 128});
      padded[0].index_put_({Slice(0, frames)}, clip);
      const torch::Tensor at_3000 = model->scores(padded)[0];

      const float d_batch = (alone - in_batch).abs().max().item<float>();
      const float d_3000 = (alone - at_3000).abs().max().item<float>();
      EXPECT_LE(d_batch, 1e-5f) << name << " T=" << frames;
      EXPECT_LE(d_3000, 1e-5f) << name << " T=" << frames;
      worst = std::max({worst, d_batch, d_3000});
    }
  }
  std::printf("largest score difference: %.3g\n", static_cast<double>(worst));
}

TEST(Model, PaddingInvarianceInTrainingMode) {
  // Dropout off, training mode on: the same invariance holds for the gradients' inputs.
  torch::manual_seed(3);
  Conformer model(load_model_options("tiny").arch, 0.0);
  model->train();
  const torch::Tensor clip = random_clip(40, 9);
  torch::Tensor padded = torch::zeros({1, 173, 128});
  padded[0].index_put_({Slice(0, 40)}, clip);
  const torch::Tensor a = model->forward(clip.unsqueeze(0));
  const torch::Tensor b = model->forward(padded);
  EXPECT_LE((a - b).abs().max().item<float>(), 1e-5f);
}

TEST(Model, TraceNamesStages) {
  Conformer model = make_model("tiny");
  torch::NoGradGuard no_grad;
  Trace trace;
  const torch::Tensor logits = model->forward(random_clip(20, 1).unsqueeze(0), &trace);
  std::vector<std::string> names;
  for (const auto& [n, t] : trace) names.push_back(n);
  const std::vector<std::string> expected = {
      "mel_norm",      "subsample", "positions",  "blocks.0.ffn1", "blocks.0.attn", "blocks.0.conv",
      "blocks.0.ffn2", "blocks.0",  "final_norm", "pool.weights",  "pool",          "logits"};
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(trace.back().second.equal(logits));
  EXPECT_EQ(trace[1].second.size(1), 5);  // ceil(ceil(20 / 2) / 2)
}

TEST(Model, PositionsMatchTheFormula) {
  Conformer model = make_model("tiny");
  const torch::Tensor pe = model->positions(300, torch::kCPU);
  ASSERT_EQ(pe.sizes(), (std::vector<int64_t>{300, 32}));
  for (int64_t t : {0, 1, 17, 299}) {
    for (int64_t i = 0; i < 16; ++i) {
      const double angle = static_cast<double>(t) / std::pow(10000.0, 2.0 * static_cast<double>(i) / 32.0);
      EXPECT_EQ(pe[t][2 * i].item<float>(), static_cast<float>(std::sin(angle))) << t << "," << i;
      EXPECT_EQ(pe[t][2 * i + 1].item<float>(), static_cast<float>(std::cos(angle))) << t << "," << i;
    }
  }
}

// The LibTorch model against the engine's float64 reference forward (written from
// arch.h independently): same weights, same clip, same logits.
TEST(Model, MatchesTheFloat64Reference) {
  double overall = 0;
  for (const char* name : {"tiny", "small"}) {
    Conformer model = make_model(name, 11);
    {
      // Non-trivial norms and normalization, so every tensor matters.
      torch::NoGradGuard no_grad;
      auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
      for (auto& [n, t] : model->named_tensors()) {
        if (n.ends_with("norm.weight") || n.ends_with("norm1.weight") || n.ends_with("norm2.weight")) {
          t.copy_(1.0 + 0.2 * torch::randn(t.sizes(), gen));
        } else if (n.ends_with(".bias")) {
          t.copy_(0.1 * torch::randn(t.sizes(), gen));
        }
      }
      model->set_mel_norm(-7.0 + torch::randn({128}, gen), 2.0 + torch::rand({128}, gen));
    }
    ModelPackage package;
    package.config = model->config;
    for (auto& [n, t] : model->named_tensors()) {
      const torch::Tensor c = t.detach().contiguous();
      package.tensors.push_back(
          {n, c.sizes().vec(), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel())});
    }
    torch::NoGradGuard no_grad;
    for (int64_t frames : {1, 9, 64, 203}) {
      const torch::Tensor clip = random_clip(frames, 40 + frames);
      const torch::Tensor logits = model->forward(clip.unsqueeze(0))[0];
      std::vector<double> ref;
      std::string error;
      ASSERT_TRUE(reference_forward(package, clip.data_ptr<float>(), static_cast<int>(frames), &ref, &error))
          << error;
      ASSERT_EQ(ref.size(), 13u);
      double worst = 0;
      for (int h = 0; h < 13; ++h) worst = std::max(worst, std::fabs(ref[h] - logits[h].item<double>()));
      EXPECT_LT(worst, 2e-4) << name << " T=" << frames;
      overall = std::max(overall, worst);
    }
  }
  std::printf("largest logit difference from the float64 reference: %.3g\n", overall);
}

// ---- configs ----

std::string config_error(const std::string& yaml) {
  try {
    parse_model_options_yaml(yaml, "cfg.yaml");
  } catch (const Exception& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ModelConfig, ByNameAndYaml) {
  EXPECT_EQ(load_model_options("tiny").arch.n_hidden, 32);
  EXPECT_EQ(load_model_options("base").arch.n_blocks, 6);
  const ModelOptions o =
      parse_model_options_yaml("model:\n  preset: tiny\n  n_hidden: 48\n  dropout: 0.2\n", "x");
  EXPECT_EQ(o.arch.n_hidden, 48);
  EXPECT_EQ(o.arch.n_blocks, 1);
  EXPECT_DOUBLE_EQ(o.dropout, 0.2);
  EXPECT_NE(describe_model(o).find("custom"), std::string::npos);
  const std::string path = (std::filesystem::temp_directory_path() / "inherent-test-model.yaml").string();
  std::ofstream(path) << "model:\n  preset: small\n";
  EXPECT_EQ(load_model_options(path).arch.n_hidden, 128);
  std::filesystem::remove(path);
}

TEST(TrainConfigYaml, EveryKeyRoundTrips) {
  TrainConfig c = train_config_for_preset("tiny");
  c.training.lr = 0.0123;
  c.training.decay = "linear";
  c.data.spec.time_fraction = 0.33;
  c.data.spec.freq_warp = 0.15;
  c.augment.noise_dir = "noise dir/with \"quotes\"";
  c.eval.every = 7;
  const std::string yaml = train_config_to_yaml(c);
  const TrainConfig back = parse_train_config_yaml(yaml, "dump.yaml");
  EXPECT_EQ(train_config_to_yaml(back), yaml);
  EXPECT_EQ(back.augment.noise_dir, c.augment.noise_dir);
  EXPECT_DOUBLE_EQ(back.training.lr, 0.0123);
  EXPECT_DOUBLE_EQ(back.data.spec.freq_warp, 0.15);
  EXPECT_EQ(back.model.arch.n_hidden, 32);
}

TEST(TrainConfigYaml, FrequencyWarpIsAtMostHalf) {
  try {
    parse_train_config_yaml("model:\n  preset: tiny\ndata:\n  freq_warp: 0.6\n", "cfg.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const Exception& e) {
    EXPECT_NE(
        std::string(e.what()).find("cfg.yaml:4:14: data.freq_warp must be a number in [0.0, 0.5], got 0.6"),
        std::string::npos)
        << e.what();
  }
}

TEST(TrainConfigYaml, Int8ConsistencyNeedsNoDropout) {
  try {
    parse_train_config_yaml("model:\n  preset: tiny\ntraining:\n  int8_consistency: 1.0\n", "cfg.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find("int8_consistency needs model.dropout: 0"), std::string::npos)
        << e.what();
  }
  const TrainConfig ok = parse_train_config_yaml(
      "model:\n  preset: tiny\n  dropout: 0\ntraining:\n  int8_consistency: 2.5\n", "cfg.yaml");
  EXPECT_DOUBLE_EQ(ok.training.int8_consistency, 2.5);
}

TEST(ModelConfig, ErrorsNameFileLineAndKey) {
  const std::string typo = config_error("model:\n  preset: tiny\n  n_hiden: 48\n");
  EXPECT_NE(typo.find("cfg.yaml:3:3: unknown key 'model.n_hiden'"), std::string::npos) << typo;
  const std::string section = config_error("modle:\n  preset: tiny\n");
  EXPECT_NE(section.find("cfg.yaml:1:1: unknown section 'modle'"), std::string::npos) << section;
  EXPECT_NE(config_error("model:\n  n_heads: 5\n").find("does not divide"), std::string::npos);
  EXPECT_NE(config_error("model:\n  n_hidden: many\n").find("cfg.yaml:2:13"), std::string::npos);
  EXPECT_NE(config_error("model:\n  preset: huge\n").find("unknown model config 'huge'"), std::string::npos);
  EXPECT_NE(config_error("model: [1, 2\n").find("cfg.yaml:"), std::string::npos);
  EXPECT_THROW(load_model_options("no-such-config"), Exception);
  EXPECT_NE(config_error("model:\n  preset: tiny\nmodel:\n  n_blocks: 2\n")
                .find("cfg.yaml:3:1: section 'model' appears twice"),
            std::string::npos);
  EXPECT_NE(config_error("model:\n  n_blocks: 1\n  n_blocks: 2\n")
                .find("cfg.yaml:3:3: key 'model.n_blocks' appears twice"),
            std::string::npos);
}

}  // namespace
}  // namespace inherent::train
