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
 *   - inherent_model is immutable after init: share one between any number of threads.
 *   - Every other handle (inherent_session, inherent_stream, inherent_frontend,
 *     inherent_audio) may be used by one thread at a time; different handles may be
 *     used concurrently, also when they share a model.
 */
#ifndef INHERENT_H
#define INHERENT_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(INHERENT_SHARED)
#if defined(INHERENT_BUILDING)
#define INHERENT_API __declspec(dllexport)
#else
#define INHERENT_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define INHERENT_API __attribute__((visibility("default")))
#else
#define INHERENT_API
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

#define INHERENT_N_HEADS 13 /* outputs of every model, see heads.inc */
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
INHERENT_API const char* inherent_version(void);

/* Head table. Out-of-range indices return NULL / a negative threshold. */
INHERENT_API int inherent_n_heads(void);
INHERENT_API const char* inherent_head_name(int head);          /* "isInteresting" */
INHERENT_API const char* inherent_head_threshold_key(int head); /* "is_interesting" */
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
  INHERENT_STATUS_INVALID_MODEL = 8, /* model package fails validation */
  INHERENT_STATUS_INTERNAL = 9       /* a bug: please report it */
} inherent_status;

/* Static, human-readable name of a status ("invalid argument"). Never NULL. */
INHERENT_API const char* inherent_status_string(inherent_status status);

/* Message of the last failing call on this thread ("" if none). Never NULL. */
INHERENT_API const char* inherent_last_error(void);

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
INHERENT_API inherent_status inherent_mel_n_frames(size_t n_samples, const inherent_frontend_params* params,
                                                   size_t* n_frames);

/* Batch log-mel. samples: [n_samples] (n_samples may be 0: one floor frame).
 * out: [out_frames, 128]; out_frames must be >= the count from inherent_mel_n_frames.
 * *n_frames receives the number of frames written. Non-finite samples are rejected
 * (INHERENT_STATUS_INVALID_AUDIO, the message names the sample index). */
INHERENT_API inherent_status inherent_mel_compute(const float* samples, size_t n_samples,
                                                  const inherent_frontend_params* params, float* out,
                                                  size_t out_frames, size_t* n_frames);

/* Streaming frontend: one per audio source. */
typedef struct inherent_frontend inherent_frontend;

INHERENT_API inherent_status inherent_frontend_init(const inherent_frontend_params* params,
                                                    inherent_frontend** out);
INHERENT_API void inherent_frontend_free(inherent_frontend* fe); /* NULL is fine */

/* Append n samples (any n, including 0). Frames become ready as soon as their
 * 400-sample window is complete. */
INHERENT_API inherent_status inherent_frontend_accept(inherent_frontend* fe, const float* samples, size_t n);

/* No more samples: emits the remaining frames (zero-padded) so that the total equals
 * the batch frame count. accept fails afterwards until reset. */
INHERENT_API inherent_status inherent_frontend_input_finished(inherent_frontend* fe);

/* Frames computed and not yet popped. */
INHERENT_API size_t inherent_frontend_frames_ready(const inherent_frontend* fe);

/* Total frames emitted since init/reset (popped or not). */
INHERENT_API size_t inherent_frontend_frames_emitted(const inherent_frontend* fe);

/* Copy up to max_frames ready frames into out [max_frames, 128], oldest first. */
INHERENT_API inherent_status inherent_frontend_pop_frames(inherent_frontend* fe, float* out,
                                                          size_t max_frames, size_t* n_popped);

/* Forget all samples and frames; the handle can start a new clip. */
INHERENT_API inherent_status inherent_frontend_reset(inherent_frontend* fe);

/* ---------------------------------------------------------------------------------
 * Audio files (host builds with libsndfile + libsoxr; UNSUPPORTED elsewhere)
 *
 * Reads WAV/FLAC/OGG (any libsndfile format), mixes channels down to mono and
 * resamples to 16 kHz. Integer PCM is scaled to [-1, 1].
 * ------------------------------------------------------------------------------- */

