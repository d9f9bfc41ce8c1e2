// SPDX-License-Identifier: Apache-2.0
// The --model / --kernels / --precision / --threads options that `score` and `listen` share.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
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
                  "single-file package, or a shipped model by name: small, or backbone once `make backbone` "
                  "assembled it (default: $INHERENT_MODEL, else backbone where assembled, else small; "
                  "shipped under " INHERENT_SHIPPED_MODELS ")");
  add_engine_options(cmd, &o->kernels, &o->precision);
  cmd->add_option("--threads", o->threads, "Threads per inference (1..64)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

// A shipped model's native package: `small` is committed; `backbone` is there once
// `make backbone` assembled it from Whisper's pinned weights.
inline std::string shipped_model(const std::string& name) {
  return std::string(INHERENT_SHIPPED_MODELS) + "/" + name + "/native";
}

inline bool is_shipped_name(const std::string& s) { return s == "small" || s == "backbone"; }

// --model (a path, else a shipped model's name), else $INHERENT_MODEL, else the backbone
// model where assembled (it ranks real requests above ordinary speech far better than
// small: data/models/backbone/README.md), else small.
inline std::string model_path(const ModelOptions& o) {
  if (!o.path.empty() && (std::filesystem::exists(o.path) || !is_shipped_name(o.path))) return o.path;
  if (!o.path.empty()) {
    const std::string p = shipped_model(o.path);
    if (std::filesystem::exists(p)) return p;
    throw CLI::ValidationError("--model", o.path + " is not at " + p +
                                              (o.path == "backbone" ? ": `make backbone` assembles it" : ""));
  }
  if (const char* env = std::getenv("INHERENT_MODEL"); env && *env) return env;
  for (const char* name : {"backbone", "small"}) {
    const std::string p = shipped_model(name);
    if (std::filesystem::exists(p)) {
      std::fprintf(stderr, "inherent: model %s (%s; -m names another)\n", name, p.c_str());
      return p;
    }
  }
  throw CLI::ValidationError("--model",
                             "not given, INHERENT_MODEL is not set and there is no shipped model under " +
                                 std::string(INHERENT_SHIPPED_MODELS));
}

inline Model load_model(const ModelOptions& o) {
  return Model::from_file(model_path(o), model_params(o.kernels, o.precision));
}

}  // namespace inherent::cli
