// SPDX-License-Identifier: Apache-2.0
//
// `inherent score` and `inherent listen` end to end on the tiny-random package: the JSON
// lines carry the engine's own scores and decisions (the C++ API on the same files), the
// model comes from --model, else $INHERENT_MODEL, bad files and models are named with
// exit 1, and `listen` gives the same results from a file as from raw PCM on stdin, equal
// to the Stream API's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli-run.h"
#include "inherent/inherent.hpp"
#include "test-clips.h"

namespace {

using inherent::test::CliRun;
using inherent::test::q;
namespace fs = std::filesystem;
using json = nlohmann::json;

const inherent::test::CliScratch cli("score");
const fs::path package = fs::path(INHERENT_SOURCE_DIR) / "data/fixtures/tiny-random";

CliRun inherent_cli(const std::string& args) { return cli.run(args); }

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    v.push_back(json::parse(line, nullptr, false));
    EXPECT_FALSE(v.back().is_discarded()) << line;
  }
  return v;
}

// Three clips of different lengths: tones, a tone with a gap, noise.
std::vector<fs::path> clips() {
  std::vector<fs::path> paths;
  for (int i = 0; i < 3; ++i) {
    const fs::path p = cli.dir() / ("clip" + std::to_string(i) + ".wav");
    if (!fs::exists(p))
      inherent::test::write_wav(p.string(), inherent::test::labelled_tone_clip(i, i != 1, i == 2));
    paths.push_back(p);
  }
  return paths;
}

// Unsets INHERENT_MODEL again when a test ends.
struct ModelEnv {
  explicit ModelEnv(const std::string& value) { ::setenv("INHERENT_MODEL", value.c_str(), 1); }
  ~ModelEnv() { ::unsetenv("INHERENT_MODEL"); }
};

TEST(ScoreCli, JsonLinesCarryTheEnginesScoresAndDecisions) {
  const std::vector<fs::path> paths = clips();
  const CliRun r = inherent_cli("score --model " + q(package) + " --json " + q(paths[0]) + " " + q(paths[1]) +
                                " " + q(paths[2]));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), paths.size());

  const inherent::Model model = inherent::Model::from_file(package.string());
  inherent::Session session(model);
  for (size_t i = 0; i < paths.size(); ++i) {
    const json& j = lines[i];
    EXPECT_EQ(j["path"], paths[i].string());
    const inherent::Audio audio = inherent::Audio::read_file(paths[i].string());
    const inherent::Scores want = session.score_audio(audio.samples(), audio.n_samples());
    ASSERT_EQ(j["scores"].size(), static_cast<size_t>(INHERENT_N_HEADS));
    std::vector<std::string> fired;
    for (int h = 0; h < INHERENT_N_HEADS; ++h) {
      const std::string name = inherent::head_name(h);
      EXPECT_EQ(j["scores"][name].get<float>(), want[h]) << paths[i] << " " << name;  // the same float
      if (model.decide(want) & (1u << h)) fired.push_back(name);
    }
    EXPECT_EQ(j["fired"], json(fired)) << paths[i];
  }

  // The line form: one tab-separated line per file, path first, every head's score.
  const CliRun plain = inherent_cli("score --format line --model " + q(package) + " " + q(paths[0]));
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.rfind(paths[0].string() + "\tfired=", 0), 0u) << plain.out;
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    EXPECT_NE(plain.out.find(inherent::head_name(h) + "="), std::string::npos) << inherent::head_name(h);

  // The default table: the path, then one row per head with the fired heads first.
  const CliRun table = inherent_cli("score --model " + q(package) + " " + q(paths[0]));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out.rfind(paths[0].string(), 0), 0u) << table.out;
  const inherent::Audio audio = inherent::Audio::read_file(paths[0].string());
  const inherent::Scores want = session.score_audio(audio.samples(), audio.n_samples());
  const uint32_t fired = model.decide(want);
  size_t last_fired_row = 0, first_quiet_row = std::string::npos;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const size_t row = table.out.find("\n  " + inherent::head_name(h) + " ");
    ASSERT_NE(row, std::string::npos) << inherent::head_name(h) << "\n" << table.out;
    if (fired & (1u << h)) {
      last_fired_row = std::max(last_fired_row, row);
    } else {
      first_quiet_row = std::min(first_quiet_row, row);
    }
  }
  if (fired != 0 && first_quiet_row != std::string::npos) {
    EXPECT_LT(last_fired_row, first_quiet_row) << table.out;
  }
}

TEST(ScoreCli, PrecisionInt8IsTheEnginesInt8Path) {
  const std::vector<fs::path> paths = clips();
  const CliRun r = inherent_cli("score --precision int8 --model " + q(package) + " --json " + q(paths[0]));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  inherent_model_params p = inherent_model_default_params();
  p.precision = INHERENT_PRECISION_INT8;
  const inherent::Model int8 = inherent::Model::from_file(package.string(), p);
  const inherent::Model exact = inherent::Model::from_file(package.string());
  ASSERT_EQ(int8.precision(), INHERENT_PRECISION_INT8);
  inherent::Session s8(int8), s32(exact);
  const inherent::Audio audio = inherent::Audio::read_file(paths[0].string());
  const inherent::Scores want = s8.score_audio(audio.samples(), audio.n_samples());
  const inherent::Scores float32 = s32.score_audio(audio.samples(), audio.n_samples());
  double moved = 0;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    EXPECT_EQ(lines[0]["scores"][inherent::head_name(h)].get<float>(), want[h]);
    moved = std::max(moved, std::fabs(double(want[h]) - float32[h]));
  }
  EXPECT_GT(moved, 0.0);
  EXPECT_LT(moved, 5e-3);
  const CliRun bad = inherent_cli("score --precision int4 --model " + q(package) + " " + q(paths[0]));
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--precision"), std::string::npos) << bad.err;
}

