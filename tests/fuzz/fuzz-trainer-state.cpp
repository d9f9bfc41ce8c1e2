// SPDX-License-Identifier: Apache-2.0
// trainer.json as --resume reads it. Damage must be an inherent::Exception naming the
// file (never a JSON library exception or a crash); a state that parses has a
// non-negative step and at least one process.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "inherent/inherent.hpp"
#include "train/trainer-state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const inherent::train::TrainerState s = inherent::train::parse_trainer_state(text, "last/trainer.json");
    if (s.step < 0 || s.world_size < 1) std::abort();
  } catch (const inherent::Exception& e) {
    if (std::string(e.what()).rfind("last/trainer.json: ", 0) != 0) std::abort();
  }
  return 0;
}
