/* SPDX-License-Identifier: Apache-2.0
 *
 * score-and-listen: the C ABI end to end, as an app would use it.
 *
 *   score-and-listen MODEL_PACKAGE AUDIO_FILE
 *
 * 1. Loads a model package (directory or single file) once.
 * 2. Scores the whole clip with a session and prints the heads that fire.
 * 3. Streams the same clip in 100 ms chunks, as a microphone would deliver it, and
 *    prints a line whenever the set of firing heads changes.
 *
 * Build (see examples/CMakeLists.txt) or by hand against an installed inherent:
 *   cc score-and-listen.c $(pkg-config ...) -linherent ...   (CMake: find_package(inherent))
 */
#include <stdio.h>
#include <stdlib.h>

#include "inherent/inherent.h"

static int fail(const char* what, inherent_status st) {
  fprintf(stderr, "%s: %s: %s\n", what, inherent_status_string(st), inherent_last_error());
  return 1;
}

static void print_fired(uint32_t fired) {
  if (!fired) printf(" (none)");
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    if (fired & (1u << h)) printf(" %s", inherent_head_name(h));
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL_PACKAGE AUDIO_FILE\n", argv[0]);
    return 2;
  }
  inherent_status st;
  inherent_model* model = NULL;
  if ((st = inherent_model_init_from_file(argv[1], NULL, &model)) != INHERENT_STATUS_OK)
    return fail(argv[1], st);
  printf("model %s (%lld parameters, %s kernels)\n", inherent_model_version(model),
         (long long)inherent_model_n_params(model), inherent_model_kernels_name(model));

  inherent_audio* audio = NULL;
  if ((st = inherent_audio_read_file(argv[2], &audio)) != INHERENT_STATUS_OK) {
    inherent_model_free(model);
    return fail(argv[2], st);
  }
  const float* samples = inherent_audio_samples(audio);
  const size_t n = inherent_audio_n_samples(audio);

  /* Whole clip: one session per thread; the model can be shared. */
  inherent_session* session = NULL;
  float scores[INHERENT_N_HEADS];
  uint32_t fired = 0;
  int rc = 0;
  if ((st = inherent_session_init(model, NULL, &session)) != INHERENT_STATUS_OK ||
      (st = inherent_session_score_audio(session, samples, n, scores)) != INHERENT_STATUS_OK ||
      (st = inherent_model_decide(model, scores, &fired)) != INHERENT_STATUS_OK) {
    rc = fail("score", st);
  } else {
    printf("clip %.2f s: %s %.3f, fired:", (double)n / INHERENT_SAMPLE_RATE, inherent_head_name(0),
           scores[0]);
    print_fired(fired);
  }

  /* Streaming: 2 s window, a result every 100 ms; print changes only. */
  inherent_stream* stream = NULL;
  inherent_stream_params p = inherent_stream_default_params();
  p.smoothing = 2;
  if (rc == 0 && (st = inherent_stream_init(model, &p, &stream)) != INHERENT_STATUS_OK)
    rc = fail("stream", st);
  uint32_t previous = 0;
  const size_t chunk = INHERENT_SAMPLE_RATE / 10;
  for (size_t at = 0; rc == 0 && at <= n; at += chunk) {
    if (at < n) {
      st = inherent_stream_accept(stream, samples + at, at + chunk <= n ? chunk : n - at);
    } else {
      st = inherent_stream_input_finished(stream);
    }
    if (st != INHERENT_STATUS_OK) {
      rc = fail("accept", st);
      break;
    }
    inherent_stream_result r;
    while (rc == 0 && inherent_stream_ready(stream) > 0) {
      if ((st = inherent_stream_scores(stream, &r)) != INHERENT_STATUS_OK) {
        rc = fail("scores", st);
        break;
      }
      if (r.fired != previous) {
        printf("%7.2f s  fired:", r.end_s);
        print_fired(r.fired);
        previous = r.fired;
      }
    }
  }
  inherent_stream_free(stream);
  inherent_session_free(session);
  inherent_audio_free(audio);
  inherent_model_free(model);
  return rc;
}
