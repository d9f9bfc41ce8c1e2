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
#include <utility>

namespace inherent::engine {

inline constexpr float kVoicedLogMelFloor = -12.0f;
inline constexpr unsigned kDefaultMinVoicedMs = 200;

// One raw (unnormalized) log-mel frame of n_mels bins.
bool frame_is_voiced(const float* frame, int n_mels);

// Voiced frames among mel [n_frames, n_mels].
size_t count_voiced_frames(const float* mel, size_t n_frames, int n_mels);

// Frames (20 ms each) that min_voiced_ms asks for; 0 turns the rule off.
size_t min_voiced_frames(unsigned min_voiced_ms);

// The speech span: where an input's speech is, so that seconds of room noise around the
// words do not change what the model reads. Real requests sit in files of 7-11 s with
// 2-4 s of speech; models learn from clips padded by well under a second.
//
//   each frame's speech-band energy (the mel bins centred in 250-4000 Hz, summed as
//   power, smoothed over 3 frames; a lone click is not speech) in dB;
//   floor = its 10th percentile, loud = the mean of its loudest tenth;
//   active = frames at or above max(floor + 0.5 (loud - floor), loud - 40 dB);
//   span = first to last active frame, plus kSpeechSpanMarginFrames each side.
//
// An input whose loud level is within 6 dB of its floor (silence, steady noise) keeps
// every frame, and so does one shorter than 3 frames. Trailing all-zero frames are
// padding: never in the span. docs/engine.md, "Speech span".
inline constexpr int kSpeechSpanMarginFrames = 12;  // 240 ms

// [start, end) frames of mel [n_frames, n_mels] (raw log-mel) that hold its speech.
std::pair<size_t, size_t> speech_span(const float* mel, size_t n_frames, int n_mels);

}  // namespace inherent::engine
