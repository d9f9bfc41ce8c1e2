// SPDX-License-Identifier: Apache-2.0
// The training config YAML (`inherent train --config`). Bad text must be an
// inherent::Exception naming the source (never another exception or a crash); a
// config that parses must write back as YAML that parses to the same YAML again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "inherent/inherent.hpp"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  inherent::train::TrainConfig config;
  try {
    config = inherent::train::parse_train_config_yaml(text, "fuzz.yaml");
  } catch (const inherent::Exception& e) {
    if (std::string(e.what()).find("fuzz.yaml") == std::string::npos) std::abort();
    return 0;
  }
  const std::string yaml = inherent::train::train_config_to_yaml(config);
  const inherent::train::TrainConfig again = inherent::train::parse_train_config_yaml(yaml, "written.yaml");
  if (inherent::train::train_config_to_yaml(again) != yaml) std::abort();
  return 0;
}
