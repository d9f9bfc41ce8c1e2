// SPDX-License-Identifier: Apache-2.0
//
// inherent-make-package: writes a random-weight model package for the node test, with
// the library's own writer (src/engine/model-package.h).
//
//   inherent-make-package CONFIG SEED DIR             directory form
//   inherent-make-package CONFIG SEED FILE --single   single-file form (metadata embedded)
//   inherent-make-package --from-weights WEIGHTS DIR  a weights file (config in its
//                                                     __metadata__) as a package
//   inherent-make-package --ensemble DIR WEIGHTS:W... an ensemble of weights files, each
//                                                     member's logits counted W times
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/model-package.h"

namespace {

bool read_weights(const std::string& path, inherent::ModelConfig* config,
                  std::vector<inherent::PackageTensor>* tensors, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) *error = "cannot read it";
  return in &&
         inherent::package_tensors_from_weights(bytes.str(), config, tensors, error) == INHERENT_STATUS_OK;
}

int from_weights(const char* weights, const char* dir) {
  inherent::ModelConfig config;
  std::vector<inherent::PackageTensor> tensors;
  std::string error;
  if (!read_weights(weights, &config, &tensors, &error) ||
      inherent::model_package_write_dir(dir, config, tensors, inherent::package_default_info(), &error) !=
          INHERENT_STATUS_OK) {
    std::fprintf(stderr, "%s: %s\n", weights, error.c_str());
    return 1;
  }
  return 0;
}

int ensemble(const char* dir, char** specs, int n) {
  std::vector<inherent::ModelConfig> configs;
  std::vector<float> weights;
  std::vector<inherent::PackageTensor> all;
  for (int i = 0; i < n; ++i) {
    const std::string spec = specs[i];
    const size_t colon = spec.rfind(':');
    inherent::ModelConfig config;
    std::vector<inherent::PackageTensor> tensors;
    std::string error;
    if (colon == std::string::npos || !read_weights(spec.substr(0, colon), &config, &tensors, &error)) {
      std::fprintf(stderr, "%s: %s\n", spec.c_str(), error.empty() ? "expected WEIGHTS:W" : error.c_str());
      return 1;
    }
    for (inherent::PackageTensor& t : tensors) {
      t.name = inherent::ensemble_prefix(configs.size()) + t.name;
      all.push_back(std::move(t));
    }
    configs.push_back(config);
    weights.push_back(std::strtof(spec.c_str() + colon + 1, nullptr));
  }
  const inherent::ModelConfig config = inherent::arch_ensemble_config(configs, weights);
  std::string error;
  if (inherent::model_package_write_dir(dir, config, all, inherent::package_default_info(), &error) !=
      INHERENT_STATUS_OK) {
    std::fprintf(stderr, "%s: %s\n", dir, error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--from-weights") return from_weights(argv[2], argv[3]);
  if (argc >= 4 && std::string(argv[1]) == "--ensemble") return ensemble(argv[2], argv + 3, argc - 3);
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "--single")) {
    std::fprintf(stderr,
                 "usage: %s CONFIG SEED DIR|FILE [--single] | --from-weights WEIGHTS DIR | --ensemble DIR "
                 "WEIGHTS:W...\n",
                 argv[0]);
    return 64;
  }
  inherent::ModelConfig config;
  if (!inherent::arch_config_by_name(argv[1], &config)) {
    std::fprintf(stderr, "unknown config %s\n", argv[1]);
    return 64;
  }
  const auto tensors = inherent::random_package_tensors(config, std::strtoull(argv[2], nullptr, 10));
  inherent::PackageInfo info = inherent::package_default_info();
  info.model_name = std::string(argv[1]) + "-random";
  std::string error;
  if (argc == 4) {
    if (inherent::model_package_write_dir(argv[3], config, tensors, info, &error) != INHERENT_STATUS_OK) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    return 0;
  }
  std::string bytes;
  if (inherent::model_package_encode(config, tensors, inherent::model_metadata_json(config, info), true,
                                     &bytes, &error) != INHERENT_STATUS_OK) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::ofstream(argv[3], std::ios::binary) << bytes;
  return 0;
}