typedef struct inherent_audio inherent_audio;

/* Decode a file. Fails with IO_ERROR (missing/unreadable), UNSUPPORTED (not audio)
 * or INVALID_AUDIO (no samples, NaN/Inf). */
INHERENT_API inherent_status inherent_audio_read_file(const char* path, inherent_audio** out);
/* The same, decoding only the first max_seconds (0 = all): a 5 h recording scored on
 * its first 60 s reads 60 s. Directories, FIFOs and devices are refused; a file whose
 * data ends before its header says is INVALID_AUDIO ("truncated"). */
INHERENT_API inherent_status inherent_audio_read_file_first(const char* path, double max_seconds,
                                                            inherent_audio** out);

/* Resample arbitrary PCM: samples [n_samples * n_channels] interleaved at sample_rate. */
INHERENT_API inherent_status inherent_audio_from_pcm(const float* samples, size_t n_samples, int n_channels,
                                                     int sample_rate, inherent_audio** out);

INHERENT_API void inherent_audio_free(inherent_audio* audio);                  /* NULL is fine */
INHERENT_API const float* inherent_audio_samples(const inherent_audio* audio); /* 16 kHz */
INHERENT_API size_t inherent_audio_n_samples(const inherent_audio* audio);
/* Properties of the source before conversion. */
INHERENT_API int inherent_audio_source_rate(const inherent_audio* audio);
INHERENT_API int inherent_audio_source_channels(const inherent_audio* audio);
/* Duration of the whole source file in seconds, also when only its start was decoded. */
INHERENT_API double inherent_audio_source_seconds(const inherent_audio* audio);

/* ---------------------------------------------------------------------------------
 * Model: a loaded model package (the native engine)
 *
 * A package is a directory holding model.safetensors (weights) and
 * inherent.metadata.json (versions, config, head order, calibrated thresholds,
 * frontend parameters), or the same as one buffer with the JSON embedded in the
 * safetensors header (docs/model-format.md). Loading validates everything and fails
 * with INHERENT_STATUS_INVALID_MODEL and a message naming the key at fault.
 *
 * Basic usage (whole clips):
 *
 *     inherent_model *model = NULL;
 *     if (inherent_model_init_from_file("models/small", NULL, &model) != INHERENT_STATUS_OK)
 *         fprintf(stderr, "%s\n", inherent_last_error());
 *     inherent_session *session = NULL;
 *     inherent_session_init(model, NULL, &session);               // one per thread
 *     float scores[INHERENT_N_HEADS];
 *     inherent_session_score_audio(session, samples, n_samples, scores);
 *     uint32_t fired = 0;
 *     inherent_model_decide(model, scores, &fired);                // bit i: head i
 *     inherent_session_free(session);
 *     inherent_model_free(model);
 *
 * Lifetimes: sessions and streams keep a pointer to their model; free them first.
 * ------------------------------------------------------------------------------- */

typedef struct inherent_model inherent_model;

/* Kernel sets of the fast forward pass; AUTO picks the best this CPU runs. */
typedef enum inherent_kernels {
  INHERENT_KERNELS_AUTO = 0,
  INHERENT_KERNELS_GENERIC = 1,    /* 128-bit vectors of the build target (SSE2, NEON, WASM SIMD128) */
  INHERENT_KERNELS_AVX2 = 2,       /* x86-64 AVX2 + FMA */
  INHERENT_KERNELS_AVX512 = 3,     /* x86-64 AVX-512 F/VL/DQ */
  INHERENT_KERNELS_AVX512_VNNI = 4 /* x86-64 AVX-512 F/VL/DQ/BW + VNNI (fastest INT8) */
} inherent_kernels;

