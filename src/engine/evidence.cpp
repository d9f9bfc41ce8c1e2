// SPDX-License-Identifier: Apache-2.0
#include "evidence.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "frontend/log-mel.h"

namespace inherent::engine {

bool frame_is_voiced(const float* frame, int n_mels) {
  bool loud = false, padding = true;  // a frame of exact zeros is padding, not sound
  for (int i = 0; i < n_mels; ++i) {
    loud = loud || frame[i] >= kVoicedLogMelFloor;
    padding = padding && frame[i] == 0.0f;
  }
  return loud && !padding;
}

size_t count_voiced_frames(const float* mel, size_t n_frames, int n_mels) {
  size_t n = 0;
  for (size_t f = 0; f < n_frames; ++f)
    n += frame_is_voiced(mel + f * static_cast<size_t>(n_mels), n_mels) ? 1 : 0;
  return n;
}

size_t min_voiced_frames(unsigned min_voiced_ms) {
  const unsigned frame_ms = 1000u * kHopLength / kSampleRate;  // 20
  return (min_voiced_ms + frame_ms - 1) / frame_ms;
}

namespace {

// Mel bins whose centre (peak) lies in the speech band: [first, last).
std::pair<int, int> speech_band_bins() {
  constexpr double kLowHz = 250.0, kHighHz = 4000.0;
  int first = kNMels, last = 0;
  for (int k = 0; k < kNMels; ++k) {
    const double centre = mel_edge_hz(k + 1);
    if (centre >= kLowHz && centre <= kHighHz) first = std::min(first, k), last = k + 1;
  }
  return {first, last};
}

// Speech-band power of each frame, smoothed over 3 frames, in dB.
std::vector<double> band_db(const float* mel, size_t n, int n_mels) {
  const auto [first, last] = speech_band_bins();
  std::vector<double> power(n, 0.0), db(n);
  for (size_t f = 0; f < n; ++f)
    for (int k = first; k < last; ++k) power[f] += std::exp(static_cast<double>(mel[f * n_mels + k]));
  for (size_t f = 0; f < n; ++f) {
    const size_t a = f > 0 ? f - 1 : 0, b = std::min(n - 1, f + 1);
    double sum = 0.0;
    for (size_t i = a; i <= b; ++i) sum += power[i];
    db[f] = 10.0 * std::log10(sum / static_cast<double>(b - a + 1) + 1e-30);
  }
  return db;
}

size_t unpadded_frames(const float* mel, size_t n_frames, int n_mels) {
  while (n_frames > 0) {
    const float* frame = mel + (n_frames - 1) * static_cast<size_t>(n_mels);
    if (std::any_of(frame, frame + n_mels, [](float v) { return v != 0.0f; })) break;
    --n_frames;
  }
  return n_frames;
}

}  // namespace

std::pair<size_t, size_t> speech_span(const float* mel, size_t n_frames, int n_mels) {
  const size_t n = unpadded_frames(mel, n_frames, n_mels);
  if (n < 3) return {0, n};
  const std::vector<double> db = band_db(mel, n, n_mels);
  std::vector<double> sorted = db;
  std::sort(sorted.begin(), sorted.end());
  const double floor = sorted[(n - 1) / 10];
  const size_t top = std::max<size_t>(1, n / 10);
  double loud = 0.0;
  for (size_t i = n - top; i < n; ++i) loud += sorted[i];
  loud /= static_cast<double>(top);
  if (loud - floor < 6.0) return {0, n};
  const double threshold = std::max(floor + 0.5 * (loud - floor), loud - 40.0);
  size_t first = 0, last = n - 1;
  while (db[first] < threshold) ++first;  // the loudest frame is above it: both stop
  while (db[last] < threshold) --last;
  const size_t margin = kSpeechSpanMarginFrames;
  return {first > margin ? first - margin : 0, std::min(n, last + 1 + margin)};
}

}  // namespace inherent::engine
