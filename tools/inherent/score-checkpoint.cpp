// SPDX-License-Identifier: Apache-2.0
// score_checkpoint with the trainer's LibTorch model (builds with INHERENT_BUILD_TRAIN).
#include <torch/torch.h>

#include <filesystem>

#include "common/files.h"
#include "common/progress.h"
#include "common/safetensors.h"
#include "engine/arch.h"
#include "inherent/inherent.hpp"
#include "split-scores.h"
#include "train/model.h"

namespace inherent::cli {
namespace {

// A checkpoint folder, its weights file, or a training run folder (best/, else last/).
std::string checkpoint_file(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return path;
  for (const char* name : {"model.safetensors", "best/model.safetensors", "last/model.safetensors"}) {
    const std::string candidate = resolve_path(path, name);
    if (std::filesystem::is_regular_file(candidate)) return candidate;
  }
  throw Exception(INHERENT_STATUS_IO_ERROR,
                  path + ": no model.safetensors (nor best/ or last/ of a training run) inside");
}

}  // namespace

void score_checkpoint(const ScoreSource& source, const std::string& manifest, const std::vector<std::string>& header,
                      SplitScores* out) {
  const std::string file = checkpoint_file(source.checkpoint);
  const std::string bytes = read_file(file);
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL, file + ": " + error);
  }
  ModelConfig config;
  error = arch_config_from_pairs(st.metadata, &config);
  if (!error.empty()) throw Exception(INHERENT_STATUS_INVALID_MODEL, file + ": " + error + " (not a trainer checkpoint?)");
  torch::set_num_threads(std::max(1, source.threads));
  train::Conformer model(config, 0.0);
  train::load_model_safetensors(*model, bytes, file);
  model->eval();
  torch::NoGradGuard no_grad;
  out->model = file;
  out->scorer = "LibTorch model (checkpoint)";
  Progress progress("score", out->size(), !source.quiet);
  for (size_t i = 0; i < out->size(); ++i) {
    size_t frames = 0;
    std::vector<float> m = clip_mel(manifest, header, out->rows[i], &frames);
    const torch::Tensor mel =
        torch::from_blob(m.data(), {1, static_cast<int64_t>(frames), INHERENT_N_MELS}, torch::kFloat32);
    const torch::Tensor s = model->scores(mel).contiguous();
    std::copy(s.data_ptr<float>(), s.data_ptr<float>() + INHERENT_N_HEADS,
              out->scores.begin() + static_cast<std::ptrdiff_t>(i * INHERENT_N_HEADS));
    progress.add();
  }
  progress.finish();
}

}  // namespace inherent::cli
