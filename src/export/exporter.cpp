// SPDX-License-Identifier: Apache-2.0
#include "exporter.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "common/sha256.h"
#include "engine/model-package.h"
#include "export/metadata.h"
#include "export/mlx-module.h"
#include "export/onnx-export.h"
#include "export/process.h"
#include "export/tflite-export.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad(const std::string& message) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message);
}

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string join(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& v : list) s += (s.empty() ? "" : ", ") + v;
  return s;
}

const std::vector<std::string> kDelegates = {"cpu",      "gpu",      "npu",   "tpu",
                                             "qualcomm", "mediatek", "intel", "google_tensor"};

std::string backend_dir(const ExportRequest& r, const std::string& backend) {
  const std::string dir = resolve_path(r.output_dir, backend);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Exception(INHERENT_STATUS_IO_ERROR, dir + ": cannot create folder (" + ec.message() + ")");
  return dir;
}

// Frame variants the request asks for: -1 = dynamic.
std::vector<int64_t> frame_variants(const ExportRequest& r) {
  if (r.frames == "dynamic") return {-1};
  if (r.frames == "both") return {-1, INHERENT_MAX_FRAMES};
  return {std::stoll(r.frames)};
}

std::string variant_file(const std::string& stem, int64_t frames, const std::string& ext) {
  return frames < 0 ? stem + ext : stem + "-" + std::to_string(frames) + ext;
}

void write_artifact(const std::string& dir, ArtifactInfo& info, const std::string& bytes,
                    const std::string& backend, std::vector<WrittenFile>* written, const std::string& note) {
  const std::string path = resolve_path(dir, info.file);
  write_file_atomic(path, bytes);
  info.size_bytes = bytes.size();
  info.sha256 = sha256_hex(bytes);
  written->push_back({backend, path, bytes.size(), note});
}

void finish(const std::string& dir, const Json& metadata, const std::string& backend,
            std::vector<WrittenFile>* written) {
  write_metadata(dir, metadata);
  const std::string path = resolve_path(dir, kPackageMetadataFile);
  written->push_back({backend, path, static_cast<uint64_t>(fs::file_size(path)), "metadata sidecar"});
}

std::string frames_note(int64_t frames) {
  return frames < 0 ? "dynamic [batch, frames, 128]" : "fixed [1, " + std::to_string(frames) + ", 128]";
}

// The TFLite options of a request (the LiteRT-LM package embeds the same file).
TfliteOptions tflite_options(const ExportRequest& r, const std::string& precision) {
  TfliteOptions o;
  o.precision = precision;
  o.frames = INHERENT_MAX_FRAMES;
  o.dynamic_frames = r.frames != std::to_string(INHERENT_MAX_FRAMES);
  o.delegate = r.delegate;
  return o;
}

// The requested precisions (comma-separated), the first being the primary artifact:
// int8 with a calibration manifest stands for the two full-integer models and the
// dynamic-range one; float32, the reference, always comes last.
std::vector<std::string> litert_precisions(const ExportRequest& r) {
  std::vector<std::string> out;
  auto add = [&](const std::string& p) {
    if (!contains(out, p)) out.push_back(p);
  };
  for (const std::string& q : split_commas(r.quantization)) {
    if (q == "int8" && !r.calibration_manifest.empty()) {
      for (const char* p : {"int8-full", "int16x8", "int8"}) add(p);
    } else if (q != "float32") {
      add(q);
    }
  }
  add("float32");
  return out;
}

