// SPDX-License-Identifier: Apache-2.0
//
// TFLite / LiteRT exporter: ExportModel -> .tflite bytes in one precision, plus what the
// metadata sidecar says about them (tensor indices, signature, delegate preflight).
//
// Precisions (file names as `inherent export` writes them):
//   float32     model.tflite          float32 weights and compute
//   float16     model_fp16.tflite     float16 weights widened by DEQUANTIZE, float32 compute
//   int8        model_int8.tflite     int8 per-channel weights of FULLY_CONNECTED / CONV_2D /
//                                     DEPTHWISE_CONV_2D, float activations (dynamic range)
//   int8-full   model_int8_full.tflite  int8 weights and activations, ranges calibrated on
//                                     log-mels from a manifest; float32 input and output
//   int16x8     model_int16x8.tflite  as int8-full with int16 activations (symmetric), int8
//                                     weights, int64 biases (the 16x8 scheme of NPUs/DSPs)
// Frames: the input is [1, 3000, 128]; with dynamic frames its signature is [1, -1, 128]
// (resize the input to [1, T, 128], T <= 3000, then allocate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/export-model.h"
#include "export/metadata.h"
#include "export/tflite-delegates.h"
#include "export/tflite-graph.h"

namespace inherent::exporter {

struct TfliteOptions {
  std::string precision = "float32";  // float32 | float16 | int8 | int8-full | int16x8
  int32_t frames = 3000;
  bool dynamic_frames = true;
  std::string delegate = "cpu";
  // int8-full, int16x8: calibration log-mels, each [T, 128] (T <= frames).
  std::vector<std::vector<float>> calibration;
};

struct TfliteArtifact {
  std::string bytes;
  ArtifactInfo info;
  tfl::Preflight preflight;
  std::vector<std::pair<std::string, int>> ops;  // operator histogram
};

TfliteArtifact export_tflite(const ExportModel& m, const TfliteOptions& options);

// The file name for a precision ("model.tflite", "model_fp16.tflite", ...).
std::string tflite_file_name(const std::string& precision);

}  // namespace inherent::exporter
