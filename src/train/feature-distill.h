// SPDX-License-Identifier: Apache-2.0
//
// Feature distillation, a training objective only (nothing of it is exported): the
// encoder's output averaged over a clip's valid steps, through a Linear projection,
// should point where the teacher's pooled features point (the teacher_features column,
// labels.h; the dataset standardizes them per dimension). Thirteen scores say what a
// teacher concluded; its features say what it heard, which the heads' loss alone does
// not ask the encoder to keep.
//
//   FeatureHead head(H, D);
//   auto [h, valid2] = model->encode(mel);
//   torch::Tensor aux = head->loss(h, valid2, batch, device);   // scalar
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "train/dataset.h"

namespace inherent::train {

// h [B, T2, H], valid2 [B, T2] -> [B, H]: the mean over each clip's valid steps.
torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& valid2);

struct FeatureHeadImpl : torch::nn::Module {
  FeatureHeadImpl(int64_t n_hidden, int64_t n_features);
  // Mean over the batch's rows with features of 1 - cosine(proj(masked_mean(h)), target);
  // zero when no row has them.
  torch::Tensor loss(const torch::Tensor& h, const torch::Tensor& valid2, Batch& b,
                     const torch::Device& device);
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(FeatureHead);

}  // namespace inherent::train
