// SPDX-License-Identifier: Apache-2.0
//
// Hand-written fixture utterances (data/fixtures/fixtures.json) and how a model is judged
// on them. The index holds {"format": "inherent-fixtures", "version": 1, "fixtures":
// [{"id", "text", "kind", "labels": {13 head names: 0 or 1}}]}. `inherent fixtures
// --index` speaks each one with TTS voices into a labels manifest whose template_id is
// "fixture:<id>"; `inherent eval --fixtures` scores that manifest and a fixture passes
// when every head's decision equals its label on every clip of it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace inherent::eval {

struct Fixture {
  std::string id, text, kind;
  std::array<uint8_t, kNHeads> labels{};
};

// Reads and validates the index; throws inherent::Exception naming the file, the
// fixture (index and id) and the field at fault.
std::vector<Fixture> read_fixture_index(const std::string& path);

// template_id of a fixture's clips, and the id back ("" when template_id is not one).
std::string fixture_template_id(const std::string& id);
std::string fixture_id_of(const std::string& template_id);

// The engine's decision rule (inherent_model_decide): head h fires when its score >= its
// threshold, and intents (1..12) only when head 0 fires too.
std::array<uint8_t, kNHeads> decide_heads(const float* scores, const std::vector<float>& thresholds);

struct FixtureClip {
  size_t line = 0;  // manifest line
  std::string audio_path, voice;
  bool passed = false;
  std::vector<int> wrong;  // heads whose decision differs from the label
};
struct FixtureResult {
  const Fixture* fixture = nullptr;
  std::vector<FixtureClip> clips;  // empty: the manifest has no clip of it
  bool passed() const;             // has clips and every clip passed
};

}  // namespace inherent::eval
