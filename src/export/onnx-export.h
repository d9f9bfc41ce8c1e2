// SPDX-License-Identifier: Apache-2.0
//
// ONNX exporter: writes the Conformer of arch.h as an ONNX graph (opset 17) with
// protobuf against libonnx's schema, then runs onnx::checker::check_model and strict
// shape inference on it before returning the bytes.
//
// Graph contract:
//   input  mel_spectrogram  float32 [batch, frames, 128]  (batch and frames dynamic, or
//                                                           [1, 3000, 128] when fixed)
//   output intent_output    float32 [batch, 13]           sigmoid scores in head order
// The padding mask is computed inside the graph from the input (a frame of 128 exact
// zeros is padding), so a clip scores the same alone, in a zero-padded batch, or
// zero-padded to 3000 frames. Positions are computed in float64 inside the graph and
// rounded to float32, as the contract says, so any frame count works.
//
// Initializers keep the arch.h names; a Linear weight is stored transposed for MatMul
// under "<module>.weight_t" ([in, out]).
#pragma once

#include <cstdint>
#include <string>

#include "export/export-model.h"
#include "export/metadata.h"

namespace inherent::exporter {

constexpr int kOnnxOpset = 17;

struct OnnxOptions {
  int64_t frames = -1;  // -1: dynamic frames and batch; > 0: fixed [1, frames, 128]
};

struct OnnxArtifact {
  std::string bytes;  // serialized ModelProto
  ArtifactInfo info;  // tensors, size, digest (file left for the caller to name)
  int n_nodes = 0;
};

// Builds, checks and serializes the graph. Throws Exception(INTERNAL) when the
// checker or shape inference rejects it (a bug in this exporter), naming what failed.
OnnxArtifact export_onnx(const ExportModel& m, const OnnxOptions& options = {});

}  // namespace inherent::exporter
