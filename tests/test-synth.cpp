// SPDX-License-Identifier: Apache-2.0
//
// `inherent synth` end to end on a tiny grammar (tests/data/grammar-mini): the labels pass
// the labels checker, WAVs are 16 kHz mono 16-bit, splits never share a voice, the same
// seed gives the same bytes, a rerun skips finished clips and a killed run resumes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "cli-run.h"
#include "data/synth.h"
#include "frontend/audio-file.h"
#include "labels/labels.h"

namespace {

using inherent::test::CliRun;
using inherent::test::slurp;

namespace fs = std::filesystem;

const inherent::test::CliScratch cli("synth");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

const std::string kGrammar = std::string(INHERENT_SOURCE_DIR) + "/tests/data/grammar-mini";

std::string synth_args(const fs::path& out, int count, const std::string& extra = "") {
  return "synth --grammar '" + kGrammar + "' --out '" + out.string() + "' --count " + std::to_string(count) +
         " --split-fractions 0.6,0.2,0.2 --non-speech 0.1 --seed 5 -q " + extra;
}

std::map<std::string, std::string> wav_files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir / "wav"))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return out;
}

// One corpus shared by the tests below (synthesized once).
const fs::path& corpus() {
  static const fs::path dir = [] {
    const fs::path d = scratch() / "corpus";
    const CliRun r = inherent_cli(synth_args(d, 20, "-j 2"));
    EXPECT_EQ(r.code, 0) << r.err;
    return d;
  }();
  return dir;
}

TEST(Synth, LabelsPassTheChecker) {
  const inherent::LabelsCheck check = inherent::check_labels((corpus() / "labels.csv").string());
  for (const auto& i : check.issues) ADD_FAILURE() << inherent::format_issue(check.labels.path, i);
  ASSERT_EQ(check.labels.rows.size(), 20u);
  std::array<size_t, 3> per_split{};
  size_t non_speech = 0;
  for (const auto& row : check.labels.rows) {
    ++per_split[static_cast<int>(row.split)];
    if (row.source == "synth:noise") {
      ++non_speech;
      EXPECT_TRUE(row.transcript.empty());
      for (uint8_t h : row.heads) EXPECT_EQ(h, 0);
    } else {
      EXPECT_EQ(row.source.rfind("synth:", 0), 0u) << row.source;
      EXPECT_FALSE(row.transcript.empty());
    }
  }
  EXPECT_EQ(per_split[0], 12u);
  EXPECT_EQ(per_split[1], 4u);
  EXPECT_EQ(per_split[2], 4u);
  EXPECT_GE(non_speech, 1u);
  // The extra columns are there.
  const std::vector<std::string>& h = check.labels.header;
  for (const char* col : {"template_id", "category", "voice", "rate", "pitch", "augmentation"})
    EXPECT_NE(std::find(h.begin(), h.end(), col), h.end()) << col;
  // And the command agrees.
  EXPECT_EQ(inherent_cli("labels check '" + (corpus() / "labels.csv").string() + "'").code, 0);
}

TEST(Synth, WavsAre16kMono16Bit) {
  for (const auto& [name, bytes] : wav_files(corpus())) {
    const inherent::AudioInfo info = inherent::probe_audio_file((corpus() / name).string());
    EXPECT_EQ(info.rate, 16000) << name;
    EXPECT_EQ(info.channels, 1) << name;
    EXPECT_NE(info.format.find("16 bit PCM"), std::string::npos) << name << ": " << info.format;
    EXPECT_GT(info.duration_s(), 0.5) << name;
  }
}

TEST(Synth, SplitsNeverShareAVoice) {
  const inherent::Labels l = inherent::read_labels((corpus() / "labels.csv").string());
  std::map<std::string, std::set<int>> splits_of;
  for (const auto& row : l.rows)
    if (row.speaker_id != "none") splits_of[row.speaker_id].insert(static_cast<int>(row.split));
  for (const auto& [voice, s] : splits_of) EXPECT_EQ(s.size(), 1u) << voice;
}

