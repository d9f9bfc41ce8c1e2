// SPDX-License-Identifier: Apache-2.0
//
// `inherent noisy` end to end: the SNR of every copy measured against the clean copy
// (within 0.1 dB), the same bytes for the same seed (and on resume), labels kept, recorded
// noise from a folder, and file:line errors for a bad labels file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli-run.h"
#include "data/augment.h"
#include "frontend/audio-file.h"
#include "host/csv.h"
#include "test-clips.h"

namespace {

namespace fs = std::filesystem;
using inherent::test::CliRun;
using inherent::test::q;
using inherent::test::slurp;

const inherent::test::CliScratch cli("noisy", "audio");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

const char* kHeader =
    "audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split,isInteresting,"
    "hasAddToListIntent,hasTermSearchQuery,hasPhotoQuery,hasCalendarEvent,hasCreateDocIntent,"
    "hasPersonContext,"
    "hasEventContext,hasDeepResearchIntent,hasInsightIntent,hasBrowsingAgentIntent,hasCallingAgentIntent,"
    "hasStartTimerIntent,voice\n";

// Six tone clips with silence around them (the SNR reference is the active part), one
// train, then eval and test; labels vary by clip.
fs::path labels_csv() {
  static const fs::path path = [] {
    std::string csv = kHeader;
    const char* splits[] = {"train", "eval", "test", "eval", "test", "test"};
    for (int i = 0; i < 6; ++i) {
      const bool gate = i % 2 == 0, timer = i == 4;
      std::vector<float> x(3200, 0.0f);  // 0.2 s of silence, the clip, 0.2 s of silence
      for (float v : inherent::test::labelled_tone_clip(i, gate, timer)) x.push_back(0.3f * v);
      x.resize(x.size() + 3200, 0.0f);
      const std::string name = "audio/t" + std::to_string(i) + ".wav";
      inherent::test::write_wav((scratch() / name).string(), x);
      csv += name + ",clip " + std::to_string(i) + ",spk" + std::to_string(i) + ",s" + std::to_string(i) +
             ",full-band,clean,test,," + splits[i] + (gate ? ",1" : ",0");
      for (int h = 1; h < 13; ++h) csv += (h == 12 && timer) ? ",1" : ",0";
      csv += ",voice-" + std::to_string(i) + "\n";
    }
    const fs::path p = scratch() / "labels.csv";
    std::ofstream(p) << csv;
    return p;
  }();
  return path;
}

std::vector<float> read(const fs::path& p) { return inherent::read_audio_file(p.string()).samples; }

// 10 log10(P_clean / P_(noisy - clean)) over the clean clip's active part.
double measured_snr(const std::vector<float>& clean, const std::vector<float>& noisy) {
  const auto [a, b] = inherent::augment::active_range(clean);
  double ps = 0, pn = 0;
  for (size_t i = a; i < b; ++i) {
    ps += static_cast<double>(clean[i]) * clean[i];
    const double d = static_cast<double>(noisy[i]) - clean[i];
    pn += d * d;
  }
  return 10 * std::log10(ps / pn);
}

inherent::CsvTable table(const fs::path& p) { return inherent::read_csv_file(p.string()); }

void expect_exact_snrs(const fs::path& out) {
  const inherent::CsvTable clean = table(out / "clean/labels.csv");
  const int col = clean.column("audio_path");
  ASSERT_GE(col, 0);
  for (const auto& [dir, snr] :
       std::vector<std::pair<std::string, double>>{{"snr-00", 0}, {"snr-05", 5}, {"snr-20", 20}}) {
    const inherent::CsvTable noisy = table(out / dir / "labels.csv");
    ASSERT_EQ(noisy.rows.size(), clean.rows.size());
    for (size_t r = 0; r < clean.rows.size(); ++r) {
      const std::string name = clean.rows[r].fields[static_cast<size_t>(col)];
      EXPECT_EQ(noisy.rows[r].fields[static_cast<size_t>(col)], name);
      const std::vector<float> c = read(out / "clean" / name), n = read(out / dir / name);
      ASSERT_EQ(c.size(), n.size()) << name;
      EXPECT_NEAR(measured_snr(c, n), snr, 0.1) << dir << "/" << name;
    }
  }
}

TEST(NoisyCli, ExactSnrLabelsKeptAndDeterministic) {
  const fs::path a = scratch() / "a", b = scratch() / "b", c = scratch() / "c";
  const std::string args = "noisy -q --labels " + q(labels_csv()) + " --snr clean,0,5,20 --seed 3 --out ";
  CliRun r = inherent_cli(args + q(a));
  ASSERT_EQ(r.code, 0) << r.err;
  expect_exact_snrs(a);

  // Labels: the eval and test rows (default --split), in order, every column kept.
  const inherent::CsvTable src = table(labels_csv()), out = table(a / "snr-05/labels.csv");
  ASSERT_EQ(out.rows.size(), 5u);
  ASSERT_EQ(out.header.back(), "noise");
  for (size_t row = 0; row < out.rows.size(); ++row) {
    for (size_t k = 1; k < src.header.size(); ++k) {
      ASSERT_EQ(out.header[k], src.header[k]);
      EXPECT_EQ(out.rows[row].fields[k], src.rows[row + 1].fields[k])
          << "row " << row << " column " << src.header[k];
    }
    EXPECT_NE(out.rows[row].fields.back().find("snr=5"), std::string::npos) << out.rows[row].fields.back();
  }
  EXPECT_EQ(inherent_cli("labels check " + q(a / "snr-00/labels.csv")).code, 0);

  // Same seed, same bytes; another seed, other noise.
  ASSERT_EQ(inherent_cli(args + q(b)).code, 0);
  ASSERT_EQ(
      inherent_cli("noisy -q --labels " + q(labels_csv()) + " --snr clean,0,5,20 --seed 4 --out " + q(c))
          .code,
      0);
  bool other = false;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file() || e.path().extension() != ".wav") continue;
    const fs::path rel = fs::relative(e.path(), a);
    EXPECT_EQ(slurp(e.path()), slurp(b / rel)) << rel;
    other |= slurp(e.path()) != slurp(c / rel);
  }
  EXPECT_TRUE(other);

  // Resume: a deleted copy comes back byte for byte; other parameters are refused.
  const fs::path one = a / "snr-05/wav" / fs::directory_iterator(a / "snr-05/wav")->path().filename();
  const std::string before = slurp(one);
  fs::remove(one);
  ASSERT_EQ(inherent_cli(args + q(a)).code, 0);
  EXPECT_EQ(slurp(one), before);
  r = inherent_cli("noisy -q --labels " + q(labels_csv()) + " --snr 5 --seed 9 --out " + q(a));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("other parameters"), std::string::npos) << r.err;
}

