// SPDX-License-Identifier: Apache-2.0
//
// The project's deterministic randomness and string hashing, one of each, the same
// numbers on every platform (std distributions are not specified bit for bit):
//   fnv1a64     FNV-1a 64 over bytes, from a given start value
//   splitmix64  a 64-bit mixer, and the seeding sequence of the generator
//   Xoshiro256  xoshiro256** seeded through splitmix64: uniform doubles, bounded ints
// Header-only; no dependencies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace inherent {

inline constexpr uint64_t kFnv64Prime = 1099511628211ull;
// The FNV-1a 64 offset basis, 14695981039346656037.
inline constexpr uint64_t kFnv64OffsetBasis = 0xcbf29ce484222325ull;
// The start value of the project's cache names and seed tags (mel caches, synth clip
// keys, training hashes): the offset basis with its last decimal digit dropped. It mixes
// as well as the basis; it stays because every cache name and rendered corpus depends
// on it (tests/test-random.cpp pins values).
inline constexpr uint64_t kCacheHashStart = 1469598103934665603ull;

// FNV-1a 64 of `bytes`, continuing from `h`.
constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t h = kCacheHashStart) {
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * kFnv64Prime;
  return h;
}

// splitmix64: advances `state` by the golden gamma and returns its mix.
constexpr uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The mix of x (one splitmix64 step from state x).
constexpr uint64_t splitmix64(uint64_t x) { return splitmix64_next(x); }

class Xoshiro256 {
 public:
  constexpr explicit Xoshiro256(uint64_t seed = 0) {
    for (uint64_t& s : s_) s = splitmix64_next(seed);
  }
  constexpr uint64_t next() {  // xoshiro256**
    const uint64_t result = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // [0, n); 0 when n == 0. Modulo bias < n / 2^64.
  constexpr size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }

 private:
  static constexpr uint64_t rotl(uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }
  uint64_t s_[4] = {};
};

}  // namespace inherent
