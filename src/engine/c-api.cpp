// SPDX-License-Identifier: Apache-2.0
//
// The C ABI (include/inherent/inherent.h). Every entry point validates its
// arguments, catches every exception and turns it into a status plus the thread's
// last-error message: nothing throws or aborts across this boundary.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <tuple>
#include <vector>

#include "../frontend/log-mel.h"
#include "common/heads.h"
#include "evidence.h"
#include "inherent/inherent.h"
#include "inherent/inherent.hpp"
#include "model-package.h"
#include "model.h"
#include "stream.h"
#if INHERENT_WITH_AUDIO_IO
#include "../frontend/audio-file.h"
#endif

namespace {

thread_local std::string g_last_error;

inherent_status fail(inherent_status status, std::string message) {
  g_last_error = std::move(message);
  return status;
}

// Runs body, mapping exceptions to statuses.
template <typename F>
inherent_status guarded(const char* fn, F&& body) {
  try {
    return body();
  } catch (const inherent::Exception& e) {
    return fail(e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(INHERENT_STATUS_OUT_OF_MEMORY, std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return fail(INHERENT_STATUS_INTERNAL, std::string(fn) + ": " + e.what());
  } catch (...) {
    return fail(INHERENT_STATUS_INTERNAL, std::string(fn) + ": unknown error");
  }
}

#define INHERENT_REQUIRE(cond, fn, what) \
  if (!(cond)) return fail(INHERENT_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + (what))

static_assert(inherent::kNMels == INHERENT_N_MELS && inherent::kHopLength == INHERENT_HOP_LENGTH &&
                  inherent::kWinLength == INHERENT_WIN_LENGTH && inherent::kNFft == INHERENT_N_FFT &&
                  inherent::kSampleRate == INHERENT_SAMPLE_RATE &&
                  inherent::kMaxFrames == INHERENT_MAX_FRAMES,
              "C ABI constants must match the frontend");

std::string non_finite_message(const char* fn, size_t index) {
  return std::string(fn) + ": sample " + std::to_string(index) + " is NaN or infinite";
}

}  // namespace

struct inherent_frontend {
  inherent::MelStream stream;
};

struct inherent_model {
  std::unique_ptr<inherent::engine::Model> model;
};

struct inherent_session {
  const inherent::engine::Model* model;
  std::unique_ptr<inherent::engine::ThreadPool> pool;
  inherent::engine::Workspace ws;
  std::vector<float> mel;  // [frames, 128] of score_audio, reused
  size_t min_voiced = 0;   // frames the minimum-evidence rule asks for (0: off)
  size_t voiced = 0;       // voiced frames of the last input
  bool trim = false;       // score only the speech span
};

struct inherent_stream {
  inherent::engine::Stream stream;
};

namespace {

const inherent::kernels::Kernels* kernels_for(inherent_kernels which) {
  switch (which) {
    case INHERENT_KERNELS_AUTO:
      return &inherent::kernels::kernels_best();
    case INHERENT_KERNELS_GENERIC:
      return inherent::kernels::kernels_by_name("generic");
    case INHERENT_KERNELS_AVX2:
      return inherent::kernels::kernels_by_name("avx2");
    case INHERENT_KERNELS_AVX512:
      return inherent::kernels::kernels_by_name("avx512");
    case INHERENT_KERNELS_AVX512_VNNI:
      return inherent::kernels::kernels_by_name("avx512vnni");
  }
  return nullptr;
}

std::string kernels_name(inherent_kernels which) {
  switch (which) {
    case INHERENT_KERNELS_AUTO:
      return "auto";
    case INHERENT_KERNELS_GENERIC:
      return "generic";
    case INHERENT_KERNELS_AVX2:
      return "avx2 (AVX2 + FMA)";
    case INHERENT_KERNELS_AVX512:
      return "avx512 (AVX-512 F/VL/DQ)";
    case INHERENT_KERNELS_AVX512_VNNI:
      return "avx512vnni (AVX-512 VNNI)";
  }
  return std::to_string(static_cast<int>(which));
}

inherent_status make_model(inherent::ModelPackage package, const inherent_model_params* params,
                           inherent_model** out, const char* fn) {
  const inherent_model_params p = params ? *params : inherent_model_default_params();
  const inherent::kernels::Kernels* k = kernels_for(p.kernels);
  if (!k)
    return fail(INHERENT_STATUS_UNSUPPORTED,
                std::string(fn) + ": kernel set " + kernels_name(p.kernels) +
                    " is not in this build or this CPU cannot run it (fastest here: " +
                    inherent::kernels::kernels_best().name + "; use auto)");
  if (p.precision != INHERENT_PRECISION_FLOAT32 && p.precision != INHERENT_PRECISION_INT8)
    return fail(
        INHERENT_STATUS_INVALID_ARGUMENT,
        std::string(fn) + ": precision " + std::to_string(p.precision) + " is not FLOAT32 (0) or INT8 (1)");
  auto m = std::make_unique<inherent_model>();
  std::string error;
  const inherent_status st = inherent::engine::Model::create(std::move(package), *k, &m->model, &error,
                                                             p.precision == INHERENT_PRECISION_INT8
                                                                 ? inherent::engine::Precision::int8
                                                                 : inherent::engine::Precision::float32);
  if (st != INHERENT_STATUS_OK) return fail(st, std::string(fn) + ": " + error);
  *out = m.release();
  return INHERENT_STATUS_OK;
}

inherent_status check_min_voiced(uint32_t ms, const char* fn) {
  if (ms > 60000)
    return fail(INHERENT_STATUS_INVALID_ARGUMENT,
                std::string(fn) + ": min_voiced_ms = " + std::to_string(ms) + " must be in [0, 60000]");
  return INHERENT_STATUS_OK;
}

// Scores of a clip's log-mel frames under the minimum-evidence rule (evidence.h): too
// few voiced frames give 0 on every head without running the model. A non-finite score
// means weights that load but are wrong, so it is an error naming the model.
inherent_status session_scores(inherent_session* s, const float* mel, size_t n_frames, float* scores,
                               const char* fn) {
  if (s->trim) {
    const auto [start, end] = inherent::engine::speech_span(mel, n_frames, INHERENT_N_MELS);
    if (end > start) mel += start * INHERENT_N_MELS, n_frames = end - start;
  }
  s->voiced = inherent::engine::count_voiced_frames(mel, n_frames, INHERENT_N_MELS);
  if (s->voiced < s->min_voiced) {
    std::fill(scores, scores + INHERENT_N_HEADS, 0.0f);
    return INHERENT_STATUS_OK;
  }
  const int frames = n_frames > static_cast<size_t>(INT32_MAX) ? INT32_MAX : static_cast<int>(n_frames);
  float logits[INHERENT_N_HEADS];
  std::string error;
  const inherent_status st = inherent::engine::forward(*s->model, s->ws, mel, frames, logits, &error);
  if (st != INHERENT_STATUS_OK) return fail(st, std::string(fn) + ": " + error);
  inherent::engine::sigmoid(logits, INHERENT_N_HEADS, scores);
  if (const int h = inherent::engine::first_non_finite_score(scores); h >= 0)
    return fail(INHERENT_STATUS_INVALID_MODEL,
                std::string(fn) + ": " + inherent::engine::non_finite_score_message(*s->model, h));
  return INHERENT_STATUS_OK;
}

inherent_status check_threads(int32_t n_threads, const char* fn) {
  if (n_threads < 1 || n_threads > 64)
    return fail(INHERENT_STATUS_INVALID_ARGUMENT,
                std::string(fn) + ": n_threads = " + std::to_string(n_threads) + " must be in [1, 64]");
  if (n_threads > 1 && !inherent::engine::ThreadPool::available())
    return fail(INHERENT_STATUS_UNSUPPORTED,
                std::string(fn) + ": this build has no threads; use n_threads = 1");
  return INHERENT_STATUS_OK;
}

// Index of the first NaN/Inf value, or n.
size_t first_non_finite(const float* x, size_t n) { return inherent::find_non_finite(x, n); }

// INVALID_ARGUMENT naming the first NaN/Inf value of mel [n_frames, 128], else OK.
inherent_status check_mel_finite(const float* mel, size_t n_frames, const char* fn) {
  const size_t n = n_frames * INHERENT_N_MELS;
  const size_t bad = first_non_finite(mel, n);
  if (bad == n) return INHERENT_STATUS_OK;
  return fail(INHERENT_STATUS_INVALID_ARGUMENT,
              std::string(fn) + ": mel[" + std::to_string(bad / INHERENT_N_MELS) + ", " +
                  std::to_string(bad % INHERENT_N_MELS) + "] is NaN or infinite");
}

}  // namespace

#if INHERENT_WITH_AUDIO_IO
struct inherent_audio {
  inherent::AudioData audio;
};
#endif

extern "C" {

const char* inherent_version(void) {
#define INHERENT_STR2(x) #x
#define INHERENT_STR(x) INHERENT_STR2(x)
  return INHERENT_STR(INHERENT_VERSION_MAJOR) "." INHERENT_STR(INHERENT_VERSION_MINOR) "." INHERENT_STR(
      INHERENT_VERSION_PATCH);
}

int inherent_n_heads(void) { return INHERENT_N_HEADS; }
const char* inherent_head_name(int head) {
  const inherent::HeadInfo* h = inherent::head_info(head);
  return h ? h->name : nullptr;
}
const char* inherent_head_threshold_key(int head) {
  const inherent::HeadInfo* h = inherent::head_info(head);
  return h ? h->key : nullptr;
}
float inherent_head_default_threshold(int head) {
  const inherent::HeadInfo* h = inherent::head_info(head);
  return h ? h->default_threshold : -1.0f;
}

const char* inherent_status_string(inherent_status status) {
  switch (status) {
    case INHERENT_STATUS_OK:
      return "ok";
    case INHERENT_STATUS_INVALID_ARGUMENT:
      return "invalid argument";
    case INHERENT_STATUS_INVALID_AUDIO:
      return "invalid audio";
    case INHERENT_STATUS_IO_ERROR:
      return "I/O error";
    case INHERENT_STATUS_UNSUPPORTED:
      return "unsupported";
    case INHERENT_STATUS_INVALID_STATE:
      return "invalid state";
    case INHERENT_STATUS_BUFFER_TOO_SMALL:
      return "buffer too small";
    case INHERENT_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case INHERENT_STATUS_INVALID_MODEL:
      return "invalid model";
    case INHERENT_STATUS_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

const char* inherent_last_error(void) { return g_last_error.c_str(); }

inherent_frontend_params inherent_frontend_default_params(void) {
  inherent_frontend_params p;
  p.max_frames = INHERENT_MAX_FRAMES;
  return p;
}

inherent_status inherent_mel_n_frames(size_t n_samples, const inherent_frontend_params* params,
                                      size_t* n_frames) {
  INHERENT_REQUIRE(n_frames, "inherent_mel_n_frames", "n_frames is NULL");
  const inherent_frontend_params p = params ? *params : inherent_frontend_default_params();
  *n_frames = inherent::mel_n_frames(n_samples, p.max_frames);
  return INHERENT_STATUS_OK;
}

inherent_status inherent_mel_compute(const float* samples, size_t n_samples,
                                     const inherent_frontend_params* params, float* out, size_t out_frames,
                                     size_t* n_frames) {
  const char* fn = "inherent_mel_compute";
  INHERENT_REQUIRE(samples || n_samples == 0, fn, "samples is NULL");
  INHERENT_REQUIRE(out, fn, "out is NULL");
  INHERENT_REQUIRE(n_frames, fn, "n_frames is NULL");
  return guarded(fn, [&] {
    const inherent_frontend_params p = params ? *params : inherent_frontend_default_params();
    const size_t t = inherent::mel_n_frames(n_samples, p.max_frames);
    if (out_frames < t)
      return fail(INHERENT_STATUS_BUFFER_TOO_SMALL, std::string(fn) + ": out holds " +
                                                        std::to_string(out_frames) + " frames, need " +
                                                        std::to_string(t));
    // Only the samples the frames read need to be finite.
    const size_t used = std::min(n_samples, (t - 1) * inherent::kHopLength + inherent::kWinLength);
    const size_t bad = inherent::find_non_finite(samples, used);
    if (bad != used) return fail(INHERENT_STATUS_INVALID_AUDIO, non_finite_message(fn, bad));
    inherent::LogMel::get().compute(samples, n_samples, t, out);
    *n_frames = t;
    return INHERENT_STATUS_OK;
  });
}

inherent_status inherent_frontend_init(const inherent_frontend_params* params, inherent_frontend** out) {
  INHERENT_REQUIRE(out, "inherent_frontend_init", "out is NULL");
  (void)params;  // streams have no frame cap; params are reserved for future options
  *out = nullptr;
  return guarded("inherent_frontend_init", [&] {
    *out = new inherent_frontend();
    return INHERENT_STATUS_OK;
  });
}

void inherent_frontend_free(inherent_frontend* fe) { delete fe; }

inherent_status inherent_frontend_accept(inherent_frontend* fe, const float* samples, size_t n) {
  const char* fn = "inherent_frontend_accept";
  INHERENT_REQUIRE(fe, fn, "frontend is NULL");
  INHERENT_REQUIRE(samples || n == 0, fn, "samples is NULL");
  if (fe->stream.finished())
    return fail(INHERENT_STATUS_INVALID_STATE, std::string(fn) + ": input already finished; call reset");
  return guarded(fn, [&] {
    const size_t bad = inherent::find_non_finite(samples, n);
    if (bad != n)
      return fail(INHERENT_STATUS_INVALID_AUDIO, non_finite_message(fn, fe->stream.samples_received() + bad));
    fe->stream.accept(samples, n);
    return INHERENT_STATUS_OK;
  });
}

inherent_status inherent_frontend_input_finished(inherent_frontend* fe) {
  INHERENT_REQUIRE(fe, "inherent_frontend_input_finished", "frontend is NULL");
  return guarded("inherent_frontend_input_finished", [&] {
    fe->stream.finish();
    return INHERENT_STATUS_OK;
  });
}

size_t inherent_frontend_frames_ready(const inherent_frontend* fe) {
  return fe ? fe->stream.frames_ready() : 0;
}
size_t inherent_frontend_frames_emitted(const inherent_frontend* fe) {
  return fe ? fe->stream.frames_emitted() : 0;
}

inherent_status inherent_frontend_pop_frames(inherent_frontend* fe, float* out, size_t max_frames,
                                             size_t* n_popped) {
  const char* fn = "inherent_frontend_pop_frames";
  INHERENT_REQUIRE(fe, fn, "frontend is NULL");
  INHERENT_REQUIRE(out || max_frames == 0, fn, "out is NULL");
  INHERENT_REQUIRE(n_popped, fn, "n_popped is NULL");
  *n_popped = fe->stream.pop(out, max_frames);
  return INHERENT_STATUS_OK;
}

inherent_status inherent_frontend_reset(inherent_frontend* fe) {
  INHERENT_REQUIRE(fe, "inherent_frontend_reset", "frontend is NULL");
  fe->stream.reset();
  return INHERENT_STATUS_OK;
}

#if INHERENT_WITH_AUDIO_IO
inherent_status inherent_audio_read_file(const char* path, inherent_audio** out) {
  return inherent_audio_read_file_first(path, 0.0, out);
}

inherent_status inherent_audio_read_file_first(const char* path, double max_seconds, inherent_audio** out) {
  const char* fn = "inherent_audio_read_file";
  if (out) *out = nullptr;  // cleared on every failure, NULL path included
  INHERENT_REQUIRE(path, fn, "path is NULL");
  INHERENT_REQUIRE(out, fn, "out is NULL");
  INHERENT_REQUIRE(max_seconds >= 0.0 && max_seconds < 1e7, fn, "max_seconds must be in [0, 1e7)");
  return guarded(fn, [&] {
    auto a = new inherent_audio{inherent::read_audio_file(path, max_seconds)};
    *out = a;
    return INHERENT_STATUS_OK;
  });
}

inherent_status inherent_audio_from_pcm(const float* samples, size_t n_samples, int n_channels,
                                        int sample_rate, inherent_audio** out) {
  const char* fn = "inherent_audio_from_pcm";
  INHERENT_REQUIRE(out, fn, "out is NULL");
  *out = nullptr;
  return guarded(fn, [&] {
    *out = new inherent_audio{inherent::audio_from_pcm(samples, n_samples, n_channels, sample_rate)};
    return INHERENT_STATUS_OK;
  });
}

void inherent_audio_free(inherent_audio* audio) { delete audio; }
const float* inherent_audio_samples(const inherent_audio* a) { return a ? a->audio.samples.data() : nullptr; }
size_t inherent_audio_n_samples(const inherent_audio* a) { return a ? a->audio.samples.size() : 0; }
int inherent_audio_source_rate(const inherent_audio* a) { return a ? a->audio.source_rate : 0; }
int inherent_audio_source_channels(const inherent_audio* a) { return a ? a->audio.source_channels : 0; }
double inherent_audio_source_seconds(const inherent_audio* a) { return a ? a->audio.source_seconds : 0.0; }
#else
inherent_status inherent_audio_read_file(const char*, inherent_audio** out) {
  if (out) *out = nullptr;
  return fail(INHERENT_STATUS_UNSUPPORTED, "inherent_audio_read_file: this build has no audio file support");
}
inherent_status inherent_audio_read_file_first(const char*, double, inherent_audio** out) {
  if (out) *out = nullptr;
  return fail(INHERENT_STATUS_UNSUPPORTED, "inherent_audio_read_file: this build has no audio file support");
}
inherent_status inherent_audio_from_pcm(const float*, size_t, int, int, inherent_audio** out) {
  if (out) *out = nullptr;
  return fail(INHERENT_STATUS_UNSUPPORTED, "inherent_audio_from_pcm: this build has no resampler");
}
void inherent_audio_free(inherent_audio*) {}
const float* inherent_audio_samples(const inherent_audio*) { return nullptr; }
size_t inherent_audio_n_samples(const inherent_audio*) { return 0; }
int inherent_audio_source_rate(const inherent_audio*) { return 0; }
int inherent_audio_source_channels(const inherent_audio*) { return 0; }
double inherent_audio_source_seconds(const inherent_audio*) { return 0.0; }
#endif

// ---- model -----------------------------------------------------------------------

inherent_model_params inherent_model_default_params(void) {
  inherent_model_params p;
  p.kernels = INHERENT_KERNELS_AUTO;
  p.precision = INHERENT_PRECISION_FLOAT32;
  return p;
}

inherent_status inherent_model_init_from_file(const char* path, const inherent_model_params* params,
                                              inherent_model** out) {
  const char* fn = "inherent_model_init_from_file";
  INHERENT_REQUIRE(out, fn, "out is NULL");
  *out = nullptr;
  INHERENT_REQUIRE(path, fn, "path is NULL");
  return guarded(fn, [&] {
    inherent::ModelPackage package;
    std::string error;
    const inherent_status st = inherent::model_package_load_path(path, &package, &error);
    if (st != INHERENT_STATUS_OK) return fail(st, error);
    return make_model(std::move(package), params, out, fn);
  });
}

inherent_status inherent_model_init_from_memory(const void* weights, size_t n_weights, const char* metadata,
                                                size_t n_metadata, const inherent_model_params* params,
                                                inherent_model** out) {
  const char* fn = "inherent_model_init_from_memory";
  INHERENT_REQUIRE(out, fn, "out is NULL");
  *out = nullptr;
  INHERENT_REQUIRE(weights, fn, "weights is NULL");
  INHERENT_REQUIRE(metadata || n_metadata == 0, fn, "metadata is NULL but n_metadata is not 0");
  return guarded(fn, [&] {
    inherent::ModelPackage package;
    std::string error;
    const inherent_status st =
        inherent::model_package_load_memory(weights, n_weights, metadata, n_metadata, &package, &error);
    if (st != INHERENT_STATUS_OK) return fail(st, std::string(fn) + ": " + error);
    return make_model(std::move(package), params, out, fn);
  });
}

void inherent_model_free(inherent_model* model) { delete model; }

const char* inherent_model_metadata(const inherent_model* model) {
  return model ? model->model->metadata().text.c_str() : "";
}
const char* inherent_model_version(const inherent_model* model) {
  return model ? model->model->metadata().model_version.c_str() : "";
}
inherent_precision inherent_model_precision(const inherent_model* model) {
  return model && model->model->precision() == inherent::engine::Precision::int8 ? INHERENT_PRECISION_INT8
                                                                                 : INHERENT_PRECISION_FLOAT32;
}

const char* inherent_model_kernels_name(const inherent_model* model) {
  return model ? model->model->kernels().name : "";
}
int64_t inherent_model_n_params(const inherent_model* model) { return model ? model->model->n_params() : 0; }
float inherent_model_threshold(const inherent_model* model, int head) {
  if (!model || head < 0 || head >= INHERENT_N_HEADS) return -1.0f;
  return model->model->metadata().thresholds[head];
}

inherent_status inherent_model_decide(const inherent_model* model, const float* scores, uint32_t* fired) {
  const char* fn = "inherent_model_decide";
  INHERENT_REQUIRE(model, fn, "model is NULL");
  INHERENT_REQUIRE(scores, fn, "scores is NULL");
  INHERENT_REQUIRE(fired, fn, "fired is NULL");
  *fired = inherent::engine::decide(scores, model->model->metadata().thresholds);
  return INHERENT_STATUS_OK;
}

// ---- session ---------------------------------------------------------------------

inherent_session_params inherent_session_default_params(void) {
  inherent_session_params p;
  p.reserve_frames = 0;
  p.n_threads = 1;
  p.min_voiced_ms = INHERENT_DEFAULT_MIN_VOICED_MS;
  p.trim_to_speech = -1;
  return p;
}

inherent_status inherent_session_init(const inherent_model* model, const inherent_session_params* params,
                                      inherent_session** out) {
  const char* fn = "inherent_session_init";
  INHERENT_REQUIRE(out, fn, "out is NULL");
  *out = nullptr;
  INHERENT_REQUIRE(model, fn, "model is NULL");
  const inherent_session_params p = params ? *params : inherent_session_default_params();
  INHERENT_REQUIRE(p.reserve_frames <= INHERENT_MAX_FRAMES, fn,
                   "reserve_frames " + std::to_string(p.reserve_frames) + " is more than 3000");
  if (const inherent_status st = check_threads(p.n_threads, fn); st != INHERENT_STATUS_OK) return st;
  if (const inherent_status st = check_min_voiced(p.min_voiced_ms, fn); st != INHERENT_STATUS_OK) return st;
  INHERENT_REQUIRE(p.trim_to_speech >= -1 && p.trim_to_speech <= 1, fn,
                   "trim_to_speech = " + std::to_string(p.trim_to_speech) + " must be -1, 0 or 1");
  return guarded(fn, [&] {
    auto s = std::make_unique<inherent_session>();
    s->model = model->model.get();
    s->min_voiced = inherent::engine::min_voiced_frames(p.min_voiced_ms);
    s->trim = p.trim_to_speech == 1 || (p.trim_to_speech == -1 && s->model->metadata().trim_to_speech);
    if (p.n_threads > 1) {
      s->pool = std::make_unique<inherent::engine::ThreadPool>(p.n_threads);
      s->ws.threads = s->pool.get();
    }
    if (p.reserve_frames > 0) {
      s->ws.reserve(*s->model, static_cast<int>(p.reserve_frames));
      s->mel.reserve(p.reserve_frames * INHERENT_N_MELS);
    }
    *out = s.release();
    return INHERENT_STATUS_OK;
  });
}

void inherent_session_free(inherent_session* session) { delete session; }

inherent_status inherent_session_score_mel(inherent_session* session, const float* mel, size_t n_frames,
                                           float* scores) {
  const char* fn = "inherent_session_score_mel";
  INHERENT_REQUIRE(session, fn, "session is NULL");
  INHERENT_REQUIRE(mel, fn, "mel is NULL");
  INHERENT_REQUIRE(scores, fn, "scores is NULL");
  INHERENT_REQUIRE(n_frames > 0, fn, "n_frames is 0");
  INHERENT_REQUIRE(n_frames <= SIZE_MAX / INHERENT_N_MELS, fn,
                   "n_frames " + std::to_string(n_frames) + " is too large");
  return guarded(fn, [&] {
    if (const inherent_status st = check_mel_finite(mel, n_frames, fn); st != INHERENT_STATUS_OK) return st;
    // Long inputs are fine while their tail is padding; forward() checks the rest.
    return session_scores(session, mel, n_frames, scores, fn);
  });
}

inherent_status inherent_session_score_audio(inherent_session* session, const float* samples,
                                             size_t n_samples, float* scores) {
  const char* fn = "inherent_session_score_audio";
  INHERENT_REQUIRE(session, fn, "session is NULL");
  INHERENT_REQUIRE(samples || n_samples == 0, fn, "samples is NULL");
  INHERENT_REQUIRE(scores, fn, "scores is NULL");
  return guarded(fn, [&] {
    const size_t t = inherent::mel_n_frames(n_samples, inherent::kMaxFrames);
    const size_t used = std::min(n_samples, (t - 1) * inherent::kHopLength + inherent::kWinLength);
    const size_t bad = inherent::find_non_finite(samples, used);
    if (bad != used) return fail(INHERENT_STATUS_INVALID_AUDIO, non_finite_message(fn, bad));
    session->mel.resize(t * INHERENT_N_MELS);
    inherent::LogMel::get().compute(samples, n_samples, t, session->mel.data());
    return session_scores(session, session->mel.data(), t, scores, fn);
  });
}

size_t inherent_session_voiced_frames(const inherent_session* session) {
  return session ? session->voiced : 0;
}

inherent_status inherent_mel_voiced_frames(const float* mel, size_t n_frames, size_t* n_voiced) {
  const char* fn = "inherent_mel_voiced_frames";
  INHERENT_REQUIRE(n_voiced, fn, "n_voiced is NULL");
  INHERENT_REQUIRE(mel || n_frames == 0, fn, "mel is NULL");
  INHERENT_REQUIRE(n_frames <= SIZE_MAX / INHERENT_N_MELS, fn, "n_frames is too large");
  *n_voiced = inherent::engine::count_voiced_frames(mel, n_frames, INHERENT_N_MELS);
  return INHERENT_STATUS_OK;
}

inherent_status inherent_mel_speech_span(const float* mel, size_t n_frames, size_t* start, size_t* end) {
  const char* fn = "inherent_mel_speech_span";
  INHERENT_REQUIRE(start && end, fn, "start or end is NULL");
  INHERENT_REQUIRE(mel || n_frames == 0, fn, "mel is NULL");
  INHERENT_REQUIRE(n_frames <= SIZE_MAX / INHERENT_N_MELS, fn, "n_frames is too large");
  return guarded(fn, [&] {
    if (const inherent_status st = check_mel_finite(mel, n_frames, fn); st != INHERENT_STATUS_OK) return st;
    std::tie(*start, *end) = inherent::engine::speech_span(mel, n_frames, INHERENT_N_MELS);
    return INHERENT_STATUS_OK;
  });
}

// ---- stream ----------------------------------------------------------------------

inherent_stream_params inherent_stream_default_params(void) {
  inherent_stream_params p;
  p.window_ms = 2000;
  p.hop_ms = 100;
  p.smoothing = 1;
  p.hysteresis = 0.0f;
  p.max_pending = 64;
  p.partial = 1;
  p.n_threads = 1;
  p.min_voiced_ms = INHERENT_DEFAULT_MIN_VOICED_MS;
  return p;
}

inherent_status inherent_stream_init(const inherent_model* model, const inherent_stream_params* params,
                                     inherent_stream** out) {
  const char* fn = "inherent_stream_init";
  INHERENT_REQUIRE(out, fn, "out is NULL");
  *out = nullptr;
  INHERENT_REQUIRE(model, fn, "model is NULL");
  const inherent_stream_params p = params ? *params : inherent_stream_default_params();
  const auto ms_ok = [](uint32_t ms) { return ms >= 20 && ms <= 60000 && ms % 20 == 0; };
  INHERENT_REQUIRE(ms_ok(p.window_ms), fn,
                   "window_ms = " + std::to_string(p.window_ms) + " must be a multiple of 20 in [20, 60000]");
  INHERENT_REQUIRE(static_cast<int64_t>(p.window_ms / 20) <= model->model->max_frames(), fn,
                   "window_ms = " + std::to_string(p.window_ms) + " is longer than the " +
                       std::to_string(model->model->max_frames() * 20) + " ms this model reads");
  INHERENT_REQUIRE(ms_ok(p.hop_ms), fn,
                   "hop_ms = " + std::to_string(p.hop_ms) + " must be a multiple of 20 in [20, 60000]");
  INHERENT_REQUIRE(p.smoothing >= 1 && p.smoothing <= 1000, fn,
                   "smoothing = " + std::to_string(p.smoothing) + " must be in [1, 1000]");
  INHERENT_REQUIRE(p.hysteresis >= 0.0f && p.hysteresis <= 1.0f, fn, "hysteresis must be in [0, 1]");
  INHERENT_REQUIRE(p.max_pending >= 1 && p.max_pending <= 1000000, fn, "max_pending must be in [1, 1000000]");
  INHERENT_REQUIRE(p.partial == 0 || p.partial == 1, fn, "partial must be 0 or 1");
  if (const inherent_status st = check_threads(p.n_threads, fn); st != INHERENT_STATUS_OK) return st;
  if (const inherent_status st = check_min_voiced(p.min_voiced_ms, fn); st != INHERENT_STATUS_OK) return st;
  return guarded(fn, [&] {
    inherent::engine::StreamConfig c;
    c.min_voiced_frames = static_cast<int>(inherent::engine::min_voiced_frames(p.min_voiced_ms));
    c.window_frames = static_cast<int>(p.window_ms / 20);
    c.hop_frames = static_cast<int>(p.hop_ms / 20);
    c.smoothing = static_cast<int>(p.smoothing);
    c.hysteresis = p.hysteresis;
    c.max_pending = static_cast<int>(p.max_pending);
    c.partial = p.partial != 0;
    c.n_threads = p.n_threads;
    *out = new inherent_stream{inherent::engine::Stream(*model->model, c)};
    return INHERENT_STATUS_OK;
  });
}

void inherent_stream_free(inherent_stream* stream) { delete stream; }

inherent_status inherent_stream_accept(inherent_stream* stream, const float* samples, size_t n) {
  const char* fn = "inherent_stream_accept";
  INHERENT_REQUIRE(stream, fn, "stream is NULL");
  INHERENT_REQUIRE(samples || n == 0, fn, "samples is NULL");
  if (stream->stream.finished())
    return fail(INHERENT_STATUS_INVALID_STATE, std::string(fn) + ": input already finished; call reset");
  return guarded(fn, [&] {
    const size_t bad = inherent::find_non_finite(samples, n);
    if (bad != n)
      return fail(INHERENT_STATUS_INVALID_AUDIO,
                  non_finite_message(fn, stream->stream.samples_received() + bad));
    stream->stream.accept(samples, n);
    return INHERENT_STATUS_OK;
  });
}

inherent_status inherent_stream_input_finished(inherent_stream* stream) {
  const char* fn = "inherent_stream_input_finished";
  INHERENT_REQUIRE(stream, fn, "stream is NULL");
  return guarded(fn, [&] {
    if (!stream->stream.finished()) stream->stream.finish();
    return INHERENT_STATUS_OK;
  });
}

size_t inherent_stream_ready(const inherent_stream* stream) { return stream ? stream->stream.ready() : 0; }

inherent_status inherent_stream_scores(inherent_stream* stream, inherent_stream_result* out) {
  const char* fn = "inherent_stream_scores";
  INHERENT_REQUIRE(stream, fn, "stream is NULL");
  INHERENT_REQUIRE(out, fn, "out is NULL");
  return guarded(fn, [&] {
    inherent::engine::StreamResult r;
    if (!stream->stream.next(&r))
      return fail(INHERENT_STATUS_INVALID_STATE,
                  std::string(fn) + ": no result is ready (check inherent_stream_ready)");
    constexpr double kFrame = static_cast<double>(INHERENT_HOP_LENGTH) / INHERENT_SAMPLE_RATE;
    out->start_s = static_cast<double>(r.first_frame) * kFrame;
    out->end_s = static_cast<double>(r.first_frame + r.n_frames) * kFrame;
    std::memcpy(out->scores, r.scores, sizeof out->scores);
    std::memcpy(out->smoothed, r.smoothed, sizeof out->smoothed);
    out->fired = r.fired;
    out->skipped = r.skipped;
    return INHERENT_STATUS_OK;
  });
}

inherent_status inherent_stream_reset(inherent_stream* stream) {
  INHERENT_REQUIRE(stream, "inherent_stream_reset", "stream is NULL");
  return guarded("inherent_stream_reset", [&] {
    stream->stream.reset();
    return INHERENT_STATUS_OK;
  });
}

}  // extern "C"