/* How the Conformer blocks' Linear layers compute. INT8: int8 weights (one scale per
 * output channel) times 13-bit activations (one scale per time step), summed exactly
 * in int32; the rest stays float32. Faster where the CPU has integer dot products
 * (VNNI, AVX2, WASM SIMD, ARM). Scores move by at most a few 1e-4 on a model snapped
 * to the int8 grid (`inherent snap`, as the shipped models are); docs/engine.md. */
typedef enum inherent_precision {
  INHERENT_PRECISION_FLOAT32 = 0,
  INHERENT_PRECISION_INT8 = 1
} inherent_precision;

typedef struct inherent_model_params {
  /* Default AUTO. A set this build or CPU lacks fails with UNSUPPORTED. */
  inherent_kernels kernels;
  /* Default FLOAT32. */
  inherent_precision precision;
} inherent_model_params;

INHERENT_API inherent_model_params inherent_model_default_params(void);

/* Loads a package directory, or a single-file package. params may be NULL. */
INHERENT_API inherent_status inherent_model_init_from_file(const char* path,
                                                           const inherent_model_params* params,
                                                           inherent_model** out);

/* Loads from memory: weights = the safetensors bytes [n_weights]; metadata = the JSON
 * text [n_metadata], or NULL to read the copy embedded in the weights (single-buffer
 * form). Both buffers may be freed after the call. */
INHERENT_API inherent_status inherent_model_init_from_memory(const void* weights, size_t n_weights,
                                                             const char* metadata, size_t n_metadata,
                                                             const inherent_model_params* params,
                                                             inherent_model** out);

INHERENT_API void inherent_model_free(inherent_model* model); /* NULL is fine */

/* The package's inherent.metadata.json text (NUL-terminated; valid while the model
 * lives). Apps read anything the typed getters do not expose from it. */
INHERENT_API const char* inherent_model_metadata(const inherent_model* model);
/* "model_version" of the package ("" for NULL). */
INHERENT_API const char* inherent_model_version(const inherent_model* model);
/* Name of the kernel set in use ("avx512vnni", "avx512", "avx2", "generic"). */
INHERENT_API const char* inherent_model_kernels_name(const inherent_model* model);
/* The precision the model was loaded with. */
INHERENT_API inherent_precision inherent_model_precision(const inherent_model* model);
/* Trained parameters (mel normalization excluded); 0 for NULL. */
INHERENT_API int64_t inherent_model_n_params(const inherent_model* model);
/* The package's calibrated threshold of a head; negative for a bad head or NULL. */
INHERENT_API float inherent_model_threshold(const inherent_model* model, int head);

/* Decisions for scores [13] with the package thresholds: bit i of *fired is set when
 * scores[i] >= threshold[i]; intent heads (1..12) fire only when head 0 fires. */
INHERENT_API inherent_status inherent_model_decide(const inherent_model* model, const float* scores,
                                                   uint32_t* fired);

/* ---------------------------------------------------------------------------------
 * Session: scores whole clips. It owns the scratch memory of the forward pass, so
 * repeated calls allocate nothing once the longest input has been seen. One thread at
 * a time per session; use one session per thread over a shared model.
 *
 * Cost follows the input: trailing all-zero frames (padding) are dropped before any
 * work, so a 1 s clip padded to 60 s costs what 1 s costs, with the same scores.
 * ------------------------------------------------------------------------------- */

typedef struct inherent_session inherent_session;

/* Minimum evidence: too little sound never wakes the assistant.
 * A log-mel frame is voiced when its loudest bin is >= INHERENT_VOICED_LOG_MEL_FLOOR
 * (broadband sound near -57 dBFS RMS; digital silence is -18.4, all-zero padding frames
 * never count). An input with fewer voiced frames than min_voiced_ms asks for scores
 * 0.0 on every head, so no head fires: an empty buffer, one sample or a second of
 * silence is "not addressed", by rule rather than by the model's guess. Sessions and
 * streams apply it; min_voiced_ms = 0 turns it off (raw model scores, as the parity
 * tools compare them). docs/engine.md, "Minimum evidence". */
