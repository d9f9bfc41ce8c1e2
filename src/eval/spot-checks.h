// SPDX-License-Identifier: Apache-2.0
//
// Hand-written spot check utterances (data/spot-checks/spot-checks.json) and how a model is judged
// on them. The index holds {"format": "inherent-spot-checks", "version": 1, "spot checks":
// [{"id", "text", "kind", "labels": {13 head names: 0 or 1}}]}. `inherent spot checks
// --index` speaks each one with TTS voices into a labels manifest whose template_id is
// "spot:<id>"; `inherent eval --spot-checks` scores that manifest and a spot check passes
// when every head's decision equals its label on every clip of it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace inherent::eval {

struct SpotCheck {
  std::string id, text, kind;
  std::array<uint8_t, kNHeads> labels{};
};

// Reads and validates the index; throws inherent::Exception naming the file, the
// spot check (index and id) and the field at fault.
std::vector<SpotCheck> read_spot_checks(const std::string& path);

// template_id of a spot check's clips, and the id back ("" when template_id is not one).
std::string spot_check_template_id(const std::string& id);
std::string spot_check_id_of(const std::string& template_id);

// The engine's decision rule (inherent_model_decide): head h fires when its score >= its
// threshold, and intents (1..12) only when head 0 fires too.
std::array<uint8_t, kNHeads> decide_heads(const float* scores, const std::vector<float>& thresholds);

struct SpotCheckClip {
  size_t line = 0;  // manifest line
  std::string audio_path, voice;
  bool passed = false;
  std::vector<int> wrong;  // heads whose decision differs from the label
};
struct SpotCheckResult {
  const SpotCheck* check = nullptr;
  std::vector<SpotCheckClip> clips;  // empty: the manifest has no clip of it
  bool passed() const;               // has clips and every clip passed
};

}  // namespace inherent::eval
