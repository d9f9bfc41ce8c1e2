// SPDX-License-Identifier: Apache-2.0
//
// The one log-mel frontend of inherent (docs/frontend.md is the specification).
// Training, the native engine, the Python module and the WebAssembly build all call
// this code, so training features equal runtime features by construction.
//
// Shapes: T frames, M = 128 mel bins; outputs are row-major [T, M] float32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inherent {

inline constexpr int kSampleRate = 16000;
inline constexpr int kNMels = 128;
inline constexpr int kWinLength = 400;  // 25 ms
inline constexpr int kHopLength = 320;  // 20 ms
inline constexpr int kNFft = 1024;
inline constexpr int kNBins = kNFft / 2 + 1;  // 513 one-sided FFT bins
inline constexpr size_t kMaxFrames = 3000;    // 60 s
inline constexpr double kFMin = 20.0;
inline constexpr double kFMax = 8000.0;
inline constexpr float kLogFloor = 1e-8f;

// HTK mel scale (docs/frontend.md): 2595 log10(1 + f / 700).
double hz_to_mel(double hz);
double mel_to_hz(double mel);
// Edge i (0..kNMels+1) of the filterbank: kNMels + 2 points evenly spaced in mel from
// kFMin to kFMax; filter m rises from edge m, peaks at edge m + 1, falls to edge m + 2.
double mel_edge_hz(int i);

// Frames for a clip of n_samples: max(1, ceil(n / 320)), capped at max_frames
// (0 = no cap).
size_t mel_n_frames(size_t n_samples, size_t max_frames);

// Index of the first NaN/Inf sample, or n when all are finite.
size_t find_non_finite(const float* samples, size_t n);

// Immutable tables (window, FFT twiddles, sparse filterbank) shared by all callers.
// All methods are const and thread-safe.
class LogMel {
 public:
  static const LogMel& get();

  // One frame. window: the 400 samples starting at the frame (zeros past the end of
  // the clip). out: [128].
  void frame(const float* window, float* out) const;

  // Batch: frames [0, n_frames) of samples [n]. out: [n_frames, 128]. Frames past
  // the end see zeros, exactly as the streaming path does.
  void compute(const float* samples, size_t n, size_t n_frames, float* out) const;

  // Filterbank access (tests, exporters that embed the filterbank).
  struct Filter {
    int first_bin;               // first FFT bin with non-zero weight
    std::vector<float> weights;  // weights of bins first_bin, first_bin + 1, ...
  };
  const std::vector<Filter>& filters() const { return filters_; }
  const std::vector<double>& window() const { return window_; }

 private:
  LogMel();
  void power_spectrum(const float* window, double* power) const;  // power: [513]

  std::vector<double> window_;      // [400] symmetric Hann
  std::vector<double> twiddle_re_;  // [256] e^{-2 pi i k / 512}
  std::vector<double> twiddle_im_;
  std::vector<double> split_re_;  // [257] e^{-2 pi i k / 1024}, real-FFT post-processing
  std::vector<double> split_im_;
  std::vector<uint16_t> bitrev_;  // [512]
  std::vector<Filter> filters_;   // [128]
};

// Streaming frontend: push samples in chunks of any size, pop frames as they become
// ready. Frames are bit-identical to LogMel::compute on the concatenated samples.
// History is bounded: only the samples of the next unfinished window are kept.
class MelStream {
 public:
  MelStream() = default;

  // Appends samples; computes every frame whose window is complete.
  void accept(const float* samples, size_t n);
  // Emits the remaining zero-padded frames so the total is mel_n_frames(received, 0).
  void finish();
  bool finished() const { return finished_; }

  size_t frames_ready() const { return (frames_.size() / kNMels) - read_frame_; }
  size_t frames_emitted() const { return next_frame_; }
  size_t samples_received() const { return received_; }
  // Copies up to max_frames frames to out [max_frames, 128]; returns the count.
  size_t pop(float* out, size_t max_frames);
  void reset();

 private:
  void emit_frame(const float* window);

  std::vector<float> pending_;  // samples from absolute index pending_start_ onwards
  size_t pending_start_ = 0;
  size_t received_ = 0;
  size_t next_frame_ = 0;
  bool finished_ = false;
  std::vector<float> frames_;  // [ready, 128], frames before read_frame_ already popped
  size_t read_frame_ = 0;
};

}  // namespace inherent
