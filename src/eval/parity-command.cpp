// SPDX-License-Identifier: Apache-2.0
#include "eval/parity-command.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/package-files.h"
#include "eval/artifact-runtime.h"
#include "eval/parity.h"
#include "eval/split-scores.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::eval {
namespace {

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

ojson diff_json(const Diff& d) { return {{"max", d.max}, {"mean", d.mean}}; }

std::string sci(double v) {
  char b[24];
  std::snprintf(b, sizeof b, "%.3e", v);
  return b;
}

// The artifact to prove, with the precision it is gated at.
Artifact artifact_to_prove(const ParityOptions& o, ParityGate* gate) {
  Artifact a = describe_artifact(o.artifact);
  if (o.precision == "int8") {
    if (a.backend != "native")
      bad("--precision int8 is the native engine's; " + o.artifact + " is " + a.backend);
    a.precision = "int8";
  }
  try {
    *gate = parity_gate(a.precision);
  } catch (const std::invalid_argument& e) {
    bad(a.sidecar + ": " + e.what());
  }
  return a;
}

// Every picked clip's log-mels; *in_split gets the split's size.
std::vector<std::vector<float>> clip_mels(const ParityOptions& o, const Artifact& a, size_t* in_split_out) {
  LabelsCheckOptions check;
  check.check_audio = false;  // every clip is decoded below; a bad one names its line
  Labels labels = read_labels(o.manifest, check);
  const std::vector<LabelRow> rows = pick_rows(labels, o.manifest, o.split, o.max_clips, in_split_out);
  std::vector<std::vector<float>> mels;
  for (const LabelRow& r : rows) {
    size_t frames = 0;
    mels.push_back(clip_mel(o.manifest, labels.header, r, &frames));
    if (a.pad > 0 && frames > a.pad) {
      bad(o.manifest + ":" + std::to_string(r.line) + ": " + std::to_string(frames) +
          " frames, more than the artifact's fixed " + a.frames);
    }
  }

  return mels;
}

// The whisper and ensemble families have no trainer model: their reference is their
// float32 native package, given as --checkpoint (itself tested against the float64
// torch model, tests/test-whisper-family.cpp, and the members' sum,
// tests/test-ensemble.cpp).
bool is_reference_package(const std::string& path) {
  const std::string sidecar = path + "/" + kPackageMetadataFile;
  if (!std::filesystem::is_regular_file(sidecar)) return false;
  const ojson j = ojson::parse(read_file(sidecar), nullptr, false);
  if (!j.is_object() || !j.contains("config") || !j["config"].is_object()) return false;
  const std::string family = j["config"].value("family", "");
  return family == "whisper" || family == "ensemble";
}

// The reference scores of every clip, zero-padded to pad_to frames first when > 0.
std::vector<float> reference_scores(const ParityOptions& o, const std::vector<std::vector<float>>& mels,
                                    size_t pad_to, std::string* file) {
  if (!is_reference_package(o.checkpoint))
    return checkpoint_scores(o.checkpoint, mels, pad_to, o.threads, o.quiet, file);
  const Artifact reference = describe_artifact(o.checkpoint);
  if (reference.precision != "float32") bad(o.checkpoint + ": a reference package must be float32");
  *file = reference.file;
  std::vector<std::vector<float>> input = mels;
  for (std::vector<float>& m : input) {
    if (pad_to > 0) m.resize(pad_to * INHERENT_N_MELS, 0.0f);
  }
  ojson runtime;
  return artifact_scores(reference, input, o.python, o.quiet, &runtime);
}

// The three scores of every clip and their per-head differences.
struct Comparison {
  std::string checkpoint_file;
  ojson runtime;
  std::vector<Diff> pad_diff, export_diff;
  std::vector<std::string> failures;
  ojson heads = ojson::array();
  size_t clips = 0, in_split = 0;
};

Comparison compare(const ParityOptions& o, const Artifact& a, const ParityGate& gate) {
  Comparison c;
  const std::vector<std::vector<float>> mels = clip_mels(o, a, &c.in_split);
  c.clips = mels.size();
  std::string& checkpoint_file = c.checkpoint_file;
  ojson& runtime = c.runtime;
  const std::vector<float> dynamic = reference_scores(o, mels, 0, &checkpoint_file);
  const std::vector<float> padded = a.pad > 0 ? reference_scores(o, mels, a.pad, &checkpoint_file) : dynamic;
  const std::vector<float> artifact = artifact_scores(a, mels, o.python, o.quiet, &runtime);

  c.pad_diff = head_diffs(dynamic.data(), padded.data(), mels.size(), kHeads);
  c.export_diff = head_diffs(padded.data(), artifact.data(), mels.size(), kHeads);
  const ParityGate padding_gate = parity_gate("float32");
  const std::vector<Diff>& pad_diff = c.pad_diff;
  const std::vector<Diff>& export_diff = c.export_diff;
  std::vector<std::string>& failures = c.failures;
  ojson& heads = c.heads;
  for (int h = 0; h < kHeads; ++h) {
    const Diff& p = pad_diff[static_cast<size_t>(h)];
    const Diff& e = export_diff[static_cast<size_t>(h)];
    const bool pad_ok = padding_gate.pass(p), export_ok = gate.pass(e);
    if (!export_ok) {
      failures.push_back(inherent::head_name(h) + ": export max " + sci(e.max) + ", mean " + sci(e.mean) +
                         " (gate max " + sci(gate.max) +
                         (gate.mean >= 0 ? ", mean " + sci(gate.mean) : std::string()) + ")");
    }
    if (!pad_ok)
      failures.push_back(inherent::head_name(h) + ": padding max " + sci(p.max) + " (gate " +
                         sci(padding_gate.max) + ")");
    heads.push_back({{"index", h},
                     {"head", inherent::head_name(h)},
                     {"padding", diff_json(p)},
                     {"export", diff_json(e)},
                     {"pass", pad_ok && export_ok}});
  }
  return c;
}

void print_table(const ParityOptions& o, const Artifact& a, const Comparison& c) {
  const std::string runtime_name = c.runtime.value("runtime", a.backend);
  const std::string& checkpoint_file = c.checkpoint_file;
  const ojson& heads = c.heads;
  const size_t in_split = c.in_split;
  const std::vector<Diff>& pad_diff = c.pad_diff;
  const std::vector<Diff>& export_diff = c.export_diff;
  if (!o.quiet) {
    std::printf("parity: %s (%s, %s, %s frames) in %s\n", a.file.c_str(), a.backend.c_str(),
                a.precision.c_str(), a.frames.c_str(), runtime_name.c_str());
    std::printf("  vs checkpoint %s (%s) on %zu clips (%s, %zu in the split)\n", checkpoint_file.c_str(),
                is_reference_package(o.checkpoint) ? "native engine, float32" : "LibTorch", c.clips,
                o.split.c_str(), in_split);
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
    const Diff wp = worst(pad_diff), we = worst(export_diff);
    std::printf("%-24s %11s %11s %11s %11s\n\n", "worst", sci(wp.max).c_str(), sci(wp.mean).c_str(),
                sci(we.max).c_str(), sci(we.mean).c_str());
  }
}

ojson parity_json(const ParityOptions& o, const Artifact& a, const ParityGate& gate, const Comparison& c) {
  const ParityGate padding_gate = parity_gate("float32");
  ojson failed_heads = ojson::array();
  for (const ojson& h : c.heads) {
    if (!h["pass"].get<bool>()) failed_heads.push_back(h["head"]);
  }
  const bool passed = c.failures.empty();
  ojson j;
  j["passed"] = passed;
  j["failed_heads"] = failed_heads;
  j["checkpoint"] = c.checkpoint_file;
  j["artifact"] = {{"path", o.artifact},   {"file", a.file},           {"metadata", a.sidecar},
                   {"backend", a.backend}, {"precision", a.precision}, {"frames", a.frames},
                   {"input", a.input},     {"output", a.output}};
  j["runtime"] = c.runtime;
  j["manifest"] = o.manifest;
  j["split"] = o.split;
  j["clips"] = c.clips;
  j["clips_in_split"] = c.in_split;
  j["checkpoint_padded_to"] = a.pad > 0 ? ojson(a.pad) : ojson(nullptr);
  j["gate"] = {{"export_max", gate.max},
               {"export_mean", gate.mean >= 0 ? ojson(gate.mean) : ojson(nullptr)},
               {"padding_max", padding_gate.max}};
  j["padding"] = diff_json(worst(c.pad_diff));
  j["export"] = diff_json(worst(c.export_diff));
  j["heads"] = c.heads;
  return j;
}

}  // namespace

