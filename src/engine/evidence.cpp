// SPDX-License-Identifier: Apache-2.0
#include "evidence.h"

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

}  // namespace inherent::engine
