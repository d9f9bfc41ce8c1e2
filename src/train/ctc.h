// SPDX-License-Identifier: Apache-2.0
//
// Auxiliary character CTC on the encoder's steps, a training objective only (nothing of
// it is exported). Thirteen clip-level bits are a thin signal for learning to hear words
// from thousands of voices; spelling each clip's transcript out along its steps gives
// the encoder dense supervision from labels the corpus already has.
//
//   CtcHead ctc(H);
//   auto [h, valid2] = model->encode(mel);
//   torch::Tensor aux = ctc->loss(h, valid2, transcripts);   // scalar, mean per character
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace inherent::train {

// blank, space, apostrophe, a-z, 0-9.
constexpr int64_t kCtcSymbols = 39;
// Outputs per encoder step: spoken characters (up to ~20 per second in fast voices)
// outpace the encoder's 25 steps per second, and CTC needs at least one output each.
constexpr int64_t kCtcUpsample = 2;

// The transcript as symbol ids 1..38: lower-cased, other characters dropped, runs of
// spaces collapsed, no leading or trailing space.
std::vector<int64_t> ctc_symbols(const std::string& text);

struct CtcHeadImpl : torch::nn::Module {
  explicit CtcHeadImpl(int64_t n_hidden);
  // h [B, T2, H], valid2 [B, T2], one transcript per clip -> mean over the clips that
  // have text of (CTC negative log-likelihood / characters). Clips with no text and
  // transcripts too long for their steps add nothing. Zero when no clip has text.
  torch::Tensor loss(const torch::Tensor& h, const torch::Tensor& valid2,
                     const std::vector<std::string>& transcripts);
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(CtcHead);

}  // namespace inherent::train
