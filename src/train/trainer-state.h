// SPDX-License-Identifier: Apache-2.0
//
// trainer.json, the file a checkpoint folder writes last: what --resume reads back.
// Parsed here without LibTorch so the parser is fuzzed (tests/fuzz/fuzz-trainer-state.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "eval/metrics.h"

namespace inherent::train {

struct TrainerState {
  int64_t step = 0;
  int64_t world_size = 1;
  double train_seconds = 0;
  std::string init_from;          // the checkpoint a warm start began from
  nlohmann::json best = nullptr;  // {"step", "metrics", ...} of the best checkpoint, or null
  std::optional<eval::Metrics> best_metrics;
  nlohmann::json last_eval = nullptr;  // the last eval's metrics, or null
  std::string train_labels_hash;       // hashes.train_labels ("" when absent)
};

// Throws inherent::Exception(INVALID_ARGUMENT) naming `path` and the field when `text`
// is not a trainer state: invalid JSON, no integer "step", or a field of the wrong type.
TrainerState parse_trainer_state(std::string_view text, const std::string& path);

}  // namespace inherent::train
