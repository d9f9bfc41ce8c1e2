// SPDX-License-Identifier: Apache-2.0
// The --model / --kernels / --precision / --threads options that `score` and `listen` share.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine-options.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

struct ModelOptions {
  std::string path;
  std::string kernels = "auto";
  std::string precision = "float32";
  int threads = 1;
};

inline void add_model_options(CLI::App* cmd, ModelOptions* o) {
  cmd->add_option("-m,--model", o->path,
                  "Model package: a directory with model.safetensors + inherent.metadata.json, or a "
                  "single-file package (default: $INHERENT_MODEL, else the shipped " INHERENT_SHIPPED_MODEL
                  ")");
  add_engine_options(cmd, &o->kernels, &o->precision);
  cmd->add_option("--threads", o->threads, "Threads per inference (1..64)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

// --model, else $INHERENT_MODEL, else the model that ships in the source tree.
inline std::string model_path(const ModelOptions& o) {
  if (!o.path.empty()) return o.path;
  if (const char* env = std::getenv("INHERENT_MODEL"); env && *env) return env;
  if (std::filesystem::exists(INHERENT_SHIPPED_MODEL)) return INHERENT_SHIPPED_MODEL;
  throw CLI::ValidationError("--model",
                             "not given, INHERENT_MODEL is not set and there is no shipped model at " +
                                 std::string(INHERENT_SHIPPED_MODEL));
}

inline Model load_model(const ModelOptions& o) {
  return Model::from_file(model_path(o), model_params(o.kernels, o.precision));
}

}  // namespace inherent::cli
