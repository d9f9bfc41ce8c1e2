// SPDX-License-Identifier: Apache-2.0
#include "host/workers.h"

#include <algorithm>

#include "inherent/inherent.hpp"

namespace inherent {

void throw_item_errors(std::vector<std::string> errors, const std::string& what) {
  if (errors.empty()) return;
  std::sort(errors.begin(), errors.end());
  std::string msg =
      std::to_string(errors.size()) + " clip(s) failed; " + what + " was not written (rerun to resume):";
  for (size_t i = 0; i < errors.size() && i < 20; ++i) msg += "\n  " + errors[i];
  throw Exception(INHERENT_STATUS_INTERNAL, msg);
}

}  // namespace inherent
