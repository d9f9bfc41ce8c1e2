/* SPDX-License-Identifier: Apache-2.0
 *
 * inherent.h - the C ABI of inherent, a speech gate for voice assistants.
 *
 * One small model reads a log-mel window of 16 kHz audio and scores 13 heads in one
 * pass: head 0 says whether the speech is addressed to the assistant, heads 1..12 say
 * which kind of request it is (see heads.inc). This header is the product contract;
 * the C++ wrapper (inherent.hpp), the CLI, the Python module and the WebAssembly
 * build all sit on top of it.
 *
 * Basic usage (frontend, batch):
 *
 *     size_t n_frames = 0;
 *     inherent_mel_n_frames(n_samples, 0, &n_frames);            // frames for this clip
 *     float *mel = malloc(n_frames * INHERENT_N_MELS * sizeof(float));
 *     if (inherent_mel_compute(samples, n_samples, 0, mel, n_frames, &n_frames)
 *             != INHERENT_STATUS_OK)
 *         fprintf(stderr, "%s\n", inherent_last_error());
 *
 * Basic usage (frontend, streaming; bit-identical to batch on the same samples):
 *
 *     inherent_frontend *fe = NULL;
 *     inherent_frontend_params p = inherent_frontend_default_params();
 *     inherent_frontend_init(&p, &fe);
 *     while (have_audio) {
 *         inherent_frontend_accept(fe, chunk, chunk_len);          // any chunk size
 *         while (inherent_frontend_frames_ready(fe) > 0)
 *             inherent_frontend_pop_frames(fe, frame, 1, &got);   // frame: float[128]
 *     }
 *     inherent_frontend_input_finished(fe);                        // flush the tail
 *     ...
 *     inherent_frontend_free(fe);
 *
 * Conventions
 *   - Every fallible call returns inherent_status; results come back through
 *     out-parameters. On failure, inherent_last_error() returns a message for the
 *     last failing call on the calling thread (thread-local, valid until the next
 *     failing call on that thread). Bad input never aborts the process.
 *   - Defaults come from *_default_params() functions, never from zeroed structs.
 *   - Shapes are row-major. T = frames (20 ms each), M = INHERENT_N_MELS = 128.
 *   - Audio is mono float PCM in [-1, 1] at 16 kHz unless a function says otherwise.
 *
 * Thread safety
 *   - Functions without a handle are safe to call from any thread.
 *   - A handle (inherent_frontend, inherent_audio) may be used by one thread at a
 *     time; different handles may be used concurrently. Future model handles are
 *     immutable after init and shareable across threads; stream handles are not.
 */
#ifndef INHERENT_H
#define INHERENT_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(INHERENT_SHARED)
#  if defined(INHERENT_BUILDING)
#    define INHERENT_API __declspec(dllexport)
#  else
#    define INHERENT_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define INHERENT_API __attribute__((visibility("default")))
#else
#  define INHERENT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------
 * Versions and constants
 * ------------------------------------------------------------------------------- */

#define INHERENT_VERSION_MAJOR 0
#define INHERENT_VERSION_MINOR 1
#define INHERENT_VERSION_PATCH 0

#define INHERENT_N_HEADS 13      /* outputs of every model, see heads.inc */
#define INHERENT_SAMPLE_RATE 16000
#define INHERENT_N_MELS 128      /* log-mel bins per frame */
#define INHERENT_WIN_LENGTH 400  /* samples per analysis window (25 ms) */
#define INHERENT_HOP_LENGTH 320  /* samples between frame starts (20 ms) */
#define INHERENT_N_FFT 1024      /* zero-padded real FFT size */
#define INHERENT_MAX_FRAMES 3000 /* 60 s: the longest window a model reads */

/* Head indices, expanded from heads.inc. */
typedef enum inherent_head {
#define INHERENT_HEAD(index, name, key, threshold) INHERENT_HEAD_##key = index,
#include "heads.inc"
#undef INHERENT_HEAD
    INHERENT_HEAD_COUNT = INHERENT_N_HEADS
} inherent_head;

/* "MAJOR.MINOR.PATCH" of this library. */
INHERENT_API const char *inherent_version(void);

/* Head table. Out-of-range indices return NULL / a negative threshold. */
INHERENT_API int inherent_n_heads(void);
INHERENT_API const char *inherent_head_name(int head);          /* "isInteresting" */
INHERENT_API const char *inherent_head_threshold_key(int head); /* "is_interesting" */
INHERENT_API float inherent_head_default_threshold(int head);   /* seed threshold */

/* ---------------------------------------------------------------------------------
 * Status codes and errors
 * ------------------------------------------------------------------------------- */

typedef enum inherent_status {
    INHERENT_STATUS_OK = 0,
    INHERENT_STATUS_INVALID_ARGUMENT = 1, /* NULL pointer, bad size, bad parameter */
    INHERENT_STATUS_INVALID_AUDIO = 2,    /* NaN/Inf samples, no samples, bad rate */
    INHERENT_STATUS_IO_ERROR = 3,         /* file missing or unreadable */
    INHERENT_STATUS_UNSUPPORTED = 4,      /* format or feature not in this build */
    INHERENT_STATUS_INVALID_STATE = 5,    /* e.g. accept after input_finished */
    INHERENT_STATUS_BUFFER_TOO_SMALL = 6, /* out buffer shorter than the result */
    INHERENT_STATUS_OUT_OF_MEMORY = 7,
    INHERENT_STATUS_INVALID_MODEL = 8,    /* model package fails validation */
    INHERENT_STATUS_INTERNAL = 9          /* a bug: please report it */
} inherent_status;