TEST(ScoreCli, ModelComesFromTheEnvironmentWhenNotGiven) {
  const std::vector<fs::path> paths = clips();
  const CliRun given = inherent_cli("score --json --model " + q(package) + " " + q(paths[2]));
  ASSERT_EQ(given.code, 0) << given.err;
  {
    const ModelEnv env(package.string());
    const CliRun from_env = inherent_cli("score --json " + q(paths[2]));
    ASSERT_EQ(from_env.code, 0) << from_env.err;
    EXPECT_EQ(from_env.out, given.out);
  }
  const ModelEnv missing((cli.dir() / "no-such-model").string());
  const CliRun bad = inherent_cli("score --json " + q(paths[2]));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("no-such-model"), std::string::npos) << bad.err;
}

// The shipped models by name, and the default: the backbone model where `make backbone`
// assembled it, else small; the default names itself on stderr.
TEST(ScoreCli, ShippedModelsAreNamedAndTheDefaultSaysWhichItIs) {
  const std::vector<fs::path> paths = clips();
  const fs::path models = fs::path(INHERENT_SOURCE_DIR) / "data/models";
  const CliRun small = inherent_cli("score --json -m small " + q(paths[0]));
  ASSERT_EQ(small.code, 0) << small.err;
  const CliRun by_path = inherent_cli("score --json -m " + q(models / "small/native") + " " + q(paths[0]));
  ASSERT_EQ(by_path.code, 0) << by_path.err;
  EXPECT_EQ(small.out, by_path.out);

  const bool assembled = fs::exists(models / "backbone/native");
  const CliRun backbone = inherent_cli("score --json -m backbone " + q(paths[0]));
  if (assembled) {
    EXPECT_EQ(backbone.code, 0) << backbone.err;
  } else {
    EXPECT_EQ(backbone.code, 2);  // a usage error: --model names what is not there
    EXPECT_NE(backbone.err.find("make backbone"), std::string::npos) << backbone.err;
  }

  ::unsetenv("INHERENT_MODEL");
  const CliRun by_default = inherent_cli("score --json " + q(paths[0]));
  ASSERT_EQ(by_default.code, 0) << by_default.err;
  const std::string name = assembled ? "backbone" : "small";
  EXPECT_NE(by_default.err.find("inherent: model " + name + " ("), std::string::npos) << by_default.err;
  EXPECT_EQ(by_default.out, assembled ? backbone.out : small.out);
}

TEST(ScoreCli, AFileThatCannotBeScoredIsNamedAndTheOthersStillPrint) {
  const std::vector<fs::path> paths = clips();
  const fs::path broken = cli.dir() / "broken.wav";
  std::ofstream(broken) << "RIFF, but not a WAV file";
  const CliRun r = inherent_cli("score --json --model " + q(package) + " " + q(broken) + " " + q(paths[0]) +
                                " " + q(cli.dir() / "absent.wav"));
  EXPECT_EQ(r.code, 1);
  const std::vector<json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["path"], paths[0].string());
  EXPECT_NE(r.err.find("broken.wav"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("absent.wav"), std::string::npos) << r.err;
  EXPECT_EQ(inherent_cli("score --model " + q(package)).code, 2);  // no files: usage
}

TEST(ListenCli, FileAndStdinPcmGiveTheStreamApisResults) {
  const fs::path wav = clips()[2];
  const inherent::Audio audio = inherent::Audio::read_file(wav.string());
  // The same samples as raw 16-bit PCM (the WAV holds 16-bit samples, so this is exact).
  const fs::path raw = cli.dir() / "clip.pcm";
  {
    std::ofstream f(raw, std::ios::binary);
    for (size_t i = 0; i < audio.n_samples(); ++i) {
      const float s = std::round(audio.samples()[i] * 32768.0f);
      const int16_t v = static_cast<int16_t>(std::fmax(-32768.0f, std::fmin(32767.0f, s)));
      f.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
  }
  const std::string args =
      "listen --model " + q(package) + " --all --json --hop-ms 100 --window-ms 1000 --input ";
  const CliRun from_file = inherent_cli(args + q(wav));
  ASSERT_EQ(from_file.code, 0) << from_file.err;
  const CliRun from_stdin = inherent_cli(args + "- < " + q(raw));
  ASSERT_EQ(from_stdin.code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, from_file.out);

  // Every hop prints one line whose scores are the Stream API's on the same audio.
  const inherent::Model model = inherent::Model::from_file(package.string());
  inherent_stream_params sp = inherent_stream_default_params();
  sp.hop_ms = 100;
  sp.window_ms = 1000;
  inherent::Stream stream(model, sp);
  stream.accept(audio.samples(), audio.n_samples());
  stream.input_finished();
  const std::vector<inherent_stream_result> want = stream.results();
  const std::vector<json> lines = json_lines(from_file.out);
  ASSERT_EQ(lines.size(), want.size());
  ASSERT_GE(want.size(), 5u);  // the clip lasts about 0.8 s: a result every 100 ms
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_NEAR(lines[k]["time_s"].get<double>(), want[k].end_s, 1e-9) << k;
    ASSERT_EQ(lines[k]["scores"].size(), static_cast<size_t>(INHERENT_N_HEADS)) << k;
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      EXPECT_NEAR(lines[k]["scores"][inherent::head_name(h)].get<double>(), want[k].smoothed[h], 1e-6)
          << k << " " << h;
  }
}

}  // namespace
