// SPDX-License-Identifier: Apache-2.0
//
// The one head table (src/common/heads.h): the C ABI reports exactly its rows, and
// head_index finds a head by name or by threshold key, the same way everywhere.
#include <gtest/gtest.h>

#include <string>

#include "common/heads.h"
#include "inherent/inherent.h"

namespace inherent {
namespace {

TEST(Heads, TheCAbiReportsTheTable) {
  ASSERT_EQ(inherent_n_heads(), static_cast<int>(kHeadTable.size()));
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const HeadInfo& row = kHeadTable[static_cast<size_t>(h)];
    EXPECT_STREQ(inherent_head_name(h), row.name);
    EXPECT_STREQ(inherent_head_threshold_key(h), row.key);
    EXPECT_EQ(inherent_head_default_threshold(h), row.default_threshold);
  }
  EXPECT_STREQ(kHeadTable[0].name, "isInteresting");
  EXPECT_STREQ(kHeadTable[12].key, "has_start_timer_intent");
}

TEST(Heads, IndexByNameOrKey) {
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    EXPECT_EQ(head_index(kHeadTable[static_cast<size_t>(h)].name), h);
    EXPECT_EQ(head_index(kHeadTable[static_cast<size_t>(h)].key), h);
  }
  for (const char* unknown : {"", "isinteresting", "IS_INTERESTING", "hasTimer", "is_interesting "})
    EXPECT_EQ(head_index(unknown), -1) << unknown;
}

}  // namespace
}  // namespace inherent
