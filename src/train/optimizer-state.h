// SPDX-License-Identifier: Apache-2.0
//
// What a checkpoint keeps besides the weights so a resumed run continues exactly: the
// AdamW moments and step per parameter, and the CPU random generator's state.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "train/model.h"

namespace inherent::train {

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

NamedParams named_parameters(ConformerImpl& model);

// "<name>.exp_avg", "<name>.exp_avg_sq" per parameter (zeros before its first step) and
// "adamw.step", the steps of every parameter in order.
NamedParams optimizer_tensors(torch::optim::AdamW& opt, const NamedParams& params);

// The inverse of optimizer_tensors; a missing or misshapen tensor names `source`.
void load_optimizer(torch::optim::AdamW& opt, const NamedParams& params, const LoadedTensors& file,
                    const std::string& source);

torch::Tensor cpu_rng_state();
void set_cpu_rng_state(const torch::Tensor& state);

}  // namespace inherent::train
