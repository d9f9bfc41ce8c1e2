// SPDX-License-Identifier: Apache-2.0
//
// `inherent eval` and `inherent thresholds` end to end on the tiny-random package and a
// small synthesized manifest: exit codes, JSON fields, AUCs equal to src/eval's on the
// engine's own scores, file:line errors for bad manifests, thresholds that round-trip
// into the engine (and through `inherent export`), and the LibTorch --checkpoint path.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli-run.h"
#include "eval/breakdown.h"
#include "eval/metrics.h"
#include "eval/thresholds.h"
#include "inherent/inherent.hpp"
#include "test-clips.h"

namespace {

using inherent::test::write_wav;

using inherent::test::CliRun;
using inherent::test::q;
using inherent::test::slurp;

namespace fs = std::filesystem;
using json = nlohmann::json;
constexpr int kHeads = INHERENT_N_HEADS;
constexpr int kClips = 48;

const fs::path package = fs::path(INHERENT_SOURCE_DIR) / "data/fixtures/tiny-random";

const inherent::test::CliScratch cli("eval", "audio");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

// kClips clips (0.3 .. 1.1 s of a tone, a second tone and noise, all different).
const std::vector<std::string>& clips() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int i = 0; i < kClips; ++i) {
      const size_t n = 4800 + static_cast<size_t>((i * 2731) % 12800);
      std::vector<float> x(n);
      uint32_t s = static_cast<uint32_t>(i) * 2654435761u + 7;
      const double f1 = 120.0 + 173.0 * i, f2 = 300.0 + 61.0 * ((i * 7) % 40), a = 0.05 + 0.01 * (i % 25);
      for (size_t k = 0; k < n; ++k) {
        s = s * 1664525u + 1013904223u;
        const double t = static_cast<double>(k) / 16000.0;
        const double noise = (static_cast<double>(s >> 8) / 16777216.0 - 0.5) * 0.01 * (i % 5);
        x[k] =
            static_cast<float>(a * std::sin(2 * M_PI * f1 * t) + 0.1 * std::sin(2 * M_PI * f2 * t) + noise);
      }
      const std::string name = "audio/c" + std::to_string(i) + ".wav";
      write_wav(scratch() / name, x);
      out.push_back(name);
    }
    return out;
  }();
  return names;
}

// The engine's scores of every clip, computed directly: [kClips][13].
const std::vector<inherent::Scores>& engine_scores() {
  static const std::vector<inherent::Scores> scores = [] {
    const inherent::Model model = inherent::Model::from_file(package.string());
    inherent::Session session(model);
    std::vector<inherent::Scores> out;
    for (const std::string& c : clips()) {
      const inherent::Audio a = inherent::Audio::read_file((scratch() / c).string());
      out.push_back(session.score_audio(a.samples(), a.n_samples()));
    }
    return out;
  }();
  return scores;
}

using LabelTable = std::vector<std::array<uint8_t, kHeads>>;

// Writes a manifest of every clip with the given labels and splits.
fs::path write_manifest(const std::string& name, const LabelTable& labels,
                        const std::vector<std::string>& splits) {
  const fs::path path = scratch() / name;
  std::ofstream f(path);
  f << "audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split";
  for (int h = 0; h < kHeads; ++h) f << "," << inherent::head_name(h);
  f << "\n";
  for (size_t i = 0; i < labels.size(); ++i) {
    f << clips()[i] << ",clip " << i << ",spk,s" << i << ",synth,clean,test,," << splits[i];
    for (int h = 0; h < kHeads; ++h) f << "," << int{labels[i][static_cast<size_t>(h)]};
    f << "\n";
  }
  return path;
}

// Pseudo-random labels that keep the gate rule; heads 10..12 never positive (unmeasured).
LabelTable random_labels() {
  LabelTable t(kClips);
  uint32_t s = 12345;
  auto next = [&] { return (s = s * 1103515245u + 12345u) >> 16; };
  for (int i = 0; i < kClips; ++i) {
    t[i].fill(0);
    t[i][0] = (next() % 2) || i == 0;
    if (i == 1) t[i][0] = 0;
    if (!t[i][0]) continue;
    for (int h = 1; h < 10; ++h) t[i][static_cast<size_t>(h)] = next() % 3 == 0;
  }
  return t;
}

std::vector<float> column(int h, const std::vector<size_t>& rows) {
  std::vector<float> out;
  for (size_t i : rows) out.push_back(engine_scores()[i][static_cast<size_t>(h)]);
  return out;
}

