// SPDX-License-Identifier: Apache-2.0
#include "exporter.h"

#include <algorithm>
#include <filesystem>

#include "common/files.h"
#include "export/metadata.h"
#include "export/onnx-export.h"
#include "export/sha256.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad(const std::string& message) { throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message); }

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string join(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& v : list) s += (s.empty() ? "" : ", ") + v;
  return s;
}

const std::vector<std::string> kDelegates = {"cpu", "gpu", "npu", "tpu", "qualcomm", "mediatek", "intel", "google_tensor"};

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

void write_artifact(const std::string& dir, ArtifactInfo& info, const std::string& bytes, const std::string& backend,
                    std::vector<WrittenFile>* written, const std::string& note) {
  const std::string path = resolve_path(dir, info.file);
  write_file_atomic(path, bytes);
  info.size_bytes = bytes.size();
  info.sha256 = sha256_hex(bytes);
  written->push_back({backend, path, bytes.size(), note});
}

void finish(const std::string& dir, const Json& metadata, const std::string& backend, std::vector<WrittenFile>* written) {
  write_metadata(dir, metadata);
  const std::string path = resolve_path(dir, kMetadataFileName);
  written->push_back({backend, path, static_cast<uint64_t>(fs::file_size(path)), "metadata sidecar"});
}

std::string frames_note(int64_t frames) {
  return frames < 0 ? "dynamic [batch, frames, 128]" : "fixed [1, " + std::to_string(frames) + ", 128]";
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
  info.file = "model.safetensors";
  info.format = "safetensors (arch.h tensor names)";
  info.inputs = {contract_input(-1, -1)};
  info.outputs = {contract_output(-1)};
  write_artifact(dir, info, encode_weights(m), "native", written, "model package weights");
  finish(dir, make_metadata(m, "native", {info}), "native", written);
}

}  // namespace

const std::vector<std::string>& all_backends() {
  static const std::vector<std::string> list = {"onnx", "native"};
  return list;
}

void check_request(const ExportRequest& r) {
  if (r.output_dir.empty()) bad("no output folder given");
  if (r.backends.empty()) bad("no backend given");
  const std::vector<std::string> known = {"onnx", "litert", "litertlm", "mlx", "native", "all"};
  for (const std::string& b : r.backends) {
    if (!contains(known, b)) bad("unknown backend '" + b + "' (known: " + join(known) + ")");
    if (b != "all" && !contains(all_backends(), b)) {
      throw Exception(INHERENT_STATUS_UNSUPPORTED, "backend '" + b + "' is not in this build (available: " +
                                                       join(all_backends()) + ")");
    }
  }
  if (!contains({"float32", "float16", "int8"}, r.quantization)) {
    bad("unknown quantization '" + r.quantization + "' (float32, float16, int8)");
  }
  if (!contains(kDelegates, r.delegate)) bad("unknown delegate '" + r.delegate + "' (" + join(kDelegates) + ")");
  if (r.frames != "dynamic" && r.frames != "both" && r.frames != std::to_string(INHERENT_MAX_FRAMES)) {
    bad("--frames must be dynamic or " + std::to_string(INHERENT_MAX_FRAMES) + " (got '" + r.frames + "')");
  }
}

std::vector<WrittenFile> run_export(const ExportModel& m, const ExportRequest& r) {
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
    if (b == "native") export_native_backend(m, r, &written);
  }
  return written;
}

}  // namespace inherent::exporter
