// SPDX-License-Identifier: Apache-2.0
//
// bench-gemm-choice: how the engine's kernel approach was chosen. Times C = A * W^T on
// the model's real GEMM shapes (M time steps x K inputs -> N outputs) for each
// candidate, one thread, weights packed outside the timed loop where a candidate packs.
// Prints GFLOP/s per shape and candidate; checks every candidate against a float64
// product first so a fast wrong kernel cannot win.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "candidates.h"

namespace {

struct Shape {
  const char* what;
  int m, k, n;
};
// small (H 128, F 512) at 1 s (T2 = 13 steps, T1 = 25), 2 s, 10 s; base (H 256) at 1 s.
const Shape kShapes[] = {
    {"small-1s ffn.up", 13, 128, 512},   {"small-1s ffn.down", 13, 512, 128},
    {"small-1s attn.qkv", 13, 128, 384}, {"small-1s conv1 (im2col)", 25, 384, 128},
    {"small-2s ffn.up", 25, 128, 512},   {"small-10s ffn.up", 125, 128, 512},
    {"base-1s ffn.up", 13, 256, 1024},   {"base-1s ffn.down", 13, 1024, 256},
};

std::vector<float> randn(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double max_rel_error(const Shape& s, const std::vector<float>& a, const std::vector<float>& w,
                     const std::vector<float>& c) {
  double worst = 0;
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) {
      double ref = 0, mag = 0;
      for (int p = 0; p < s.k; ++p) {
        ref += double(a[i * s.k + p]) * w[j * s.k + p];
        mag += std::fabs(double(a[i * s.k + p]) * w[j * s.k + p]);
      }
      worst = std::max(worst, std::fabs(ref - c[i * s.n + j]) / (mag + 1e-30));
    }
  return worst;
}

enum Candidate { kNaive, kEigen, kOwnAvx512, kOwnAvx2, kHwy };
const char* kNames[] = {"naive", "eigen", "own-avx512", "own-avx2", "highway"};

void run(benchmark::State& state, Shape s, Candidate cand) {
  const auto a = randn(size_t(s.m) * s.k, 1), w = randn(size_t(s.n) * s.k, 2);
  std::vector<float> c(size_t(s.m) * s.n);
  gemm_choice::OwnPacked own;
  gemm_choice::HwyPacked hp;
  if (cand == kOwnAvx512) own = gemm_choice::own_pack(gemm_choice::OwnIsa::avx512, s.k, s.n, w.data());
  if (cand == kOwnAvx2) own = gemm_choice::own_pack(gemm_choice::OwnIsa::avx2, s.k, s.n, w.data());
  if (cand == kHwy) hp = gemm_choice::hwy_pack(s.k, s.n, w.data());
  auto once = [&] {
    switch (cand) {
      case kNaive:
        gemm_choice::naive(s.m, s.k, s.n, a.data(), w.data(), c.data());
        break;
      case kEigen:
        gemm_choice::eigen(s.m, s.k, s.n, a.data(), w.data(), c.data());
        break;
      case kOwnAvx512:
        gemm_choice::own(gemm_choice::OwnIsa::avx512, s.m, own, a.data(), c.data());
        break;
      case kOwnAvx2:
        gemm_choice::own(gemm_choice::OwnIsa::avx2, s.m, own, a.data(), c.data());
        break;
      case kHwy:
        gemm_choice::hwy(s.m, hp, a.data(), c.data());
        break;
    }
  };
  once();
  const double err = max_rel_error(s, a, w, c);
  if (!(err < 1e-5)) {
    state.SkipWithError(("wrong result, max rel error " + std::to_string(err)).c_str());
    return;
  }
  for (auto _ : state) {
    once();
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * s.m * s.k * s.n * 1e-9 * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  // The Eigen and own-avx512 candidates are built for AVX-512 (Eigen cannot dispatch).
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
    std::printf("bench-gemm-choice compares AVX-512 builds; this CPU has no AVX-512\n");
    return 0;
  }
  std::printf("highway dispatches to %s\n", gemm_choice::hwy_target_name());
  for (const Shape& s : kShapes)
    for (int c = kNaive; c <= kHwy; ++c)
      benchmark::RegisterBenchmark((std::string(s.what) + "/" + kNames[c]).c_str(), run, s, Candidate(c))
          ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
}