std::vector<uint8_t> label_column(const LabelTable& t, int h, const std::vector<size_t>& rows) {
  std::vector<uint8_t> out;
  for (size_t i : rows) out.push_back(t[i][static_cast<size_t>(h)]);
  return out;
}

std::vector<size_t> all_rows() {
  std::vector<size_t> r(kClips);
  for (size_t i = 0; i < r.size(); ++i) r[i] = i;
  return r;
}

TEST(EvalCli, MetricsEqualSrcEvalOnTheEngineScores) {
  const LabelTable labels = random_labels();
  const fs::path manifest = write_manifest("random.csv", labels, std::vector<std::string>(kClips, "test"));
  const fs::path out = scratch() / "eval.json";
  const CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) +
                                " --threads 3 -q" + " --json-out " + q(out));
  const json j = json::parse(slurp(out));
  EXPECT_EQ(r.code, j["all_gates_passed"].get<bool>() ? 0 : 1) << r.err;
  EXPECT_EQ(r.code, 1) << "a random model should not pass the release gates";
  EXPECT_NE(r.out.find("Release gates"), std::string::npos);
  EXPECT_NE(r.out.find("Co-firing"), std::string::npos);
  EXPECT_EQ(j["n_clips"], kClips);
  EXPECT_EQ(j["split"], "test");
  ASSERT_EQ(j["heads"].size(), static_cast<size_t>(kHeads));
  const inherent::Model model = inherent::Model::from_file(package.string());
  for (int h = 0; h < kHeads; ++h) {
    const json& head = j["heads"][static_cast<size_t>(h)];
    EXPECT_EQ(head["name"], inherent::head_name(h));
    const std::vector<float> s = column(h, all_rows());
    const std::vector<uint8_t> l = label_column(labels, h, all_rows());
    const double auc = inherent::eval::roc_auc(s, l);
    if (std::isnan(auc)) {
      EXPECT_TRUE(head["auc"].is_null()) << h;
    } else {
      EXPECT_EQ(head["auc"].get<double>(), auc) << h;  // the same scores, bit for bit
      EXPECT_EQ(head["eer"].get<double>(), inherent::eval::equal_error_rate(s, l).eer) << h;
      EXPECT_EQ(head["fpr_at_95_recall"].get<double>(), inherent::eval::fpr_at_recall(s, l).fpr) << h;
    }
    EXPECT_FLOAT_EQ(head["threshold"].get<float>(), model.threshold(h));
    const inherent::eval::Confusion c = inherent::eval::confusion_at(s, l, model.threshold(h));
    EXPECT_EQ(head["tp"], c.tp);
    EXPECT_EQ(head["fp"], c.fp);
  }
  // Heads 10..12 have no positive: unmeasured, not a crash.
  const std::vector<std::string> unmeasured = j["unmeasured"];
  EXPECT_EQ(unmeasured, (std::vector<std::string>{"hasBrowsingAgentIntent", "hasCallingAgentIntent",
                                                  "hasStartTimerIntent"}));
  ASSERT_EQ(j["gates"].size(), 5u);
  EXPECT_EQ(j["gates"][0]["name"], "gate_auc");
  // Gate-conditioned: intents on the clips labeled isInteresting.
  std::vector<size_t> gate_rows;
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i][0]) gate_rows.push_back(i);
  EXPECT_EQ(j["gate_conditioned"]["n_clips"], gate_rows.size());
  ASSERT_EQ(j["gate_conditioned"]["heads"].size(), 12u);
  const json& gc1 = j["gate_conditioned"]["heads"][0];
  EXPECT_EQ(gc1["name"], "hasAddToListIntent");
  EXPECT_EQ(gc1["auc"].get<double>(),
            inherent::eval::roc_auc(column(1, gate_rows), label_column(labels, 1, gate_rows)));
  // Decisions and co-firing follow the engine's own rule (inherent_model_decide).
  std::vector<std::vector<int64_t>> cofire(kHeads, std::vector<int64_t>(kHeads, 0));
  for (const inherent::Scores& s : engine_scores()) {
    const uint32_t fired = model.decide(s);
    for (int a = 0; a < kHeads; ++a)
      for (int b = 0; b < kHeads; ++b)
        if ((fired >> a & 1) && (fired >> b & 1)) cofire[a][b]++;
  }
  EXPECT_EQ(j["cofiring"]["counts"].get<std::vector<std::vector<int64_t>>>(), cofire);
  for (int h = 0; h < kHeads; ++h)
    EXPECT_EQ(j["decisions"]["heads"][static_cast<size_t>(h)]["fired"], cofire[h][h]);
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));
}