#define INHERENT_VOICED_LOG_MEL_FLOOR (-12.0f)
#define INHERENT_DEFAULT_MIN_VOICED_MS 200

/* Voiced frames (see above) among log-mel frames mel [n_frames, 128]. */
INHERENT_API inherent_status inherent_mel_voiced_frames(const float* mel, size_t n_frames, size_t* n_voiced);

/* Speech span: the frames [*start, *end) of mel [n_frames, 128] that hold its speech,
 * so that seconds of room noise around the words do not change what a model reads.
 * Frames whose speech-band (250-4000 Hz) energy rises at least halfway from the
 * input's floor (10th percentile) to its loud level (loudest tenth), and never more
 * than 40 dB below it; from the first to the last, plus 12 frames (240 ms) each side.
 * Silence and steady noise (loud within 6 dB of the floor) keep every frame; trailing
 * all-zero padding frames never count. docs/engine.md, "Speech span". */
INHERENT_API inherent_status inherent_mel_speech_span(const float* mel, size_t n_frames, size_t* start,
                                                      size_t* end);

typedef struct inherent_session_params {
  /* Scratch memory is sized for this many frames at init (0 = grow on first use).
   * Default 0. */
  size_t reserve_frames;
  /* Threads per call, the caller's included, 1..64; default 1. Larger GEMMs split
   * their output columns over them (same results). UNSUPPORTED above 1 in builds
   * without threads (WebAssembly). */
  int32_t n_threads;
  /* Minimum evidence in voiced milliseconds (a multiple of 20 is exact), 0..60000;
   * default INHERENT_DEFAULT_MIN_VOICED_MS; 0 = off. */
  uint32_t min_voiced_ms;
  /* 1: score only the input's speech span (inherent_mel_speech_span), so a clip scores
   * alike with or without seconds of room noise around it; the minimum-evidence rule
   * then counts the span's frames. 0: score every frame. -1 (default): as the model's
   * metadata says (scoring.trim_to_speech; every frame when absent). */
  int32_t trim_to_speech;
} inherent_session_params;

INHERENT_API inherent_session_params inherent_session_default_params(void);

INHERENT_API inherent_status inherent_session_init(const inherent_model* model,
                                                   const inherent_session_params* params,
                                                   inherent_session** out);
INHERENT_API void inherent_session_free(inherent_session* session); /* NULL is fine */

/* Scores of log-mel frames mel [n_frames, 128] (the frontend's output; all-zero frames
 * are padding). scores: [13], sigmoid outputs in head order; all 0 when the input has
 * too little voiced sound (minimum evidence, above; checked first). Fails with
 * INVALID_ARGUMENT for NaN/Inf values, n_frames 0, more than 3000 frames after
 * trailing padding, or (with the rule off) input with no valid frame. A non-finite
 * score is INVALID_MODEL: the weights are damaged. */
INHERENT_API inherent_status inherent_session_score_mel(inherent_session* session, const float* mel,
                                                        size_t n_frames, float* scores);

/* Frontend + scores of 16 kHz mono samples: the first 60 s (3000 frames) are scored,
 * as inherent_mel_compute with default params computes them. */
INHERENT_API inherent_status inherent_session_score_audio(inherent_session* session, const float* samples,
                                                          size_t n_samples, float* scores);

/* Voiced frames of the last input scored by this session; 0 before any. With the
 * minimum-evidence rule on, scores were all 0 when this is below min_voiced_ms / 20. */
INHERENT_API size_t inherent_session_voiced_frames(const inherent_session* session);

