// SPDX-License-Identifier: Apache-2.0
// score_checkpoint with the trainer's LibTorch model (builds with INHERENT_BUILD_TRAIN).
#include <algorithm>

#include "eval/split-scores.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#include "train/checkpoint-scorer.h"

namespace inherent::eval {

void score_checkpoint(const ScoreSource& source, const std::string& manifest,
                      const std::vector<std::string>& header, SplitScores* out) {
  const train::CheckpointScorer model(source.checkpoint, source.threads);
  out->model = model.file();
  out->scorer = "LibTorch model (checkpoint)";
  Progress progress("score", out->size(), !source.quiet);
  for (size_t i = 0; i < out->size(); ++i) {
    size_t frames = 0;
    std::vector<float> m = clip_mel(manifest, header, out->rows[i], &frames);
    if (source.trim_to_speech == 1) cut_to_speech(&m, &frames);
    model.score(m.data(), frames, 0, out->scores.data() + i * INHERENT_N_HEADS);
    progress.add();
  }
  progress.finish();
}

std::vector<float> checkpoint_scores(const std::string& checkpoint,
                                     const std::vector<std::vector<float>>& mels, size_t pad_to, int threads,
                                     bool quiet, std::string* file) {
  const train::CheckpointScorer model(checkpoint, threads);
  *file = model.file();
  std::vector<float> out(mels.size() * INHERENT_N_HEADS);
  Progress progress(pad_to ? "checkpoint, padded" : "checkpoint", mels.size(), !quiet);
  for (size_t i = 0; i < mels.size(); ++i) {
    model.score(mels[i].data(), mels[i].size() / INHERENT_N_MELS, pad_to, out.data() + i * INHERENT_N_HEADS);
    progress.add();
  }
  progress.finish();
  return out;
}

}  // namespace inherent::eval