// --by: the gate's errors per value of an extra column, equal to src/eval's breakdown of
// the engine's own scores; a column the manifest lacks is a usage error before scoring.
TEST(EvalCli, BreakdownByColumn) {
  const LabelTable labels = random_labels();
  const fs::path plain = write_manifest("by-plain.csv", labels, std::vector<std::string>(kClips, "test"));
  const fs::path manifest = scratch() / "by.csv";
  {
    std::istringstream in(slurp(plain));
    std::ofstream f(manifest);
    std::string line;
    for (int i = -1; std::getline(in, line); ++i)
      f << line << "," << (i < 0 ? "category" : "g" + std::to_string(i % 3)) << "\n";
  }
  const fs::path out = scratch() / "by.json";
  const CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) +
                                " -q --by category --by-rows 2 --json-out " + q(out));
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("isInteresting by category"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("... 1 more groups"), std::string::npos) << r.out;
  const json j = json::parse(slurp(out));
  ASSERT_EQ(j["breakdown"].size(), 1u);
  EXPECT_EQ(j["breakdown"][0]["column"], "category");
  std::vector<float> scores;
  std::vector<uint8_t> flat;
  std::vector<std::string> groups;
  for (size_t i = 0; i < kClips; ++i) {
    scores.insert(scores.end(), engine_scores()[i].begin(), engine_scores()[i].end());
    flat.insert(flat.end(), labels[i].begin(), labels[i].end());
    groups.push_back("g" + std::to_string(i % 3));
  }
  const inherent::Model model = inherent::Model::from_file(package.string());
  const auto want =
      inherent::eval::breakdown(scores.data(), flat.data(), kClips, kHeads, 0, model.threshold(0), groups);
  EXPECT_EQ(j["breakdown"][0]["groups"], inherent::eval::breakdown_to_json(want));
  EXPECT_EQ(
      inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q --by nosuch").code,
      2);
  EXPECT_EQ(inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) +
                         " -q --by category --by-head no")
                .code,
            2);
}

TEST(EvalCli, ExitsZeroWhenEveryGatePasses) {
  // Labels made from the scores: the gate's top half are positive, and each intent head
  // is positive on the top clips by its score while those are all gate positives. Every
  // measured head then has AUC 1, so every release gate passes.
  const std::vector<inherent::Scores>& s = engine_scores();
  std::vector<size_t> order = all_rows();
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a][0] > s[b][0]; });
  LabelTable labels(kClips);
  for (auto& row : labels) row.fill(0);
  for (size_t k = 0; k < order.size() / 2; ++k) labels[order[k]][0] = 1;
  int measured = 0;
  for (int h = 1; h < kHeads; ++h) {
    std::vector<size_t> by = all_rows();
    std::sort(by.begin(), by.end(), [&](size_t a, size_t b) { return s[a][h] > s[b][h]; });
    size_t k = 0;  // the top k are gate positives and score strictly above the rest
    while (k < by.size() && labels[by[k]][0]) ++k;
    while (k > 0 && k < by.size() && s[by[k]][h] == s[by[k - 1]][h]) --k;
    for (size_t i = 0; i < k; ++i) labels[by[i]][static_cast<size_t>(h)] = 1;
    measured += k > 0;
  }
  ASSERT_GT(measured, 0) << "no intent head to measure with these clips";
  const fs::path manifest = write_manifest("perfect.csv", labels, std::vector<std::string>(kClips, "test"));
  const fs::path out = scratch() / "perfect.json";
  const CliRun r = inherent_cli("eval --artifact " + q(package / "model.safetensors") + " --manifest " +
                                q(manifest) + " -q --json-out " + q(out));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json j = json::parse(slurp(out));
  EXPECT_TRUE(j["all_gates_passed"].get<bool>());
  EXPECT_EQ(j["gates_passed"], 5);
  EXPECT_DOUBLE_EQ(j["heads"][0]["auc"].get<double>(), 1.0);
  EXPECT_NE(r.out.find("5 of 5 gates passed: PASS"), std::string::npos) << r.out;
}

