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
//     inherent::Model model = inherent::Model::from_file("models/small");  // shareable
//     inherent::Session session(model);                                     // per thread
//     inherent::Scores s = session.score_audio(audio.samples(), audio.n_samples());
//     if (model.decide(s) & 1) ...                                          // gate fired
//
//     inherent::Stream stream(model);  // 2 s window, 100 ms hop
//     stream.accept(chunk, n);
//     for (const inherent_stream_result& r : stream.results()) ...
//
// Errors throw inherent::Exception carrying the status and the C ABI's message.
#pragma once

#include <array>
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

// Engine parameters from the names the CLI and the bindings take: kernels auto, generic,
// avx2, avx512 or avx512vnni; precision float32 or int8. Other names throw.
inline inherent_model_params model_params(const std::string& kernels, const std::string& precision) {
  inherent_model_params p = inherent_model_default_params();
  if (kernels == "generic") {
    p.kernels = INHERENT_KERNELS_GENERIC;
  } else if (kernels == "avx2") {
    p.kernels = INHERENT_KERNELS_AVX2;
  } else if (kernels == "avx512") {
    p.kernels = INHERENT_KERNELS_AVX512;
  } else if (kernels == "avx512vnni") {
    p.kernels = INHERENT_KERNELS_AVX512_VNNI;
  } else if (kernels != "auto") {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "kernels must be one of auto, generic, avx2, avx512, avx512vnni; got '" + kernels + "'");
  }
  if (precision == "int8") {
    p.precision = INHERENT_PRECISION_INT8;
  } else if (precision != "float32") {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "precision must be float32 or int8; got '" + precision + "'");
  }
  return p;
}

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
  // max_seconds > 0: decode only the file's first max_seconds.
  static Audio read_file(const std::string& path, double max_seconds = 0.0) {
    inherent_audio* a = nullptr;
    check(inherent_audio_read_file_first(path.c_str(), max_seconds, &a));
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
  double source_seconds() const { return inherent_audio_source_seconds(handle_.get()); }

 private:
  explicit Audio(inherent_audio* a) : handle_(a) {}
  struct Deleter {
    void operator()(inherent_audio* a) const { inherent_audio_free(a); }
  };
  std::unique_ptr<inherent_audio, Deleter> handle_;
};

// 13 scores in head order.
using Scores = std::array<float, INHERENT_N_HEADS>;

// A loaded model package (immutable; share it between threads). Move-only.
class Model {
 public:
  static Model from_file(const std::string& path,
                         const inherent_model_params& params = inherent_model_default_params()) {
    inherent_model* m = nullptr;
    check(inherent_model_init_from_file(path.c_str(), &params, &m));
    return Model(m);
  }
  // metadata may be empty to read the copy embedded in the weights.
  static Model from_memory(const void* weights, size_t n_weights, const std::string& metadata = {},
                           const inherent_model_params& params = inherent_model_default_params()) {
    inherent_model* m = nullptr;
    check(inherent_model_init_from_memory(weights, n_weights, metadata.empty() ? nullptr : metadata.data(),
                                          metadata.size(), &params, &m));
    return Model(m);
  }
  std::string metadata() const { return inherent_model_metadata(get()); }
  std::string version() const { return inherent_model_version(get()); }
  std::string kernels_name() const { return inherent_model_kernels_name(get()); }
  inherent_precision precision() const { return inherent_model_precision(get()); }
  int64_t n_params() const { return inherent_model_n_params(get()); }
  float threshold(int head) const { return inherent_model_threshold(get(), head); }
  // Bit i set: head i fires (intents only with the gate).
  uint32_t decide(const Scores& scores) const {
    uint32_t fired = 0;
    check(inherent_model_decide(get(), scores.data(), &fired));
    return fired;
  }
  const inherent_model* get() const { return handle_.get(); }

 private:
  explicit Model(inherent_model* m) : handle_(m) {}
  struct Deleter {
    void operator()(inherent_model* m) const { inherent_model_free(m); }
  };
  std::unique_ptr<inherent_model, Deleter> handle_;
};

// Scores whole clips; one per thread. The model must outlive it.
class Session {
 public:
  explicit Session(const Model& model,
                   const inherent_session_params& params = inherent_session_default_params()) {
    inherent_session* s = nullptr;
    check(inherent_session_init(model.get(), &params, &s));
    handle_.reset(s);
  }
  // mel [n_frames, 128].
  Scores score_mel(const float* mel, size_t n_frames) {
    Scores out{};
    check(inherent_session_score_mel(handle_.get(), mel, n_frames, out.data()));
    return out;
  }
  // 16 kHz mono samples; the first 60 s are scored.
  Scores score_audio(const float* samples, size_t n) {
    Scores out{};
    check(inherent_session_score_audio(handle_.get(), samples, n, out.data()));
    return out;
  }
  // Voiced frames of the last input (the minimum-evidence rule's count).
  size_t voiced_frames() const { return inherent_session_voiced_frames(handle_.get()); }
  inherent_session* get() const { return handle_.get(); }

 private:
  struct Deleter {
    void operator()(inherent_session* s) const { inherent_session_free(s); }
  };
  std::unique_ptr<inherent_session, Deleter> handle_;
};

// Scores every hop over a sliding window of live audio; one per source. The model must
// outlive it.
class Stream {
 public:
  explicit Stream(const Model& model,
                  const inherent_stream_params& params = inherent_stream_default_params()) {
    inherent_stream* s = nullptr;
    check(inherent_stream_init(model.get(), &params, &s));
    handle_.reset(s);
  }
  void accept(const float* samples, size_t n) { check(inherent_stream_accept(handle_.get(), samples, n)); }
  void input_finished() { check(inherent_stream_input_finished(handle_.get())); }
  size_t ready() const { return inherent_stream_ready(handle_.get()); }
  // Computes the oldest ready result (throws INVALID_STATE when none is ready).
  inherent_stream_result scores() {
    inherent_stream_result r{};
    check(inherent_stream_scores(handle_.get(), &r));
    return r;
  }
  // Computes every ready result, oldest first.
  std::vector<inherent_stream_result> results() {
    std::vector<inherent_stream_result> out;
    while (ready() > 0) out.push_back(scores());
    return out;
  }
  void reset() { check(inherent_stream_reset(handle_.get())); }
  inherent_stream* get() const { return handle_.get(); }

 private:
  struct Deleter {
    void operator()(inherent_stream* s) const { inherent_stream_free(s); }
  };
  std::unique_ptr<inherent_stream, Deleter> handle_;
};

}  // namespace inherent
