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

// The trainer's model with the checkpoint's weights, in eval mode.
train::Conformer load_checkpoint(const std::string& checkpoint, int threads, std::string* file_out) {
  const std::string file = checkpoint_file(checkpoint);
  const std::string bytes = read_file(file);
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) {
    throw Exception(INHERENT_STATUS_INVALID_MODEL, file + ": " + error);
  }
  ModelConfig config;
  error = arch_config_from_pairs(st.metadata, &config);
  if (!error.empty()) throw Exception(INHERENT_STATUS_INVALID_MODEL, file + ": " + error + " (not a trainer checkpoint?)");
  torch::set_num_threads(std::max(1, threads));
  train::Conformer model(config, 0.0);
  train::load_model_safetensors(*model, bytes, file);
  model->eval();
  *file_out = file;
  return model;
}

}  // namespace

void score_checkpoint(const ScoreSource& source, const std::string& manifest, const std::vector<std::string>& header,
                      SplitScores* out) {
  std::string file;
  train::Conformer model = load_checkpoint(source.checkpoint, source.threads, &file);
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

std::vector<float> checkpoint_scores(const std::string& checkpoint, const std::vector<std::vector<float>>& mels,
                                     size_t pad_to, int threads, bool quiet, std::string* file) {
  train::Conformer model = load_checkpoint(checkpoint, threads, file);
  torch::NoGradGuard no_grad;
  std::vector<float> out(mels.size() * INHERENT_N_HEADS);
  Progress progress(pad_to ? "checkpoint, padded" : "checkpoint", mels.size(), !quiet);
  for (size_t i = 0; i < mels.size(); ++i) {
    const auto frames = static_cast<int64_t>(mels[i].size() / INHERENT_N_MELS);
    torch::Tensor mel = torch::from_blob(const_cast<float*>(mels[i].data()), {1, frames, INHERENT_N_MELS}, torch::kFloat32);
    if (pad_to > 0) {
      if (static_cast<size_t>(frames) > pad_to) {
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                        "a clip has " + std::to_string(frames) + " frames, more than " + std::to_string(pad_to));
      }
      torch::Tensor padded = torch::zeros({1, static_cast<int64_t>(pad_to), INHERENT_N_MELS});
      padded.index_put_({0, torch::indexing::Slice(0, frames)}, mel[0]);
      mel = padded;
    }
    const torch::Tensor s = model->scores(mel).contiguous();
    std::copy(s.data_ptr<float>(), s.data_ptr<float>() + INHERENT_N_HEADS,
              out.begin() + static_cast<std::ptrdiff_t>(i * INHERENT_N_HEADS));
    progress.add();
  }
  progress.finish();
  return out;
}

}  // namespace inherent::cli
