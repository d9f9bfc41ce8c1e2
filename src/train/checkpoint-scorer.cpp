// SPDX-License-Identifier: Apache-2.0
#include "train/checkpoint-scorer.h"

#include <algorithm>

#include "common/safetensors.h"
#include "engine/arch.h"
#include "host/files.h"
#include "inherent/inherent.hpp"
#include "train/model.h"

namespace inherent::train {

struct CheckpointScorer::Impl {
  std::string file;
  Conformer model{nullptr};
};

CheckpointScorer::CheckpointScorer(const std::string& path, int threads) : impl_(std::make_unique<Impl>()) {
  impl_->file = checkpoint_weights_file(path);
  const std::string bytes = read_file(impl_->file);
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL, impl_->file + ": " + error);
  }
  ModelConfig config;
  error = arch_config_from_pairs(st.metadata, &config);
  if (!error.empty()) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL,
                    impl_->file + ": " + error + " (not a trainer checkpoint?)");
  }
  torch::set_num_threads(std::max(1, threads));
  impl_->model = Conformer(config, 0.0);
  load_model_safetensors(*impl_->model, bytes, impl_->file);
  impl_->model->eval();
}

CheckpointScorer::~CheckpointScorer() = default;

const std::string& CheckpointScorer::file() const { return impl_->file; }

void CheckpointScorer::score(const float* mel, size_t frames, size_t pad_to, float* out) const {
  torch::NoGradGuard no_grad;
  const auto t = static_cast<int64_t>(frames);
  torch::Tensor x = torch::from_blob(const_cast<float*>(mel), {1, t, INHERENT_N_MELS}, torch::kFloat32);
  if (pad_to > 0) {
    if (frames > pad_to) {
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "a clip has " + std::to_string(frames) +
                                                            " frames, more than " + std::to_string(pad_to));
    }
    torch::Tensor padded = torch::zeros({1, static_cast<int64_t>(pad_to), INHERENT_N_MELS});
    padded.index_put_({0, torch::indexing::Slice(0, t)}, x[0]);
    x = padded;
  }
  const torch::Tensor s = impl_->model->scores(x).contiguous();
  std::copy(s.data_ptr<float>(), s.data_ptr<float>() + INHERENT_N_HEADS, out);
}

}  // namespace inherent::train
