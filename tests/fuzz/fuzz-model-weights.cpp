// SPDX-License-Identifier: Apache-2.0
// Valid-but-wrong weights: a good `tiny` package whose tensor data the fuzzer overwrites
// (offset into the data in bytes 0..2, new bytes after). Its metadata rides inside the
// safetensors header (no separate sidecar, so no digest to check), so the damage reaches
// the numbers: NaN, inf, huge or denormal weights. (fuzz-model-package fuzzes the header.)
// Loading must either fail with a message or give a model whose scores are finite in
// [0, 1] or refused as INVALID_MODEL (non-finite outputs are an error naming the model,
// never a score).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz-tiny-model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::string bytes = inherent::fuzz::tiny_package_bytes();
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  const size_t body = 8 + static_cast<size_t>(header);  // tensor data starts here
  const size_t span = bytes.size() - body;
  const size_t offset = body + ((size_t{data[0]} | size_t{data[1]} << 8 | size_t{data[2]} << 16) % span);
  const size_t n = std::min(size - 3, bytes.size() - offset);
  std::memcpy(bytes.data() + offset, data + 3, n);

  inherent_model* model = nullptr;
  if (inherent_model_init_from_memory(bytes.data(), bytes.size(), nullptr, 0, nullptr, &model) !=
      INHERENT_STATUS_OK) {
    if (std::strlen(inherent_last_error()) == 0) std::abort();
    return 0;
  }
  inherent_session* session = nullptr;
  if (inherent_session_init(model, nullptr, &session) != INHERENT_STATUS_OK) std::abort();
  std::vector<float> x(8000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25f * static_cast<float>((i * 37) % 200) / 200.0f - 0.12f;
  float scores[INHERENT_N_HEADS];
  const inherent_status st = inherent_session_score_audio(session, x.data(), x.size(), scores);
  if (st == INHERENT_STATUS_OK) {
    for (float v : scores)
      if (!(v >= 0.0f && v <= 1.0f)) std::abort();
  } else if (st != INHERENT_STATUS_INVALID_MODEL || std::strlen(inherent_last_error()) == 0) {
    std::abort();
  }
  inherent_session_free(session);
  inherent_model_free(model);
  return 0;
}
