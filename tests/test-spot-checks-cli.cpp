// SPDX-License-Identifier: Apache-2.0
//
// `inherent spot-checks --index` and `inherent eval --spot-checks` end to end: a handful of
// the hand-written spot checks spoken by one espeak-ng voice; the manifest's rows and labels
// against the index, a resumed run, `labels check`, and the pass/fail that eval prints
// (and writes as JSON) against a recomputation from its own --scores-out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli-run.h"
#include "host/csv.h"
#include "inherent/inherent.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using inherent::test::CliRun;
using inherent::test::q;
using inherent::test::slurp;
constexpr int kHeads = INHERENT_N_HEADS;

const fs::path source = INHERENT_SOURCE_DIR;
const fs::path index_path = source / "data/spot-checks/spot-checks.json";
const fs::path package = source / "data/fixtures/tiny-random";

const inherent::test::CliScratch cli("spot-checks");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

struct Expected {
  std::string text, kind;
  std::array<int, kHeads> labels{};
};

// The first spot check of each kind plus a second intent, read straight from the index.
const std::map<std::string, Expected>& chosen() {
  static const std::map<std::string, Expected> out = [] {
    const json j = json::parse(slurp(index_path));
    std::map<std::string, Expected> m;
    std::map<std::string, int> per_kind;
    for (const json& f : j["spot_checks"]) {
      const std::string kind = f["kind"];
      if (per_kind[kind]++ >= (kind == "intent" ? 2 : 1)) continue;
      Expected e{f["text"], kind, {}};
      for (int h = 0; h < kHeads; ++h) e.labels[static_cast<size_t>(h)] = f["labels"][inherent::head_name(h)];
      m[f["id"]] = e;
    }
    return m;
  }();
  return out;
}

std::string chosen_ids() {
  std::string s;
  for (const auto& [id, e] : chosen()) s += (s.empty() ? "" : ",") + id;
  return s;
}

// Speaks the chosen spot checks once (shared by the tests below).
const fs::path& manifest() {
  static const fs::path m = [] {
    const fs::path out = scratch() / "fx";
    const CliRun r =
        inherent_cli("spot-checks --index " + q(index_path) + " --voices espeak:en-us --no-festival -q -j 2" +
                     " --output-dir " + q(out) + " --ids " + chosen_ids());
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("5 spot checks x 1 voices = 5 clips (5 rendered, 0 reused)"), std::string::npos)
        << r.out;
    return out / "labels.csv";
  }();
  return m;
}

TEST(SpotChecksCli, ManifestRowsMatchTheIndex) {
  ASSERT_EQ(chosen().size(), 5u);
  const inherent::CsvTable t = inherent::read_csv_file(manifest().string());
  ASSERT_EQ(t.rows.size(), chosen().size());
  auto col = [&](const char* name) {
    const int c = t.column(name);
    EXPECT_GE(c, 0) << name;
    return static_cast<size_t>(c);
  };
  std::map<std::string, int> seen;
  for (const inherent::CsvRow& row : t.rows) {
    const std::string tid = row.fields[col("template_id")];
    ASSERT_EQ(tid.rfind("spot:", 0), 0u) << tid;
    const std::string id = tid.substr(std::string("spot:").size());
    ASSERT_TRUE(chosen().count(id)) << id;
    const Expected& e = chosen().at(id);
    ++seen[id];
    EXPECT_EQ(row.fields[col("transcript")], e.text);
    EXPECT_EQ(row.fields[col("kind")], e.kind);
    EXPECT_EQ(row.fields[col("voice")], "espeak:en-us");
    EXPECT_EQ(row.fields[col("split")], "test");
    for (int h = 0; h < kHeads; ++h)
      EXPECT_EQ(row.fields[col(inherent::head_name(h).c_str())],
                std::to_string(e.labels[static_cast<size_t>(h)]))
          << id << " " << inherent::head_name(h);
    const fs::path wav = manifest().parent_path() / row.fields[col("audio_path")];
    EXPECT_TRUE(fs::exists(wav)) << wav;
    EXPECT_GT(std::stod(row.fields[col("duration_s")]), 0.3) << id;
  }
  EXPECT_EQ(seen.size(), chosen().size());
  // The labels contract holds (audio opened, durations checked).
  const CliRun check = inherent_cli("labels check " + q(manifest()));
  EXPECT_EQ(check.code, 0) << check.out << check.err;
}

TEST(SpotChecksCli, RerunResumes) {
  const std::string before = slurp(manifest());
  // A clip lost (as by a killed run) is spoken again; the others are reused.
  const inherent::CsvTable t = inherent::read_csv_file(manifest().string());
  fs::remove(manifest().parent_path() / t.rows[0].fields[0]);
  const std::string args = "spot-checks --index " + q(index_path) +
                           " --voices espeak:en-us --no-festival -q" + " --output-dir " +
                           q(manifest().parent_path()) + " --ids " + chosen_ids();
  CliRun r = inherent_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(1 rendered, 4 reused)"), std::string::npos) << r.out;
  r = inherent_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(0 rendered, 5 reused)"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(manifest()), before);  // espeak-ng speaks the same text the same way
}

