// SPDX-License-Identifier: Apache-2.0
#include "npy.h"

#include <cstring>

#include "files.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

static_assert(sizeof(float) == 4, "float32 expected");
constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ": not a float32 .npy file (" + what + ")");
}

}  // namespace

std::string npy_encode(const float* data, const std::vector<size_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  size_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    dict += shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : "");
    count *= shape[i];
  }
  dict += "), }";
  // Header (magic 6 + version 2 + length 2 + dict) padded with spaces to a multiple of 64, ending in \n.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(reinterpret_cast<const char*>(data), count * sizeof(float));
  return out;
}

void write_npy(const std::string& path, const float* data, const std::vector<size_t>& shape) {
  write_file_atomic(path, npy_encode(data, shape));
}

NpyArray npy_decode(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) bad(path, "bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) bad(path, "truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    bad(path, "unknown version " + std::to_string(major));
  }
  if (header_len > bytes.size() - offset) bad(path, "truncated header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;
  if (header.find("'descr': '<f4'") == std::string::npos) bad(path, "dtype is not little-endian float32");
  if (header.find("'fortran_order': False") == std::string::npos) bad(path, "Fortran order");
  const size_t s = header.find("'shape': (");
  if (s == std::string::npos) bad(path, "no shape");
  const size_t e = header.find(')', s);
  if (e == std::string::npos) bad(path, "bad shape");
  NpyArray arr;
  size_t count = 1;
  const std::string dims = header.substr(s + 10, e - (s + 10));
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    size_t end = pos, v = 0;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9') {
      if (v > (size_t{1} << 40)) bad(path, "dimension too large");
      v = v * 10 + static_cast<size_t>(dims[end] - '0');
      ++end;
    }
    if (end == pos) bad(path, "bad shape");
    arr.shape.push_back(v);
    if (v != 0 && count > (size_t{1} << 40) / v) bad(path, "array too large");
    count *= v;
    pos = end;
  }
  if (bytes.size() - offset != count * sizeof(float)) bad(path, "data size does not match shape");
  arr.data.resize(count);
  if (count) std::memcpy(arr.data.data(), bytes.data() + offset, count * sizeof(float));
  return arr;
}

NpyArray read_npy(const std::string& path) { return npy_decode(read_file(path), path); }

}  // namespace inherent
