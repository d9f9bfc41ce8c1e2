// SPDX-License-Identifier: Apache-2.0
//
// Hand-written fixture utterances spoken by TTS voices (`inherent fixtures --index`):
// one clip per (utterance, voice), unaugmented, at each voice's default rate and pitch,
// and a labels manifest in the format `inherent synth` writes (labels_header(); split
// test; template_id "fixture:<id>", category "fixture", kind as in the index).
//
// Layout of the output folder:
//   wav/<voice>/<id>-<hash>.wav   hash: FNV-1a of the text, so an edited text is spoken again
// A rerun reuses every clip already on disk (a killed run resumes); clips are written
// atomically and the manifest last.
#pragma once

#include <string>
#include <vector>

#include "data/synth.h"

namespace inherent::synth {

struct FixtureUtterance {
  std::string id, text, kind;
  Heads heads{};
};

struct FixtureStats {
  size_t clips = 0, rendered = 0, reused = 0;
  double wall_s = 0, audio_s = 0;
};

// Voices whose id matches one of the patterns (voice_matches), in inventory order;
// throws naming a pattern that matches no voice.
std::vector<const tts::Voice*> select_voices(const tts::Synthesizer& tts,
                                             const std::vector<std::string>& patterns);

// Renders what is missing under out_dir, then writes the manifest (atomically; relative
// audio paths when it sits in out_dir). threads 0: all cores. Throws listing failed clips.
FixtureStats render_fixtures(const std::vector<FixtureUtterance>& utterances,
                             const std::vector<const tts::Voice*>& voices, const tts::Synthesizer& tts,
                             const std::string& out_dir, const std::string& manifest, int threads,
                             bool quiet);

}  // namespace inherent::synth
