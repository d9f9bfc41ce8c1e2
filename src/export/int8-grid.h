// SPDX-License-Identifier: Apache-2.0
//
// The int8 weight grid of the integer exports. Integer TFLite models store every
// Linear and convolution weight as int8, symmetric, one scale per output channel
// (scale = max |w| / 127 over the channel), after the exporter has folded the affine
// part of a preceding LayerNorm into the Linear's input columns (W' = W diag(gamma)).
// Rounding to that grid is where their scores drift from the float model.
//
// snap_to_int8_grid rounds a model's weights onto that grid once, in the folded form,
// and writes them back unfolded: W = round(W' / s) * s / gamma. An integer export of
// the snapped model then stores exactly the float model's weights, so its parity with
// the float model no longer includes weight rounding (activations still round). Per
// output channel factors the exporter adds (the attention scale on q, the 0.5 of the
// half-step FFNs) scale a whole channel and its scale together, so the grid holds.
//
// Usage:
//   ExportModel m = load_weights("run/best");
//   const GridReport r = snap_to_int8_grid(m);   // then encode_weights(m) or export it
#pragma once

#include <string>
#include <vector>

#include "export/export-model.h"

namespace inherent::exporter {

// The LayerNorm whose gamma the exporters fold into `module`'s input columns, or "":
// blocks.i.ffn{1,2}.up <- .ffn{1,2}.norm, blocks.i.attn.qkv <- .attn.norm,
// blocks.i.conv.pointwise1 <- .conv.norm1. The TFLite graph builder folds by this too.
std::string folded_norm(const std::string& module);

// Whether an arch tensor becomes an int8 per-channel weight in integer exports: every
// `*.weight` of rank 2 or more (Linear [O, I], Conv1d [O, C, K], depthwise [H, 1, K]).
bool on_int8_grid(const std::string& name, size_t rank);

struct GridReport {
  size_t tensors = 0;         // weights snapped
  size_t channels = 0;        // output channels snapped
  double max_abs_change = 0;  // largest |w_new - w_old|
  double max_rel_change = 0;  // largest |w_new - w_old| / max |w_old| of its channel
  double rms_rel_change = 0;  // root mean square of the same over all weights
};

// Snaps every on_int8_grid weight of m in place (float64 arithmetic, rounded once).
// Input columns whose gamma is 0 are left alone (the export multiplies them by 0).
// Idempotent up to float rounding: a snapped model snaps to itself.
GridReport snap_to_int8_grid(ExportModel& m);

// A snapped copy of a checkpoint: reads `checkpoint` (a folder or weights file, as
// load_weights), writes OUT_DIR/model.safetensors with the same tensors, order and
// metadata (plus `int8_grid`), the snapped weights as float32, and copies the folder's
// other files (trainer.json, ...). Written atomically; refuses to overwrite its input.
// *copied gets the names of the copied files when not null.
GridReport snap_checkpoint(const std::string& checkpoint, const std::string& out_dir,
                           std::vector<std::string>* copied = nullptr, std::string* weights_read = nullptr);

}  // namespace inherent::exporter
