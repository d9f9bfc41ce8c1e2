// SPDX-License-Identifier: Apache-2.0
#include "train/feature-distill.h"

namespace inherent::train {

torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& valid2) {
  const torch::Tensor w = valid2.to(h.dtype()).unsqueeze(-1);  // [B, T2, 1]
  return (h * w).sum(1) / w.sum(1).clamp_min(1.0);
}

FeatureHeadImpl::FeatureHeadImpl(int64_t n_hidden, int64_t n_features) {
  proj = register_module("proj", torch::nn::Linear(n_hidden, n_features));
}

torch::Tensor FeatureHeadImpl::loss(const torch::Tensor& h, const torch::Tensor& valid2, Batch& b,
                                    const torch::Device& device) {
  if (b.has_features.empty()) return torch::zeros({}, h.options());
  const torch::Tensor has =
      torch::from_blob(b.has_features.data(), {b.size}, torch::kUInt8).to(torch::kBool).to(device);
  if (!has.any().item<bool>()) return torch::zeros({}, h.options());
  const int64_t d = proj->options.out_features();
  const torch::Tensor target = torch::from_blob(b.features.data(), {b.size, d}, torch::kFloat32).to(device);
  const torch::Tensor pred = proj->forward(masked_mean(h, valid2));
  const torch::Tensor cos =
      torch::cosine_similarity(pred.index({has}), target.index({has}), /*dim=*/1, /*eps=*/1e-8);
  return (1 - cos).mean();
}

}  // namespace inherent::train