std::string temp_name(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

// Calibration log-mels from a manifest CSV with a mel_path column (what `inherent prep`
// writes; relative paths resolve against the CSV's folder). Rows of split "train" when
// the column exists and has any, else all rows; at most kMaxCalibration, evenly spread.
constexpr size_t kMaxCalibration = 128;
std::vector<std::vector<float>> read_calibration(const std::string& manifest) {
  const CsvTable table = read_csv_file(manifest);
  const int mel = table.column("mel_path"), split = table.column("split");
  if (mel < 0) bad(manifest + ": no mel_path column (write one with `inherent prep`)");
  std::vector<const CsvRow*> rows;
  for (const CsvRow& r : table.rows) {
    if (split >= 0 && r.fields.at(split) == "train") rows.push_back(&r);
  }
  if (rows.empty()) {
    for (const CsvRow& r : table.rows) rows.push_back(&r);
  }
  if (rows.empty()) bad(manifest + ": no rows");
  const size_t n = std::min(rows.size(), kMaxCalibration);
  std::vector<std::vector<float>> mels;
  for (size_t i = 0; i < n; ++i) {
    const CsvRow& r = *rows[i * rows.size() / n];
    const NpyArray a = read_npy(resolve_path(parent_dir(manifest), r.fields.at(mel)));
    if (a.shape.size() != 2 || a.shape[1] != INHERENT_N_MELS || a.shape[0] == 0) {
      bad(manifest + ": " + r.fields.at(mel) + " is not a [T, 128] log-mel array");
    }
    const size_t frames = std::min<size_t>(a.shape[0], INHERENT_MAX_FRAMES);
    mels.emplace_back(a.data.begin(), a.data.begin() + static_cast<ptrdiff_t>(frames * INHERENT_N_MELS));
  }
  return mels;
}

// Options for the primary LiteRT precision, with the calibration log-mels read once
// when an integer precision uses them (full-integer ranges, int8 bias correction).
TfliteOptions litert_options(const ExportRequest& r, const std::vector<std::string>& precisions) {
  TfliteOptions o = tflite_options(r, precisions.front());
  const bool integer =
      contains(precisions, "int8") || contains(precisions, "int8-full") || contains(precisions, "int16x8");
  if (integer && !r.calibration_manifest.empty()) o.calibration = read_calibration(r.calibration_manifest);
  return o;
}

void export_onnx_backend(const ExportModel& m, const ExportRequest& r, std::vector<WrittenFile>* written) {
  const std::string dir = backend_dir(r, "onnx");
  std::vector<ArtifactInfo> artifacts;
  for (int64_t frames : frame_variants(r)) {
    OnnxArtifact a = export_onnx(m, OnnxOptions{frames});
    a.info.file = variant_file("model", frames, ".onnx");
    write_artifact(dir, a.info, a.bytes, "onnx", written, frames_note(frames));
    artifacts.push_back(a.info);
  }
  finish(dir, make_metadata(m, "onnx", artifacts), "onnx", written);
}

// The native engine's model package: model.safetensors (arch names, F32, config in
// __metadata__) + inherent.metadata.json.
void export_native_backend(const ExportModel& m, const ExportRequest& r, std::vector<WrittenFile>* written) {
  const std::string dir = backend_dir(r, "native");
  ArtifactInfo info;
  info.file = kPackageWeightsFile;
  info.format = "safetensors (arch.h tensor names)";
  info.inputs = {contract_input(-1, -1)};
  info.outputs = {contract_output(-1)};
  write_artifact(dir, info, encode_weights(m), "native", written, "model package weights");
  finish(dir, make_metadata(m, "native", {info}), "native", written);
}

// LiteRT: the requested precision first (the primary artifact), then float32 as the
// reference it is compared with; int8 with a calibration manifest writes the two
// full-integer models (int8 activations, and int16 activations with int8 weights) and
// the dynamic-range one. Delegate preflight printed and stored.
void export_litert_backend(const ExportModel& m, const ExportRequest& r, std::vector<WrittenFile>* written,
                           std::vector<std::string>* messages) {
  const std::string dir = backend_dir(r, "litert");
  const std::vector<std::string> precisions = litert_precisions(r);
  TfliteOptions o = litert_options(r, precisions);
  std::vector<ArtifactInfo> artifacts;
  Json preflight;
  for (const std::string& precision : precisions) {
    o.precision = precision;
    TfliteArtifact a = export_tflite(m, o);
    write_artifact(dir, a.info, a.bytes, "litert", written,
                   precision + (o.dynamic_frames ? ", [1, 3000, 128], signature [1, -1, 128]"
                                                 : ", fixed [1, 3000, 128]"));
    artifacts.push_back(a.info);
    if (preflight.is_null()) {
      preflight = tfl::preflight_json(a.preflight);
      if (messages) messages->push_back(tfl::preflight_text(a.preflight));
    }
  }
  Json extra = {
      {"delegate", r.delegate}, {"delegate_preflight", preflight}, {"signature_key", "serving_default"}};
  finish(dir, make_metadata(m, "litert", artifacts, extra), "litert", written);
}

// MLX: the weights (arch names and layouts), the module that builds the model in MLX,
// and, when a Python with MLX is at hand, the forward pass as an exported MLX function
// for [1, 3000, 128].
void export_mlx_backend(const ExportModel& m, const ExportRequest& r, std::vector<WrittenFile>* written,
                        std::vector<std::string>* messages) {
  const std::string dir = backend_dir(r, "mlx");
  ArtifactInfo weights;
  weights.file = kPackageWeightsFile;
  weights.format = "safetensors (arch.h names and layouts; inherent_mlx.py rearranges convolutions for MLX)";
  weights.inputs = {contract_input(-1, -1)};
  weights.outputs = {contract_output(-1)};
  write_artifact(dir, weights, encode_weights(m), "mlx", written, "weights");
  ArtifactInfo module;
  module.file = kMlxModuleFile;
  module.format = "python module (mlx): inherent_mlx.load(folder)(mel) -> scores";
  module.inputs = weights.inputs;
  module.outputs = weights.outputs;
  write_artifact(dir, module, mlx_module_source(), "mlx", written, "MLX model module");
  std::vector<ArtifactInfo> artifacts = {weights, module};
  Json extra = {{"load", "import inherent_mlx; model = inherent_mlx.load(folder); scores = model(mel)"}};
  // The module reads the sidecar, so it goes first; it is rewritten below with the function.
  write_metadata(dir, make_metadata(m, "mlx", artifacts, extra));

  const std::string python = r.python.empty() ? find_python() : r.python;
  std::string why;
  if (arch_cuts_padding(m.config)) {
    why = "the whisper family cuts each clip's padding, which a fixed-shape function cannot";
  } else if (python.empty()) {
    why = "no Python found (set INHERENT_PYTHON)";
  } else {
    const std::string target = resolve_path(dir, kMlxFunctionFile);
    const ProcessResult p = run_process(
        {python, resolve_path(dir, kMlxModuleFile), dir, "--export-function", "--output", temp_name(target)});
    if (p.exit_code == 0 && fs::is_regular_file(temp_name(target))) {
      fs::rename(temp_name(target), target);
      ArtifactInfo fn;
      fn.file = kMlxFunctionFile;
      fn.format = "mlx exported function (mx.import_function)";
      fn.frames = std::to_string(INHERENT_MAX_FRAMES);
      fn.inputs = {contract_input(1, INHERENT_MAX_FRAMES)};
      fn.outputs = {contract_output(1)};
      const std::string bytes = read_file(target);
      fn.size_bytes = bytes.size();
      fn.sha256 = sha256_hex(bytes);
      fn.extra = {{"call", "mx.import_function(path)(mel_padded_to_3000)[0] -> [1, 13]"}};
      written->push_back({"mlx", target, bytes.size(), "MLX exported function, [1, 3000, 128]"});
      artifacts.push_back(fn);
    } else {
      std::error_code ec;
      fs::remove(temp_name(target), ec);
      why = python +
            " could not export it: " + p.output.substr(p.output.size() > 400 ? p.output.size() - 400 : 0);
    }
  }
  if (!why.empty()) {
    extra["exported_function"] = "not written: " + why;
    if (messages)
      messages->push_back("mlx: " + std::string(kMlxFunctionFile) + " not written (" + why + ")\n");
  }
  finish(dir, make_metadata(m, "mlx", artifacts, extra), "mlx", written);
}

std::string litert_lm_builder(const ExportRequest& r) {
  if (!r.litert_lm_builder.empty())
    return ::access(r.litert_lm_builder.c_str(), X_OK) == 0 ? r.litert_lm_builder : "";
  return find_program("litert-lm-builder", "INHERENT_LITERT_LM_BUILDER", {find_python()});
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// LiteRT-LM: the .litertlm package built by litert-lm-builder, holding the LiteRT
// classifier (the same bytes as the litert export of this precision) as a TFLite
// section with the delegate as its backend constraint, and the metadata sidecar of
// that TFLite model as a generic data section.
void export_litertlm_backend(const ExportModel& m, const ExportRequest& r,
                             std::vector<WrittenFile>* written) {
  const std::string builder = litert_lm_builder(r);
  if (builder.empty()) {
    throw Exception(
        INHERENT_STATUS_UNSUPPORTED,
        "litert-lm-builder not found (pip install litert-lm-builder, or set INHERENT_LITERT_LM_BUILDER "
        "to its path)");
  }
  const std::string dir = backend_dir(r, "litertlm");
  const std::string work = resolve_path(dir, ".build-" + std::to_string(::getpid()));
  fs::create_directories(work);
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{work};

  const std::vector<std::string> precisions = litert_precisions(r);
  const TfliteArtifact t = export_tflite(m, litert_options(r, {precisions.front()}));
  write_file_atomic(resolve_path(work, t.info.file), t.bytes);
  const Json inner =
      make_metadata(m, "litertlm", {t.info},
                    {{"delegate", r.delegate}, {"delegate_preflight", tfl::preflight_json(t.preflight)}});
  const std::string inner_text = json_text(inner, 2) + "\n";
  write_file_atomic(resolve_path(work, kPackageMetadataFile), inner_text);
  const std::string constraint = r.delegate == "cpu" || r.delegate == "gpu" ? r.delegate : "npu";
  std::string toml;
  toml += "[system_metadata]\nentries = [\n";
  const std::vector<std::pair<std::string, std::string>> system = {
      {"author", "inherent"},
      {"inherent.format", kPackageFormat},
      {"inherent.model_version", m.provenance.model_version},
      {"inherent.model_name", m.config_name},
      {"inherent.input", std::string(kInputName) + " float32 [1, frames, 128]"},
      {"inherent.output", std::string(kOutputName) + " float32 [1, 13]"},
      {"inherent.delegate", r.delegate}};
  for (const auto& [k, v] : system)
    toml += "  { key = " + toml_string(k) + ", value_type = \"String\", value = " + toml_string(v) + " },\n";
  toml += "]\n\n[[section]]\nsection_type = \"TFLiteModel\"\nmodel_type = \"aux\"\n";
  toml +=
      "data_path = " + toml_string(t.info.file) + "\nbackend_constraint = " + toml_string(constraint) + "\n";
  toml +=
      "additional_metadata = [\n  { key = \"inherent.role\", value_type = \"String\", value = "
      "\"speech_gate\" },\n";
  toml +=
      "  { key = \"inherent.precision\", value_type = \"String\", value = " + toml_string(t.info.precision) +
      " },\n";
  toml += "  { key = \"inherent.signature\", value_type = \"String\", value = \"serving_default\" },\n]\n\n";
  toml +=
      "[[section]]\nsection_type = \"GenericBinaryData\"\ndata_path = " + toml_string(kPackageMetadataFile) +
      "\n";
  toml += "additional_metadata = [\n  { key = \"name\", value_type = \"String\", value = " +
          toml_string(kPackageMetadataFile) + " },\n]\n";
  write_file_atomic(resolve_path(work, "model.toml"), toml);

  const std::string target = resolve_path(dir, "model.litertlm");
  const std::string temp = temp_name(target);
  const ProcessResult p =
      run_process({builder, "toml", "--path", resolve_path(work, "model.toml"), "output", "--path", temp});
  if (p.exit_code != 0 || !fs::is_regular_file(temp)) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw Exception(INHERENT_STATUS_INTERNAL,
                    builder + " failed (exit " + std::to_string(p.exit_code) + "): " + p.output);
  }
  fs::rename(temp, target);
  const std::string bytes = read_file(target);
  ArtifactInfo info;
  info.file = "model.litertlm";
  info.format = "litertlm (litert-lm-builder)";
  info.precision = t.info.precision;
  info.frames = t.info.frames;
  info.inputs = t.info.inputs;
  info.outputs = t.info.outputs;
  info.size_bytes = bytes.size();
  info.sha256 = sha256_hex(bytes);
  info.extra = {{"sections", Json::array({{{"index", 0},
                                           {"type", "TFLiteModel"},
                                           {"model_type", "tf_lite_aux"},
                                           {"backend_constraint", constraint},
                                           {"file", t.info.file},
                                           {"size_bytes", t.info.size_bytes},
                                           {"sha256", t.info.sha256}},
                                          {{"index", 1},
                                           {"type", "GenericBinaryData"},
                                           {"name", kPackageMetadataFile},
                                           {"size_bytes", inner_text.size()},
                                           {"sha256", sha256_hex(inner_text)}}})},
                {"embedded_tflite", t.info.file}};
  written->push_back(
      {"litertlm", target, bytes.size(), t.info.precision + " classifier, backend " + constraint});
  Json extra = {{"delegate", r.delegate},
                {"delegate_preflight", tfl::preflight_json(t.preflight)},
                {"builder", builder}};
  finish(dir, make_metadata(m, "litertlm", {info}, extra), "litertlm", written);
}

}  // namespace

