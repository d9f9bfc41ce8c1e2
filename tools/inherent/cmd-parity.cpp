// SPDX-License-Identifier: Apache-2.0
// `inherent parity --checkpoint CKPT --artifact DIR_OR_FILE --manifest CSV`: scores the
// same clips (log-mels from inherent's one frontend) three ways and separates padding
// effects from export drift, per head:
//   (a) the checkpoint's LibTorch model on each clip's own length,
//   (b) the checkpoint on the clip zero-padded to the artifact's fixed frame count
//       (the same as (a) for a dynamic-shape artifact),
//   (c) the artifact in its own runtime: the native engine for a model package;
//       onnxruntime, ai-edge-litert or mlx (Python, parity/parity_runtime.py) otherwise.
// Gates (src/eval/parity.h) on (b vs c) by the artifact's precision, and the padding
// effect (a vs b) against the float32 bar. Exit 0 every gate passed, 1 one failed (or an
// error), 2 usage.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "artifact-runtime.h"
#include "commands.h"
#include "common/files.h"
#include "common/json-text.h"
#include "common/npy.h"
#include "common/progress.h"
#include "eval/parity.h"
#include "export/process.h"
#include "inherent/inherent.hpp"
#include "split-scores.h"

namespace inherent::cli {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
constexpr int kHeads = INHERENT_N_HEADS;

[[noreturn]] void bad(const std::string& message) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message);
}

// The clips of the split (or every row for "all"): at most max_clips, evenly spread.
std::vector<LabelRow> pick_rows(Labels& labels, const std::string& manifest, const std::string& split,
                                size_t max_clips, size_t* in_split) {
  std::vector<LabelRow> rows;
  const std::optional<Split> want = split == "all" ? std::nullopt : parse_split(split);
  for (LabelRow& r : labels.rows) {
    if (!want || r.split == *want) rows.push_back(std::move(r));
  }
  *in_split = rows.size();
  if (rows.empty()) bad(manifest + ": no rows with split " + split + " (the split column picks the clips)");
  const size_t n = std::min(rows.size(), max_clips);
  std::vector<LabelRow> out;
  for (size_t i = 0; i < n; ++i) out.push_back(rows[i * rows.size() / n]);
  return out;
}

ojson diff_json(const eval::Diff& d) { return {{"max", d.max}, {"mean", d.mean}}; }

std::string sci(double v) {
  char b[24];
  std::snprintf(b, sizeof b, "%.3e", v);
  return b;
}

}  // namespace

