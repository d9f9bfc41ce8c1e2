// SPDX-License-Identifier: Apache-2.0
//
// Streaming scores: audio in chunks of any size, one result per hop over a sliding
// window, each equal to forward() on the same frames (tests/test-stream.cpp).
//
// Windows are on the 20 ms frame grid. Result k covers frames [max(0, E - W), E) with
// E = (k + 1) * hop: the W frames that end at the k-th hop boundary (fewer while the
// stream is younger than the window; with partial = false those are not reported). It
// is ready once frame E - 1 exists, i.e. 80 samples (5 ms) after the boundary. After
// finish(), a last result covers the frames past the last boundary, if any.
//
// What is incremental: the frontend computes each frame once; the two subsampling
// convolutions are cached per frame for every frame phase (a 100 ms hop moves the
// window by 5 frames, so successive windows start on all four phases of the stride-4
// grid), and only the one or two encoder steps at each window edge, whose receptive
// field crosses the edge, are recomputed per window. The Conformer blocks run on the
// whole window every hop: attention mixes all of it, so no exact result can reuse them.
//
// The whisper family caches nothing past the frontend: its stem has no padding mask and
// its bridge interpolates to the window's edges, so each window runs whole (forward()).
// So does an ensemble (arch.h): each member reads the whole window.
//
// Work happens in next() (the caller decides when); accept() only runs the frontend.
// History is bounded: at most max_pending results wait; older ones are skipped and
// counted in the next result's `skipped`, and frames no pending window needs are freed.
//
// Minimum evidence (evidence.h): a window with fewer than min_voiced_frames voiced
// frames scores 0 on every head without running the model, and a stream that received
// no samples has no flush result.
//
// Decisions: smoothed[i] is the mean of head i's scores over the last `smoothing`
// results (1 = the raw score). A head turns on when smoothed >= its package threshold
// and, with hysteresis h > 0, turns off only when smoothed < threshold - h. The gate
// rule holds throughout: an intent head (1..12) fires only while head 0 fires.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/model.h"
#include "frontend/log-mel.h"

namespace inherent::engine {

struct StreamConfig {
  int window_frames = 100;  // 2 s
  int hop_frames = 5;       // 100 ms
  int smoothing = 1;
  float hysteresis = 0.0f;
  int max_pending = 64;
  bool partial = true;         // report windows shorter than window_frames at the start
  int n_threads = 1;           // forward-pass threads (ThreadPool)
  int min_voiced_frames = 10;  // minimum evidence per window (evidence.h); 0 = off
};

struct StreamResult {
  int64_t first_frame = 0;  // window [first_frame, first_frame + n_frames)
  int n_frames = 0;
  float scores[INHERENT_N_HEADS] = {};
  float smoothed[INHERENT_N_HEADS] = {};
  uint32_t fired = 0;    // bit i: head i fires
  uint32_t skipped = 0;  // results dropped (backlog) right before this one
};

// Fires per head for scores (batch rule: score >= threshold, intents only with the gate).
uint32_t decide(const float* scores, const float* thresholds);

class Stream {
 public:
  // config must be valid (checked by the C ABI).
  Stream(const Model& model, const StreamConfig& config);

  void accept(const float* samples, size_t n);
  void finish();
  bool finished() const { return frontend_.finished(); }
  size_t samples_received() const { return frontend_.samples_received(); }
  // Results that next() can return now.
  size_t ready() const;
  // Computes the oldest ready result. False when none is ready.
  bool next(StreamResult* out);
  void reset();

 private:
  int64_t window_end(int64_t k) const;  // E of result k
  void pull_frames();
  void drop_backlog();
  void compact();
  void compute_sub1(int64_t upto);  // cache conv1 rows for frames < upto
  void compute_sub2(int64_t upto);  // cache conv2 rows for frames < upto
  // conv1 / conv2 output of the window [s, e) at a centre frame, with frames outside
  // the window read as zeros.
  void window_sub1(int64_t s, int64_t e, int64_t centre, float* out);
  void window_sub2(int64_t s, int64_t e, int64_t centre, float* out);
  float* mel_row(int64_t f) { return mel_.data() + static_cast<size_t>(f - base_) * m_; }
  float* sub1_row(int64_t f) { return sub1_.data() + static_cast<size_t>(f - base_) * h_; }
  float* sub2_row(int64_t f) { return sub2_.data() + static_cast<size_t>(f - base_) * h_; }
  float valid(int64_t f) const { return valid_[static_cast<size_t>(f - base_)]; }
  int64_t voiced_in(int64_t s, int64_t e) const;  // voiced frames in [s, e)
  // logits_ of the window [s, e) when it has a valid step and `voiced` (enough sound);
  // false (nothing computed past the caches) otherwise.
  bool window_logits(int64_t s, int64_t e, bool voiced);

  const Model& model_;
  StreamConfig config_;
  int m_, h_;  // h_ = 0: the whisper and ensemble families (no subsampling caches)
  MelStream frontend_;
  // Per-frame storage for absolute frames [base_, base_ + rows): normalized mel,
  // validity, conv1 output centred on the frame, conv2 output centred on the frame.
  int64_t base_ = 0;
  int64_t n_frames_ = 0;  // frames pulled from the frontend
  std::vector<float> mel_, valid_, sub1_, sub2_;
  std::vector<uint8_t> voiced_;            // 1: the raw frame is voiced (evidence.h)
  int64_t sub1_done_ = 0, sub2_done_ = 2;  // caches hold frames below these
  int64_t k_first_ = 0;                    // index of the first result reported
  int64_t next_k_ = 0;                     // index of the next result
  bool final_done_ = false;                // the flush result after finish() was returned
  uint32_t skipped_ = 0;
  std::unique_ptr<ThreadPool> pool_;
  Workspace ws_;
  std::vector<float> frame_, im2col_, row1_, logits_;
  std::deque<std::vector<float>> history_;  // last `smoothing` score vectors
  uint32_t on_ = 0;                         // hysteresis state per head
};

}  // namespace inherent::engine
