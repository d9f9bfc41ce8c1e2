// SPDX-License-Identifier: Apache-2.0
// `inherent heads`: the head table (index, name, threshold key, default threshold).
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

void add_heads(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("heads", "Print the 13 output heads in model order");
  cmd->add_flag("--json", *json, "One JSON array for scripts");
  cmd->callback([json] {
    if (*json) {
      nlohmann::json arr = nlohmann::json::array();
      for (int h = 0; h < n_heads(); ++h)
        arr.push_back({{"index", h},
                       {"name", head_name(h)},
                       {"threshold_key", head_threshold_key(h)},
                       {"default_threshold", std::round(head_default_threshold(h) * 1000.0) / 1000.0}});
      std::printf("%s\n", json_text(arr, 2).c_str());
      return;
    }
    std::printf("%-3s %-24s %-26s %s\n", "i", "name", "threshold key", "default");
    for (int h = 0; h < n_heads(); ++h)
      std::printf("%-3d %-24s %-26s %.2f\n", h, head_name(h).c_str(), head_threshold_key(h).c_str(),
                  head_default_threshold(h));
  });
}

}  // namespace inherent::cli
