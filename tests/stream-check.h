// SPDX-License-Identifier: Apache-2.0
//
// The stream contract for families whose windows run whole (whisper, ensemble): every
// result of a stream over some audio equals, bit for bit, the session's score of the
// same log-mel frames (docs/engine.md, "Streams").
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "inherent/inherent.hpp"

namespace inherent::test {

// Streams x through `model` (window and hop in ms, every result kept) and checks each
// result against the session. Returns (results, results the model scored: gate != 0).
inline std::pair<size_t, size_t> expect_stream_equals_session(const Model& model, const std::vector<float>& x,
                                                              int window_ms, int hop_ms) {
  inherent_frontend_params fp = inherent_frontend_default_params();
  fp.max_frames = 0;
  const Mel all = mel(x.data(), x.size(), fp);
  inherent_stream_params p = inherent_stream_default_params();
  p.window_ms = window_ms, p.hop_ms = hop_ms, p.max_pending = 1000;
  Stream stream(model, p);
  stream.accept(x.data(), x.size());
  stream.input_finished();
  Session session(model);
  size_t n = 0, scored = 0;
  for (const inherent_stream_result& r : stream.results()) {
    const int64_t first = std::llround(r.start_s / 0.02), end = std::llround(r.end_s / 0.02);
    const Scores want = session.score_mel(all.data.data() + first * INHERENT_N_MELS, end - first);
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      EXPECT_EQ(r.scores[h], want[h]) << "result " << n << " head " << h;
    scored += r.scores[0] != 0.0f;
    ++n;
  }
  return {n, scored};
}

}  // namespace inherent::test