void add_parity(CLI::App& app) {
  struct Opts {
    std::string checkpoint, artifact, manifest, split = "test", json_out, python, precision = "float32";
    size_t max_clips = 256;
    int threads = 1;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd =
      app.add_subcommand("parity", "Compare an exported artifact with its checkpoint, per head, with gates");
  cmd->add_option(
         "--checkpoint", o->checkpoint,
         "Trainer checkpoint (folder with model.safetensors, the file, or a training run: best/, else last/)")
      ->required();
  cmd->add_option("--artifact", o->artifact,
                  "An `inherent export` backend folder (its primary artifact) or one artifact file in it "
                  "(model-3000.onnx, model_fp16.tflite, model-3000.mlxfn, ...), or a native model package")
      ->required();
  cmd->add_option("--manifest", o->manifest,
                  "Labels CSV (docs/labels.md columns; an `inherent prep` manifest works too)")
      ->required();
  cmd->add_option("--split", o->split, "Rows to score: train, eval, test or all")
      ->check(CLI::IsMember({"train", "eval", "test", "all"}))
      ->capture_default_str();
  cmd->add_option("--max-clips", o->max_clips,
                  "At most this many clips of the split, evenly spread (all when fewer)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--json-out", o->json_out, "Also write the report as JSON to this file (atomically)");
  cmd->add_option(
      "--python", o->python,
      "Python with onnxruntime / ai-edge-litert / mlx (default: $INHERENT_PYTHON, else python3 in PATH)");
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option(
         "--precision", o->precision,
         "Native packages: the engine precision to prove, float32 or int8 (gated like the int8 exports)")
      ->check(CLI::IsMember({"float32", "int8"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet,
                "No progress lines and no table (the verdict and failures still print)");
  cmd->footer(
      "Three scores per clip: (a) checkpoint on the clip's own frames, (b) checkpoint zero-padded to the "
      "artifact's\n"
      "fixed frame count (= (a) for dynamic artifacts), (c) the artifact in its runtime (native engine, "
      "onnxruntime,\n"
      "ai-edge-litert, mlx). Padding effect = |a - b| (gate: max <= 1e-4); export drift = |b - c|, gated by "
      "the\n"
      "artifact's precision: float32 max <= 1e-4; float16, int8 max <= 5e-3 and mean <= 5e-4. Every head is "
      "gated.\n"
      "Exit code: 0 every gate passed, 1 a gate failed (or an error), 2 usage. See docs/parity.md.");
  cmd->callback([o] {
    Artifact a = describe_artifact(o->artifact);
    if (o->precision == "int8") {
      if (a.backend != "native")
        bad("--precision int8 is the native engine's; " + o->artifact + " is " + a.backend);
      a.precision = "int8";
    }
    eval::ParityGate gate;
    try {
      gate = eval::parity_gate(a.precision);
    } catch (const std::invalid_argument& e) {
      bad(a.sidecar + ": " + e.what());
    }
    const eval::ParityGate padding_gate = eval::parity_gate("float32");

    LabelsCheckOptions check;
    check.check_audio = false;  // every clip is decoded below; a bad one names its line
    Labels labels = read_labels(o->manifest, check);
    size_t in_split = 0;
    const std::vector<LabelRow> rows = pick_rows(labels, o->manifest, o->split, o->max_clips, &in_split);
    std::vector<std::vector<float>> mels;
    for (const LabelRow& r : rows) {
      size_t frames = 0;
      mels.push_back(clip_mel(o->manifest, labels.header, r, &frames));
      if (a.pad > 0 && frames > a.pad) {
        bad(o->manifest + ":" + std::to_string(r.line) + ": " + std::to_string(frames) +
            " frames, more than the artifact's fixed " + a.frames);
      }
    }

    std::string checkpoint_file;
    const std::vector<float> dynamic =
        checkpoint_scores(o->checkpoint, mels, 0, o->threads, o->quiet, &checkpoint_file);
    const std::vector<float> padded =
        a.pad > 0 ? checkpoint_scores(o->checkpoint, mels, a.pad, o->threads, o->quiet, &checkpoint_file)
                  : dynamic;
    ojson runtime;
    const std::vector<float> artifact = artifact_scores(a, mels, o->python, o->quiet, &runtime);

    const std::vector<eval::Diff> pad_diff =
        eval::head_diffs(dynamic.data(), padded.data(), mels.size(), kHeads);
    const std::vector<eval::Diff> export_diff =
        eval::head_diffs(padded.data(), artifact.data(), mels.size(), kHeads);
    std::vector<std::string> failures;
    ojson heads = ojson::array();
    for (int h = 0; h < kHeads; ++h) {
      const eval::Diff& p = pad_diff[static_cast<size_t>(h)];
      const eval::Diff& e = export_diff[static_cast<size_t>(h)];
      const bool pad_ok = padding_gate.pass(p), export_ok = gate.pass(e);
      if (!export_ok) {
        failures.push_back(head_name(h) + ": export max " + sci(e.max) + ", mean " + sci(e.mean) +
                           " (gate max " + sci(gate.max) +
                           (gate.mean >= 0 ? ", mean " + sci(gate.mean) : std::string()) + ")");
      }
      if (!pad_ok)
        failures.push_back(head_name(h) + ": padding max " + sci(p.max) + " (gate " + sci(padding_gate.max) +
                           ")");
      heads.push_back({{"index", h},
                       {"head", head_name(h)},
                       {"padding", diff_json(p)},
                       {"export", diff_json(e)},
                       {"pass", pad_ok && export_ok}});
    }
    ojson failed_heads = ojson::array();
    for (const ojson& h : heads) {
      if (!h["pass"].get<bool>()) failed_heads.push_back(h["head"]);
    }
    const bool passed = failures.empty();
    const std::string runtime_name = runtime.value("runtime", a.backend);

    if (!o->quiet) {
      std::printf("parity: %s (%s, %s, %s frames) in %s\n", a.file.c_str(), a.backend.c_str(),
                  a.precision.c_str(), a.frames.c_str(), runtime_name.c_str());
      std::printf("  vs checkpoint %s (LibTorch) on %zu clips (%s, %zu in the split)\n",
                  checkpoint_file.c_str(), mels.size(), o->split.c_str(), in_split);
      const std::string pad_note = a.pad > 0 ? " (checkpoint alone vs zero-padded to " + a.frames + ")"
                                             : " (dynamic artifact: no padding)";
      std::printf("  padding = |a - b|%s; export = |b - c|\n", pad_note.c_str());
      std::printf("\n%-24s %11s %11s %11s %11s  %s\n", "head", "pad max", "pad mean", "export max",
                  "export mean", "gate");
      for (const ojson& h : heads) {
        std::printf("%-24s %11s %11s %11s %11s  %s\n", h["head"].get<std::string>().c_str(),
                    sci(h["padding"]["max"].get<double>()).c_str(),
                    sci(h["padding"]["mean"].get<double>()).c_str(),
                    sci(h["export"]["max"].get<double>()).c_str(),
                    sci(h["export"]["mean"].get<double>()).c_str(), h["pass"].get<bool>() ? "ok" : "FAIL");
      }
      const eval::Diff wp = eval::worst(pad_diff), we = eval::worst(export_diff);
      std::printf("%-24s %11s %11s %11s %11s\n\n", "worst", sci(wp.max).c_str(), sci(wp.mean).c_str(),
                  sci(we.max).c_str(), sci(we.mean).c_str());
    }
    const std::string mean_gate = gate.mean >= 0 ? ", mean " + sci(gate.mean) : "";
    std::printf("parity %s: %s %s vs checkpoint, gate max %s%s\n", passed ? "passed" : "FAILED",
                a.backend.c_str(), a.precision.c_str(), sci(gate.max).c_str(), mean_gate.c_str());
    for (const std::string& f : failures) std::fprintf(stderr, "parity: gate failed for %s\n", f.c_str());

    if (!o->json_out.empty()) {
      ojson j;
      j["passed"] = passed;
      j["failed_heads"] = failed_heads;
      j["checkpoint"] = checkpoint_file;
      j["artifact"] = {{"path", o->artifact},  {"file", a.file},           {"metadata", a.sidecar},
                       {"backend", a.backend}, {"precision", a.precision}, {"frames", a.frames},
                       {"input", a.input},     {"output", a.output}};
      j["runtime"] = runtime;
      j["manifest"] = o->manifest;
      j["split"] = o->split;
      j["clips"] = mels.size();
      j["clips_in_split"] = in_split;
      j["checkpoint_padded_to"] = a.pad > 0 ? ojson(a.pad) : ojson(nullptr);
      j["gate"] = {{"export_max", gate.max},
                   {"export_mean", gate.mean >= 0 ? ojson(gate.mean) : ojson(nullptr)},
                   {"padding_max", padding_gate.max}};
      j["padding"] = diff_json(eval::worst(pad_diff));
      j["export"] = diff_json(eval::worst(export_diff));
      j["heads"] = heads;
      write_file_atomic(o->json_out, json_text(j, 2) + "\n");
    }
    if (!passed) throw ExitCode{1};
  });
}

}  // namespace inherent::cli
