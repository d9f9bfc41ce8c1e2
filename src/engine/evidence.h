// SPDX-License-Identifier: Apache-2.0
//
// The minimum-evidence rule: too little sound never wakes the assistant.
//
// A model scores whatever it is given, and on an empty buffer, one sample or half a
// second of digital silence it can say "addressed" with confidence: nothing in
// training forbade it. A front door must not wake on nothing, so every scoring path
// (session, stream, and through them the CLI, Python and WebAssembly) applies this one
// rule before it reports scores:
//
//   a log-mel frame is *voiced* when its loudest bin reaches kVoicedLogMelFloor (a
//   frame of exact zeros is padding, never voiced), and
//   an input with fewer than min_voiced_frames voiced frames scores 0 on every head.
//
// The floor, -12 in the frontend's natural-log units, is where broadband noise near
// -57 dBFS RMS lands (white noise at -60 dBFS: -12.6; digital silence: -18.4; quiet
// speech at -40 dBFS peaks near -8). The default minimum is 10 frames (200 ms): a
// shorter burst is not a request. The rule is a floor, not a voice-activity detector:
// loud noise still reaches the model. docs/engine.md, "Minimum evidence".
#pragma once

#include <cstddef>

namespace inherent::engine {

inline constexpr float kVoicedLogMelFloor = -12.0f;
inline constexpr unsigned kDefaultMinVoicedMs = 200;

// One raw (unnormalized) log-mel frame of n_mels bins.
bool frame_is_voiced(const float* frame, int n_mels);

// Voiced frames among mel [n_frames, n_mels].
size_t count_voiced_frames(const float* mel, size_t n_frames, int n_mels);

// Frames (20 ms each) that min_voiced_ms asks for; 0 turns the rule off.
size_t min_voiced_frames(unsigned min_voiced_ms);

}  // namespace inherent::engine
