// SPDX-License-Identifier: Apache-2.0
//
// The fast forward pass: a loaded model package with its weights packed for one kernel
// set (kernels/kernels.h), and the per-caller workspace it runs in. reference.h holds
// the plain forward these results are tested against.
//
//   std::unique_ptr<inherent::engine::Model> model;
//   inherent::engine::Model::create(std::move(package), inherent::kernels::kernels_best(), &model, &error);
//   inherent::engine::Workspace ws;               // one per thread; reused, grows once
//   float logits[13];
//   inherent::engine::forward(*model, ws, mel, n_frames, logits, &error);
//
// (namespace engine: the public inherent::Model / Session / Stream are the C++ wrapper
// of the C ABI, include/inherent/inherent.hpp.)
//
// Cost follows the input: trailing padding (all-zero frames) is dropped before any
// work, so a 1 s clip zero-padded to 60 s costs 1 s. The result equals the full padded
// computation because padded steps never reach a valid one (arch.h masks them before
// every temporal mixing).
//
// Shape letters: T input frames, T1 = ceil(T / 2), T2 = ceil(T1 / 2) encoder steps,
// M mel bins, H hidden, F ffn, O outputs, dh = H / n_heads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/model-package.h"
#include "engine/thread-pool.h"

namespace inherent::engine {

struct PackedBlock {
  std::vector<float> ffn1_norm_w, ffn1_norm_b, attn_norm_w, attn_norm_b, conv_norm1_w, conv_norm1_b;
  std::vector<float> conv_norm2_w, conv_norm2_b, ffn2_norm_w, ffn2_norm_b, norm_w, norm_b;
  kernels::PackedLinear ffn1_up, ffn1_down, qkv, out, pointwise1, pointwise2, ffn2_up, ffn2_down;
  std::vector<float> depthwise_w;  // [K, H] (transposed from [H, 1, K])
  std::vector<float> depthwise_b;  // [H]
};

// One Whisper block (arch.h, the whisper family): pre-norm attention and GELU ffn.
struct WhisperBlock {
  std::vector<float> attn_norm_w, attn_norm_b, ffn_norm_w, ffn_norm_b;
  kernels::PackedLinear qkv, out, up, down;
};

// The whisper family's weights (model-whisper.cpp).
struct WhisperWeights {
  kernels::PackedLinear bridge;  // [W, M] map of mel powers, zero bias
  float bridge_floor = 0.0f;
  kernels::PackedLinear conv1, conv2;  // im2col: k = 3 W and 3 H
  kernels::AlignedFloats positions;    // [kWhisperPositions, H]
  std::vector<WhisperBlock> blocks;
  std::vector<float> final_norm_w, final_norm_b, heads_norm_w, heads_norm_b;
  kernels::PackedLinear heads_proj, heads_score;  // [P, H], [O, P]
  std::vector<float> heads_weight, heads_bias;    // [O, P], [O]
};

// How the Conformer blocks' Linear layers compute. int8: weights int8 per output
// channel, activations 13-bit per time step (kernels.h), int32 sums; the LayerNorm in
// front of ffn up, qkv and pointwise1 is folded into their weights (W diag(gamma), b +
// W beta) so the values quantized are the normalized ones. The subsampling convolutions,
// attention products, depthwise convolution, pooling and head stay float32. A model
// snapped to the int8 grid (inherent snap) loses nothing in its weights this way.
enum class Precision { float32, int8 };

// Immutable after create(); share it between threads.
class Model {
 public:
  [[nodiscard]] static inherent_status create(ModelPackage package, const kernels::Kernels& kernels,
                                              std::unique_ptr<Model>* out, std::string* error,
                                              Precision precision = Precision::float32);

  const ModelConfig& config() const { return config_; }
  const ModelMetadata& metadata() const { return metadata_; }
  const kernels::Kernels& kernels() const { return *kernels_; }
  Precision precision() const { return precision_; }
  int64_t n_params() const { return n_params_; }
  // Longest input the positional table covers: kMaxFrames frames.
  int max_frames() const { return max_frames_; }

  // Weights (read by model.cpp's forward pass and stream.cpp).
  std::vector<float> mel_mean, mel_inv_std;  // [M]
  kernels::PackedLinear conv1, conv2;        // k = 3 M and 3 H (im2col: frame t-1 | t | t+1)
  std::vector<PackedBlock> blocks;
  std::vector<float> final_norm_w, final_norm_b, pool_w, head_w, head_b;  // pool_w [H], head_w [O, H]
  float pool_b = 0.0f;
  kernels::AlignedFloats positions;             // [max steps, H] sinusoids
  WhisperWeights whisper;                       // the whisper family's (the fields above stay empty)
  std::vector<std::unique_ptr<Model>> members;  // the ensemble family's (config().member_weights)

