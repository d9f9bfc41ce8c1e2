// SPDX-License-Identifier: Apache-2.0
// The stream API driven by an arbitrary call sequence: each byte is one call (low 3 bits)
// and its argument (high 5 bits): accept a chunk of voiced sound, of silence, or of
// nothing; read one result or all; input_finished; reset. The stream must keep its
// contract whatever the order: statuses as documented (accept after input_finished is
// INVALID_STATE until reset, scores with nothing ready is INVALID_STATE), results in
// time order within one run, finite scores in [0, 1], and no result from a run that
// heard no samples.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz-tiny-model.h"

namespace {

const std::vector<float>& voiced() {
  static const std::vector<float> x = [] {
    std::vector<float> v(16000);
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = 0.3f * static_cast<float>(
                        std::sin(0.06 * static_cast<double>(i)) +
                        0.5 * std::sin(0.0021 * static_cast<double>(i % 4000) * static_cast<double>(i % 97)));
    return v;
  }();
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  inherent_stream_params p = inherent_stream_default_params();
  p.window_ms = 400;
  p.hop_ms = 100;
  p.max_pending = 1 + (data[0] & 7);  // small: slow readers must skip with a count
  p.smoothing = 1 + (data[0] >> 5);
  inherent_stream* s = nullptr;
  if (inherent_stream_init(inherent::fuzz::tiny_model(), &p, &s) != INHERENT_STATUS_OK) std::abort();
  const std::vector<float> silence(16000, 0.0f);
  bool finished = false, heard = false;
  double last_end = 0;
  size_t at = 0;  // position in the voiced signal
  auto read_one = [&] {
    inherent_stream_result r;
    const bool ready = inherent_stream_ready(s) > 0;
    const inherent_status st = inherent_stream_scores(s, &r);
    if (st != (ready ? INHERENT_STATUS_OK : INHERENT_STATUS_INVALID_STATE)) std::abort();
    if (!ready) return false;
    if (!heard) std::abort();
    inherent::fuzz::check_result(r);
    if (r.end_s < last_end) std::abort();
    last_end = r.end_s;
    return true;
  };
  for (size_t i = 1; i < size && i < 512; ++i) {
    const unsigned op = data[i] & 7, arg = data[i] >> 3;
    switch (op) {
      case 0:
      case 1: {  // accept voiced sound or silence, arg * 97 samples
        const size_t n = std::min<size_t>(arg * 97u, 16000);
        const float* src = op == 0 ? voiced().data() + (at % 8000) : silence.data();
        at += n;
        const inherent_status st = inherent_stream_accept(s, src, n);
        if (st != (finished ? INHERENT_STATUS_INVALID_STATE : INHERENT_STATUS_OK)) std::abort();
        if (!finished && n > 0) heard = true;
        break;
      }
      case 2:  // accept nothing, with and without a pointer
        if (inherent_stream_accept(s, arg & 1 ? silence.data() : nullptr, 0) !=
            (finished ? INHERENT_STATUS_INVALID_STATE : INHERENT_STATUS_OK))
          std::abort();
        break;
      case 3:
        read_one();
        break;
      case 4:
        while (read_one()) {
        }
        break;
      case 5:
        if (inherent_stream_input_finished(s) != INHERENT_STATUS_OK) std::abort();
        finished = true;
        break;
      case 6:
        if (inherent_stream_reset(s) != INHERENT_STATUS_OK) std::abort();
        if (inherent_stream_ready(s) != 0) std::abort();
        finished = heard = false;
        last_end = 0;
        break;
      default:  // the ready count never exceeds what the reader may hold
        if (inherent_stream_ready(s) > p.max_pending + (finished ? 1u : 0u)) std::abort();
        break;
    }
  }
  inherent_stream_free(s);
  return 0;
}