// ---- the HTML report (--html-out) ----

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// A training run folder with a metrics.jsonl in the trainer's format (train and eval events).
fs::path write_training_run() {
  const fs::path dir = scratch() / "run";
  fs::create_directories(dir);
  std::ofstream f(dir / "metrics.jsonl");
  f << R"({"event":"start","step":0,"max_steps":40})"
    << "\n";
  for (int step = 5; step <= 40; step += 5) {
    f << R"({"event":"train","step":)" << step << R"(,"loss":)" << 0.5 / step << "}\n";
    if (step % 20 == 0)
      f << R"({"event":"eval","step":)" << step << R"(,"eval_loss":0.2,"metrics":{"heads":[{"auc":0.)"
        << 6 + step / 20 << R"(}],"intent_mean_auc":0.7,"intent_min_auc":null}})"
        << "\n";
  }
  f << R"({"event":"end","step":40})"
    << "\n";
  return dir;
}

// The report's path for the browser test (tests/report-html.test.mjs), when the build
// names one; else the scratch folder.
fs::path report_path() {
#ifdef INHERENT_REPORT_OUT
  fs::create_directories(fs::path(INHERENT_REPORT_OUT).parent_path());
  return INHERENT_REPORT_OUT;
#else
  return scratch() / "report.html";
#endif
}

TEST(EvalReport, HtmlHasEveryChartAndTable) {
  const LabelTable labels = random_labels();
  const fs::path manifest = write_manifest("report.csv", labels, std::vector<std::string>(kClips, "test"));
  const fs::path parity = scratch() / "parity.json", latency = scratch() / "latency.json";
  std::ofstream(parity) << R"({"rows":[{"backend":"onnx <script>alert(1)</script>","max_abs_diff":1.5e-06},)"
                        << R"({"backend":"tflite","max_abs_diff":3e-06}]})";
  std::ofstream(latency) << R"({"machine":"test & co","ms_per_inference":{"native":0.42,"onnx":0.61}})";
  const fs::path html = report_path(), out = scratch() / "report.json";
  const CliRun r =
      inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q --json-out " +
                   q(out) + " --html-out " + q(html) + " --report-parity " + q(parity) +
                   " --report-latency " + q(latency) + " --report-training " + q(write_training_run()));
  ASSERT_EQ(r.code, 1) << r.err;  // the gates fail; the report is written anyway
  const std::string page = slurp(html);
  const json j = json::parse(slurp(out));
  // One ROC and one histogram per head, each an inline <svg> with drawn paths.
  EXPECT_EQ(count_of(page, "<svg class=\"chart roc\""), static_cast<size_t>(kHeads));
  EXPECT_EQ(count_of(page, "<svg class=\"chart hist\""), static_cast<size_t>(kHeads));
  EXPECT_EQ(count_of(page, "<svg "), static_cast<size_t>(2 * kHeads + 2));  // + loss and AUC vs step
  EXPECT_EQ(count_of(page, "class=\"marker\""),
            static_cast<size_t>(kHeads));  // the threshold in each histogram
  EXPECT_EQ(count_of(page, "</svg>"), count_of(page, "<svg "));
  for (int h = 0; h < kHeads; ++h) {
    const json& head = j["heads"][static_cast<size_t>(h)];
    EXPECT_NE(page.find("id=\"head-" + inherent::head_name(h) + "\""), std::string::npos) << h;
    if (head["auc"].is_null()) continue;
    char auc[64];
    std::snprintf(auc, sizeof auc, "ROC (AUC %.3f)", head["auc"].get<double>());
    EXPECT_NE(page.find(auc), std::string::npos) << auc;
  }
  // Unmeasured heads say so on their ROC chart instead of drawing a curve.
  EXPECT_EQ(count_of(page, "not measured: no positive clip"), 3u);
  // The gates table: five gates with the JSON's verdicts, and the summary.
  const size_t gates = page.find("<table class=\"gates\">");
  ASSERT_NE(gates, std::string::npos);
  const std::string gate_table = page.substr(gates, page.find("</table>", gates) - gates);
  for (const json& g : j["gates"])
    EXPECT_NE(gate_table.find(g["name"].get<std::string>()), std::string::npos);
  EXPECT_EQ(count_of(gate_table, "<tr>"), 6u);
  EXPECT_EQ(count_of(gate_table, ">FAIL<") + count_of(gate_table, ">pass<"), 5u);
  EXPECT_NE(page.find(std::to_string(j["gates_passed"].get<int>()) + " of 5 passed: FAIL"),
            std::string::npos);
  EXPECT_NE(page.find(manifest.string()), std::string::npos);
  // Threshold table and co-firing matrix: a row per head.
  const size_t tt = page.find("<table class=\"threshold-table\">");
  ASSERT_NE(tt, std::string::npos);
  EXPECT_EQ(count_of(page.substr(tt, page.find("</table>", tt) - tt), "<tr>"),
            static_cast<size_t>(kHeads + 1));
  const size_t cf = page.find("<table class=\"cofiring\">");
  ASSERT_NE(cf, std::string::npos);
  EXPECT_EQ(count_of(page.substr(cf, page.find("</table>", cf) - cf), "<tr>"),
            static_cast<size_t>(kHeads + 1));
  // The optional sections, escaped; nothing to fetch, nothing to run.
  EXPECT_NE(page.find("onnx &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("1.5e-06"), std::string::npos);
  EXPECT_NE(page.find("test &amp; co"), std::string::npos);
  EXPECT_NE(page.find("0.42"), std::string::npos);
  EXPECT_NE(page.find("<svg class=\"chart training-loss\""), std::string::npos);
  EXPECT_NE(page.find("<svg class=\"chart training-auc\""), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("not measured (pass"), std::string::npos);
}

TEST(EvalReport, AbsentInputsSayNotMeasured) {
  const fs::path manifest =
      write_manifest("report2.csv", random_labels(), std::vector<std::string>(kClips, "test"));
  const fs::path html = scratch() / "report2.html";
  const CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) +
                                " -q --html-out " + q(html));
  ASSERT_EQ(r.code, 1) << r.err;
  const std::string page = slurp(html);
  EXPECT_EQ(count_of(page, "not measured (pass"), 3u);  // parity, latency, training
  EXPECT_EQ(count_of(page, "<svg "), static_cast<size_t>(2 * kHeads));
}

