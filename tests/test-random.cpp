// SPDX-License-Identifier: Apache-2.0
//
// The one hash and generator (src/common/random.h), pinned: cache names, synth clip keys
// and corpora depend on these exact numbers. The expected values come from an
// independent implementation (Python integers), not from this code.
#include <gtest/gtest.h>

#include "common/random.h"
#include "data/augment.h"

namespace inherent {
namespace {

TEST(Random, Fnv1a64PublishedVectors) {
  EXPECT_EQ(fnv1a64("", kFnv64OffsetBasis), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a", kFnv64OffsetBasis), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar", kFnv64OffsetBasis), 0x85944171f73967e8ull);
  static_assert(kFnv64OffsetBasis == 14695981039346656037ull);
}

TEST(Random, CacheHashStartIsPinned) {
  static_assert(kCacheHashStart == 1469598103934665603ull);
  EXPECT_EQ(fnv1a64(""), 0x14650fb0739d0383ull);
  EXPECT_EQ(fnv1a64("clip:train"), 0x9e32cc897bfb1ac1ull);
  EXPECT_EQ(fnv1a64("/data/a.wav|123|456"), 0x5bf2111204507b73ull);
  // Continuing from a value hashes the concatenation.
  EXPECT_EQ(fnv1a64("|456", fnv1a64("/data/a.wav|123")), fnv1a64("/data/a.wav|123|456"));
}

TEST(Random, Splitmix64AndXoshiro256ArePinned) {
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64(7), 0x63cbe1e459320dd7ull);
  Xoshiro256 a(1);
  EXPECT_EQ(a.next(), 0xb3f2af6d0fc710c5ull);
  EXPECT_EQ(a.next(), 0x853b559647364ceaull);
  EXPECT_EQ(a.next(), 0x92f89756082a4514ull);
  Xoshiro256 b(0);
  EXPECT_EQ(b.next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(b.next(), 0xbf6e1f784956452aull);
  Xoshiro256 c(5);
  for (int i = 0; i < 1000; ++i) {
    const double u = c.uniform();
    ASSERT_TRUE(u >= 0.0 && u < 1.0);
    ASSERT_LT(c.below(7), 7u);
  }
  EXPECT_EQ(c.below(0), 0u);
}

TEST(Random, AugmentSeedsArePinned) { EXPECT_EQ(augment::mix_seed(7, "augment"), 0x1235f2b19000d974ull); }

}  // namespace
}  // namespace inherent
