// SPDX-License-Identifier: Apache-2.0
//
// safetensors reader and writer with no dependencies beyond the project's JSON reader
// (json.h; no exceptions, no file access), so the native engine, the WebAssembly module
// and mobile builds use the same code as the trainer and the exporters.
//
// File layout (all integers little-endian):
//   u64 N                 header size in bytes
//   N bytes               JSON object, UTF-8, may end in spaces (padding):
//                           {"__metadata__": {"key": "value", ...},        (optional)
//                            "name": {"dtype": "F32", "shape": [2, 3],
//                                     "data_offsets": [begin, end]}, ...}
//   data                  the tensors; offsets are relative to the start of data
//
// The reader validates everything before it returns a view: header size, JSON syntax,
// duplicate keys, known dtype, shape and offsets as non-negative integers below 2^53
// (JSON numbers are read as doubles, exact only up to there), byte size
// = numel * dtype size without overflow, every range inside the data, no two ranges
// overlapping and no unused bytes between them (the format requires the tensors to
// fill the data exactly). Messages name the key at fault. It never reads outside
// [bytes, bytes + n).
//
// Usage:
//   inherent::Safetensors st;
//   std::string error;
//   if (inherent::safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) ...
//   std::vector<float> w(256 * 128);
//   if (inherent::safetensors_read_f32(st, "head.weight", {13, 256}, w.data(), &error) != ...) ...
//
// Lifetimes: a Safetensors value points into the caller's bytes, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inherent/inherent.h"

namespace inherent {

enum class DType : uint8_t {
  BOOL,
  U8,
  I8,
  F8_E5M2,
  F8_E4M3,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  I64,
  U64,
  F64
};

size_t dtype_size(DType dtype);       // bytes per element
const char* dtype_name(DType dtype);  // "F32", as in the file
bool dtype_from_name(std::string_view name, DType* out);

// Header limit: a larger header is treated as corrupt rather than allocated.
constexpr uint64_t kSafetensorsMaxHeader = 100u * 1024 * 1024;
// Rank limit (the model has rank <= 3; other files rarely exceed 5).
constexpr size_t kSafetensorsMaxRank = 16;

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the parsed bytes; not necessarily aligned
  size_t n_bytes = 0;
  size_t begin = 0;  // offset in the data section

  int64_t numel() const;
};

struct Safetensors {
  std::vector<TensorView> tensors;                            // header order
  std::vector<std::pair<std::string, std::string>> metadata;  // header order
  size_t header_size = 0;                                     // N

  // nullptr when absent.
  const TensorView* find(std::string_view name) const;
  const std::string* find_metadata(std::string_view key) const;
};

// Parses and validates bytes[0, n). On failure returns INHERENT_STATUS_INVALID_MODEL
// (INHERENT_STATUS_INVALID_ARGUMENT for null pointers) and sets *error; *out is then
// left empty.
[[nodiscard]] inherent_status safetensors_parse(const void* bytes, size_t n, Safetensors* out,
                                                std::string* error);

// Copies tensor `name` into out[numel]. It must exist, be F32 and have exactly
// `shape`; otherwise INHERENT_STATUS_INVALID_MODEL with a message naming the key.
[[nodiscard]] inherent_status safetensors_read_f32(const Safetensors& st, std::string_view name,
                                                   const std::vector<int64_t>& shape, float* out,
                                                   std::string* error);

// One tensor to write; data holds numel * dtype_size(dtype) bytes in C order.
struct TensorData {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
};

// The bytes of a safetensors file holding tensors in the given order, with the header
// padded by spaces so the data starts 8-byte aligned. Fails (INVALID_ARGUMENT, message
// naming the key) on empty, duplicate or reserved names, negative dims, null data.
[[nodiscard]] inherent_status safetensors_encode(
    const std::vector<TensorData>& tensors, const std::vector<std::pair<std::string, std::string>>& metadata,
    std::string* out, std::string* error);

}  // namespace inherent
