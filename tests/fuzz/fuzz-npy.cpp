// SPDX-License-Identifier: Apache-2.0
// .npy decoding: never crashes; an accepted array is consistent and re-encodes to itself.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host/npy.h"
#include "inherent/inherent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  inherent::NpyArray array;
  try {
    array = inherent::npy_decode(bytes, "fuzz.npy");
  } catch (const inherent::Exception&) {
    return 0;
  }
  size_t numel = 1;
  for (size_t d : array.shape) numel *= d;
  if (numel != array.data.size()) std::abort();
  const inherent::NpyArray back =
      inherent::npy_decode(inherent::npy_encode(array.data.data(), array.shape), "again.npy");
  if (back.shape != array.shape ||
      (!array.data.empty() &&
       std::memcmp(back.data.data(), array.data.data(), array.data.size() * sizeof(float)) != 0))
    std::abort();
  return 0;
}
