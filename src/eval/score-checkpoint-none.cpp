// SPDX-License-Identifier: Apache-2.0
// score_checkpoint and checkpoint_scores in builds without the trainer: a clear error.
#include "eval/split-scores.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {

void score_checkpoint(const ScoreSource&, const std::string&, const std::vector<std::string>&, SplitScores*) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                  "--checkpoint needs the LibTorch model, and this inherent was built without it "
                  "(configure with -DINHERENT_BUILD_TRAIN=ON), or export the checkpoint and pass --artifact");
}

std::vector<float> checkpoint_scores(const std::string&, const std::vector<std::vector<float>>&, size_t, int,
                                     bool, std::string*) {
  score_checkpoint({}, {}, {}, nullptr);  // throws the same error
  return {};
}

}  // namespace inherent::eval
