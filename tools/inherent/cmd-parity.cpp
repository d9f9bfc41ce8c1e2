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

#include "commands.h"
#include "common/files.h"
#include "common/npy.h"
#include "common/progress.h"
#include "eval/parity.h"
#include "export/process.h"
#include "inherent/inherent.hpp"
#include "parity/parity-runtime.h"
#include "split-scores.h"

namespace inherent::cli {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
constexpr int kHeads = INHERENT_N_HEADS;
constexpr const char* kSidecar = "inherent.metadata.json";

[[noreturn]] void bad(const std::string& message) { throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message); }

// The artifact under test, as its sidecar describes it.
struct Artifact {
  std::string path;       // what was given
  std::string file;       // the artifact file (or package folder) that runs
  std::string sidecar;    // its inherent.metadata.json ("" for a single-file package)
  std::string backend = "native";
  std::string precision = "float32";
  std::string frames = "dynamic";
  size_t pad = 0;         // fixed frame count; 0 = dynamic
  std::string input = "mel_spectrogram", output = "intent_output";
};

std::string text_field(const nlohmann::json& j, const char* key, const std::string& where, const std::string& fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) bad(where + ": " + key + " is not a string");
  return j[key].get<std::string>();
}

// A folder (its primary artifact, artifacts[0]) or one file of an export (its entry in
// the sidecar beside it), or a native package / single-file package.
Artifact describe(const std::string& path) {
  Artifact a;
  a.path = path;
  const bool dir = fs::is_directory(path);
  if (!dir && !fs::is_regular_file(path)) bad(path + ": no such file or folder");
  const std::string sidecar = dir ? resolve_path(path, kSidecar) : resolve_path(parent_dir(path), kSidecar);
  if (!fs::is_regular_file(sidecar)) {
    if (dir) bad(path + ": no " + std::string(kSidecar) + " inside (is this an `inherent export` folder?)");
    a.file = path;  // a single-file native package carries its metadata inside
    return a;
  }
  a.sidecar = sidecar;
  const nlohmann::json j = nlohmann::json::parse(read_file(sidecar), nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad(sidecar + ": not a JSON object");
  a.backend = text_field(j, "backend", sidecar, "native");
  const nlohmann::json artifacts = j.value("artifacts", nlohmann::json::array());
  if (!artifacts.is_array()) bad(sidecar + ": artifacts is not a list");
  const nlohmann::json* entry = nullptr;
  for (const nlohmann::json& e : artifacts) {
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string()) bad(sidecar + ": an artifacts entry has no file");
    if (dir ? entry == nullptr : e["file"].get<std::string>() == fs::path(path).filename().string()) entry = &e;
  }
  if (a.backend == "litertlm") {
    bad(path + ": a .litertlm package embeds the LiteRT export byte for byte; run parity on that .tflite file");
  }
  if (a.backend != "native" && a.backend != "onnx" && a.backend != "litert" && a.backend != "mlx") {
    bad(sidecar + ": backend '" + a.backend + "' is not one parity runs (native, onnx, litert, mlx)");
  }
  if (entry == nullptr) {
    if (a.backend == "native") {  // a package written before the artifacts list, e.g. a fixture
      a.file = path;
      return a;
    }
    bad(dir ? sidecar + ": no artifacts listed" : sidecar + ": no artifacts entry for " + fs::path(path).filename().string());
  }
  const std::string where = sidecar + ": artifacts[" + (*entry)["file"].get<std::string>() + "]";
  a.file = resolve_path(parent_dir(sidecar), (*entry)["file"].get<std::string>());
  if (!fs::exists(a.file)) bad(where + ": " + a.file + " is missing");
  a.precision = text_field(*entry, "precision", where, "float32");
  a.frames = text_field(*entry, "frames", where, "dynamic");
  if (a.frames != "dynamic") {
    try {
      a.pad = std::stoul(a.frames);
    } catch (const std::exception&) {
      bad(where + ": frames '" + a.frames + "' is neither dynamic nor a frame count");
    }
    if (a.pad == 0 || a.pad > INHERENT_MAX_FRAMES) bad(where + ": frames " + a.frames + " out of range");
  }
  const nlohmann::json contract = entry->value("runtime_tensor_contract", nlohmann::json::object());
  auto name = [&](const char* side, std::string* out) {
    const nlohmann::json list = contract.value(side, nlohmann::json::array());
    if (list.empty()) return;  // the contract names by default
    if (!list.is_array() || !list[0].contains("name") || !list[0]["name"].is_string()) {
      bad(where + ": runtime_tensor_contract." + side + "[0].name is missing");
    }
    *out = list[0]["name"].get<std::string>();
  };
  name("inputs", &a.input);
  name("outputs", &a.output);
  return a;
}

