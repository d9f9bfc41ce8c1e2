// SPDX-License-Identifier: Apache-2.0
// Encoded audio (WAV/FLAC/OGG... through libsndfile) -> mono 16 kHz -> log-mels.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    inherent::AudioData audio = inherent::read_audio_memory(data, size, "fuzz-input");
    if (audio.samples.empty()) std::abort();  // the reader promises at least one sample
    // Mel of the first second only: the frontend itself is not the target here.
    const size_t n = std::min<size_t>(audio.samples.size(), 16000);
    inherent_frontend_params params = inherent_frontend_default_params();
    size_t frames = 0;
    if (inherent_mel_n_frames(n, &params, &frames) != INHERENT_STATUS_OK) std::abort();
    std::vector<float> mel(frames * INHERENT_N_MELS);
    size_t written = 0;
    if (inherent_mel_compute(audio.samples.data(), n, &params, mel.data(), frames, &written) !=
        INHERENT_STATUS_OK)
      std::abort();
    for (float v : mel)
      if (!std::isfinite(v)) std::abort();
  } catch (const inherent::Exception&) {
    // A clear error is the expected outcome for most inputs.
  }
  return 0;
}
