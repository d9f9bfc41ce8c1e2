/* SPDX-License-Identifier: Apache-2.0
 *
 * inherent-mel-ref: the native frontend as a file filter, so the node test can compare
 * the WebAssembly build against it on identical float32 input.
 *
 *   inherent-mel-ref IN.f32 OUT.f32 [MAX_FRAMES [REPEATS]]
 *
 * IN: raw little-endian float32 PCM at 16 kHz. OUT: raw float32 log-mels [T, 128].
 * MAX_FRAMES: inherent_frontend_params.max_frames (default: the library default).
 * REPEATS > 0 times that many batch calls and prints "ms_min <ms>" and
 * "ms_median <ms>" per call for the throughput comparison. On a failing status the status code is the exit
 * code and the message goes to stderr, so error behaviour can be compared too. Written in C: it also proves
 * the header is usable from C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "inherent/inherent.h"

static float* read_all(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  float* buf = malloc(cap * sizeof(float));
  size_t got;
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

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s IN.f32 OUT.f32 [MAX_FRAMES [REPEATS]]\n", argv[0]);
    return 64;
  }
  inherent_frontend_params params = inherent_frontend_default_params();
  if (argc > 3) params.max_frames = (size_t)strtoull(argv[3], NULL, 10);
  const long repeats = argc > 4 ? strtol(argv[4], NULL, 10) : 0;

  size_t n_samples = 0;
  float* samples = read_all(argv[1], &n_samples);
  if (!samples) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 66;
  }
  size_t n_frames = 0;
  inherent_status st = inherent_mel_n_frames(n_samples, &params, &n_frames);
  float* mel = st == INHERENT_STATUS_OK ? malloc(n_frames * INHERENT_N_MELS * sizeof(float)) : NULL;
  if (st == INHERENT_STATUS_OK && !mel) st = INHERENT_STATUS_OUT_OF_MEMORY;
  if (st == INHERENT_STATUS_OK)
    st = inherent_mel_compute(samples, n_samples, &params, mel, n_frames, &n_frames);
  if (st != INHERENT_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", inherent_status_string(st), inherent_last_error());
    free(samples);
    free(mel);
    return (int)st;
  }
  if (repeats > 0) {
    /* Per-call times: the minimum is what an idle core does, the median what this
     * (possibly busy) machine did. */
    double* ms = malloc((size_t)repeats * sizeof(double));
    for (long i = 0; ms && i < repeats; ++i) {
      const double t0 = now_ms();
      st = inherent_mel_compute(samples, n_samples, &params, mel, n_frames, &n_frames);
      ms[i] = now_ms() - t0;
    }
    if (ms) {
      qsort(ms, (size_t)repeats, sizeof(double), cmp_double);
      printf("ms_min %.6f\nms_median %.6f\n", ms[0], ms[repeats / 2]);
      free(ms);
    }
  }
  FILE* out = fopen(argv[2], "wb");
  int ok = out != NULL && fwrite(mel, sizeof(float) * INHERENT_N_MELS, n_frames, out) == n_frames;
  if (out && fclose(out) != 0) ok = 0;
  free(samples);
  free(mel);
  if (!ok) {
    fprintf(stderr, "cannot write %s\n", argv[2]);
    return 73;
  }
  printf("frames %zu\n", n_frames);
  return st == INHERENT_STATUS_OK ? 0 : (int)st;
}
