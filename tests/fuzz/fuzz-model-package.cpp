// SPDX-License-Identifier: Apache-2.0
// The model package loader on arbitrary bytes. Byte 0 picks the form: even = one
// buffer (metadata embedded in the safetensors header), odd = two buffers split at the
// offset in bytes 1..2 (weights first, then the metadata text). A package that loads
// must hold exactly the arch table's tensors, all finite, and must run: a forward pass
// on a fixed input succeeds (extreme weights may overflow to inf/NaN, never crash).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/model-package.h"
#include "engine/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool two = data[0] & 1;
  const size_t split = two ? std::min<size_t>(size - 3, size_t{data[1]} | (size_t{data[2]} << 8)) : 0;
  const uint8_t* body = data + 3;
  const size_t n = size - 3;
  // Copies, so ASan sees the exact bounds of each buffer.
  std::vector<uint8_t> weights(body, body + (two ? n - split : n));
  std::string metadata =
      two ? std::string(reinterpret_cast<const char*>(body) + (n - split), split) : std::string();

  inherent::ModelPackage pkg;
  std::string error;
  const inherent_status st = inherent::model_package_load_memory(
      weights.data(), weights.size(), two ? metadata.data() : nullptr, metadata.size(), &pkg, &error);
  if (st != INHERENT_STATUS_OK) {
    if (error.empty() || !pkg.tensors.empty()) std::abort();
    return 0;
  }
  const std::vector<inherent::ArchTensor> arch = inherent::arch_tensors(pkg.config);
  if (arch.size() != pkg.tensors.size()) std::abort();
  for (size_t i = 0; i < arch.size(); ++i) {
    if (arch[i].name != pkg.tensors[i].name ||
        static_cast<int64_t>(pkg.tensors[i].data.size()) != arch[i].numel())
      std::abort();
    for (float v : pkg.tensors[i].data)
      if (!std::isfinite(v)) std::abort();
  }
  // Keep the forward affordable: small models only.
  if (inherent::arch_n_params(pkg.config) > 2'000'000) return 0;
  std::unique_ptr<inherent::engine::Model> model;
  if (inherent::engine::Model::create(std::move(pkg), inherent::kernels::kernels_best(), &model, &error) !=
      INHERENT_STATUS_OK)
    std::abort();
  std::vector<float> mel(9 * 128);
  for (size_t i = 0; i < mel.size(); ++i) mel[i] = -6.0f + static_cast<float>(i % 17) * 0.5f;
  inherent::engine::Workspace ws;
  std::vector<float> logits(static_cast<size_t>(model->config().n_outputs));
  if (inherent::engine::forward(*model, ws, mel.data(), 9, logits.data(), &error) != INHERENT_STATUS_OK)
    std::abort();
  return 0;
}