void ParityOptions::validate() const {
  if (checkpoint.empty()) bad("--checkpoint is required");
  if (artifact.empty()) bad("--artifact is required");
  if (manifest.empty()) bad("--manifest is required");
  if (split != "all" && !parse_split(split)) bad("--split " + split + ": must be train, eval, test or all");
  if (max_clips == 0) bad("--max-clips must be at least 1");
  if (precision != "float32" && precision != "int8") bad("--precision must be float32 or int8");
}

std::string ParityOptions::to_string() const {
  std::string s = "parity --checkpoint " + checkpoint + " --artifact " + artifact + " --manifest " +
                  manifest + " --split " + split + " --max-clips " + std::to_string(max_clips) +
                  " --threads " + std::to_string(threads) + " --precision " + precision;
  if (!json_out.empty()) s += " --json-out " + json_out;
  if (!python.empty()) s += " --python " + python;
  return s + (quiet ? " --quiet" : "");
}

int run_parity(const ParityOptions& o) {
  o.validate();
  ParityGate gate;
  const Artifact a = artifact_to_prove(o, &gate);
  const Comparison c = compare(o, a, gate);
  const bool passed = c.failures.empty();
  const std::vector<std::string>& failures = c.failures;
  if (!o.quiet) print_table(o, a, c);
  const std::string mean_gate = gate.mean >= 0 ? ", mean " + sci(gate.mean) : "";
  std::printf("parity %s: %s %s vs checkpoint, gate max %s%s\n", passed ? "passed" : "FAILED",
              a.backend.c_str(), a.precision.c_str(), sci(gate.max).c_str(), mean_gate.c_str());
  for (const std::string& f : failures) std::fprintf(stderr, "parity: gate failed for %s\n", f.c_str());

  if (!o.json_out.empty()) write_file_atomic(o.json_out, json_text(parity_json(o, a, gate, c), 2) + "\n");
  return passed ? 0 : 1;
}

}  // namespace inherent::eval
