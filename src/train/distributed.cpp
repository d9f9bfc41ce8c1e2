// SPDX-License-Identifier: Apache-2.0
#include "distributed.h"

#include <cstdlib>

#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1000000) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    std::string("environment ") + name + "=" + v + " is not a non-negative integer");
  }
  return static_cast<int>(x);
}

}  // namespace

bool distributed_available() { return false; }

std::unique_ptr<Collective> collective_from_environment(const torch::Device& /*device*/) {
  const int world = env_int("WORLD_SIZE", 1);
  if (world <= 1) return std::make_unique<Collective>();
  throw Exception(INHERENT_STATUS_UNSUPPORTED,
                  "WORLD_SIZE=" + std::to_string(world) + " but this build has no multi-process backend");
}

}  // namespace inherent::train
