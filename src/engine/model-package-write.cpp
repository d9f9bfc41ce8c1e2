// SPDX-License-Identifier: Apache-2.0
// Writing package directories (host tools and tests). Kept apart from the loader so
// that builds which only load packages (WebAssembly, mobile) never link <filesystem>.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

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
  const std::string metadata = model_metadata_json(config, info);
  std::string weights;
  inherent_status st = model_package_encode(config, tensors, metadata, false, &weights, error);
  if (st != INHERENT_STATUS_OK) return st;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = dir + ": cannot create the directory: " + ec.message();
    return INHERENT_STATUS_IO_ERROR;
  }
  const auto write = [error](const std::string& path, const std::string& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (f && std::fclose(f) != 0) ok = false;
    if (!ok) *error = path + ": cannot write: " + std::strerror(errno);
    return ok;
  };
  if (!write(join(dir, kPackageWeightsFile), weights) || !write(join(dir, kPackageMetadataFile), metadata))
    return INHERENT_STATUS_IO_ERROR;
  return INHERENT_STATUS_OK;
}

}  // namespace inherent