TEST(NoisyCli, RecordedNoiseFolder) {
  const fs::path noise = scratch() / "noise", out = scratch() / "rec";
  fs::create_directories(noise);
  std::vector<float> x(16000 * 3);
  uint32_t s = 12345;
  for (size_t i = 0; i < x.size(); ++i) {
    s = s * 1664525u + 1013904223u;
    x[i] = static_cast<float>(0.1 * std::sin(0.05 * static_cast<double>(i)) +
                              0.05 * ((s >> 8) / 16777216.0 - 0.5));
  }
  inherent::test::write_wav((noise / "fan.wav").string(), x);
  const CliRun r = inherent_cli("noisy -q --labels " + q(labels_csv()) + " --snr clean,0,5,20 --noise-dir " +
                                q(noise) + " --split test --limit 2 --out " + q(out));
  ASSERT_EQ(r.code, 0) << r.err;
  expect_exact_snrs(out);
  const inherent::CsvTable t = table(out / "snr-20/labels.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields.back(), "recorded:fan.wav snr=20");
}

TEST(NoisyCli, ErrorsNameTheFileAndLine) {
  // A head value that is not 0 or 1 on line 3.
  std::string csv = kHeader;
  csv += "audio/t0.wav,a,s,s,d,e,x,,eval,1,0,0,0,0,0,0,0,0,0,0,0,0,v\n";
  csv += "audio/t1.wav,b,s,s,d,e,x,,test,2,0,0,0,0,0,0,0,0,0,0,0,0,v\n";
  const fs::path bad = scratch() / "bad.csv";
  labels_csv();  // the audio
  std::ofstream(bad) << csv;
  CliRun r = inherent_cli("noisy -q --labels " + q(bad) + " --out " + q(scratch() / "bad-out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.csv:3"), std::string::npos) << r.err;

  // A row whose audio is missing: the line and the file.
  csv = kHeader;
  csv += "audio/missing.wav,a,s,s,d,e,x,,eval,1,0,0,0,0,0,0,0,0,0,0,0,0,v\n";
  std::ofstream(bad) << csv;
  r = inherent_cli("noisy -q --labels " + q(bad) + " --out " + q(scratch() / "bad-out2"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.csv:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.wav"), std::string::npos) << r.err;

  EXPECT_EQ(
      inherent_cli("noisy --labels " + q(labels_csv()) + " --snr loud --out " + q(scratch() / "x")).code, 2);
  EXPECT_EQ(inherent_cli("noisy --labels " + q(labels_csv())).code, 2);
}

}  // namespace