const std::vector<std::string>& all_backends() {
  static const std::vector<std::string> list = {"onnx", "litert", "litertlm", "mlx", "native"};
  return list;
}

void check_request(const ExportRequest& r) {
  if (r.output_dir.empty()) bad("no output folder given");
  if (r.backends.empty()) bad("no backend given");
  const std::vector<std::string> known = {"onnx", "litert", "litertlm", "mlx", "native", "all"};
  for (const std::string& b : r.backends) {
    if (!contains(known, b)) bad("unknown backend '" + b + "' (known: " + join(known) + ")");
    if (b != "all" && !contains(all_backends(), b)) {
      throw Exception(INHERENT_STATUS_UNSUPPORTED,
                      "backend '" + b + "' is not in this build (available: " + join(all_backends()) + ")");
    }
  }
  const std::vector<std::string> quantizations = split_commas(r.quantization);
  if (quantizations.empty()) bad("--quantization is empty (float32, float16, int8, int16x8)");
  for (const std::string& q : quantizations) {
    if (!contains({"float32", "float16", "int8", "int16x8"}, q))
      bad("unknown quantization '" + q + "' (float32, float16, int8, int16x8)");
    if (q == "int16x8" && r.calibration_manifest.empty())
      bad("quantization int16x8 needs --calibration-manifest (its activation ranges come from calibration)");
  }
  if (!contains(kDelegates, r.delegate))
    bad("unknown delegate '" + r.delegate + "' (" + join(kDelegates) + ")");
  if (r.frames != "dynamic" && r.frames != "both" && r.frames != std::to_string(INHERENT_MAX_FRAMES)) {
    bad("--frames must be dynamic or " + std::to_string(INHERENT_MAX_FRAMES) + " (got '" + r.frames + "')");
  }
}

std::vector<WrittenFile> run_export(const ExportModel& m, const ExportRequest& r,
                                    std::vector<std::string>* messages) {
  check_request(r);
  validate(m);
  std::vector<std::string> backends;
  for (const std::string& b : r.backends) {
    for (const std::string& x : b == "all" ? all_backends() : std::vector<std::string>{b}) {
      if (!contains(backends, x)) backends.push_back(x);
    }
  }
  std::vector<WrittenFile> written;
  for (const std::string& b : backends) {
    if (b == "onnx") export_onnx_backend(m, r, &written);
    if (b == "litert") export_litert_backend(m, r, &written, messages);
    if (b == "litertlm") {
      if (litert_lm_builder(r).empty() && !contains(r.backends, "litertlm")) {  // "all" without the builder
        if (messages)
          messages->push_back(
              "litertlm: skipped (litert-lm-builder not found; pip install litert-lm-builder)\n");
        continue;
      }
      export_litertlm_backend(m, r, &written);
    }
    if (b == "mlx") export_mlx_backend(m, r, &written, messages);
    if (b == "native") export_native_backend(m, r, &written);
  }
  return written;
}

}  // namespace inherent::exporter
