// SPDX-License-Identifier: Apache-2.0
//
// inherent-make-package: writes a random-weight model package for the node test, with
// the library's own writer (src/engine/model-package.h).
//
//   inherent-make-package CONFIG SEED DIR             directory form
//   inherent-make-package CONFIG SEED FILE --single   single-file form (metadata embedded)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "engine/model-package.h"

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "--single")) {
    std::fprintf(stderr, "usage: %s CONFIG SEED DIR|FILE [--single]\n", argv[0]);
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