 private:
  Model() = default;
  ModelConfig config_;
  ModelMetadata metadata_;
  const kernels::Kernels* kernels_ = nullptr;
  Precision precision_ = Precision::float32;
  int64_t n_params_ = 0;
  int max_frames_ = 0;
};

// Scratch memory for one forward pass at a time. Buffers grow to the longest input
// seen and are reused: no allocation per call after that. With `threads`, GEMMs split
// their output panels over its threads (results are identical: each output element is
// computed by the same code whichever thread runs it).
struct Workspace {
  void reserve(const Model& model, int n_frames);
  int capacity_frames = -1;
  ThreadPool* threads = nullptr;  // not owned; nullptr = the caller's thread only

  kernels::AlignedFloats mel;                // [T + 2, M] normalized, zero rows before and after (im2col)
  kernels::AlignedFloats sub1;               // [T1 + 2, H] conv1 output with zero rows around
  kernels::AlignedFloats x;                  // [T2, H] the residual stream
  kernels::AlignedFloats h;                  // [T2, H] LayerNorm output / attention output
  kernels::AlignedFloats wide;               // [T2, max(F, 3 H)] ffn hidden, q|k|v
  kernels::AlignedFloats ctx;                // [T2, H] attention heads, concatenated
  kernels::AlignedFloats glu;                // [T2, H]
  kernels::AlignedFloats scores;             // [T2, T2]
  kernels::AlignedFloats packed;             // runtime-packed K^T or V of one head
  kernels::AlignedArray<int16_t> qa;         // [T2, max(F, H)] int8 precision: a GEMM's quantized input
  std::vector<float> qa_scale;               // [T2] its row scales
  std::vector<float> valid, valid1, valid2;  // [T], [T1], [T2]: 1 real, 0 padding
  std::vector<float> pool;                   // [T2]
  std::vector<float> pooled;                 // [H]
  // The whisper family (T steps = input frames): x, h, wide, ctx, scores, packed and
  // valid2 (all ones) as above, and these.
  kernels::AlignedFloats bridged;  // [2T + 2, W] Whisper's mel, zero rows around
  kernels::AlignedFloats stem1;    // [T, W] mapped powers, then [2T + 2, H] conv1 output
  kernels::AlignedFloats heads_z;  // [T, P]
  kernels::AlignedFloats heads_s;  // [T, O] pooling scores, then weights
  // The ensemble family: one workspace per member, and one member's logits.
  std::vector<Workspace> members;
  std::vector<float> member_logits;
};

// mel [n_frames, M] -> logits [O]. INVALID_ARGUMENT (message in *error) when no
// encoder step is valid (every frame 0, 4, 8, ... is padding) or the input is longer
// than model.max_frames() after trailing padding is dropped.
[[nodiscard]] inherent_status forward(const Model& model, Workspace& ws, const float* mel, int n_frames,
                                      float* logits, std::string* error);

// The stages, for the stream (which caches the subsampling of old frames):
// normalize_frame: one frame -> (x - mean) / std, or zeros for padding; returns valid.
// (The whisper family normalizes inside its bridge, an ensemble inside each member:
// the frame is copied as it is.)
float normalize_frame(const Model& model, const float* frame, float* out);
// A frame of m values that are all exactly 0: padding, not sound.
bool frame_is_padding(const float* frame, int m);
// encode: ws.x [t2, H] (subsampled, before positions) + ws.valid2 -> logits [O].
void encode(const Model& model, Workspace& ws, int t2, float* logits);

// The whisper family's parts of create(), reserve() and forward() (model-whisper.cpp).
// Its forward drops all-zero frames at both ends; mel has no padding inside by then.
void whisper_pack(const ModelPackage& package, const kernels::Kernels& kernels, Precision precision,
                  WhisperWeights* out);
void whisper_reserve(const Model& model, Workspace& ws, int n_frames);
void whisper_forward(const Model& model, Workspace& ws, const float* mel, int n_frames, float* logits);

// Sigmoid of logits, in float as every runtime computes it.
void sigmoid(const float* logits, int n, float* scores);

// Index of the first NaN/Inf among scores [13], or -1. Finite weights can still give a
// non-finite score (bytes flipped inside a tensor); callers treat it as a bad model.
int first_non_finite_score(const float* scores);
// "model small 0.3.0 gave a non-finite hasTimer... score: its weights are damaged ...".
std::string non_finite_score_message(const Model& model, int head);

}  // namespace inherent::engine
