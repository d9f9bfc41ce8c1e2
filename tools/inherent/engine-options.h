// SPDX-License-Identifier: Apache-2.0
// --kernels and --precision: how every command that runs a native package loads it;
// --trim-to-speech / --every-frame: what of each input its sessions score.
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

// --trim-to-speech | --every-frame into *trim (1 / 0; -1 when neither: the model's own).
inline void add_trim_options(CLI::App* cmd, int* trim) {
  auto* on = cmd->add_flag_callback(
      "--trim-to-speech", [trim] { *trim = 1; },
      "Score only each input's speech span (docs/engine.md, \"Speech span\"); default: as the model's "
      "metadata says (scoring.trim_to_speech), every frame for a checkpoint");
  auto* off = cmd->add_flag_callback(
      "--every-frame", [trim] { *trim = 0; }, "Score every frame, whatever the model's metadata says");
  on->excludes(off);
}

}  // namespace inherent::cli
