// SPDX-License-Identifier: Apache-2.0
//
// What the tests that make their own audio share: a 16-bit PCM mono WAV writer and the
// labelled tone clips the trainer and pipeline tests learn from (interesting clips carry
// a 1.2 kHz tone, the timer intent adds 2.5 kHz, the rest is a 300 Hz hum).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace inherent::test {

inline void write_wav(const std::string& path, const std::vector<float>& x, int rate = 16000) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const auto bytes = static_cast<uint32_t>(x.size() * 2);
  f.write("RIFF", 4), u32(36 + bytes), f.write("WAVEfmt ", 8), u32(16), u16(1), u16(1);
  u32(static_cast<uint32_t>(rate)), u32(static_cast<uint32_t>(rate * 2)), u16(2), u16(16);
  f.write("data", 4), u32(bytes);
  for (float v : x)
    u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767))));
}

// Clip i (0.3 .. 0.9 s at 16 kHz, its own noise) whose sound follows its labels.
inline std::vector<float> labelled_tone_clip(int i, bool gate, bool timer) {
  const size_t n = 4800 + static_cast<size_t>((i * 3203) % 9600);
  std::vector<float> x(n);
  uint32_t s = static_cast<uint32_t>(i) * 747796405u + 1;
  for (size_t k = 0; k < n; ++k) {
    s = s * 1664525u + 1013904223u;
    const double t = static_cast<double>(k) / 16000.0;
    double v = (static_cast<double>(s >> 8) / 16777216.0 - 0.5) * 0.02;
    v += gate ? 0.3 * std::sin(2 * M_PI * 1200 * t) : 0.3 * std::sin(2 * M_PI * 300 * t);
    if (timer) v += 0.2 * std::sin(2 * M_PI * 2500 * t);
    x[k] = static_cast<float>(v);
  }
  return x;
}

}  // namespace inherent::test
