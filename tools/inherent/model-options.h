// SPDX-License-Identifier: Apache-2.0
// The --model / --kernels options that `score` and `listen` share.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "inherent/inherent.hpp"

namespace inherent::cli {

struct ModelOptions {
  std::string path;
  std::string kernels = "auto";
  int threads = 1;
};

inline void add_model_options(CLI::App* cmd, ModelOptions* o) {
  cmd->add_option("-m,--model", o->path,
                  "Model package: a directory with model.safetensors + inherent.metadata.json, or a "
                  "single-file package. Required until a trained model ships with inherent (data/model/).")
      ->required();
  cmd->add_option("--kernels", o->kernels, "Kernel set: auto, generic, avx2, avx512")
      ->check(CLI::IsMember({"auto", "generic", "avx2", "avx512"}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads per inference (1..64)")->check(CLI::Range(1, 64))->capture_default_str();
}

inline Model load_model(const ModelOptions& o) {
  inherent_model_params p = inherent_model_default_params();
  if (o.kernels == "generic") p.kernels = INHERENT_KERNELS_GENERIC;
  if (o.kernels == "avx2") p.kernels = INHERENT_KERNELS_AVX2;
  if (o.kernels == "avx512") p.kernels = INHERENT_KERNELS_AVX512;
  return Model::from_file(o.path, p);
}

}  // namespace inherent::cli