TEST(EvalReport, BadInputsAreErrors) {
  const fs::path manifest =
      write_manifest("report3.csv", random_labels(), std::vector<std::string>(kClips, "test"));
  const fs::path run = scratch() / "bad-run", html = scratch() / "report3.html";
  fs::create_directories(run);
  std::ofstream(run / "metrics.jsonl") << R"({"event":"train","step":1,"loss":0.1})"
                                       << "\n{oops\n";
  CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q --html-out " +
                          q(html) + " --report-training " + q(run));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find((run / "metrics.jsonl").string() + ":2: not a JSON object"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(html));
  const fs::path bad = scratch() / "bad.json";
  std::ofstream(bad) << "{";
  r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q --html-out " +
                   q(html) + " --report-parity " + q(bad));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(bad.string() + ": not valid JSON"), std::string::npos) << r.err;
  // --report-* without --html-out is a usage error.
  r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q --report-parity " +
                   q(bad));
  EXPECT_EQ(r.code, 2);
}

TEST(EvalCli, UsageErrorsExitTwo) {
  const fs::path manifest =
      write_manifest("usage.csv", random_labels(), std::vector<std::string>(kClips, "test"));
  EXPECT_EQ(inherent_cli("eval --manifest " + q(manifest)).code, 2);  // no model
  EXPECT_EQ(inherent_cli("eval --artifact " + q(package)).code, 2);   // no manifest
  EXPECT_EQ(inherent_cli("eval --artifact " + q(package) + " --checkpoint x --manifest " + q(manifest)).code,
            2);
  EXPECT_EQ(
      inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " --split banana").code,
      2);
  EXPECT_EQ(inherent_cli("thresholds --artifact " + q(package) + " --manifest " + q(manifest) +
                         " --rule target-fpr --metadata-out " + q(scratch() / "x.json"))
                .code,
            2);  // target-fpr needs --target-fpr
  EXPECT_EQ(inherent_cli("thresholds --artifact " + q(package) + " --manifest " + q(manifest) +
                         " --rule best --metadata-out " + q(scratch() / "x.json"))
                .code,
            2);
  EXPECT_FALSE(fs::exists(scratch() / "x.json"));
  EXPECT_EQ(inherent_cli("eval --help").code, 0);
  EXPECT_EQ(inherent_cli("thresholds --help").code, 0);
}

