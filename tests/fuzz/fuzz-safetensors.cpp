// SPDX-License-Identifier: Apache-2.0
// safetensors parsing: never reads out of bounds; every accepted tensor lies inside the
// buffer with the byte size its dtype and shape imply.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  inherent::Safetensors st;
  std::string error;
  if (inherent::safetensors_parse(data, size, &st, &error) != INHERENT_STATUS_OK) {
    if (error.empty()) std::abort();
    return 0;
  }
  for (const auto& t : st.tensors) {
    const size_t expect = static_cast<size_t>(t.numel()) * inherent::dtype_size(t.dtype);
    if (t.n_bytes != expect) std::abort();
    if (t.n_bytes && (t.data < data || t.data + t.n_bytes > data + size)) std::abort();
    if (st.find(t.name) != &t) std::abort();
    if (t.dtype == inherent::DType::F32 && t.numel() <= (1 << 20)) {
      std::vector<float> out(static_cast<size_t>(t.numel()));
      if (inherent::safetensors_read_f32(st, t.name, t.shape, out.data(), &error) != INHERENT_STATUS_OK)
        std::abort();
    }
  }
  return 0;
}
