// SPDX-License-Identifier: Apache-2.0
#include "eval/artifact-runtime.h"

#include <unistd.h>

#include <filesystem>

#include "engine/model-package.h"
#include "eval/parity/parity-runtime.h"
#include "eval/split-scores.h"
#include "export/process.h"
#include "host/files.h"
#include "host/npy.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {
namespace {

namespace fs = std::filesystem;
constexpr int kHeads = INHERENT_N_HEADS;

[[noreturn]] void bad(const std::string& message) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message);
}

std::string text_field(const nlohmann::json& j, const char* key, const std::string& where,
                       const std::string& fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) bad(where + ": " + key + " is not a string");
  return j[key].get<std::string>();
}

std::vector<float> native_scores(const Artifact& a, const std::vector<std::vector<float>>& mels, bool quiet,
                                 nlohmann::ordered_json* runtime) {
  ScoreSource source;
  source.artifact = a.file;
  source.precision =
      a.precision == "int8" ? "int8" : "float32";  // the engine's int8 path (parity --precision)
  const Model model = load_artifact(source);
  // Parity compares the model itself: the minimum-evidence rule, which zeroes the scores
  // of silent inputs before the model runs, and the speech span a package's scoring may
  // ask for are not part of what the other runtimes export.
  inherent_session_params sp = inherent_session_default_params();
  sp.min_voiced_ms = 0;
  sp.trim_to_speech = 0;
  Session session(model, sp);
  std::vector<float> out;
  Progress progress("native engine", mels.size(), !quiet);
  for (const std::vector<float>& m : mels) {
    const Scores s = session.score_mel(m.data(), m.size() / INHERENT_N_MELS);
    out.insert(out.end(), s.begin(), s.end());
    progress.add();
  }
  progress.finish();
  *runtime = {
      {"runtime", "inherent native engine (" + model.kernels_name() + " kernels, " + source.precision + ")"}};
  return out;
}

// Runs parity_runtime.py with the Python that has the runtime; the log-mels travel as
// .npy files in a private temp folder, removed afterwards.
std::vector<float> python_scores(const Artifact& a, const std::vector<std::vector<float>>& mels,
                                 const std::string& python_option, nlohmann::ordered_json* runtime) {
  const std::string python = python_option.empty() ? exporter::find_python() : python_option;
  if (python.empty())
    bad("no Python found for the " + a.backend + " runtime (set INHERENT_PYTHON or pass --python)");
  std::string tmpl = (fs::temp_directory_path() / "inherent-parity-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw Exception(INHERENT_STATUS_IO_ERROR, "cannot create a temp folder");
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
  const std::string script = resolve_path(tmpl, kParityRuntimeFile),
                    mel_file = resolve_path(tmpl, "mels.npy"), len_file = resolve_path(tmpl, "lengths.npy"),
                    scores_file = resolve_path(tmpl, "scores.npy"),
                    info_file = resolve_path(tmpl, "info.json");
  write_file_atomic(script, parity_runtime_source());
  write_npy(mel_file, all.data(), {all.size() / INHERENT_N_MELS, static_cast<size_t>(INHERENT_N_MELS)});
  write_npy(len_file, lengths.data(), {lengths.size()});
  const exporter::ProcessResult p = exporter::run_process(
      {python,     script,      "--backend",    a.backend,   "--artifact",          a.file,    "--mels",
       mel_file,   "--lengths", len_file,       "--pad",     std::to_string(a.pad), "--input", a.input,
       "--output", a.output,    "--scores-out", scores_file, "--info-out",          info_file});
  if (p.exit_code != 0) {
    const std::string tail = p.output.substr(p.output.size() > 1500 ? p.output.size() - 1500 : 0);
    throw Exception(INHERENT_STATUS_INTERNAL, a.file + ": the " + a.backend + " runtime (" + python +
                                                  ") failed, exit " + std::to_string(p.exit_code) + ":\n" +
                                                  tail);
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

}  // namespace

Artifact describe_artifact(const std::string& path) {
  Artifact a;
  a.path = path;
  const bool dir = fs::is_directory(path);
  if (!dir && !fs::is_regular_file(path)) bad(path + ": no such file or folder");
  const std::string sidecar =
      dir ? resolve_path(path, kPackageMetadataFile) : resolve_path(parent_dir(path), kPackageMetadataFile);
  if (!fs::is_regular_file(sidecar)) {
    if (dir)
      bad(path + ": no " + std::string(kPackageMetadataFile) +
          " inside (is this an `inherent export` folder?)");
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
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string())
      bad(sidecar + ": an artifacts entry has no file");
    if (dir ? entry == nullptr : e["file"].get<std::string>() == fs::path(path).filename().string())
      entry = &e;
  }
  if (a.backend == "litertlm") {
    bad(path +
        ": a .litertlm package embeds the LiteRT export byte for byte; run parity on that .tflite file");
  }
  if (a.backend != "native" && a.backend != "onnx" && a.backend != "litert" && a.backend != "mlx") {
    bad(sidecar + ": backend '" + a.backend + "' is not one parity runs (native, onnx, litert, mlx)");
  }
  if (entry == nullptr) {
    if (a.backend == "native") {  // a package written before the artifacts list, e.g. a fixture
      a.file = path;
      return a;
    }
    bad(dir ? sidecar + ": no artifacts listed"
            : sidecar + ": no artifacts entry for " + fs::path(path).filename().string());
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

bool is_foreign_export(const std::string& path) {
  const bool dir = fs::is_directory(path);
  const std::string sidecar =
      dir ? resolve_path(path, kPackageMetadataFile) : resolve_path(parent_dir(path), kPackageMetadataFile);
  if (!fs::is_regular_file(sidecar)) return false;
  const nlohmann::json j = nlohmann::json::parse(read_file(sidecar), nullptr, false);
  if (!j.is_object() || !j.contains("backend") || !j["backend"].is_string()) return false;
  return j["backend"].get<std::string>() != "native";
}

std::vector<float> artifact_scores(const Artifact& a, const std::vector<std::vector<float>>& mels,
                                   const std::string& python, bool quiet, nlohmann::ordered_json* runtime) {
  return a.backend == "native" ? native_scores(a, mels, quiet, runtime)
                               : python_scores(a, mels, python, runtime);
}

}  // namespace inherent::eval