TEST(Synth, SameSeedSameBytes) {
  const fs::path again = scratch() / "again";
  const CliRun r = inherent_cli(synth_args(again, 20, "-j 1"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(slurp(again / "labels.csv"), slurp(corpus() / "labels.csv"));
  EXPECT_EQ(wav_files(again), wav_files(corpus()));
}

// The sentences drawn from an import depend on its content and name, not on the folder
// it sits in (a corpus made elsewhere is the same corpus).
TEST(Synth, ImportDrawIgnoresTheFolder) {
  std::string heads_header;
  const std::vector<std::string> cols = inherent::label_columns();
  for (size_t h = cols.size() - INHERENT_N_HEADS; h < cols.size(); ++h) heads_header += "," + cols[h];
  std::string text = "transcript,split" + heads_header + ",source\n";
  for (int i = 0; i < 12; ++i)
    for (const char* split : {"train", "eval", "test"})
      text += "Set a timer for " + std::to_string(i + 2) + " minutes " + split + ".," + split +
              ",1,0,0,0,0,0,0,0,0,0,0,0,1,ha-intents\n";
  std::vector<std::string> transcripts;
  for (const char* where : {"imports-a", "elsewhere/imports-b"}) {
    const fs::path folder = scratch() / where;
    fs::create_directories(folder);
    std::ofstream(folder / "ha.csv") << text;
    const fs::path out = scratch() / (std::string("import-draw-") + std::to_string(transcripts.size()));
    const CliRun r = inherent_cli(synth_args(out, 10, "--import '" + (folder / "ha.csv").string() + ":0.5'"));
    ASSERT_EQ(r.code, 0) << r.err;
    transcripts.push_back(slurp(out / "labels.csv"));
  }
  EXPECT_EQ(transcripts[0], transcripts[1]);
}

// The neural voice speaks training clips only, leaves eval and test clips exactly as they
// are without it (every clip draws from its own seed), and is attributed.
TEST(Synth, PiperTrainsOnlyAndIsAttributed) {
  const CliRun list = inherent_cli("synth --list-voices");
  ASSERT_EQ(list.code, 0) << list.err;
  if (list.out.find("piper:joe") == std::string::npos) GTEST_SKIP() << "piper voice not installed";
  const fs::path dir = scratch() / "with-piper";
  const CliRun r =
      inherent_cli(synth_args(dir, 20, "-j 2 --engine-weights espeak=0.6,flite=0.25,festival=0.15,piper=2"));
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::Labels with = inherent::read_labels((dir / "labels.csv").string());
  const inherent::Labels without = inherent::read_labels((corpus() / "labels.csv").string());
  ASSERT_EQ(with.rows.size(), without.rows.size());
  size_t piper = 0;
  std::set<std::string> held_out_with, held_out_without;
  for (const auto& row : with.rows) {
    if (row.source == "synth:piper") {
      ++piper;
      EXPECT_EQ(row.split, inherent::Split::train) << row.audio_path;
    }
    if (row.split != inherent::Split::train) held_out_with.insert(row.audio_path);
  }
  for (const auto& row : without.rows)
    if (row.split != inherent::Split::train) held_out_without.insert(row.audio_path);
  EXPECT_GE(piper, 3u);
  EXPECT_EQ(held_out_with, held_out_without);
  const std::string attr = slurp(dir / "attributions.json");
  EXPECT_NE(attr.find("piper-joe"), std::string::npos) << attr;
  EXPECT_NE(attr.find("CC0"), std::string::npos) << attr;
}

TEST(Synth, RerunSkipsFinishedClips) {
  const fs::path dir = scratch() / "rerun";
  ASSERT_EQ(inherent_cli(synth_args(dir, 8, "--augment light")).code, 0);
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& e : fs::recursive_directory_iterator(dir / "wav"))
    if (e.is_regular_file()) mtimes[e.path().string()] = e.last_write_time();
  const std::string labels = slurp(dir / "labels.csv");
  const CliRun r =
      inherent_cli("synth --grammar '" + kGrammar + "' --out '" + dir.string() +
                   "' --count 8 --split-fractions 0.6,0.2,0.2 --non-speech 0.1 --seed 5 --augment light");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(0 rendered, 8 reused)"), std::string::npos) << r.out;
  for (const auto& [p, t] : mtimes) EXPECT_EQ(fs::last_write_time(p), t) << p;
  EXPECT_EQ(slurp(dir / "labels.csv"), labels);
}

TEST(Synth, KilledRunResumes) {
  const fs::path dir = scratch() / "killed";
  const std::string cmd =
      std::string("exec '") + INHERENT_CLI + "' " + synth_args(dir, 30, "-j 1") + " 2>/dev/null";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once a few clips are on disk (or after a while, whatever it has then).
  auto count_wavs = [&] {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir / "wav", ec))
      if (e.is_regular_file() && e.path().extension() == ".wav") ++n;
    return n;
  };
  // Up to a minute: a sanitizer build on a loaded machine can take seconds per clip.
  for (int i = 0; i < 2400 && count_wavs() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  const size_t before = count_wavs();
  EXPECT_FALSE(fs::exists(dir / "labels.csv"));

  const CliRun r = inherent_cli(synth_args(dir, 30, "-j 2"));
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::LabelsCheck check = inherent::check_labels((dir / "labels.csv").string());
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(check.labels.rows.size(), 30u);
  EXPECT_EQ(count_wavs(), 30u);
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  // The resumed corpus equals one made in one go.
  const fs::path fresh = scratch() / "fresh";
  ASSERT_EQ(inherent_cli(synth_args(fresh, 30, "-j 2")).code, 0);
  EXPECT_EQ(slurp(dir / "labels.csv"), slurp(fresh / "labels.csv"));
  EXPECT_GT(before, 0u);
}