/* ---------------------------------------------------------------------------------
 * Stream: scores every hop over a sliding window of live audio (one per source)
 *
 *     inherent_stream *st = NULL;
 *     inherent_stream_init(model, NULL, &st);           // 2 s window, 100 ms hop
 *     while (have_audio) {
 *         inherent_stream_accept(st, chunk, chunk_len);  // any size; cheap
 *         inherent_stream_result r;
 *         while (inherent_stream_ready(st) > 0) {
 *             inherent_stream_scores(st, &r);            // runs the model
 *             if (r.fired & 1) ...                       // addressed to the assistant
 *         }
 *     }
 *     inherent_stream_input_finished(st);                // then read the last results
 *     inherent_stream_free(st);
 *
 * Result k covers the log-mel frames [max(0, E - W), E), E = (k + 1) * hop, W = window
 * (both in 20 ms frames); it is ready 5 ms after its hop boundary, and its scores equal
 * inherent_session_score_mel on those frames. While the stream is younger than the
 * window, results cover what exists (unless params.partial = 0). After
 * input_finished, a last result covers the frames past the last boundary.
 * The frontend and the subsampling layers run once per frame; the Conformer blocks run
 * on the whole window per result, since attention mixes all of it.
 *
 * A window with less voiced sound than min_voiced_ms scores 0 on every head, and a
 * stream that received no samples returns no result at all, even after input_finished.
 *
 * Decisions: smoothed[i] is the mean of head i's scores over the last `smoothing`
 * results; a head turns on at smoothed >= its package threshold and, with hysteresis
 * h > 0, off only below threshold - h; intents fire only while head 0 fires.
 * At most max_pending results wait to be read: older ones are skipped (the next
 * result's `skipped` counts them) so memory stays bounded when a reader falls behind.
 * ------------------------------------------------------------------------------- */

typedef struct inherent_stream inherent_stream;

typedef struct inherent_stream_params {
  uint32_t window_ms;     /* sliding window, multiple of 20, 20..60000; default 2000 */
  uint32_t hop_ms;        /* between results, multiple of 20, 20..60000; default 100 */
  uint32_t smoothing;     /* results averaged for decisions, 1..1000; default 1 (none) */
  float hysteresis;       /* in [0, 1]; default 0 */
  uint32_t max_pending;   /* results kept for the reader, >= 1; default 64 */
  int32_t partial;        /* 1: report windows shorter than window_ms at the start; default 1 */
  int32_t n_threads;      /* as in inherent_session_params; default 1 */
  uint32_t min_voiced_ms; /* as in inherent_session_params, per window; default 200 */
} inherent_stream_params;

typedef struct inherent_stream_result {
  double start_s;                   /* window [start_s, end_s) in stream time */
  double end_s;                     /* (seconds since init or reset, 20 ms grid) */
  float scores[INHERENT_N_HEADS];   /* model scores of this window */
  float smoothed[INHERENT_N_HEADS]; /* the scores decisions used */
  uint32_t fired;                   /* bit i: head i fires */
  uint32_t skipped;                 /* results dropped just before this one */
} inherent_stream_result;

INHERENT_API inherent_stream_params inherent_stream_default_params(void);

INHERENT_API inherent_status inherent_stream_init(const inherent_model* model,
                                                  const inherent_stream_params* params,
                                                  inherent_stream** out);
INHERENT_API void inherent_stream_free(inherent_stream* stream); /* NULL is fine */

/* Append 16 kHz mono samples (any n, including 0). Runs the frontend only. */
INHERENT_API inherent_status inherent_stream_accept(inherent_stream* stream, const float* samples, size_t n);
/* No more samples: the zero-padded tail frames and the last result become ready.
 * accept fails afterwards until reset. */
INHERENT_API inherent_status inherent_stream_input_finished(inherent_stream* stream);
/* Results that inherent_stream_scores can return now (0 for NULL). */
INHERENT_API size_t inherent_stream_ready(const inherent_stream* stream);
/* Computes and returns the oldest ready result; INVALID_STATE when none is ready. */
INHERENT_API inherent_status inherent_stream_scores(inherent_stream* stream, inherent_stream_result* out);
/* Forget all audio, results and decision state. */
INHERENT_API inherent_status inherent_stream_reset(inherent_stream* stream);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INHERENT_H */