TEST(SpotChecksCli, BadArgumentsAreErrors) {
  CliRun r = inherent_cli("spot-checks --index " + q(index_path) + " --voices nosuch:voice --output-dir " +
                          q(scratch() / "none") + " --no-festival -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'nosuch:voice' matches no voice"), std::string::npos) << r.err;
  r = inherent_cli("spot-checks --index " + q(index_path) + " --voices espeak:en-us --output-dir " +
                   q(scratch() / "none") + " --ids nosuch --no-festival -q");
  EXPECT_EQ(r.code, 2) << r.err;
  const fs::path bad = scratch() / "bad-index.json";
  std::ofstream(bad)
      << R"({"format":"inherent-spot-checks","version":1,"spot_checks":[{"id":"a","text":"hi","kind":"intent","labels":{"isInteresting":2}}]})";
  r = inherent_cli("spot-checks --index " + q(bad) + " --voices espeak:en-us --output-dir " +
                   q(scratch() / "none") + " --no-festival -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(bad.string() + ": spot_checks[0] (a): labels.isInteresting: missing, or not 0 or 1"),
            std::string::npos)
      << r.err;
  r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest()) +
                   " -q --require-spot-checks");
  EXPECT_EQ(r.code, 2) << r.err;
}

// PASS/FAIL per spot check as eval prints it.
std::map<std::string, bool> printed(const std::string& out) {
  std::map<std::string, bool> m;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    for (const char* verdict : {"  PASS ", "  FAIL "}) {
      if (line.rfind(verdict, 0) != 0) continue;
      const std::string rest = line.substr(7);
      m[rest.substr(0, rest.find(' '))] = verdict[2] == 'P';
    }
  }
  return m;
}

// The same verdicts recomputed from --scores-out and the thresholds in --json-out, with
// the engine's rule (intents fire only with isInteresting).
std::map<std::string, bool> recomputed(const fs::path& scores_csv, const json& eval_json) {
  std::array<double, kHeads> t{};
  for (int h = 0; h < kHeads; ++h)
    t[static_cast<size_t>(h)] = eval_json["thresholds"][inherent::head_threshold_key(h)];
  const inherent::CsvTable m = inherent::read_csv_file(manifest().string());
  const inherent::CsvTable s = inherent::read_csv_file(scores_csv.string());
  EXPECT_EQ(s.rows.size(), m.rows.size());
  std::map<std::string, bool> out;
  for (size_t i = 0; i < s.rows.size() && i < m.rows.size(); ++i) {
    const std::string id =
        m.rows[i].fields[static_cast<size_t>(m.column("template_id"))].substr(std::string("spot:").size());
    const auto& f = s.rows[i].fields;
    const bool gate = std::stod(f[2]) >= t[0];
    bool ok = true;
    for (int h = 0; h < kHeads; ++h) {
      const bool fired =
          std::stod(f[static_cast<size_t>(2 + h)]) >= t[static_cast<size_t>(h)] && (h == 0 || gate);
      ok = ok && fired == (chosen().at(id).labels[static_cast<size_t>(h)] == 1);
    }
    out[id] = out.count(id) ? out[id] && ok : ok;
  }
  return out;
}

void expect_verdicts(const std::string& thresholds_args, const std::string& tag) {
  const fs::path scores = scratch() / (tag + "-scores.csv"), js = scratch() / (tag + ".json");
  const std::string base = "eval --artifact " + q(package) + " --manifest " + q(manifest()) +
                           " -q --spot-checks " + q(index_path) + thresholds_args;
  const CliRun r = inherent_cli(base + " --scores-out " + q(scores) + " --json-out " + q(js));
  const json j = json::parse(slurp(js));
  EXPECT_EQ(r.code, j["all_gates_passed"].get<bool>() ? 0 : 1)
      << r.err;  // spot checks do not change the exit code
  const std::map<std::string, bool> want = recomputed(scores, j), got = printed(r.out);
  EXPECT_EQ(got, want) << r.out;
  ASSERT_EQ(j["spot_checks"]["results"].size(), chosen().size());
  size_t passed = 0;
  for (const json& x : j["spot_checks"]["results"]) {
    EXPECT_EQ(x["passed"].get<bool>(), want.at(x["id"])) << x.dump();
    passed += x["passed"].get<bool>();
  }
  EXPECT_EQ(j["spot_checks"]["passed"], passed);
  EXPECT_EQ(j["spot_checks"]["without_clips"], 182 - chosen().size());
  EXPECT_NE(r.out.find("spot checks: " + std::to_string(passed) + " of 5 passed"), std::string::npos)
      << r.out;
  // --require-spot-checks: exit 1 when one fails.
  const CliRun strict = inherent_cli(base + " --require-spot-checks");
  EXPECT_EQ(strict.code, passed < chosen().size() || !j["all_gates_passed"].get<bool>() ? 1 : 0)
      << strict.err;
}

TEST(SpotChecksCli, EvalVerdictsEqualARecomputationFromScores) { expect_verdicts("", "artifact"); }

TEST(SpotChecksCli, EvalVerdictsFollowTheThresholds) {
  // Thresholds of 1: nothing fires, so exactly the all-zero spot checks pass.
  const fs::path high = scratch() / "thresholds-one.json";
  json t = json::object();
  for (int h = 0; h < kHeads; ++h) t[inherent::head_threshold_key(h)] = 1.0;
  std::ofstream(high) << t.dump();
  expect_verdicts(" --thresholds " + q(high), "high");
  const CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest()) +
                                " -q --spot-checks " + q(index_path) + " --thresholds " + q(high));
  const std::map<std::string, bool> got = printed(r.out);
  ASSERT_EQ(got.size(), chosen().size()) << r.out << r.err;
  for (const auto& [id, e] : chosen()) {
    const bool all_zero = e.labels[0] == 0;
    EXPECT_EQ(got.at(id), all_zero) << id;
  }
}

}  // namespace
