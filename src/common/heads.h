// SPDX-License-Identifier: Apache-2.0
//
// The head table of include/inherent/heads.inc as one constexpr array, and the one
// lookup by name or threshold key. Every component reads heads through here (the C ABI's
// inherent_head_* functions too), so heads.inc is expanded once. Header-only: it builds
// everywhere the engine does (WebAssembly and mobile included).
#pragma once

#include <array>
#include <string_view>

#include "inherent/inherent.h"

namespace inherent {

struct HeadInfo {
  const char* name;         // "isInteresting"
  const char* key;          // "is_interesting" (threshold key of the metadata)
  float default_threshold;  // the seed threshold
};

inline constexpr std::array<HeadInfo, INHERENT_N_HEADS> kHeadTable = {{
#define INHERENT_HEAD(index, name, key, threshold) {#name, #key, threshold},
#include "inherent/heads.inc"
#undef INHERENT_HEAD
}};

// The index of the head whose name or threshold key is `name_or_key`; -1 when none.
constexpr int head_index(std::string_view name_or_key) {
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    if (name_or_key == kHeadTable[static_cast<size_t>(h)].name ||
        name_or_key == kHeadTable[static_cast<size_t>(h)].key)
      return h;
  return -1;
}

// The row of head `head`; nullptr when out of range. Every by-index accessor reads this.
constexpr const HeadInfo* head_info(int head) {
  return head >= 0 && head < INHERENT_N_HEADS ? &kHeadTable[static_cast<size_t>(head)] : nullptr;
}

static_assert(head_index("isInteresting") == 0 &&
              head_index("has_start_timer_intent") == INHERENT_N_HEADS - 1);

}  // namespace inherent
