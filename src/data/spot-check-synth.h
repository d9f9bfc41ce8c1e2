// SPDX-License-Identifier: Apache-2.0
//
// Hand-written spot check utterances spoken by TTS voices (`inherent spot-checks --index`):
// one clip per (utterance, voice), unaugmented, at each voice's default rate and pitch,
// and a labels manifest in the format `inherent synth` writes (labels_header(); split
// test; template_id "spot:<id>", category "spot check", kind as in the index).
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

struct SpotCheckUtterance {
  std::string id, text, kind;
  Heads heads{};
};

struct SpotCheckStats {
  size_t clips = 0, rendered = 0, reused = 0;
  double wall_s = 0, audio_s = 0;
};

// Voices whose id matches one of the patterns (voice_matches), in inventory order;
// throws naming a pattern that matches no voice.
std::vector<const tts::Voice*> select_voices(const tts::Synthesizer& tts,
                                             const std::vector<std::string>& patterns);

// Renders what is missing under out_dir, then writes the manifest (atomically; relative
// audio paths when it sits in out_dir). threads 0: all cores. Throws listing failed clips.
SpotCheckStats render_spot_checks(const std::vector<SpotCheckUtterance>& utterances,
                                  const std::vector<const tts::Voice*>& voices, const tts::Synthesizer& tts,
                                  const std::string& out_dir, const std::string& manifest, int threads,
                                  bool quiet);

}  // namespace inherent::synth