TEST(EvalCli, BadManifestNamesFileAndLine) {
  LabelTable labels = random_labels();
  fs::path manifest = write_manifest("bad.csv", labels, std::vector<std::string>(kClips, "test"));
  // Line 4 (the third clip): an intent without the gate breaks the labels contract.
  std::string text = slurp(manifest);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  lines[3] = clips()[2] + ",x,spk,s2,synth,clean,test,,test,0,1,0,0,0,0,0,0,0,0,0,0,0";
  std::ofstream(manifest) << [&] {
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return s;
  }();
  CliRun r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(manifest.string() + ":4:"), std::string::npos) << r.err;
  // A missing audio file: the manifest line and the file.
  lines[3] = "audio/missing.wav,x,spk,s2,synth,clean,test,,test,0,0,0,0,0,0,0,0,0,0,0,0,0";
  std::ofstream(manifest) << [&] {
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return s;
  }();
  r = inherent_cli("thresholds --artifact " + q(package) + " --manifest " + q(manifest) +
                   " --split test --allow-missing-heads -q --metadata-out " + q(scratch() / "never.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(manifest.string() + ":4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.wav"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch() / "never.json"));
  // No rows of the split.
  r = inherent_cli("eval --artifact " + q(package) + " --manifest " + q(manifest) + " --split eval -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no rows with split eval"), std::string::npos) << r.err;
}

