// SPDX-License-Identifier: Apache-2.0
//
// `inherent build` end to end on the tiny config and a small synthesized manifest: every
// stage's outputs exist and agree with each other, a rerun skips every stage, a changed
// option reruns train and every stage after it, --force-stage reruns from that stage,
// a killed training resumes, and bad input names the failing stage with the exit codes
// of docs/build.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli-run.h"
#include "test-clips.h"

namespace {

using inherent::test::write_wav;

namespace fs = std::filesystem;
using json = nlohmann::json;
using inherent::test::CliRun;
using inherent::test::slurp;

const inherent::test::CliScratch cli("build", "audio");
fs::path scratch() { return cli.dir(); }
using inherent::test::q;
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

// 36 clips (train 20, eval 8, test 8) whose labels follow the audio: interesting clips
// carry a 1.2 kHz tone, the timer intent adds 2.5 kHz, the rest is a 300 Hz hum.
// `split_override` puts every row in that split (a manifest without eval or test rows).
fs::path write_manifest(const std::string& name, const std::string& split_override = "") {
  const fs::path path = scratch() / name;
  std::ofstream f(path);
  f << "audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split,isInteresting,"
       "hasAddToListIntent,hasTermSearchQuery,hasPhotoQuery,hasCalendarEvent,hasCreateDocIntent,"
       "hasPersonContext,hasEventContext,hasDeepResearchIntent,hasInsightIntent,hasBrowsingAgentIntent,"
       "hasCallingAgentIntent,hasStartTimerIntent\n";
  for (int i = 0; i < 36; ++i) {
    const bool gate = i % 2 == 0, timer = i % 4 == 0;
    const std::string audio = "audio/c" + std::to_string(i) + ".wav";
    if (!fs::exists(scratch() / audio)) {
      const std::vector<float> x = inherent::test::labelled_tone_clip(i, gate, timer);
      write_wav(scratch() / audio, x);
    }
    const std::string split = !split_override.empty() ? split_override
                              : i < 20                ? "train"
                              : i < 28                ? "eval"
                                                      : "test";
    f << audio << ",clip " << i << ",spk" << i % 3 << ",s" << i << ",synth,clean,test,," << split << ","
      << gate;
    for (int h = 1; h < 13; ++h) f << "," << (h == 12 && timer ? 1 : 0);
    f << "\n";
  }
  return path;
}

fs::path config() {
  const fs::path path = scratch() / "tiny.yaml";
  if (!fs::exists(path)) {
    std::ofstream(path) << "model:\n  preset: tiny\n"
                           "data:\n  batch_size: 4\n  workers: 1\n"
                           "training:\n  warmup_steps: 1\n  save_every: 1\n  log_every: 1\n  norm_clips: 8\n"
                           "eval:\n  every: 0\n  batch_size: 8\n";
  }
  return path;
}

// The backends the test exports: the native package always; ONNX (a C++ writer) too when
// the project's .venv has onnxruntime for `inherent parity` to run it.
const fs::path venv_python = fs::path(INHERENT_SOURCE_DIR) / ".venv/bin/python";
std::string backends() { return fs::exists(venv_python) ? "native,onnx" : "native"; }

CliRun build(const fs::path& out, const std::string& extra = "") {
  const std::string env = fs::exists(venv_python) ? "INHERENT_PYTHON=" + q(venv_python) + " " : "";
  return inherent::test::run_cli("/usr/bin/env", scratch(),
                                 env + "'" + std::string(INHERENT_CLI) + "' build --config " + q(config()) +
                                     " --labels " + q(write_manifest("labels.csv")) + " --output-dir " +
                                     q(out) + " --export-backend " + backends() + " --threads 1 --json " +
                                     extra);
}

// stage name -> status, from the --json summary.
std::map<std::string, std::string> statuses(const json& summary) {
  std::map<std::string, std::string> m;
  for (const json& s : summary["stages"]) m[s["name"]] = s["status"];
  return m;
}

const std::vector<std::string> kStages = {"labels", "prep", "train",  "snap",  "thresholds",
                                          "export", "eval", "parity", "report"};

// The raw bytes of one tensor of a safetensors file (8-byte header size, JSON header, data).
std::string tensor_bytes(const fs::path& file, const std::string& name) {
  const std::string b = slurp(file);
  if (b.size() < 8) return "";
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(b[i]);
  const json h = json::parse(b.substr(8, n), nullptr, false);
  if (h.is_discarded() || !h.contains(name)) return "";
  const auto& off = h[name]["data_offsets"];
  return b.substr(8 + n + off[0].get<size_t>(), off[1].get<size_t>() - off[0].get<size_t>());
}

json parse_summary(const CliRun& r) {
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON:\n" << r.out << "\nstderr:\n" << r.err;
  return j.is_discarded() ? json::object() : j;
}

TEST(BuildCli, RunsEveryStageThenSkipsThenRerunsFromAChangedOption) {
  const fs::path out = scratch() / "model";
  // 1. Every stage runs.
  const CliRun r1 = build(out, "--max-steps 1");
  ASSERT_EQ(r1.code, 0) << r1.err;
  const json s1 = parse_summary(r1);
  ASSERT_EQ(s1["stages"].size(), kStages.size());
  for (size_t i = 0; i < kStages.size(); ++i) EXPECT_EQ(s1["stages"][i]["name"], kStages[i]);
  const bool have_parity = statuses(s1)["parity"] == "ran", have_report = statuses(s1)["report"] == "ran";
  for (const auto& [stage, status] : statuses(s1)) {
    if (stage == "parity" || stage == "report") {
      EXPECT_TRUE(status == "ran" || status == "skipped") << stage << ": " << status;
    } else if (stage == "snap") {
      EXPECT_EQ(status, "skipped");  // off without --snap-int8
    } else {
      EXPECT_EQ(status, "ran") << stage;
    }
  }
  EXPECT_EQ(s1["ok"], true);
  for (const char* f :
       {"build.json", "summary.json", "prep/manifest.csv", "train/summary.json", "train/last/trainer.json",
        "thresholds.json", "export/native/inherent.metadata.json", "export/native/model.safetensors",
        "eval/eval.json", "eval/scores.csv", "logs/train.log", "logs/eval.log"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  if (backends() == "native,onnx") {
    EXPECT_TRUE(fs::exists(out / "export/onnx/inherent.metadata.json"));
  }
  if (have_parity) {
    EXPECT_TRUE(fs::exists(out / "parity.json"));
  }
  if (have_report) {
    EXPECT_TRUE(fs::exists(out / "report.html"));
  }
  EXPECT_EQ(json::parse(slurp(out / "train/summary.json"))["step"], 1);

  // The stages agree: the export carries the calibrated thresholds, the summary the
  // eval's numbers, build.json the same fingerprints as summary.json's stages.
  const json thresholds = json::parse(slurp(out / "thresholds.json"));
  const json native = json::parse(slurp(out / "export/native/inherent.metadata.json"));
  ASSERT_EQ(native["default_thresholds"].size(), 13u);
  for (const auto& [key, value] : thresholds["default_thresholds"].items())  // the same float32 values
    EXPECT_EQ(native["default_thresholds"][key].get<float>(), value.get<float>()) << key;
  const json ev = json::parse(slurp(out / "eval/eval.json"));
  const json& eval_numbers = s1["stages"][6]["numbers"];
  EXPECT_EQ(eval_numbers["gate_auc"], ev["heads"][0]["auc"]);
  EXPECT_EQ(eval_numbers["intent_mean_auc"], ev["intent_mean_auc"]);
  EXPECT_EQ(eval_numbers["release_gates"], ev["all_gates_passed"].get<bool>() ? "pass" : "fail");
  EXPECT_EQ(s1["release_gates"], eval_numbers["release_gates"]);
  EXPECT_EQ(json::parse(slurp(out / "summary.json"))["stages"], s1["stages"]);
  const json state1 = json::parse(slurp(out / "build.json"));
  ASSERT_EQ(state1["stages"].size(), kStages.size());
  for (const json& st : state1["stages"]) EXPECT_EQ(st["status"], "done") << st["name"];

  // 2. Nothing changed: every stage is skipped, nothing is rewritten.
  const auto train_time = fs::last_write_time(out / "train/summary.json");
  const auto eval_time = fs::last_write_time(out / "eval/eval.json");
  const CliRun r2 = build(out, "--max-steps 1");
  ASSERT_EQ(r2.code, 0) << r2.err;
  for (const auto& [stage, status] : statuses(parse_summary(r2)))
    EXPECT_TRUE(status == "unchanged" || status == "skipped") << stage << ": " << status;
  EXPECT_EQ(fs::last_write_time(out / "train/summary.json"), train_time);
  EXPECT_EQ(fs::last_write_time(out / "eval/eval.json"), eval_time);
  const json state2 = json::parse(slurp(out / "build.json"));
  for (size_t i = 0; i < kStages.size(); ++i)
    EXPECT_EQ(state2["stages"][i]["fingerprint"], state1["stages"][i]["fingerprint"]) << kStages[i];

  // 3. One option changed: labels and prep stay, train and everything after it rerun.
  const CliRun r3 = build(out, "--max-steps 2");
  ASSERT_EQ(r3.code, 0) << r3.err;
  auto st3 = statuses(parse_summary(r3));
  EXPECT_EQ(st3["labels"], "unchanged");
  EXPECT_EQ(st3["prep"], "unchanged");
  for (const char* stage : {"train", "thresholds", "export", "eval"}) EXPECT_EQ(st3[stage], "ran") << stage;
  EXPECT_EQ(st3["parity"], have_parity ? "ran" : "skipped");
  EXPECT_EQ(st3["report"], have_report ? "ran" : "skipped");
  EXPECT_EQ(json::parse(slurp(out / "train/summary.json"))["step"], 2);
  EXPECT_NE(fs::last_write_time(out / "eval/eval.json"), eval_time);

  // 4. --force-stage thresholds: the training stays, thresholds and what follows rerun.
  const CliRun r4 = build(out, "--max-steps 2 --force-stage thresholds");
  ASSERT_EQ(r4.code, 0) << r4.err;
  auto st4 = statuses(parse_summary(r4));
  for (const char* stage : {"labels", "prep", "train"}) EXPECT_EQ(st4[stage], "unchanged") << stage;
  for (const char* stage : {"thresholds", "export", "eval"}) EXPECT_EQ(st4[stage], "ran") << stage;

  // --trim-to-speech: the training stays; the thresholds are calibrated on speech spans
  // and every export says to score on them.
  const CliRun rt = build(out, "--max-steps 2 --trim-to-speech");
  ASSERT_EQ(rt.code, 0) << rt.err;
  auto stt = statuses(parse_summary(rt));
  EXPECT_EQ(stt["train"], "unchanged");
  for (const char* stage : {"thresholds", "export", "eval"}) EXPECT_EQ(stt[stage], "ran") << stage;
  EXPECT_EQ(json::parse(slurp(out / "thresholds.json"))["threshold_calibration"]["trim_to_speech"], true);
  EXPECT_EQ(json::parse(slurp(out / "export/native/inherent.metadata.json"))["scoring"]["trim_to_speech"],
            true);

  // --require-gates turns a failed release gate into exit 1 (nothing reruns for it).
  const bool gates_pass = json::parse(slurp(out / "eval/eval.json"))["all_gates_passed"].get<bool>();
  const CliRun gated = build(out, "--max-steps 2 --require-gates");
  EXPECT_EQ(gated.code, gates_pass ? 0 : 1) << gated.err;
  EXPECT_EQ(statuses(parse_summary(gated))["train"], "unchanged");
  if (!gates_pass) {
    EXPECT_NE(gated.err.find("release gates not met"), std::string::npos) << gated.err;
  }

  // 5. A killed build: its state ends with the train stage "running" (same inputs) and
  //    the run folder holds a checkpoint at step 1 of 3. The rerun resumes that run
  //    (the trainer's --resume; --max-steps may change) instead of starting over.
  json state = json::parse(slurp(out / "build.json"));
  const CliRun r5a =
      inherent_cli("train --config " + q(config()) + " --labels " + q(out / "prep/manifest.csv") +
                   " --output-dir " + q(scratch() / "killed") + " --max-steps 3 --stop-at 1 -q");
  ASSERT_EQ(r5a.code, 0) << r5a.err;
  fs::remove_all(out / "train");
  fs::rename(scratch() / "killed", out / "train");
  json stages = json::array();
  for (json& st : state["stages"]) {
    if (st["name"] == "train") st["status"] = "running";
    stages.push_back(st);
    if (st["name"] == "train") break;
  }
  state["stages"] = stages;
  std::ofstream(out / "build.json") << state.dump(2);
  const CliRun r5 = build(out, "--max-steps 2");
  ASSERT_EQ(r5.code, 0) << r5.err;
  EXPECT_NE(slurp(out / "train/metrics.jsonl").find("\"event\":\"resume\""), std::string::npos);
  EXPECT_EQ(json::parse(slurp(out / "train/summary.json"))["step"], 2);
  EXPECT_EQ(statuses(parse_summary(r5))["train"], "ran");

  // 6. --init-from: a warm start is a new training input, so train and what follows rerun,
  //    and the run records where its weights came from.
  fs::copy(out / "train/last", scratch() / "source", fs::copy_options::recursive);
  const std::string source = (scratch() / "source").string();
  const CliRun r6 = build(out, "--max-steps 2 --init-from " + q(source));
  ASSERT_EQ(r6.code, 0) << r6.err;
  auto st6 = statuses(parse_summary(r6));
  EXPECT_EQ(st6["labels"], "unchanged");
  for (const char* stage : {"train", "thresholds", "export", "eval"}) EXPECT_EQ(st6[stage], "ran") << stage;
  EXPECT_EQ(json::parse(slurp(out / "train/last/trainer.json"))["init_from"], source);
  EXPECT_EQ(statuses(parse_summary(build(out, "--max-steps 2 --init-from " + q(source))))["train"],
            "unchanged");
  const CliRun missing = build(out, "--max-steps 2 --init-from " + q(scratch()));
  EXPECT_EQ(missing.code, 1) << missing.err;
  EXPECT_NE(missing.err.find("no model.safetensors"), std::string::npos) << missing.err;

  // 7. --snap-int8: the training stays; the snapped checkpoint is what thresholds, export
  //    and eval read from then on. Turning it off again reruns them from the trained one.
  const std::string warm = "--max-steps 2 --init-from " + q(source);
  const CliRun r7 = build(out, warm + " --snap-int8");
  ASSERT_EQ(r7.code, 0) << r7.err;
  auto st7 = statuses(parse_summary(r7));
  EXPECT_EQ(st7["train"], "unchanged");
  for (const char* stage : {"snap", "thresholds", "export", "eval"}) EXPECT_EQ(st7[stage], "ran") << stage;
  EXPECT_TRUE(fs::exists(out / "snapped/model.safetensors"));
  EXPECT_TRUE(fs::exists(out / "snapped/trainer.json"));
  EXPECT_NE(slurp(out / "snapped/model.safetensors").find("int8_grid"), std::string::npos);
  const std::string w = "blocks.0.ffn1.up.weight";
  const std::string snapped = tensor_bytes(out / "snapped/model.safetensors", w);
  ASSERT_FALSE(snapped.empty());
  EXPECT_EQ(tensor_bytes(out / "export/native/model.safetensors", w),
            snapped);  // the package holds the snapped weights
  EXPECT_NE(tensor_bytes(out / "train/best/model.safetensors", w), snapped);
  const CliRun own =
      inherent_cli("snap --checkpoint " + q(out / "snapped") + " --output-dir " + q(out / "snapped"));
  EXPECT_EQ(own.code, 1);
  EXPECT_NE(own.err.find("the input's own folder"), std::string::npos) << own.err;
  auto st7b = statuses(parse_summary(build(out, warm + " --snap-int8")));
  for (const char* stage : {"train", "snap", "thresholds", "export", "eval"})
    EXPECT_EQ(st7b[stage], "unchanged") << stage;
  const CliRun r8 = build(out, warm);
  ASSERT_EQ(r8.code, 0) << r8.err;
  auto st8 = statuses(parse_summary(r8));
  EXPECT_EQ(st8["snap"], "skipped");
  EXPECT_EQ(st8["export"], "ran");
  EXPECT_NE(tensor_bytes(out / "export/native/model.safetensors", w), snapped);
}

TEST(BuildCli, BadInputNamesTheStageAndExitCodes) {
  // Usage errors: exit 2.
  EXPECT_EQ(inherent_cli("build --config tiny --labels " + q(write_manifest("labels.csv"))).code, 2);
  EXPECT_EQ(inherent_cli("build --config tiny --labels " + q(write_manifest("labels.csv")) +
                         " --output-dir " + q(scratch() / "x") + " --export-backend tflite")
                .code,
            2);
  EXPECT_EQ(inherent_cli("build --config tiny --labels " + q(write_manifest("labels.csv")) +
                         " --output-dir " + q(scratch() / "x") + " --force-stage nonsense")
                .code,
            2);
  // A manifest without test rows: the labels stage fails, naming the file, exit 1.
  const fs::path no_test = write_manifest("no-test.csv", "train");
  const CliRun r =
      inherent_cli("build --config " + q(config()) + " --labels " + q(no_test) + " --output-dir " +
                   q(scratch() / "bad") + " --max-steps 1 --export-backend native");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("stage labels failed"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("no rows with split eval"), std::string::npos) << r.out;
  const json state = json::parse(slurp(scratch() / "bad/build.json"));
  ASSERT_EQ(state["stages"].size(), 1u);
  EXPECT_EQ(state["stages"][0]["status"], "failed");
  // A config with an unknown key: a usage-independent error naming the file, exit 1.
  const fs::path bad_cfg = scratch() / "bad.yaml";
  std::ofstream(bad_cfg) << "training:\n  warmpu_steps: 3\n";
  const CliRun c = inherent_cli("build --config " + q(bad_cfg) + " --labels " +
                                q(write_manifest("labels.csv")) + " --output-dir " + q(scratch() / "bad2"));
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("bad.yaml"), std::string::npos) << c.err;
}

}  // namespace
