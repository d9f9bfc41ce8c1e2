// SPDX-License-Identifier: Apache-2.0
//
// NumPy .npy (format 1.0, little-endian float32, C order): the format of mel caches
// and `inherent mel` output, readable by numpy.load without conversion.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace inherent {

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<float> data;
};

// The bytes of a .npy file holding data with the given shape.
std::string npy_encode(const float* data, const std::vector<size_t>& shape);

// Writes atomically (temp + rename).
void write_npy(const std::string& path, const float* data, const std::vector<size_t>& shape);

// Reads a little-endian float32 C-order .npy; anything else throws naming the file.
NpyArray read_npy(const std::string& path);
NpyArray npy_decode(const std::string& bytes, const std::string& path);

}  // namespace inherent
