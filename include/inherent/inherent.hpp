// SPDX-License-Identifier: Apache-2.0
//
// inherent.hpp - a thin, header-only C++ layer over inherent.h. It adds RAII handles,
// std::vector results and exceptions; all work happens behind the C ABI, so code using
// this header tests exactly what C users get.
//
//     inherent::Audio audio = inherent::Audio::read_file("clip.wav");  // 16 kHz mono
//     inherent::Mel mel = inherent::mel(audio.samples(), audio.n_samples());
//     // mel.data: [mel.n_frames, 128]
//
// Errors throw inherent::Exception carrying the status and the C ABI's message.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "inherent.h"

namespace inherent {

class Exception : public std::runtime_error {
 public:
  Exception(inherent_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  inherent_status status() const noexcept { return status_; }

 private:
  inherent_status status_;
};

// Throws Exception with the thread's last error unless status is OK.
inline void check(inherent_status status) {
  if (status != INHERENT_STATUS_OK) {
    const char* msg = inherent_last_error();
    throw Exception(status, (msg && *msg) ? msg : inherent_status_string(status));
  }
}

// Head table (heads.inc), as C++ values.
inline int n_heads() { return inherent_n_heads(); }
inline std::string head_name(int head) { return inherent_head_name(head); }
inline std::string head_threshold_key(int head) { return inherent_head_threshold_key(head); }
inline float head_default_threshold(int head) { return inherent_head_default_threshold(head); }

struct Mel {
  std::vector<float> data;  // [n_frames, 128]
  size_t n_frames = 0;
};

// Batch log-mel of 16 kHz mono samples.
inline Mel mel(const float* samples, size_t n,
               const inherent_frontend_params& params = inherent_frontend_default_params()) {
  Mel m;
  check(inherent_mel_n_frames(n, &params, &m.n_frames));
  m.data.resize(m.n_frames * INHERENT_N_MELS);
  check(inherent_mel_compute(samples, n, &params, m.data.data(), m.n_frames, &m.n_frames));
  return m;
}

// Streaming log-mel; frames equal mel() on the concatenated samples bit for bit.
class Frontend {
 public:
  explicit Frontend(const inherent_frontend_params& params = inherent_frontend_default_params()) {
    inherent_frontend* fe = nullptr;
    check(inherent_frontend_init(&params, &fe));
    handle_.reset(fe);
  }
  void accept(const float* samples, size_t n) { check(inherent_frontend_accept(handle_.get(), samples, n)); }
  void input_finished() { check(inherent_frontend_input_finished(handle_.get())); }
  size_t frames_ready() const { return inherent_frontend_frames_ready(handle_.get()); }
  size_t frames_emitted() const { return inherent_frontend_frames_emitted(handle_.get()); }
  // Pops every ready frame: [n, 128].
  std::vector<float> pop_frames() {
    std::vector<float> out(frames_ready() * INHERENT_N_MELS);
    size_t n = 0;
    check(inherent_frontend_pop_frames(handle_.get(), out.data(), out.size() / INHERENT_N_MELS, &n));
    out.resize(n * INHERENT_N_MELS);
    return out;
  }
  void reset() { check(inherent_frontend_reset(handle_.get())); }
  inherent_frontend* get() const { return handle_.get(); }

 private:
  struct Deleter {
    void operator()(inherent_frontend* fe) const { inherent_frontend_free(fe); }
  };
  std::unique_ptr<inherent_frontend, Deleter> handle_;
};

// Decoded audio: mono, 16 kHz.
class Audio {
 public:
  static Audio read_file(const std::string& path) {
    inherent_audio* a = nullptr;
    check(inherent_audio_read_file(path.c_str(), &a));
    return Audio(a);
  }
  // Interleaved PCM at any rate -> mono 16 kHz.
  static Audio from_pcm(const float* samples, size_t n_frames, int n_channels, int sample_rate) {
    inherent_audio* a = nullptr;
    check(inherent_audio_from_pcm(samples, n_frames, n_channels, sample_rate, &a));
    return Audio(a);
  }
  const float* samples() const { return inherent_audio_samples(handle_.get()); }
  size_t n_samples() const { return inherent_audio_n_samples(handle_.get()); }
  double duration_s() const { return static_cast<double>(n_samples()) / INHERENT_SAMPLE_RATE; }
  int source_rate() const { return inherent_audio_source_rate(handle_.get()); }
  int source_channels() const { return inherent_audio_source_channels(handle_.get()); }

 private:
  explicit Audio(inherent_audio* a) : handle_(a) {}
  struct Deleter {
    void operator()(inherent_audio* a) const { inherent_audio_free(a); }
  };
  std::unique_ptr<inherent_audio, Deleter> handle_;
};

}  // namespace inherent
