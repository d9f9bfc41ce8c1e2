// SPDX-License-Identifier: Apache-2.0
// `inherent fixtures [--out data/fixtures]`: regenerates the small committed test models.
//
//   tiny-random/          a valid package: tiny config, random weights (seed 7), seed
//                         thresholds; plus input.npy (a 1.2 s speech-like log-mel
//                         [60, 128]) and expected.json (the float64 reference's logits
//                         and scores on it). C++, Python and WebAssembly tests load it.
//   tiny-bad-frontend/    the same weights with a metadata file claiming a 160-sample
//                         hop: every loader must refuse it, naming frontend.hop_length.
//
// `inherent fixtures --config small --seed 1 --out DIR` writes one random package of
// another shape (for benchmarks; nothing is committed from it).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "engine/model-package.h"
#include "engine/reference.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/npy.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

namespace {

namespace fs = std::filesystem;

void check_status(inherent_status st, const std::string& error) {
  if (st != INHERENT_STATUS_OK) throw Exception(st, error);
}

// 1.2 s of a voiced, speech-like signal: harmonics of a gliding pitch under a syllable
// envelope. Deterministic, so expected.json never changes unless the model code does.
std::vector<float> fixture_audio() {
  const size_t n = INHERENT_SAMPLE_RATE * 6 / 5;
  std::vector<float> x(n);
  double phase = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / INHERENT_SAMPLE_RATE;
    phase += 2 * M_PI * (130 + 35 * std::sin(2 * M_PI * 1.1 * t)) / INHERENT_SAMPLE_RATE;
    double y = 0;
    for (int h = 1; h <= 24; ++h) y += std::sin(h * phase + 0.3 * h) / h;
    x[i] = static_cast<float>(0.15 * (0.6 + 0.4 * std::sin(2 * M_PI * 3.5 * t)) * y);
  }
  return x;
}

void write_text(const fs::path& path, const std::string& text) { write_file_atomic(path.string(), text); }

}  // namespace

void add_fixtures(CLI::App& app) {
  struct Opts {
    std::string out = "data/fixtures";
    std::string config;
    uint64_t seed = 7;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd =
      app.add_subcommand("fixtures", "Regenerate the committed test model packages (random weights)");
  cmd->add_option("--out", o->out, "Folder to write into")->capture_default_str();
  cmd->add_option("--config", o->config,
                  "Write one random package of this config (tiny, small, base) to --out");
  cmd->add_option("--seed", o->seed, "Random seed of the weights")->capture_default_str();
  cmd->callback([o] {
    std::string error;
    if (!o->config.empty()) {
      ModelConfig c;
      if (!arch_config_by_name(o->config, &c))
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "unknown config " + o->config);
      PackageInfo info = package_default_info();
      info.model_name = o->config + "-random";
      info.model_version = "0.0.0";
      check_status(model_package_write_dir(o->out, c, random_package_tensors(c, o->seed), info, &error),
                   error);
      std::printf("%s: %s, random weights (seed %llu), %lld parameters\n", o->out.c_str(), o->config.c_str(),
                  static_cast<unsigned long long>(o->seed), static_cast<long long>(arch_n_params(c)));
      return;
    }
    ModelConfig c;
    arch_config_by_name("tiny", &c);
    const std::vector<PackageTensor> tensors = random_package_tensors(c, 7);
    PackageInfo info = package_default_info();
    info.model_name = "tiny-random";
    info.model_version = "0.0.0";
    const fs::path dir = fs::path(o->out) / "tiny-random";
    check_status(model_package_write_dir(dir.string(), c, tensors, info, &error), error);

    const std::vector<float> audio = fixture_audio();
    const Mel m = mel(audio.data(), audio.size());
    write_npy((dir / "input.npy").string(), m.data.data(), {m.n_frames, INHERENT_N_MELS});
    ModelPackage pkg;
    check_status(model_package_load_path(dir.string(), &pkg, &error), error);
    std::vector<double> logits;
    if (!reference_forward(pkg, m.data.data(), static_cast<int>(m.n_frames), &logits, &error))
      throw Exception(INHERENT_STATUS_INTERNAL, error);
    nlohmann::ordered_json expected;
    expected["about"] = "float64 reference forward (src/engine/reference.cpp) of this package on input.npy";
    expected["input"] = "input.npy";
    expected["logits"] = logits;
    std::vector<double> scores;
    for (double l : logits) scores.push_back(1.0 / (1.0 + std::exp(-l)));
    expected["scores"] = scores;
    write_text(dir / "expected.json", json_text(expected, 2) + "\n");

    // The deliberately broken twin.
    const fs::path bad = fs::path(o->out) / "tiny-bad-frontend";
    check_status(model_package_write_dir(bad.string(), c, tensors, info, &error), error);
    std::string text = model_metadata_json(c, info);
    const std::string from = "\"hop_length\": 320", to = "\"hop_length\": 160";
    text.replace(text.find(from), from.size(), to);
    write_text(bad / kPackageMetadataFile, text);
    std::printf("wrote %s and %s\n", dir.string().c_str(), bad.string().c_str());
  });
}

}  // namespace inherent::cli
