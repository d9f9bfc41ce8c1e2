// SPDX-License-Identifier: Apache-2.0
// --kernels and --precision: how every command that runs a native package loads it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "inherent/inherent.h"

namespace inherent::cli {

// --kernels and --precision of the native engine.
inline void add_engine_options(CLI::App* cmd, std::string* kernels, std::string* precision) {
  cmd->add_option("--kernels", *kernels, "Engine kernel set: auto, generic, avx2, avx512, avx512vnni")
      ->check(CLI::IsMember({"auto", "generic", "avx2", "avx512", "avx512vnni"}))
      ->capture_default_str();
  cmd->add_option("--precision", *precision,
                  "Engine precision: float32, or int8 (int8 weights x 13-bit activations in the Conformer "
                  "blocks; faster, scores within the int8 parity gate on snapped models)")
      ->check(CLI::IsMember({"float32", "int8"}))
      ->capture_default_str();
}

}  // namespace inherent::cli
