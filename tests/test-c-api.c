/* SPDX-License-Identifier: Apache-2.0
 *
 * inherent.h compiled as C (C11), calling every function of the header at least once:
 * the header must stay valid C, and each entry point must link and behave from C. Uses
 * the committed fixture data/fixtures/tiny-random. Exit status 0 = pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inherent/inherent.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_OK(call)                                                                                 \
  do {                                                                                                 \
    const inherent_status st_ = (call);                                                                \
    if (st_ != INHERENT_STATUS_OK) {                                                                   \
      fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, inherent_status_string(st_), \
              inherent_last_error());                                                                  \
      ++failures;                                                                                      \
    }                                                                                                  \
  } while (0)

static void tone(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = 0.3f * (float)sin(2.0 * 3.14159265 * 220.0 * (double)i / 16000.0);
}

static void check_scores(const float* s) {
  for (int h = 0; h < INHERENT_N_HEADS; ++h) CHECK(s[h] >= 0.0f && s[h] <= 1.0f);
}

int main(void) {
  /* Library, head table, statuses. */
  CHECK(strcmp(inherent_version(), "0.1.0") >= 0);
  CHECK(inherent_n_heads() == INHERENT_N_HEADS);
  CHECK(strcmp(inherent_head_name(INHERENT_HEAD_is_interesting), "isInteresting") == 0);
  CHECK(strcmp(inherent_head_threshold_key(12), "has_start_timer_intent") == 0);
  CHECK(inherent_head_default_threshold(0) == 0.57f);
  CHECK(inherent_head_name(13) == NULL);
  CHECK(strcmp(inherent_status_string(INHERENT_STATUS_INVALID_MODEL), "invalid model") == 0);

  /* Frontend, batch and streaming. */
  enum { N = 16000 };
  static float pcm[N];
  tone(pcm, N);
  inherent_frontend_params fp = inherent_frontend_default_params();
  size_t n_frames = 0, got = 0;
  CHECK_OK(inherent_mel_n_frames(N, &fp, &n_frames));
  CHECK(n_frames == 50);
  float* mel = malloc(n_frames * INHERENT_N_MELS * sizeof *mel);
  CHECK_OK(inherent_mel_compute(pcm, N, &fp, mel, n_frames, &n_frames));
  inherent_frontend* fe = NULL;
  CHECK_OK(inherent_frontend_init(&fp, &fe));
  CHECK_OK(inherent_frontend_accept(fe, pcm, N));
  CHECK_OK(inherent_frontend_input_finished(fe));
  CHECK(inherent_frontend_frames_ready(fe) == 50 && inherent_frontend_frames_emitted(fe) == 50);
  float frame[INHERENT_N_MELS];
  CHECK_OK(inherent_frontend_pop_frames(fe, frame, 1, &got));
  CHECK(got == 1 && memcmp(frame, mel, sizeof frame) == 0);
  CHECK_OK(inherent_frontend_reset(fe));
  inherent_frontend_free(fe);

  /* Audio (UNSUPPORTED in builds without libsndfile/libsoxr). */
  inherent_audio* audio = NULL;
  inherent_status st = inherent_audio_from_pcm(pcm, N, 1, 16000, &audio);
  CHECK(st == INHERENT_STATUS_OK || st == INHERENT_STATUS_UNSUPPORTED);
  if (st == INHERENT_STATUS_OK) {
    CHECK(inherent_audio_n_samples(audio) == N && inherent_audio_samples(audio) != NULL);
    CHECK(inherent_audio_source_rate(audio) == 16000 && inherent_audio_source_channels(audio) == 1);
  }
  inherent_audio_free(audio);
  CHECK(inherent_audio_read_file(INHERENT_SOURCE_DIR "/data/fixtures/missing.wav", &audio) !=
        INHERENT_STATUS_OK);
  CHECK(audio == NULL);

  /* Model. */
  inherent_model_params mp = inherent_model_default_params();
  CHECK(mp.kernels == INHERENT_KERNELS_AUTO);
  inherent_model* model = NULL;
  CHECK_OK(inherent_model_init_from_file(INHERENT_SOURCE_DIR "/data/fixtures/tiny-random", &mp, &model));
  if (!model) return 1;
  CHECK(strstr(inherent_model_metadata(model), "\"inherent.model\"") != NULL);
  CHECK(strcmp(inherent_model_version(model), "0.0.0") == 0);
  CHECK(strlen(inherent_model_kernels_name(model)) > 0);
  CHECK(inherent_model_n_params(model) == 40686);
  CHECK(inherent_model_threshold(model, 0) == 0.57f && inherent_model_threshold(model, 13) < 0.0f);
  inherent_model* bad = NULL;
  CHECK(inherent_model_init_from_file(INHERENT_SOURCE_DIR "/data/fixtures/tiny-bad-frontend", NULL, &bad) ==
        INHERENT_STATUS_INVALID_MODEL);
  CHECK(bad == NULL && strstr(inherent_last_error(), "frontend.hop_length") != NULL);
  static const unsigned char junk[16] = {8, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
  CHECK(inherent_model_init_from_memory(junk, sizeof junk, NULL, 0, NULL, &bad) ==
        INHERENT_STATUS_INVALID_MODEL);
  inherent_model_free(bad);

  /* Session. */
  inherent_session_params sp = inherent_session_default_params();
  sp.reserve_frames = 100;
  inherent_session* session = NULL;
  CHECK_OK(inherent_session_init(model, &sp, &session));
  float a[INHERENT_N_HEADS], b[INHERENT_N_HEADS];
  CHECK_OK(inherent_session_score_mel(session, mel, n_frames, a));
  CHECK_OK(inherent_session_score_audio(session, pcm, N, b));
  check_scores(a);
  CHECK(memcmp(a, b, sizeof a) == 0);
  uint32_t fired = 0xffffffffu;
  CHECK_OK(inherent_model_decide(model, a, &fired));
  CHECK(fired == 0 || (fired & 1u));
  CHECK(inherent_session_score_mel(session, mel, 0, a) == INHERENT_STATUS_INVALID_ARGUMENT);
  CHECK(inherent_session_score_mel(NULL, mel, 1, a) == INHERENT_STATUS_INVALID_ARGUMENT);

  /* Stream: the one result of a 1 s clip with a 1 s window equals the session's. */
  inherent_stream_params p = inherent_stream_default_params();
  CHECK(p.window_ms == 2000 && p.hop_ms == 100 && p.smoothing == 1 && p.partial == 1);
  p.window_ms = 1000;
  p.hop_ms = 1000;
  inherent_stream* stream = NULL;
  CHECK_OK(inherent_stream_init(model, &p, &stream));
  CHECK_OK(inherent_stream_accept(stream, pcm, N));
  CHECK(inherent_stream_ready(stream) == 0); /* frame 49 needs 80 more samples */
  CHECK_OK(inherent_stream_input_finished(stream));
  CHECK(inherent_stream_ready(stream) == 1);
  inherent_stream_result r;
  CHECK_OK(inherent_stream_scores(stream, &r));
  CHECK(r.start_s == 0.0 && r.end_s == 1.0 && r.skipped == 0);
  CHECK(memcmp(r.scores, b, sizeof b) == 0);
  CHECK(inherent_stream_scores(stream, &r) == INHERENT_STATUS_INVALID_STATE);
  CHECK_OK(inherent_stream_reset(stream));
  CHECK(inherent_stream_ready(stream) == 0);
  inherent_stream_free(stream);

  inherent_session_free(session);
  inherent_model_free(model);
  free(mel);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("test-c-api: every function called from C, all checks passed\n");
  return failures ? 1 : 0;
}