// The clips of the split (or every row for "all"): at most max_clips, evenly spread.
std::vector<LabelRow> pick_rows(Labels& labels, const std::string& manifest, const std::string& split, size_t max_clips,
                                size_t* in_split) {
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

std::vector<float> native_scores(const Artifact& a, const std::vector<std::vector<float>>& mels, bool quiet,
                                 ojson* runtime) {
  ScoreSource source;
  source.artifact = a.file;
  const Model model = load_artifact(source);
  Session session(model);
  std::vector<float> out;
  Progress progress("native engine", mels.size(), !quiet);
  for (const std::vector<float>& m : mels) {
    const Scores s = session.score_mel(m.data(), m.size() / INHERENT_N_MELS);
    out.insert(out.end(), s.begin(), s.end());
    progress.add();
  }
  progress.finish();
  *runtime = {{"runtime", "inherent native engine (" + model.kernels_name() + " kernels)"}};
  return out;
}

// Runs parity_runtime.py with the Python that has the runtime; the log-mels travel as
// .npy files in a private temp folder, removed afterwards.
std::vector<float> python_scores(const Artifact& a, const std::vector<std::vector<float>>& mels,
                                 const std::string& python_option, ojson* runtime) {
  const std::string python = python_option.empty() ? exporter::find_python() : python_option;
  if (python.empty()) bad("no Python found for the " + a.backend + " runtime (set INHERENT_PYTHON or pass --python)");
  std::string tmpl = (fs::temp_directory_path() / "inherent-parity-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw Exception(INHERENT_STATUS_IO_ERROR, "cannot create a temp folder");
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  std::vector<float> all, lengths;
  for (const std::vector<float>& m : mels) {
    all.insert(all.end(), m.begin(), m.end());
    lengths.push_back(static_cast<float>(m.size() / INHERENT_N_MELS));
  }
  const std::string script = resolve_path(tmpl, kParityRuntimeFile), mel_file = resolve_path(tmpl, "mels.npy"),
                    len_file = resolve_path(tmpl, "lengths.npy"), scores_file = resolve_path(tmpl, "scores.npy"),
                    info_file = resolve_path(tmpl, "info.json");
  write_file_atomic(script, parity_runtime_source());
  write_npy(mel_file, all.data(), {all.size() / INHERENT_N_MELS, static_cast<size_t>(INHERENT_N_MELS)});
  write_npy(len_file, lengths.data(), {lengths.size()});
  const exporter::ProcessResult p =
      exporter::run_process({python, script, "--backend", a.backend, "--artifact", a.file, "--mels", mel_file,
                             "--lengths", len_file, "--pad", std::to_string(a.pad), "--input", a.input, "--output",
                             a.output, "--scores-out", scores_file, "--info-out", info_file});
  if (p.exit_code != 0) {
    const std::string tail = p.output.substr(p.output.size() > 1500 ? p.output.size() - 1500 : 0);
    throw Exception(INHERENT_STATUS_INTERNAL,
                    a.file + ": the " + a.backend + " runtime (" + python + ") failed, exit " +
                        std::to_string(p.exit_code) + ":\n" + tail);
  }
  const NpyArray s = read_npy(scores_file);
  if (s.shape.size() != 2 || s.shape[0] != mels.size() || s.shape[1] != static_cast<size_t>(kHeads)) {
    throw Exception(INHERENT_STATUS_INTERNAL, a.file + ": the runtime returned scores of the wrong shape");
  }
  *runtime = ojson::parse(read_file(info_file), nullptr, false);
  if (runtime->is_discarded()) *runtime = ojson::object();
  (*runtime)["python_executable"] = python;
  return s.data;
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
    std::string checkpoint, artifact, manifest, split = "test", json_out, python;
    size_t max_clips = 256;
    int threads = 1;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("parity", "Compare an exported artifact with its checkpoint, per head, with gates");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "Trainer checkpoint (folder with model.safetensors, the file, or a training run: best/, else last/)")
      ->required();
  cmd->add_option("--artifact", o->artifact,
                  "An `inherent export` backend folder (its primary artifact) or one artifact file in it "
                  "(model-3000.onnx, model_fp16.tflite, model-3000.mlxfn, ...), or a native model package")
      ->required();
  cmd->add_option("--manifest", o->manifest, "Labels CSV (DESIGN.md columns; an `inherent prep` manifest works too)")
      ->required();
  cmd->add_option("--split", o->split, "Rows to score: train, eval, test or all")
      ->check(CLI::IsMember({"train", "eval", "test", "all"}))
      ->capture_default_str();
  cmd->add_option("--max-clips", o->max_clips, "At most this many clips of the split, evenly spread (all when fewer)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--json-out", o->json_out, "Also write the report as JSON to this file (atomically)");
  cmd->add_option("--python", o->python,
                  "Python with onnxruntime / ai-edge-litert / mlx (default: $INHERENT_PYTHON, else python3 in PATH)");
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines and no table (the verdict and failures still print)");
  cmd->footer(
      "Three scores per clip: (a) checkpoint on the clip's own frames, (b) checkpoint zero-padded to the artifact's\n"
      "fixed frame count (= (a) for dynamic artifacts), (c) the artifact in its runtime (native engine, onnxruntime,\n"
      "ai-edge-litert, mlx). Padding effect = |a - b| (gate: max <= 1e-4); export drift = |b - c|, gated by the\n"
      "artifact's precision: float32 max <= 1e-4; float16, int8 max <= 5e-3 and mean <= 5e-4. Every head is gated.\n"
      "Exit code: 0 every gate passed, 1 a gate failed (or an error), 2 usage. See docs/parity.md.");
  cmd->callback([o] {
    const Artifact a = describe(o->artifact);
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
    const std::vector<float> dynamic = checkpoint_scores(o->checkpoint, mels, 0, o->threads, o->quiet, &checkpoint_file);
    const std::vector<float> padded =
        a.pad > 0 ? checkpoint_scores(o->checkpoint, mels, a.pad, o->threads, o->quiet, &checkpoint_file) : dynamic;
    ojson runtime;
    const std::vector<float> artifact =
        a.backend == "native" ? native_scores(a, mels, o->quiet, &runtime) : python_scores(a, mels, o->python, &runtime);

    const std::vector<eval::Diff> pad_diff = eval::head_diffs(dynamic.data(), padded.data(), mels.size(), kHeads);
    const std::vector<eval::Diff> export_diff = eval::head_diffs(padded.data(), artifact.data(), mels.size(), kHeads);
    std::vector<std::string> failures;
    ojson heads = ojson::array();
    for (int h = 0; h < kHeads; ++h) {
      const eval::Diff& p = pad_diff[static_cast<size_t>(h)];
      const eval::Diff& e = export_diff[static_cast<size_t>(h)];
      const bool pad_ok = padding_gate.pass(p), export_ok = gate.pass(e);
      if (!export_ok) {
        failures.push_back(head_name(h) + ": export max " + sci(e.max) + ", mean " + sci(e.mean) + " (gate max " +
                           sci(gate.max) + (gate.mean >= 0 ? ", mean " + sci(gate.mean) : std::string()) + ")");
      }
      if (!pad_ok) failures.push_back(head_name(h) + ": padding max " + sci(p.max) + " (gate " + sci(padding_gate.max) + ")");
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
      std::printf("parity: %s (%s, %s, %s frames) in %s\n", a.file.c_str(), a.backend.c_str(), a.precision.c_str(),
                  a.frames.c_str(), runtime_name.c_str());
      std::printf("  vs checkpoint %s (LibTorch) on %zu clips (%s, %zu in the split)\n", checkpoint_file.c_str(),
                  mels.size(), o->split.c_str(), in_split);
      const std::string pad_note =
          a.pad > 0 ? " (checkpoint alone vs zero-padded to " + a.frames + ")" : " (dynamic artifact: no padding)";
      std::printf("  padding = |a - b|%s; export = |b - c|\n", pad_note.c_str());
      std::printf("\n%-24s %11s %11s %11s %11s  %s\n", "head", "pad max", "pad mean", "export max", "export mean", "gate");
      for (const ojson& h : heads) {
        std::printf("%-24s %11s %11s %11s %11s  %s\n", h["head"].get<std::string>().c_str(),
                    sci(h["padding"]["max"].get<double>()).c_str(), sci(h["padding"]["mean"].get<double>()).c_str(),
                    sci(h["export"]["max"].get<double>()).c_str(), sci(h["export"]["mean"].get<double>()).c_str(),
                    h["pass"].get<bool>() ? "ok" : "FAIL");
      }
      const eval::Diff wp = eval::worst(pad_diff), we = eval::worst(export_diff);
      std::printf("%-24s %11s %11s %11s %11s\n\n", "worst", sci(wp.max).c_str(), sci(wp.mean).c_str(),
                  sci(we.max).c_str(), sci(we.mean).c_str());
    }
    const std::string mean_gate = gate.mean >= 0 ? ", mean " + sci(gate.mean) : "";
    std::printf("parity %s: %s %s vs checkpoint, gate max %s%s\n", passed ? "passed" : "FAILED", a.backend.c_str(),
                a.precision.c_str(), sci(gate.max).c_str(), mean_gate.c_str());
    for (const std::string& f : failures) std::fprintf(stderr, "parity: gate failed for %s\n", f.c_str());

    if (!o->json_out.empty()) {
      ojson j;
      j["passed"] = passed;
      j["failed_heads"] = failed_heads;
      j["checkpoint"] = checkpoint_file;
      j["artifact"] = {{"path", o->artifact}, {"file", a.file},           {"metadata", a.sidecar},
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
      write_file_atomic(o->json_out, j.dump(2) + "\n");
    }
    if (!passed) throw ExitCode{1};
  });
}

}  // namespace inherent::cli