/* Static, human-readable name of a status ("invalid argument"). Never NULL. */
INHERENT_API const char *inherent_status_string(inherent_status status);

/* Message of the last failing call on this thread ("" if none). Never NULL. */
INHERENT_API const char *inherent_last_error(void);

/* ---------------------------------------------------------------------------------
 * Frontend: 16 kHz mono PCM -> log-mel frames [T, 128]
 *
 * Frame t covers samples [320 t, 320 t + 400) (samples past the end are zeros),
 * symmetric Hann window, 1024-point FFT, power / 1024, 128 HTK-mel triangles from
 * 20 Hz to 8 kHz, natural log(energy + 1e-8). A clip of n samples has
 * max(1, ceil(n / 320)) frames. docs/frontend.md has the full specification.
 * ------------------------------------------------------------------------------- */

typedef struct inherent_frontend_params {
    /* Batch calls stop after this many frames (the rest of the clip is ignored);
     * 0 means no limit. Default INHERENT_MAX_FRAMES (60 s). Streams ignore it. */
    size_t max_frames;
} inherent_frontend_params;

INHERENT_API inherent_frontend_params inherent_frontend_default_params(void);

/* Number of frames inherent_mel_compute produces for n_samples samples.
 * params may be NULL for the defaults. */
INHERENT_API inherent_status inherent_mel_n_frames(size_t n_samples,
                                                   const inherent_frontend_params *params,
                                                   size_t *n_frames);

/* Batch log-mel. samples: [n_samples] (n_samples may be 0: one floor frame).
 * out: [out_frames, 128]; out_frames must be >= the count from inherent_mel_n_frames.
 * *n_frames receives the number of frames written. Non-finite samples are rejected
 * (INHERENT_STATUS_INVALID_AUDIO, the message names the sample index). */
INHERENT_API inherent_status inherent_mel_compute(const float *samples, size_t n_samples,
                                                  const inherent_frontend_params *params,
                                                  float *out, size_t out_frames,
                                                  size_t *n_frames);

/* Streaming frontend: one per audio source. */
typedef struct inherent_frontend inherent_frontend;

INHERENT_API inherent_status inherent_frontend_init(const inherent_frontend_params *params,
                                                    inherent_frontend **out);
INHERENT_API void inherent_frontend_free(inherent_frontend *fe); /* NULL is fine */

/* Append n samples (any n, including 0). Frames become ready as soon as their
 * 400-sample window is complete. */
INHERENT_API inherent_status inherent_frontend_accept(inherent_frontend *fe,
                                                      const float *samples, size_t n);

/* No more samples: emits the remaining frames (zero-padded) so that the total equals
 * the batch frame count. accept fails afterwards until reset. */
INHERENT_API inherent_status inherent_frontend_input_finished(inherent_frontend *fe);

/* Frames computed and not yet popped. */
INHERENT_API size_t inherent_frontend_frames_ready(const inherent_frontend *fe);

/* Total frames emitted since init/reset (popped or not). */
INHERENT_API size_t inherent_frontend_frames_emitted(const inherent_frontend *fe);

/* Copy up to max_frames ready frames into out [max_frames, 128], oldest first. */
INHERENT_API inherent_status inherent_frontend_pop_frames(inherent_frontend *fe, float *out,
                                                          size_t max_frames, size_t *n_popped);

/* Forget all samples and frames; the handle can start a new clip. */
INHERENT_API inherent_status inherent_frontend_reset(inherent_frontend *fe);

/* ---------------------------------------------------------------------------------
 * Audio files (host builds with libsndfile + libsoxr; UNSUPPORTED elsewhere)
 *
 * Reads WAV/FLAC/OGG (any libsndfile format), mixes channels down to mono and
 * resamples to 16 kHz. Integer PCM is scaled to [-1, 1].
 * ------------------------------------------------------------------------------- */

typedef struct inherent_audio inherent_audio;

/* Decode a file. Fails with IO_ERROR (missing/unreadable), UNSUPPORTED (not audio)
 * or INVALID_AUDIO (no samples, NaN/Inf). */
INHERENT_API inherent_status inherent_audio_read_file(const char *path, inherent_audio **out);

/* Resample arbitrary PCM: samples [n_samples * n_channels] interleaved at sample_rate. */
INHERENT_API inherent_status inherent_audio_from_pcm(const float *samples, size_t n_samples,
                                                     int n_channels, int sample_rate,
                                                     inherent_audio **out);

INHERENT_API void inherent_audio_free(inherent_audio *audio); /* NULL is fine */
INHERENT_API const float *inherent_audio_samples(const inherent_audio *audio); /* 16 kHz */
INHERENT_API size_t inherent_audio_n_samples(const inherent_audio *audio);
/* Properties of the source before conversion. */
INHERENT_API int inherent_audio_source_rate(const inherent_audio *audio);
INHERENT_API int inherent_audio_source_channels(const inherent_audio *audio);

/* ---------------------------------------------------------------------------------
 * Model and stream (the native engine) - reserved.
 *
 * inherent_model: an immutable, thread-shareable loaded model package.
 * inherent_stream: per-source streaming state (accept / ready / scores / reset).
 * These land with the engine; their names are reserved here.
 * ------------------------------------------------------------------------------- */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INHERENT_H */
