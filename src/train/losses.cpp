// SPDX-License-Identifier: Apache-2.0
#include "train/losses.h"

#include <algorithm>
#include <cmath>

#include "inherent/inherent.h"

namespace inherent::train {

double lr_at(const TrainingOptions& t, int64_t step) {
  if (t.warmup_steps > 0 && step <= t.warmup_steps) {
    return t.lr * static_cast<double>(step) / static_cast<double>(t.warmup_steps);
  }
  const double span = static_cast<double>(std::max<int64_t>(1, t.max_steps - t.warmup_steps));
  const double progress = std::clamp(static_cast<double>(step - t.warmup_steps) / span, 0.0, 1.0);
  const double floor = t.lr * t.min_lr_ratio;
  if (t.decay == "cosine") return floor + (t.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
  if (t.decay == "linear") return t.lr + (floor - t.lr) * progress;
  return t.lr;
}

torch::Tensor focal_bce(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& pos_weight,
                        double gamma) {
  const torch::Tensor log_p = torch::log_sigmoid(logits), log_q = torch::log_sigmoid(-logits);
  torch::Tensor pos = y * pos_weight * log_p, neg = (1 - y) * log_q;
  if (gamma > 0) {
    const torch::Tensor p = torch::sigmoid(logits);
    pos = pos * torch::pow(1 - p, gamma);
    neg = neg * torch::pow(p, gamma);
  }
  return -(pos + neg).mean();
}

torch::Tensor labelled_focal_bce(const torch::Tensor& logits, const torch::Tensor& y,
                                 const torch::Tensor& pos_weight, double gamma, Batch& b,
                                 const torch::Device& device) {
  const auto n = static_cast<int64_t>(std::count(b.labelled.begin(), b.labelled.end(), uint8_t{1}));
  if (b.labelled.empty() || n == b.size) return focal_bce(logits, y, pos_weight, gamma);
  if (n == 0) return torch::zeros({}, logits.options());
  const torch::Tensor rows =
      torch::from_blob(b.labelled.data(), {b.size}, torch::kUInt8).to(torch::kBool).to(device);
  return focal_bce(logits.index({rows}), y.index({rows}), pos_weight, gamma);
}

torch::Tensor distill_loss(const torch::Tensor& logits, Batch& b, const torch::Device& device) {
  const torch::Tensor has =
      torch::from_blob(b.has_teacher.data(), {b.size}, torch::kUInt8).to(torch::kBool).to(device);
  if (!has.any().item<bool>()) return torch::zeros({}, logits.options());
  const torch::Tensor target =
      torch::from_blob(b.teacher.data(), {b.size, INHERENT_N_HEADS}, torch::kFloat32).to(device);
  return torch::binary_cross_entropy_with_logits(logits.index({has}), target.index({has}));
}

std::pair<torch::Tensor, torch::Tensor> to_tensors(Batch& b, const torch::Device& device) {
  torch::Tensor mel = torch::from_blob(b.mel.data(), {b.size, b.frames, kMels}, torch::kFloat32);
  torch::Tensor y =
      torch::from_blob(b.labels.data(), {b.size, INHERENT_N_HEADS}, torch::kUInt8).to(torch::kFloat32);
  if (device.is_cpu()) return {mel, y};
  return {mel.to(device), y.to(device)};
}

}  // namespace inherent::train
