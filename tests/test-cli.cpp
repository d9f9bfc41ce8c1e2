// SPDX-License-Identifier: Apache-2.0
// End to end: the `inherent` binary as a user runs it (exit codes, messages naming the
// file and line, outputs equal to the library's, resumable prep).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli-run.h"
#include "host/csv.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace {

using inherent::test::CliRun;
using inherent::test::slurp;

namespace fs = std::filesystem;

const inherent::test::CliScratch cli("cli");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

const fs::path examples = fs::path(INHERENT_SOURCE_DIR) / "data/examples";

TEST(Cli, HelpAndVersion) {
  const CliRun help = inherent_cli("--help");
  EXPECT_EQ(help.code, 0);
  for (const char* cmd : {"mel", "prep", "labels", "heads"})
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  const CliRun version = inherent_cli("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find(inherent_version()), std::string::npos) << version.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(inherent_cli("").code, 2);
  EXPECT_EQ(inherent_cli("mel").code, 2);  // input missing
  EXPECT_EQ(inherent_cli("no-such-command").code, 2);
  EXPECT_EQ(inherent_cli("mel x.wav -o y.npy --max-frames banana").code, 2);
}

TEST(Cli, HeadsJsonIsTheHeadTable) {
  const CliRun r = inherent_cli("heads --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json heads = nlohmann::json::parse(r.out);
  ASSERT_EQ(heads.size(), static_cast<size_t>(INHERENT_N_HEADS));
  for (int i = 0; i < INHERENT_N_HEADS; ++i) {
    EXPECT_EQ(heads[i]["index"], i);
    EXPECT_EQ(heads[i]["name"], inherent_head_name(i));
    EXPECT_EQ(heads[i]["threshold_key"], inherent_head_threshold_key(i));
    EXPECT_FLOAT_EQ(heads[i]["default_threshold"].get<float>(), inherent_head_default_threshold(i));
  }
}

TEST(Cli, MelEqualsTheLibrary) {
  const fs::path wav = examples / "audio/timer_ten_minutes.wav";
  const fs::path out = scratch() / "timer.npy";
  const CliRun r = inherent_cli("mel '" + wav.string() + "' -o '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::NpyArray got = inherent::read_npy(out.string());
  const inherent::Audio audio = inherent::Audio::read_file(wav.string());
  const inherent::Mel want = inherent::mel(audio.samples(), audio.n_samples());
  ASSERT_EQ(got.shape, (std::vector<size_t>{want.n_frames, static_cast<size_t>(INHERENT_N_MELS)}));
  EXPECT_EQ(0, std::memcmp(got.data.data(), want.data.data(), want.data.size() * sizeof(float)));
}

TEST(Cli, MelOfAMissingFileNamesIt) {
  const CliRun r = inherent_cli("mel /no/such/clip.wav -o '" + (scratch() / "x.npy").string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/no/such/clip.wav"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch() / "x.npy"));
}

TEST(Cli, LabelsCheckPassesTheExamples) {
  const CliRun r = inherent_cli("labels check --json '" + (examples / "labels.csv").string() + "'");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["rows_valid"], 8);
}

TEST(Cli, LabelsCheckNamesFileLineAndColumn) {
  // Line 3 sets an intent while the gate is 0; line 4 has a head value of 2.
  std::string csv = slurp(examples / "labels.csv");
  std::istringstream lines(csv);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  const inherent::CsvTable t = inherent::parse_csv(header + "\n" + row + "\n", "x");
  std::vector<std::string> fields = t.rows[0].fields;
  const int gate = t.column("isInteresting"), timer = t.column("hasStartTimerIntent");
  const int audio = t.column("audio_path");
  fields[audio] = (examples / fields[audio]).string();
  std::vector<std::string> a = fields, b = fields;
  a[gate] = "0";
  a[timer] = "1";
  b[timer] = "2";
  b[audio] = (examples / "audio/add_milk_list.wav").string();
  const fs::path bad = scratch() / "bad labels.csv";
  std::ofstream(bad) << header << "\n"
                     << inherent::csv_join(fields) << "\n"
                     << inherent::csv_join(a) << "\n"
                     << inherent::csv_join(b) << "\n";
  const CliRun r = inherent_cli("labels check --no-audio '" + bad.string() + "'");
  EXPECT_EQ(r.code, 1);
  const std::string where = bad.string() + ":";
  EXPECT_NE(r.out.find(where + "3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(where + "4:" + std::to_string(timer + 1) + ":"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(where + "2:"), std::string::npos) << r.out;  // the good row
}

TEST(Cli, PrepWritesACacheAndResumes) {
  const fs::path out = scratch() / "cache";
  const std::string args =
      "prep -q -j 2 --labels '" + (examples / "labels.csv").string() + "' --out '" + out.string() + "'";
  CliRun r = inherent_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::CsvTable manifest = inherent::read_csv_file((out / "manifest.csv").string());
  ASSERT_EQ(manifest.rows.size(), 8u);
  const int mel_col = manifest.column("mel_path"), frames_col = manifest.column("n_frames");
  ASSERT_GE(mel_col, 0);
  ASSERT_GE(frames_col, 0);
  std::map<fs::path, fs::file_time_type> written;
  for (const auto& row : manifest.rows) {
    const fs::path npy = out / row.fields[mel_col];
    const inherent::NpyArray a = inherent::read_npy(npy.string());
    EXPECT_EQ(std::to_string(a.shape[0]), row.fields[frames_col]);
    written[npy] = fs::last_write_time(npy);
  }
  // The manifest is itself a valid labels file (paths relative to the cache).
  EXPECT_EQ(inherent_cli("labels check -q '" + (out / "manifest.csv").string() + "'").code, 0);

  // Resume: one file lost, the rest untouched.
  const fs::path lost = written.begin()->first;
  fs::remove(lost);
  r = inherent_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(lost));
  for (const auto& [npy, when] : written) {
    if (npy != lost) {
      EXPECT_EQ(fs::last_write_time(npy), when) << npy;
    }
  }
}

// A teacher_features cell is a path like audio_path: the manifest names the same file
// from the cache's folder.
TEST(Cli, PrepKeepsTeacherFeaturesPointingAtTheirFiles) {
  const fs::path dir = scratch() / "featured";
  fs::create_directories(dir);
  const inherent::CsvTable labels = inherent::read_csv_file((examples / "labels.csv").string());
  const int audio = labels.column("audio_path");
  std::string text = inherent::csv_join(labels.header) + ",teacher_features\n";
  for (size_t i = 0; i < labels.rows.size(); ++i) {
    std::vector<std::string> f = labels.rows[i].fields;
    f[audio] = (examples / f[audio]).string();
    text += inherent::csv_join(f) + "," + (i == 0 ? "f0.npy" : "") + "\n";
  }
  std::ofstream(dir / "labels.csv") << text;
  const float v[2] = {1.5f, -2.0f};
  inherent::write_npy((dir / "f0.npy").string(), v, {2});
  const fs::path out = dir / "cache";
  const CliRun r =
      inherent_cli("prep -q --labels '" + (dir / "labels.csv").string() + "' --out '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::CsvTable manifest = inherent::read_csv_file((out / "manifest.csv").string());
  const int col = manifest.column("teacher_features");
  ASSERT_GE(col, 0);
  EXPECT_EQ(manifest.rows[0].fields[col], "../f0.npy");
  EXPECT_EQ(inherent::read_npy((out / manifest.rows[0].fields[col]).string()).data[1], -2.0f);
  EXPECT_EQ(manifest.rows[1].fields[col], "");
}

TEST(Cli, PrepReportsABadClipAndWritesNoManifest) {
  const fs::path dir = scratch() / "bad-clip";
  fs::create_directories(dir);
  std::string csv = slurp(examples / "labels.csv");
  const size_t cut = csv.find('\n', csv.find('\n') + 1);
  const inherent::CsvTable t = inherent::parse_csv(csv.substr(0, cut + 1), "x");
  std::vector<std::string> fields = t.rows[0].fields;
  fields[t.column("audio_path")] = "broken.wav";
  fields[t.column("duration_s")] = "";
  std::ofstream(dir / "broken.wav") << "RIFF, but not really";
  std::ofstream(dir / "labels.csv") << inherent::csv_join(t.header) << "\n"
                                    << inherent::csv_join(fields) << "\n";
  const CliRun r = inherent_cli("prep -q --labels '" + (dir / "labels.csv").string() + "' --out '" +
                                (dir / "cache").string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("broken.wav"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "cache/manifest.csv"));
}

}  // namespace