TEST(Synth, ShardsAddUpToTheWholeCorpus) {
  const fs::path dir = scratch() / "shards";
  for (const char* shard : {"0/2", "1/2"}) {
    const CliRun r = inherent_cli(synth_args(dir, 10, std::string("--shard ") + shard));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "labels.csv"));  // a shard writes no labels
  const CliRun all = inherent_cli("synth --grammar '" + kGrammar + "' --out '" + dir.string() +
                                  "' --count 10 --split-fractions 0.6,0.2,0.2 --non-speech 0.1 --seed 5");
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("(0 rendered, 10 reused)"), std::string::npos) << all.out;
  EXPECT_TRUE(inherent::check_labels((dir / "labels.csv").string()).ok());
  EXPECT_EQ(inherent_cli(synth_args(dir, 10, "--shard 2/2")).code, 2);
}

// --splits renders one part of the same plan: the test clips and rows of the full corpus.
TEST(Synth, SplitsRendersThatPartOfTheFullCorpus) {
  const fs::path dir = scratch() / "test-only";
  const CliRun r = inherent_cli(synth_args(dir, 20, "-j 2 --splits test"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, std::string> want;
  for (const auto& [path, bytes] : wav_files(corpus()))
    if (path.rfind("wav/test/", 0) == 0) want[path] = bytes;
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(wav_files(dir), want);
  // labels.csv: the header and the full corpus's test rows, in the same order.
  std::istringstream full(slurp(corpus() / "labels.csv"));
  std::string line, expected;
  std::getline(full, line);
  expected = line + "\n";
  while (std::getline(full, line)) {
    const size_t comma = line.find(',');
    if (line.substr(0, comma).rfind("wav/test/", 0) == 0) expected += line + "\n";
  }
  EXPECT_EQ(slurp(dir / "labels.csv"), expected);
  // A later run without it renders the rest and writes the whole corpus's labels.
  ASSERT_EQ(inherent_cli(synth_args(dir, 20, "-j 2")).code, 0);
  EXPECT_EQ(slurp(dir / "labels.csv"), slurp(corpus() / "labels.csv"));
  EXPECT_EQ(inherent_cli(synth_args(dir, 20, "--splits test,dev")).code, 2);
}

TEST(Synth, DryRunWritesNothing) {
  const fs::path dir = scratch() / "dry";
  const CliRun r = inherent_cli(synth_args(dir, 50, "--dry-run"));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* want : {"clips", "train", "eval", "test", "clips by espeak", "hasStartTimerIntent"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  EXPECT_FALSE(fs::exists(dir));
}

TEST(Synth, ListVoices) {
  const CliRun r = inherent_cli("synth --list-voices");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("espeak:en-us+f3"), std::string::npos);
  EXPECT_NE(r.out.find("flite:slt"), std::string::npos);
}

TEST(Synth, ErrorsAndExitCodes) {
  const fs::path dir = scratch() / "bad";
  EXPECT_EQ(inherent_cli(synth_args(dir, 0)).code, 2);                           // count 0
  EXPECT_EQ(inherent_cli(synth_args(dir, 5, "--split-fractions 1,2")).code, 2);  // two numbers
  EXPECT_EQ(inherent_cli("synth --count 5").code, 2);                            // no --out
  EXPECT_EQ(inherent_cli(synth_args(dir, 5, "--augment loud")).code, 1);         // unknown preset
  const CliRun nv = inherent_cli(synth_args(dir, 5, "--voices nobody:*"));
  EXPECT_EQ(nv.code, 1);
  EXPECT_NE(nv.err.find("nobody"), std::string::npos) << nv.err;
  // Held-out splits need held-out voices: flite:slt is a training voice.
  const CliRun train_only = inherent_cli(synth_args(dir, 5, "--voices flite:slt"));
  EXPECT_EQ(train_only.code, 1);
  EXPECT_NE(train_only.err.find("no voice of split eval"), std::string::npos) << train_only.err;
  EXPECT_EQ(inherent_cli(synth_args(dir, 5, "--noise-dir /no/such/folder")).code, 1);
  EXPECT_EQ(inherent_cli("synth --grammar /no/such/grammar --out '" + dir.string() + "' --count 3").code, 1);
}

TEST(Synth, NoiseDirRecordingsAreMixed) {
  // A recorded-noise folder of our own (the shared one may be absent).
  const fs::path noise = scratch() / "noise";
  fs::create_directories(noise);
  std::vector<float> hiss(16000 * 3);
  inherent::augment::Rng rng(1);
  for (float& v : hiss) v = static_cast<float>(0.1 * rng.normal());
  {
    std::ofstream f(noise / "hiss.wav", std::ios::binary);
    f << inherent::synth::wav_bytes(hiss);
  }
  std::ofstream(noise / "README.md") << "not audio\n";
  const fs::path dir = scratch() / "noisy";
  const CliRun r = inherent_cli(synth_args(dir, 12, "--augment heavy --noise-dir '" + noise.string() + "'"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(inherent::check_labels((dir / "labels.csv").string()).ok());
}

TEST(Synth, VoicePatterns) {
  using inherent::synth::voice_matches;
  EXPECT_TRUE(voice_matches("all", "flite:slt"));
  EXPECT_TRUE(voice_matches("espeak:*", "espeak:en-us+f3"));
  EXPECT_TRUE(voice_matches("espeak:en-us+*", "espeak:en-us+f3"));
  EXPECT_TRUE(voice_matches("*+f3", "espeak:en-gb+f3"));
  EXPECT_FALSE(voice_matches("espeak:*", "flite:slt"));
  EXPECT_FALSE(voice_matches("flite:sl", "flite:slt"));
  EXPECT_TRUE(voice_matches("flite:slt", "flite:slt"));
}

// Real recordings: speakers never cross splits; transcripts from fsdd names and metadata.csv.
TEST(Synth, RealRecordingsSplitBySpeaker) {
  const fs::path root = scratch() / "real-unit" / "fsdd";
  fs::create_directories(root);
  const std::vector<float> tone(8000, 0.1f);
  for (const char* who : {"ann", "bob", "cyd", "dee", "eve", "fay"})
    for (int d = 0; d < 3; ++d)
      std::ofstream(root / (std::to_string(d) + "_" + who + "_0.wav"), std::ios::binary)
          << inherent::synth::wav_bytes(tone);
  const fs::path words = scratch() / "real-unit" / "words";
  fs::create_directories(words / "w");
  std::ofstream(words / "w" / "x1.wav", std::ios::binary) << inherent::synth::wav_bytes(tone);
  std::ofstream(words / "w" / "metadata.csv") << "x1.wav,tea kettle,en,\n";
  const auto recs = inherent::synth::real_recordings({root.string(), words.string()});
  ASSERT_EQ(recs.size(), 19u);
  std::map<std::string, std::set<int>> splits_of;
  std::array<size_t, 3> n{};
  for (const auto& r : recs) {
    if (r.source == "fsdd") {
      splits_of[r.speaker].insert(static_cast<int>(r.split));
      ++n[static_cast<int>(r.split)];
      EXPECT_TRUE(r.transcript == "zero" || r.transcript == "one" || r.transcript == "two") << r.transcript;
    } else {
      EXPECT_EQ(r.source, "words");
      EXPECT_EQ(r.transcript, "tea kettle");
      EXPECT_EQ(r.speaker, "w");
    }
  }
  EXPECT_EQ(splits_of.size(), 6u);
  for (const auto& [who, sp] : splits_of) EXPECT_EQ(sp.size(), 1u) << who;
  EXPECT_EQ(n[0], 12u);  // 4 train speakers, 1 eval, 1 test
  EXPECT_EQ(n[1], 3u);
  EXPECT_EQ(n[2], 3u);
  EXPECT_THROW(inherent::synth::real_recordings({(scratch() / "no-such").string()}), std::exception);
}

// --import and --real-dir end to end: labels pass the checker, real clips are gate 0 with
// every head 0, imported sentences keep their labels and splits, attributions are written,
// and share-alike sources need --allow-share-alike.
TEST(Synth, ImportAndRealDir) {
  const fs::path real = scratch() / "real-e2e" / "precise-community";  // a known public-domain source
  const std::vector<float> tone(12000, 0.1f);
  for (const char* who : {"a", "b", "c"}) {
    fs::create_directories(real / who);
    for (int i = 0; i < 2; ++i)
      std::ofstream(real / who / ("clip" + std::to_string(i) + ".wav"), std::ios::binary)
          << inherent::synth::wav_bytes(tone);
  }
  std::string heads_header;
  const std::vector<std::string> cols = inherent::label_columns();  // the heads come last
  for (size_t h = cols.size() - INHERENT_N_HEADS; h < cols.size(); ++h) heads_header += "," + cols[h];
  const std::string rows[] = {
      "Set a timer for nine minutes.,train,1,0,0,0,0,0,0,0,0,0,0,0,1,ha-intents",
      "Start an egg timer for four minutes.,eval,1,0,0,0,0,0,0,0,0,0,0,0,1,ha-intents",
      "Timer for twelve minutes please.,test,1,0,0,0,0,0,0,0,0,0,0,0,1,ha-intents",
      "We could paint the case a darker green.,train,0,0,0,0,0,0,0,0,0,0,0,0,0,qmsum",
      "Maybe the buttons should be larger then.,eval,0,0,0,0,0,0,0,0,0,0,0,0,0,qmsum",
      "I think the remote is too heavy now.,test,0,0,0,0,0,0,0,0,0,0,0,0,0,qmsum"};
  const fs::path imp = scratch() / "imported.csv";
  {
    std::ofstream f(imp);
    f << "transcript,split" << heads_header << ",source\n";
    for (const auto& r : rows) f << r << "\n";
  }
  const fs::path dir = scratch() / "imp-real";
  const CliRun r = inherent_cli(synth_args(
      dir, 20, "--import '" + imp.string() + ":0.4' --real-dir '" + real.string() + "' --real-share 0.2"));
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::Labels l = inherent::read_labels((dir / "labels.csv").string());
  size_t n_real = 0, n_imp = 0;
  std::map<std::string, std::set<int>> speaker_splits;
  for (const auto& row : l.rows) {
    if (row.source.rfind("real:", 0) == 0) {
      ++n_real;
      for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(row.heads[h], 0);
      speaker_splits[row.speaker_id].insert(static_cast<int>(row.split));
    }
    for (const auto& t : rows) {
      const std::string text = t.substr(0, t.find(','));
      if (row.transcript != text) continue;
      ++n_imp;
      const std::string split = t.substr(text.size() + 1, t.find(',', text.size() + 1) - text.size() - 1);
      EXPECT_EQ(inherent::split_name(row.split), split) << text;
      EXPECT_EQ(row.heads[0], t[text.size() + split.size() + 2] == '1') << text;
    }
  }
  EXPECT_GE(n_real, 3u);
  EXPECT_GE(n_imp, 3u);
  for (const auto& [who, sp] : speaker_splits) EXPECT_EQ(sp.size(), 1u) << who;
  const std::string attr = slurp(dir / "attributions.json");
  EXPECT_NE(attr.find("precise-community"), std::string::npos);
  EXPECT_NE(attr.find("qmsum"), std::string::npos);
  EXPECT_NE(attr.find("https://"), std::string::npos);

  // Share-alike text and audio are opt-in.
  const fs::path sa = scratch() / "share-alike.csv";
  {
    std::ofstream f(sa);
    f << "transcript,split" << heads_header << ",source\n"
      << "Did you watch the match last night?,train,0,0,0,0,0,0,0,0,0,0,0,0,0,topical-chat\n";
  }
  EXPECT_EQ(inherent_cli(synth_args(scratch() / "sa", 5, "--dry-run --import '" + sa.string() + "'")).code,
            1);
  EXPECT_EQ(inherent_cli(synth_args(scratch() / "sa", 5,
                                    "--dry-run --allow-share-alike --import '" + sa.string() + "'"))
                .code,
            0);
  // A malformed import names file and line.
  const fs::path bad = scratch() / "bad.csv";
  std::ofstream(bad) << "transcript,split" << heads_header
                     << "\nHello there.,train,0,1,0,0,0,0,0,0,0,0,0,0,0\n";
  const CliRun b =
      inherent_cli(synth_args(scratch() / "bad", 5, "--dry-run --import '" + bad.string() + "'"));
  EXPECT_EQ(b.code, 1);
  EXPECT_NE(b.err.find("bad.csv:2:"), std::string::npos) << b.err;
}

// Without real recordings (or at share 0) the plan is the one synth always made.
TEST(Synth, RealShareZeroKeepsThePlan) {
  const fs::path real = scratch() / "real-e2e" / "precise-community";
  const CliRun a = inherent_cli(synth_args(scratch() / "p0", 30, "--dry-run"));
  const CliRun b = inherent_cli(synth_args(
      scratch() / "p0", 30, "--dry-run --real-dir '" + real.string() + "' --real-share 0 --real-mix 0"));
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out.substr(0, b.out.find("\noutside sources")));  // + the (empty) attribution list
  EXPECT_EQ(inherent_cli(synth_args(scratch() / "p0", 30, "--dry-run --real-mix 0.5")).code,
            2);  // needs --real-dir
}

// --real-mix joins a transcribed real word to sentences of both gate classes: the labels,
// the split and the sentence stay those of the same clip without it, the transcript gains
// the word and the clip its length; recordings without a transcript are never joined.
TEST(Synth, RealMixJoinsRealWordsToBothClasses) {
  const fs::path real = scratch() / "real-mix" / "precise-community";
  const std::vector<float> tone(12000, 0.1f);  // 0.75 s
  for (const char* who : {"a", "b", "c", "d", "e"}) {
    fs::create_directories(real / who);
    std::ofstream meta(real / who / "metadata.csv");
    for (int i = 0; i < 2; ++i) {
      const std::string name = "clip" + std::to_string(i) + ".wav";
      std::ofstream(real / who / name, std::ios::binary) << inherent::synth::wav_bytes(tone);
      meta << name << ",aardvark" << who << "\n";
    }
  }
  fs::create_directories(real / "f");  // no transcript: never joined
  std::ofstream(real / "f" / "clip.wav", std::ios::binary) << inherent::synth::wav_bytes(tone);
  const fs::path plain = scratch() / "mix-plain", mixed = scratch() / "mix-joined";
  ASSERT_EQ(inherent_cli(synth_args(plain, 24, "-j 2")).code, 0);
  const CliRun r = inherent_cli(
      synth_args(mixed, 24, "-j 2 --real-dir '" + real.string() + "' --real-share 0 --real-mix 1"));
  ASSERT_EQ(r.code, 0) << r.err;
  const CliRun plan = inherent_cli(
      synth_args(mixed, 24, "--dry-run --real-dir '" + real.string() + "' --real-share 0 --real-mix 1"));
  EXPECT_NE(plan.out.find("joined with a real word"), std::string::npos) << plan.out;
  const inherent::Labels a = inherent::read_labels((plain / "labels.csv").string());
  const inherent::Labels b = inherent::read_labels((mixed / "labels.csv").string());
  ASSERT_EQ(a.rows.size(), b.rows.size());
  std::set<int> gates;
  size_t joined = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto &x = a.rows[i], &y = b.rows[i];
    EXPECT_EQ(x.split, y.split);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(x.heads[h], y.heads[h]) << i;
    if (x.transcript.empty()) {  // non-speech stays as it was
      EXPECT_EQ(x.transcript, y.transcript);
      continue;
    }
    const size_t at = y.transcript.find("aardvark");
    if (at == std::string::npos) {  // a split whose real speakers have no transcript
      EXPECT_EQ(x.transcript, y.transcript);
      continue;
    }
    ++joined;
    gates.insert(y.heads[0]);
    EXPECT_NE(y.transcript.find(x.transcript), std::string::npos) << y.transcript;
    EXPECT_EQ(y.transcript.find("aardvarkf"), std::string::npos);
    EXPECT_EQ(y.speaker_id, x.speaker_id);
    EXPECT_GT(inherent::probe_audio_file(y.resolved_path).duration_s(),
              inherent::probe_audio_file(x.resolved_path).duration_s() + 0.5)
        << y.resolved_path;
  }
  EXPECT_GE(joined, 10u);
  EXPECT_EQ(gates.size(), 2u);  // addressed and not addressed clips both carry real words
  EXPECT_NE(slurp(mixed / "attributions.json").find("precise-community"), std::string::npos);
}

}  // namespace