TEST(EvalCli, ThresholdsRoundTripIntoTheEngine) {
  const LabelTable labels = random_labels();
  std::vector<std::string> splits(kClips);
  std::vector<size_t> eval_rows;
  for (int i = 0; i < kClips; ++i) {
    splits[static_cast<size_t>(i)] = i % 3 == 0 ? "test" : "eval";
    if (i % 3) eval_rows.push_back(static_cast<size_t>(i));
  }
  const fs::path manifest = write_manifest("split.csv", labels, splits);
  const fs::path pkg = scratch() / "pkg";
  fs::remove_all(pkg);
  fs::create_directories(pkg);
  fs::copy_file(package / "model.safetensors", pkg / "model.safetensors");
  fs::copy_file(package / "inherent.metadata.json", pkg / "inherent.metadata.json");
  const std::string base = "thresholds --artifact " + q(pkg) + " --manifest " + q(manifest) + " -q";

  // The default rule, gated-f1: the gate at its best F1 with recall >= 0.92, each intent at
  // its best F1 on the clips the gate lets through (eval::select_thresholds).
  CliRun r = inherent_cli(base + " --allow-missing-heads --metadata-out " + q(scratch() / "gated.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  {
    const json gated = json::parse(slurp(scratch() / "gated.json"))["threshold_calibration"];
    EXPECT_EQ(gated["method"], "gated-f1");
    EXPECT_EQ(gated["min_recall"], 0.92);
    std::vector<float> scores;
    std::vector<uint8_t> y;
    for (size_t i : eval_rows)
      for (int h = 0; h < kHeads; ++h) {
        scores.push_back(engine_scores()[i][static_cast<size_t>(h)]);
        y.push_back(labels[i][static_cast<size_t>(h)]);
      }
    inherent::eval::ThresholdOptions o;
    o.rule = inherent::eval::ThresholdRule::gated_f1;
    o.min_recall = 0.92;
    const auto want = inherent::eval::select_thresholds(scores.data(), y.data(), eval_rows.size(), o);
    ASSERT_TRUE(want[0].calibrated);
    EXPECT_GE(gated["heads"]["is_interesting"]["recall"].get<double>(), 0.92);
    for (int h = 0; h < kHeads; ++h) {
      const json& head = gated["heads"][inherent::head_threshold_key(h)];
      EXPECT_EQ(head["calibrated"].get<bool>(), want[static_cast<size_t>(h)].calibrated) << h;
      if (want[static_cast<size_t>(h)].calibrated) {
        EXPECT_EQ(head["threshold"].get<float>(), want[static_cast<size_t>(h)].threshold) << h;
        EXPECT_EQ(head["positives"].get<int64_t>(), want[static_cast<size_t>(h)].positives) << h;
      }
    }
  }

  // The old rule, f1-at-recall, from here on.
  const std::string base_f1 = base + " --rule f1-at-recall";
  // Heads 10..12 have no positive: refused without --allow-missing-heads, nothing written.
  r = inherent_cli(base_f1 + " --metadata-out " + q(pkg / "inherent.metadata.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("hasStartTimerIntent (no positive clip)"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(pkg / "inherent.metadata.json"), slurp(package / "inherent.metadata.json"));

  r = inherent_cli(base_f1 + " --allow-missing-heads --metadata-out " + q(pkg / "inherent.metadata.json"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json meta = json::parse(slurp(pkg / "inherent.metadata.json"));
  const json& cal = meta["threshold_calibration"];
  EXPECT_EQ(cal["method"], "f1-at-recall");
  EXPECT_EQ(cal["min_recall"], 0.95);
  EXPECT_EQ(cal["split"], "eval");
  EXPECT_EQ(cal["n_clips"], eval_rows.size());
  EXPECT_EQ(cal["uncalibrated"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"has_browsing_agent_intent", "has_calling_agent_intent",
                                      "has_start_timer_intent"}));
  EXPECT_EQ(meta["model_name"], "tiny-random");  // the rest of the metadata is kept
  const inherent::Model model = inherent::Model::from_file(pkg.string());
  for (int h = 0; h < kHeads; ++h) {
    const std::string key = inherent::head_threshold_key(h);
    const inherent::eval::ThresholdChoice want =
        inherent::eval::select_threshold(column(h, eval_rows), label_column(labels, h, eval_rows));
    EXPECT_EQ(cal["heads"][key]["calibrated"].get<bool>(), want.calibrated) << key;
    if (want.calibrated) {
      EXPECT_EQ(model.threshold(h), want.threshold) << key;  // exactly the chosen float
      EXPECT_GE(cal["heads"][key]["recall"].get<double>(), 0.95) << key;
    } else {
      EXPECT_EQ(model.threshold(h), inherent::head_default_threshold(h)) << key;
    }
  }
  // eval then reports the new thresholds and their calibration.
  const fs::path out = scratch() / "calibrated.json";
  r = inherent_cli("eval --artifact " + q(pkg) + " --manifest " + q(manifest) +
                   " --split eval -q --json-out " + q(out));
  ASSERT_NE(r.code, 2) << r.err;
  const json j = json::parse(slurp(out));
  EXPECT_EQ(j["threshold_calibration"]["method"], "f1-at-recall");
  for (int h = 0; h < kHeads; ++h) {
    EXPECT_EQ(j["thresholds"][inherent::head_threshold_key(h)].get<float>(), model.threshold(h));
    if (cal["heads"][inherent::head_threshold_key(h)]["calibrated"].get<bool>()) {
      EXPECT_GE(j["heads"][static_cast<size_t>(h)]["recall"].get<double>(), 0.95) << h;
    }
  }

  // target-fpr on the same split.
  r = inherent_cli(base + " --allow-missing-heads --rule target-fpr --target-fpr 0.2 --metadata-out " +
                   q(scratch() / "fpr.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  const json fpr = json::parse(slurp(scratch() / "fpr.json"));
  EXPECT_EQ(fpr["threshold_calibration"]["method"], "target-fpr");
  for (const auto& [key, head] : fpr["threshold_calibration"]["heads"].items()) {
    if (head["calibrated"].get<bool>()) {
      EXPECT_LE(head["fpr"].get<double>(), 0.2) << key;
    }
  }
}

#ifdef INHERENT_TEST_EXPORT
TEST(EvalCli, ExportCarriesCalibratedThresholds) {
  const LabelTable labels = random_labels();
  const fs::path manifest = write_manifest("export.csv", labels, std::vector<std::string>(kClips, "eval"));
  const fs::path th = scratch() / "thresholds.json";
  CliRun r = inherent_cli("thresholds --artifact " + q(package) + " --manifest " + q(manifest) +
                          " --allow-missing-heads -q --metadata-out " + q(th));
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path out = scratch() / "export";
  r = inherent_cli("export --weights " + q(package / "model.safetensors") + " --thresholds " + q(th) +
                   " --backend native -q -o " + q(out));
  ASSERT_EQ(r.code, 0) << r.err;
  const json want = json::parse(slurp(th));
  const json got = json::parse(slurp(out / "native/inherent.metadata.json"));
  EXPECT_EQ(got["threshold_calibration"]["method"], "gated-f1");
  EXPECT_EQ(got["threshold_calibration"]["uncalibrated"], want["threshold_calibration"]["uncalibrated"]);
  const inherent::Model model = inherent::Model::from_file((out / "native").string());
  for (int h = 0; h < kHeads; ++h) {
    EXPECT_EQ(model.threshold(h), want["default_thresholds"][inherent::head_threshold_key(h)].get<float>())
        << h;
  }
}

// Thresholds calibrated on speech spans say so, and only an export that records
// speech-span scoring takes them.
TEST(EvalCli, SpeechSpanThresholdsNeedASpeechSpanExport) {
  const LabelTable labels = random_labels();
  const fs::path manifest = write_manifest("span.csv", labels, std::vector<std::string>(kClips, "eval"));
  const fs::path th = scratch() / "span-thresholds.json";
  CliRun r = inherent_cli("thresholds --artifact " + q(package) + " --manifest " + q(manifest) +
                          " --trim-to-speech --allow-missing-heads -q --metadata-out " + q(th));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(slurp(th))["threshold_calibration"]["trim_to_speech"], true);
  const std::string exp = "export --weights " + q(package / "model.safetensors") + " --thresholds " + q(th) +
                          " --backend native -q -o " + q(scratch() / "span-export");
  r = inherent_cli(exp);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--trim-to-speech"), std::string::npos) << r.err;
  r = inherent_cli(exp + " --trim-to-speech");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(
                slurp(scratch() / "span-export/native/inherent.metadata.json"))["scoring"]["trim_to_speech"],
            true);
  // The package's own scoring is the default; --every-frame overrides it, and says so.
  r = inherent_cli("thresholds --artifact " + q(scratch() / "span-export/native") + " --manifest " +
                   q(manifest) + " --allow-missing-heads -q --metadata-out " + q(th));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(slurp(th))["threshold_calibration"]["trim_to_speech"], true);
  EXPECT_NE(inherent_cli("thresholds --trim-to-speech --every-frame --artifact " + q(package) +
                         " --manifest " + q(manifest) + " --metadata-out " + q(th))
                .code,
            0);
}
#endif

#ifdef INHERENT_TEST_TRAIN
TEST(EvalCli, CheckpointScoresWithLibTorch) {
  const LabelTable labels = random_labels();
  const fs::path manifest = write_manifest("ckpt.csv", labels, std::vector<std::string>(kClips, "eval"));
  const fs::path out = scratch() / "ckpt.json";
  const fs::path scores = scratch() / "ckpt-scores.csv";
  CliRun r =
      inherent_cli("eval --checkpoint " + q(package / "model.safetensors") + " --manifest " + q(manifest) +
                   " --split eval -q --json-out " + q(out) + " --scores-out " + q(scores));
  ASSERT_NE(r.code, 2) << r.err;
  const json j = json::parse(slurp(out));
  EXPECT_NE(j["scorer"].get<std::string>().find("LibTorch"), std::string::npos);
  EXPECT_EQ(j["threshold_source"], "seed defaults (heads.inc)");
  // Every LibTorch score within 1e-4 of the engine's (the float32 parity bar, docs/parity.md).
  std::istringstream in(slurp(scores));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("line,audio_path,score_isInteresting,", 0), 0u) << line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    ASSERT_EQ(f.size(), static_cast<size_t>(2 + 2 * kHeads)) << line;
    EXPECT_EQ(f[0], std::to_string(rows + 2));
    EXPECT_EQ(f[1], clips()[static_cast<size_t>(rows)]);
    for (int h = 0; h < kHeads; ++h) {
      EXPECT_NEAR(std::stod(f[static_cast<size_t>(2 + h)]), engine_scores()[static_cast<size_t>(rows)][h],
                  1e-4)
          << rows << " " << h;
      EXPECT_EQ(f[static_cast<size_t>(2 + kHeads + h)], labels[static_cast<size_t>(rows)][h] ? "1" : "0");
    }
    ++rows;
  }
  EXPECT_EQ(rows, kClips);
  // thresholds from a checkpoint: no metadata in, a thresholds file out that export reads.
  const fs::path th = scratch() / "ckpt-thresholds.json";
  r = inherent_cli("thresholds --checkpoint " + q(package / "model.safetensors") + " --manifest " +
                   q(manifest) + " --allow-missing-heads -q --metadata-out " + q(th));
  ASSERT_EQ(r.code, 0) << r.err;
  const json t = json::parse(slurp(th));
  EXPECT_EQ(t["default_thresholds"].size(), static_cast<size_t>(kHeads));
  EXPECT_EQ(t["threshold_calibration"]["method"], "gated-f1");
  EXPECT_FALSE(t.contains("format"));
}
#endif

}  // namespace
