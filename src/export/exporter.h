// SPDX-License-Identifier: Apache-2.0
//
// One export, as `inherent export` runs it: an ExportModel and a request in, a folder
// per backend out (DIR/<backend>/ with its artifact files and inherent.metadata.json).
// Every file is written atomically and the metadata last, so a folder with a sidecar
// holds a finished export.
//
// Usage:
//   inherent::exporter::ExportRequest r;
//   r.output_dir = "out/export";
//   r.backends = {"onnx", "native"};
//   for (const auto& f : inherent::exporter::run_export(model, r)) printf("%s\n", f.path.c_str());
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/export-model.h"

namespace inherent::exporter {

struct ExportRequest {
  std::string output_dir;
  std::vector<std::string> backends;  // onnx, litert, litertlm, mlx, native ("all" expands)
  // LiteRT precisions, comma-separated, the first one primary: float32 | float16 | int8 |
  // int16x8 (needs calibration_manifest); float32 is always written too. Others export float32.
  std::string quantization = "float32";
  std::string calibration_manifest;  // CSV of mel .npy files for full-integer int8 (LiteRT)
  std::string delegate = "cpu";      // recorded in the metadata; preflight per delegate (LiteRT)
  std::string frames = "both";       // dynamic | 3000 | both
  std::string python;                // for MLX's exported function ("" = $INHERENT_PYTHON or python3)
  std::string litert_lm_builder;     // ("" = $INHERENT_LITERT_LM_BUILDER, PATH, or beside the Python)
};

struct WrittenFile {
  std::string backend;
  std::string path;
  uint64_t size_bytes = 0;
  std::string note;  // "dynamic frames", "fixed [1, 3000, 128]", ...
};

// The backends "all" stands for, in export order.
const std::vector<std::string>& all_backends();

// Checks the request (known backends, quantization, delegate, frames) and throws
// Exception(INVALID_ARGUMENT) naming the bad value.
void check_request(const ExportRequest& r);

// Runs the export; returns what it wrote (metadata files included). Reports meant for
// the user (delegate preflight) are appended to *messages when given.
std::vector<WrittenFile> run_export(const ExportModel& m, const ExportRequest& r,
                                    std::vector<std::string>* messages = nullptr);

}  // namespace inherent::exporter
