// SPDX-License-Identifier: Apache-2.0
//
// The C ABI (include/inherent/inherent.h). Every entry point validates its
// arguments, catches every exception and turns it into a status plus the thread's
// last-error message: nothing throws or aborts across this boundary.
#include "inherent/inherent.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "inherent/inherent.hpp"
#include "../frontend/log-mel.h"
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

struct HeadRow {
  const char* name;
  const char* key;
  float threshold;
};
constexpr HeadRow kHeads[] = {
#define INHERENT_HEAD(index, name, key, threshold) {#name, #key, threshold},
#include "inherent/heads.inc"
#undef INHERENT_HEAD
};
static_assert(sizeof(kHeads) / sizeof(kHeads[0]) == INHERENT_N_HEADS, "heads.inc must list 13 heads");
static_assert(inherent::kNMels == INHERENT_N_MELS && inherent::kHopLength == INHERENT_HOP_LENGTH &&
                  inherent::kWinLength == INHERENT_WIN_LENGTH && inherent::kNFft == INHERENT_N_FFT &&
                  inherent::kSampleRate == INHERENT_SAMPLE_RATE && inherent::kMaxFrames == INHERENT_MAX_FRAMES,
              "C ABI constants must match the frontend");

std::string non_finite_message(const char* fn, size_t index) {
  return std::string(fn) + ": sample " + std::to_string(index) + " is NaN or infinite";
}

}  // namespace

struct inherent_frontend {
  inherent::MelStream stream;
};

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
  return head >= 0 && head < INHERENT_N_HEADS ? kHeads[head].name : nullptr;
}
const char* inherent_head_threshold_key(int head) {
  return head >= 0 && head < INHERENT_N_HEADS ? kHeads[head].key : nullptr;
}
float inherent_head_default_threshold(int head) {
  return head >= 0 && head < INHERENT_N_HEADS ? kHeads[head].threshold : -1.0f;
}

const char* inherent_status_string(inherent_status status) {
  switch (status) {
    case INHERENT_STATUS_OK: return "ok";
    case INHERENT_STATUS_INVALID_ARGUMENT: return "invalid argument";
    case INHERENT_STATUS_INVALID_AUDIO: return "invalid audio";
    case INHERENT_STATUS_IO_ERROR: return "I/O error";
    case INHERENT_STATUS_UNSUPPORTED: return "unsupported";
    case INHERENT_STATUS_INVALID_STATE: return "invalid state";
    case INHERENT_STATUS_BUFFER_TOO_SMALL: return "buffer too small";
    case INHERENT_STATUS_OUT_OF_MEMORY: return "out of memory";
    case INHERENT_STATUS_INVALID_MODEL: return "invalid model";
    case INHERENT_STATUS_INTERNAL: return "internal error";
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
                                     const inherent_frontend_params* params, float* out,
                                     size_t out_frames, size_t* n_frames) {
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
      return fail(INHERENT_STATUS_INVALID_AUDIO,
                  non_finite_message(fn, fe->stream.samples_received() + bad));
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

size_t inherent_frontend_frames_ready(const inherent_frontend* fe) { return fe ? fe->stream.frames_ready() : 0; }
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
  const char* fn = "inherent_audio_read_file";
  if (out) *out = nullptr;  // cleared on every failure, NULL path included
  INHERENT_REQUIRE(path, fn, "path is NULL");
  INHERENT_REQUIRE(out, fn, "out is NULL");
  return guarded(fn, [&] {
    auto a = new inherent_audio{inherent::read_audio_file(path)};
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
#else
inherent_status inherent_audio_read_file(const char*, inherent_audio** out) {
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
#endif

}  // extern "C"
