// SPDX-License-Identifier: Apache-2.0
// A random-weight `tiny` model package (bytes and a loaded model), made once per fuzzer
// process: the stream and weights fuzzers need a valid model to start from.
#pragma once

#include <cstdlib>
#include <string>

#include "engine/model-package.h"
#include "inherent/inherent.h"

namespace inherent::fuzz {

// The package bytes (metadata embedded), seed fixed.
inline const std::string& tiny_package_bytes() {
  static const std::string bytes = [] {
    ModelConfig c;
    if (!arch_config_by_name("tiny", &c)) std::abort();
    std::string weights = random_package_bytes(c, package_default_info(), 17);
    if (weights.empty()) std::abort();
    return weights;
  }();
  return bytes;
}

inline const inherent_model* tiny_model() {
  static const inherent_model* model = [] {
    inherent_model* m = nullptr;
    const std::string& w = tiny_package_bytes();
    if (inherent_model_init_from_memory(w.data(), w.size(), nullptr, 0, nullptr, &m) != INHERENT_STATUS_OK)
      std::abort();
    return m;
  }();
  return model;
}

// A result the engine may return: finite scores in [0, 1], smoothed the same way.
inline void check_result(const inherent_stream_result& r) {
  if (!(r.start_s >= 0 && r.end_s > r.start_s)) std::abort();
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    if (!(r.scores[h] >= 0.0f && r.scores[h] <= 1.0f) || !(r.smoothed[h] >= 0.0f && r.smoothed[h] <= 1.0f))
      std::abort();
  if (r.fired >> INHERENT_N_HEADS) std::abort();
  if ((r.fired & ~1u) && !(r.fired & 1u)) std::abort();  // intents fire only with the gate
}

}  // namespace inherent::fuzz
