// SPDX-License-Identifier: Apache-2.0
#include "train/optimizer-state.h"

#include <memory>
#include <mutex>

#include "inherent/inherent.hpp"

namespace inherent::train {

NamedParams named_parameters(ConformerImpl& model) {
  NamedParams out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  return out;
}

NamedParams optimizer_tensors(torch::optim::AdamW& opt, const NamedParams& params) {
  NamedParams out;
  std::vector<int64_t> steps;
  for (const auto& [name, p] : params) {
    auto it = opt.state().find(p.unsafeGetTensorImpl());
    if (it == opt.state().end()) {
      out.emplace_back(name + ".exp_avg", torch::zeros_like(p));
      out.emplace_back(name + ".exp_avg_sq", torch::zeros_like(p));
      steps.push_back(0);
      continue;
    }
    auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
    out.emplace_back(name + ".exp_avg", s.exp_avg());
    out.emplace_back(name + ".exp_avg_sq", s.exp_avg_sq());
    steps.push_back(s.step());
  }
  out.emplace_back("adamw.step", torch::tensor(steps, torch::kInt64));
  return out;
}

void load_optimizer(torch::optim::AdamW& opt, const NamedParams& params, const LoadedTensors& file,
                    const std::string& source) {
  const torch::Tensor* steps = file.find("adamw.step");
  if (!steps || steps->numel() != static_cast<int64_t>(params.size())) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL, source + ": adamw.step missing or of the wrong size");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [name, p] = params[i];
    const torch::Tensor* m = file.find(name + ".exp_avg");
    const torch::Tensor* v = file.find(name + ".exp_avg_sq");
    if (!m || !v || m->sizes() != p.sizes() || v->sizes() != p.sizes()) {
      throw Exception(INHERENT_STATUS_INVALID_MODEL,
                      source + ": optimizer state of '" + name + "' missing or misshapen");
    }
    const int64_t step = (*steps)[static_cast<int64_t>(i)].item<int64_t>();
    if (step == 0) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(step);
    state->exp_avg(m->to(p.device()).clone());
    state->exp_avg_sq(v->to(p.device()).clone());
    opt.state()[p.unsafeGetTensorImpl()] = std::move(state);
  }
}

torch::Tensor cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

}  // namespace inherent::train
