// SPDX-License-Identifier: Apache-2.0
//
// LibTorch eager, the peer bench/engine.py cannot load in Python: the trainer's model
// (train::CheckpointScorer, one intra-op thread) on the same weights and log-mel window.
//
//   bench-torch WEIGHTS.safetensors MEL.npy REPEATS
//
// Prints one JSON line: {"min_ms": .., "median_ms": .., "scores": [13]}, CPU time of this
// process per call (what bench/engine.py reports for the other runtimes).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "host/npy.h"
#include "inherent/inherent.h"
#include "train/checkpoint-scorer.h"

namespace {

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench-torch WEIGHTS.safetensors MEL.npy REPEATS\n");
    return 2;
  }
  try {
    const inherent::train::CheckpointScorer model(argv[1], 1);
    const inherent::NpyArray mel = inherent::read_npy(argv[2]);
    if (mel.shape.size() != 2 || mel.shape[1] != INHERENT_N_MELS) {
      std::fprintf(stderr, "%s: expected a [T, 128] log-mel array\n", argv[2]);
      return 1;
    }
    const int repeats = std::max(1, std::atoi(argv[3]));
    float scores[INHERENT_N_HEADS];
    for (int i = 0; i < 3; ++i) model.score(mel.data.data(), mel.shape[0], 0, scores);  // warm up
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
      const double t0 = cpu_ms();
      model.score(mel.data.data(), mel.shape[0], 0, scores);
      times.push_back(cpu_ms() - t0);
    }
    std::sort(times.begin(), times.end());
    std::printf("{\"min_ms\": %.6f, \"median_ms\": %.6f, \"scores\": [", times.front(),
                times[times.size() / 2]);
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      std::printf("%s%.9g", h ? ", " : "", static_cast<double>(scores[h]));
    std::printf("]}\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-torch: %s\n", e.what());
    return 1;
  }
}
