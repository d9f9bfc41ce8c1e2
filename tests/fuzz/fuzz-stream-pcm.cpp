// SPDX-License-Identifier: Apache-2.0
// Raw PCM into a stream, as a microphone would deliver it. Byte 0 picks the stream's
// window, hop, smoothing and partial flag; byte 1 the chunk size; the rest is 16-bit
// little-endian samples. Every result must be finite scores in [0, 1] with decisions
// that follow the rule, and input within one LSB of digital silence never fires a head
// (the minimum-evidence rule: no signal, no wake).
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz-tiny-model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  inherent_stream_params p = inherent_stream_default_params();
  static constexpr uint32_t kWindows[] = {200, 600, 2000, 20}, kHops[] = {20, 100, 300, 60};
  p.window_ms = kWindows[data[0] & 3];
  p.hop_ms = kHops[(data[0] >> 2) & 3];
  p.smoothing = 1 + ((data[0] >> 4) & 3);
  p.partial = (data[0] >> 6) & 1;
  const size_t chunk = 1 + static_cast<size_t>(data[1]) * 13;
  std::vector<float> samples((size - 2) / 2);
  bool near_silent = true;
  for (size_t i = 0; i < samples.size(); ++i) {
    const int16_t v = static_cast<int16_t>(data[2 + 2 * i] | (data[3 + 2 * i] << 8));
    near_silent = near_silent && v >= -1 && v <= 1;
    samples[i] = static_cast<float>(v) / 32768.0f;
  }

  inherent_stream* s = nullptr;
  if (inherent_stream_init(inherent::fuzz::tiny_model(), &p, &s) != INHERENT_STATUS_OK) std::abort();
  size_t n_results = 0;
  auto drain = [&] {
    inherent_stream_result r;
    while (inherent_stream_ready(s) > 0) {
      if (inherent_stream_scores(s, &r) != INHERENT_STATUS_OK) std::abort();
      inherent::fuzz::check_result(r);
      if (near_silent && r.fired != 0) std::abort();
      for (float v : r.scores)
        if (near_silent && v != 0.0f) std::abort();
      ++n_results;
    }
  };
  for (size_t at = 0; at < samples.size(); at += chunk) {
    const size_t n = samples.size() - at < chunk ? samples.size() - at : chunk;
    if (inherent_stream_accept(s, samples.data() + at, n) != INHERENT_STATUS_OK) std::abort();
    drain();
  }
  if (inherent_stream_input_finished(s) != INHERENT_STATUS_OK) std::abort();
  drain();
  // A stream that heard samples ends with at least one result; one that heard none, with none.
  if ((samples.empty()) != (n_results == 0)) std::abort();
  inherent_stream_free(s);
  return 0;
}
