/* SPDX-License-Identifier: Apache-2.0
 *
 * inherent-score-ref: the native engine as a file filter, so the node test can compare
 * the WebAssembly engine against it on identical float32 input.
 *
 *   inherent-score-ref PKG mel IN.f32 OUT.f32 [REPEATS]     IN: log-mels [T, 128]
 *   inherent-score-ref PKG audio IN.f32 OUT.f32 [REPEATS]   IN: 16 kHz mono PCM
 *   (mel-int8, audio-int8: the same with INHERENT_PRECISION_INT8)
 *
 * PKG: a model package directory or single-file package. OUT: the 13 float32 scores.
 * REPEATS > 0 times that many calls and prints "ms_min <ms>" and "ms_median <ms>". On a
 * failing status the status code is the exit code and "status: message" goes to stderr.
 * Written in C: it also proves the engine's part of the header is usable from C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inherent/inherent.h"

static float* read_all(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0, got;
  float* buf = malloc(cap * sizeof(float));
  while (buf && (got = fread(buf + len, sizeof(float), cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      float* grown = realloc(buf, 2 * cap * sizeof(float));
      if (!grown) free(buf);
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  *n = len;
  return buf;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static int fail(inherent_status st) {
  fprintf(stderr, "%s: %s\n", inherent_status_string(st), inherent_last_error());
  return (int)st;
}

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6 ||
      (strcmp(argv[2], "mel") != 0 && strcmp(argv[2], "audio") != 0 && strcmp(argv[2], "mel-int8") != 0 &&
       strcmp(argv[2], "audio-int8") != 0)) {
    fprintf(stderr, "usage: %s PKG mel|audio|mel-int8|audio-int8 IN.f32 OUT.f32 [REPEATS]\n", argv[0]);
    return 64;
  }
  const int is_mel = strncmp(argv[2], "mel", 3) == 0;
  inherent_model_params params = inherent_model_default_params();
  if (strstr(argv[2], "-int8")) params.precision = INHERENT_PRECISION_INT8;
  const long repeats = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
  size_t n = 0;
  float* in = read_all(argv[3], &n);
  if (!in) {
    fprintf(stderr, "cannot read %s\n", argv[3]);
    return 66;
  }
  inherent_model* model = NULL;
  inherent_session* session = NULL;
  inherent_status st = inherent_model_init_from_file(argv[1], &params, &model);
  if (st == INHERENT_STATUS_OK) st = inherent_session_init(model, NULL, &session);
  float scores[INHERENT_N_HEADS];
  double* ms = repeats > 0 ? malloc((size_t)repeats * sizeof(double)) : NULL;
  for (long i = 0; st == INHERENT_STATUS_OK && i < (repeats > 0 ? repeats : 1); ++i) {
    const double t0 = now_ms();
    st = is_mel ? inherent_session_score_mel(session, in, n / INHERENT_N_MELS, scores)
                : inherent_session_score_audio(session, in, n, scores);
    if (ms) ms[i] = now_ms() - t0;
  }
  int rc = 0;
  if (st != INHERENT_STATUS_OK) {
    rc = fail(st);
  } else {
    if (ms) {
      qsort(ms, (size_t)repeats, sizeof(double), cmp_double);
      printf("ms_min %.6f\nms_median %.6f\n", ms[0], ms[repeats / 2]);
    }
    FILE* out = fopen(argv[4], "wb");
    int ok = out && fwrite(scores, sizeof(float), INHERENT_N_HEADS, out) == INHERENT_N_HEADS;
    if (out && fclose(out) != 0) ok = 0;
    if (!ok) {
      fprintf(stderr, "cannot write %s\n", argv[4]);
      rc = 73;
    }
    printf("kernels %s\n", inherent_model_kernels_name(model));
  }
  free(ms);
  inherent_session_free(session);
  inherent_model_free(model);
  free(in);
  return rc;
}
