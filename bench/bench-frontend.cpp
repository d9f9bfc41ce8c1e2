// SPDX-License-Identifier: Apache-2.0
//
// Frontend throughput through the C ABI, one thread: batch log-mel of 1 s and 10 s of
// audio, and streaming in 100 ms chunks. Counters report x real time.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "inherent/inherent.hpp"

namespace {

std::vector<float> noise(size_t n) {
  std::vector<float> x(n);
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.0f, 0.1f);
  for (float& v : x) v = d(rng);
  return x;
}

void BM_mel_batch(benchmark::State& state) {
  const size_t seconds = static_cast<size_t>(state.range(0));
  const std::vector<float> x = noise(seconds * INHERENT_SAMPLE_RATE);
  inherent_frontend_params p = inherent_frontend_default_params();
  p.max_frames = 0;
  size_t frames = 0;
  inherent::check(inherent_mel_n_frames(x.size(), &p, &frames));
  std::vector<float> out(frames * INHERENT_N_MELS);
  for (auto _ : state) {
    inherent::check(inherent_mel_compute(x.data(), x.size(), &p, out.data(), frames, &frames));
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(seconds), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_mel_batch)->Arg(1)->Arg(10)->Unit(benchmark::kMicrosecond);

void BM_mel_stream_100ms(benchmark::State& state) {
  const std::vector<float> x = noise(10 * INHERENT_SAMPLE_RATE);
  inherent::Frontend fe;
  std::vector<float> frames(16 * INHERENT_N_MELS);
  constexpr size_t kChunk = INHERENT_SAMPLE_RATE / 10;
  size_t pos = 0;
  for (auto _ : state) {
    if (pos + kChunk > x.size()) pos = 0;
    fe.accept(x.data() + pos, kChunk);
    pos += kChunk;
    size_t got = 0;
    inherent::check(inherent_frontend_pop_frames(fe.get(), frames.data(), 16, &got));
    benchmark::DoNotOptimize(frames.data());
  }
  state.counters["x_realtime"] = benchmark::Counter(0.1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_mel_stream_100ms)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
