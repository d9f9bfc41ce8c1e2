// SPDX-License-Identifier: Apache-2.0
#include "train/ctc.h"

namespace inherent::train {

std::vector<int64_t> ctc_symbols(const std::string& text) {
  std::vector<int64_t> out;
  for (const char raw : text) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    int64_t id = -1;
    if (c >= 'a' && c <= 'z')
      id = 3 + (c - 'a');
    else if (c >= '0' && c <= '9')
      id = 29 + (c - '0');
    else if (c == '\'')
      id = 2;
    else if (c == ' ' || c == '\t' || c == '-' || c == '/')
      id = 1;  // word breaks
    if (id < 0) continue;
    if (id == 1 && (out.empty() || out.back() == 1)) continue;
    out.push_back(id);
  }
  if (!out.empty() && out.back() == 1) out.pop_back();
  return out;
}

CtcHeadImpl::CtcHeadImpl(int64_t n_hidden) {
  proj = register_module("proj", torch::nn::Linear(n_hidden, kCtcUpsample * kCtcSymbols));
}

torch::Tensor CtcHeadImpl::loss(const torch::Tensor& h, const torch::Tensor& valid2,
                                const std::vector<std::string>& transcripts) {
  const int64_t b = h.size(0), t2 = h.size(1);
  TORCH_CHECK(static_cast<int64_t>(transcripts.size()) == b, "one transcript per clip");
  std::vector<int64_t> targets, target_lengths;
  std::vector<float> has_text;
  for (const std::string& s : transcripts) {
    const std::vector<int64_t> ids = ctc_symbols(s);
    targets.insert(targets.end(), ids.begin(), ids.end());
    target_lengths.push_back(static_cast<int64_t>(ids.size()));
    has_text.push_back(ids.empty() ? 0.0f : 1.0f);
  }
  const auto options = h.options();
  const torch::Tensor weight = torch::tensor(has_text).to(options.device());
  const torch::Tensor n_text = weight.sum();
  if (n_text.item<float>() == 0) return torch::zeros({}, options);
  // [B, T2, U*C] -> [B, U*T2, C]: each step's U outputs in order; valid outputs stay a prefix.
  const torch::Tensor z = proj(h).reshape({b, t2 * kCtcUpsample, kCtcSymbols});
  const torch::Tensor log_probs = torch::log_softmax(z, -1).transpose(0, 1);  // [T, B, C]
  const torch::Tensor input_lengths = (valid2.sum(1) * kCtcUpsample).to(torch::kLong).cpu();
  const torch::Tensor lengths = torch::tensor(target_lengths, torch::kLong);
  const torch::Tensor per_clip =
      torch::ctc_loss(log_probs, torch::tensor(targets, torch::kLong), input_lengths, lengths, /*blank=*/0,
                      at::Reduction::None, /*zero_infinity=*/true);  // [B]
  const torch::Tensor per_char =
      per_clip / lengths.clamp_min(1).to(options.device()).to(per_clip.scalar_type());
  return (per_char * weight).sum() / n_text;
}

}  // namespace inherent::train
