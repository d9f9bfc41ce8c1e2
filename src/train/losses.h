// SPDX-License-Identifier: Apache-2.0
//
// What one training step computes from a batch: the learning-rate schedule, the heads'
// focal BCE and the distillation loss toward a teacher's scores.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "train/config.h"
#include "train/dataset.h"

namespace inherent::train {

// Warmup then cosine/linear decay to lr * min_lr_ratio; step is 1-based.
double lr_at(const TrainingOptions& t, int64_t step);

// Focal binary cross-entropy, mean over clips and heads:
//   y = 1: -w_h (1 - p)^gamma log p      y = 0: -p^gamma log(1 - p)
// with log p and log(1 - p) from logsigmoid for stability. gamma = 0, w = 1 is BCE.
torch::Tensor focal_bce(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& pos_weight,
                        double gamma);

// focal_bce over the batch's labelled rows only (unlabelled rows have teacher scores and
// no labels); 0 when none is labelled. The same tensor as focal_bce when all are.
torch::Tensor labelled_focal_bce(const torch::Tensor& logits, const torch::Tensor& y,
                                 const torch::Tensor& pos_weight, double gamma, Batch& b,
                                 const torch::Device& device);

// Plain BCE of the logits toward the teacher's scores, over the batch's rows that have
// them (0 when none does): the teacher's soft view, with no class weights or focusing.
torch::Tensor distill_loss(const torch::Tensor& logits, Batch& b, const torch::Device& device);

// The batch as tensors on the device: mel [B, T, 128], labels [B, 13] float.
std::pair<torch::Tensor, torch::Tensor> to_tensors(Batch& b, const torch::Device& device);

}  // namespace inherent::train
