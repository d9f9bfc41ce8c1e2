// SPDX-License-Identifier: Apache-2.0
//
// Audio in: any file libsndfile reads (WAV, FLAC, OGG, ...), mixed down to mono and
// resampled to 16 kHz with libsoxr. Host builds only (not WebAssembly).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace inherent {

struct AudioData {
  std::vector<float> samples;  // mono, 16 kHz, integer PCM scaled to [-1, 1]
  int source_rate = 0;
  int source_channels = 0;
  double source_seconds = 0.0;  // the whole file's duration, also when only part was read
};

struct AudioInfo {
  int rate = 0;
  int channels = 0;
  int64_t frames = 0;  // samples per channel at the source rate
  std::string format;  // e.g. "WAV PCM_16"
  double duration_s() const { return rate > 0 ? static_cast<double>(frames) / rate : 0.0; }
};

// Header only; throws Exception (IO_ERROR / UNSUPPORTED) naming the file.
AudioInfo probe_audio_file(const std::string& path);

// Decodes, mixes down and resamples. Throws Exception naming the file on a missing or
// unreadable file, a directory, FIFO or device, a non-audio file, a header with an
// invalid rate or channel count, data shorter than the header says (truncated), zero
// samples, or a NaN/Inf sample. max_seconds > 0 reads only the first max_seconds.
AudioData read_audio_file(const std::string& path, double max_seconds = 0.0);

// The same from an encoded file already in memory (mobile, fuzzing); `name` is used in
// messages in place of a path.
AudioData read_audio_memory(const void* bytes, size_t n, const std::string& name);

// Interleaved PCM [n_frames * channels] at rate -> mono 16 kHz.
AudioData audio_from_pcm(const float* samples, size_t n_frames, int channels, int rate);

// Mono resampling with libsoxr (high quality). Same rate: a copy.
std::vector<float> resample(const float* samples, size_t n, int from_rate, int to_rate);

}  // namespace inherent
