// SPDX-License-Identifier: Apache-2.0
// Writing package directories (host tools and tests). Kept apart from the loader so
// that builds which only load packages (WebAssembly, mobile) never link <filesystem>.
#include <filesystem>

#include "common/safetensors.h"
#include "common/sha256.h"
#include "host/files.h"
#include "inherent/inherent.hpp"
#include "model-package.h"

namespace inherent {

namespace {

std::string join(const std::string& dir, const char* file) {
  return !dir.empty() && (dir.back() == '/' || dir.back() == '\\') ? dir + file : dir + "/" + file;
}

}  // namespace

inherent_status model_package_write_dir(const std::string& dir, const ModelConfig& config,
                                        const std::vector<PackageTensor>& tensors, const PackageInfo& info,
                                        std::string* error) {
  std::string weights;
  inherent_status st = model_package_encode(config, tensors, "", false, &weights, error);
  if (st != INHERENT_STATUS_OK) return st;
  // The metadata lists the weights' digest, so a damaged file is refused at load.
  PackageInfo with_digest = info;
  with_digest.weights_size = static_cast<int64_t>(weights.size());
  with_digest.weights_sha256 = sha256_hex(weights);
  const std::string metadata = model_metadata_json(config, with_digest);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = dir + ": cannot create the directory: " + ec.message();
    return INHERENT_STATUS_IO_ERROR;
  }
  // Each file appears whole or not at all; weights first, so a crash between the two
  // leaves the old metadata, whose digest then refuses the new weights.
  try {
    write_file_atomic(join(dir, kPackageWeightsFile), weights);
    write_file_atomic(join(dir, kPackageMetadataFile), metadata);
  } catch (const Exception& e) {
    *error = e.what();
    return INHERENT_STATUS_IO_ERROR;
  }
  return INHERENT_STATUS_OK;
}

inherent_status package_tensors_from_weights(const std::string& bytes, ModelConfig* config,
                                             std::vector<PackageTensor>* tensors, std::string* error) {
  Safetensors st;
  inherent_status status = safetensors_parse(bytes.data(), bytes.size(), &st, error);
  if (status != INHERENT_STATUS_OK) return status;
  const std::string why = arch_config_from_pairs(st.metadata, config);
  if (!why.empty()) {
    *error = "weights __metadata__: " + why;
    return INHERENT_STATUS_INVALID_MODEL;
  }
  tensors->clear();
  for (const ArchTensor& a : arch_tensors(*config)) {
    PackageTensor t{a.name, a.shape, std::vector<float>(static_cast<size_t>(a.numel()))};
    status = safetensors_read_f32(st, a.name, a.shape, t.data.data(), error);
    if (status != INHERENT_STATUS_OK) return status;
    tensors->push_back(std::move(t));
  }
  return INHERENT_STATUS_OK;
}

}  // namespace inherent
