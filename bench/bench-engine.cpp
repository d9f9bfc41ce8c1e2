// SPDX-License-Identifier: Apache-2.0
//
// The native engine through the public C++ API (inherent.hpp), one thread:
//   BM_score_mel/<config>/<kernels>[/int8]/<seconds>   one inference on a window of
//                                                 log-mels (/int8: INHERENT_PRECISION_INT8)
//   BM_score_mel/<config>/auto[/int8]/<seconds>/2threads   the same on two threads (wall time)
//   BM_stream_hop/<config>/auto[/int8]           one 100 ms hop of a default stream
//                                                 (2 s window): frontend + model
//   BM_stream_hop/<config>/auto[/int8]/2threads  the same on two threads (wall time)
//   BM_load/<config>                              cold start: package bytes -> model
//   BM_peak/<instruction>                         this core's ceiling: independent chains of
//                                                 one vector multiply-add (GMAC/s counter)
// Configs: tiny, small, base, whisper-tiny.en (the whisper family at Whisper
// tiny.en's size, arch_whisper_tiny_en()) and backbone (the shipped backbone model's
// shape: an even ensemble of whisper-tiny.en and small).
// Models are random-weight packages of the named configs (weights do not change the
// cost). Counters: ms per call; x_realtime for windows; GMAC_per_s for the whisper family
// (its multiply-adds counted from the config: whisper_macs), to set against BM_peak.
//
//   build/dev/bench/bench-engine --benchmark_filter=small
#include <benchmark/benchmark.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cmath>
#include <map>
#include <random>
#include <string>

#include "engine/model-package.h"
#include "inherent/inherent.hpp"

namespace {

struct Package {
  std::string weights;  // single-buffer form
};

const Package& package(const std::string& config) {
  static std::map<std::string, Package> cache;
  auto it = cache.find(config);
  if (it != cache.end()) return it->second;
  inherent::ModelConfig c;
  if (!inherent::arch_config_by_name(config, &c)) std::abort();
  inherent::PackageInfo info = inherent::package_default_info();
  Package p;
  p.weights = inherent::random_package_bytes(c, info, 1);
  if (p.weights.empty()) std::abort();
  return cache.emplace(config, std::move(p)).first->second;
}

inherent_kernels kernels_of(const std::string& name) {
  if (name == "generic") return INHERENT_KERNELS_GENERIC;
  if (name == "avx2") return INHERENT_KERNELS_AVX2;
  if (name == "avx512") return INHERENT_KERNELS_AVX512;
  if (name == "avx512vnni") return INHERENT_KERNELS_AVX512_VNNI;
  return INHERENT_KERNELS_AUTO;
}

// A speech-like 16 kHz signal.
std::vector<float> audio(double seconds) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  std::vector<float> x(static_cast<size_t>(seconds * INHERENT_SAMPLE_RATE));
  double phase = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / INHERENT_SAMPLE_RATE;
    phase += 2 * M_PI * (130 + 30 * std::sin(2 * M_PI * t)) / INHERENT_SAMPLE_RATE;
    x[i] = static_cast<float>(0.1 * std::sin(phase) + 0.05 * std::sin(3 * phase)) + noise(rng);
  }
  return x;
}

// Multiply-adds of one whisper-family window of t frames (engine/model-whisper.cpp): the
// bridge, conv1 on the 10 ms grid, conv2, the blocks (QKV, out, FFN, attention's two
// products) and the pooled heads. Ensembles: their whisper members only; 0 for others.
double whisper_macs(const inherent::ModelConfig& c, int t) {
  if (c.family == inherent::ArchFamily::ensemble) {
    double total = 0;
    for (const inherent::ModelConfig& m : c.members) total += whisper_macs(m, t);
    return total;
  }
  if (c.family != inherent::ArchFamily::whisper) return 0;
  const double h = c.n_hidden, f = c.ffn_mult * h, w = c.bridge_mels, m = c.n_mels, p = c.head_width;
  const double bridge = t * m * w, conv1 = 2.0 * t * 3 * w * h, conv2 = t * 3 * h * h;
  const double block = t * h * (3 * h + h + 2 * f) + 2.0 * t * t * h;
  const double heads = t * h * p + t * p * (c.n_outputs + c.n_outputs);
  return bridge + conv1 + conv2 + c.n_blocks * block + heads;
}

void BM_score_mel(benchmark::State& state, std::string config, std::string kernels, bool int8, double seconds,
                  int n_threads) {
  const Package& p = package(config);
  inherent_model_params mp = inherent_model_default_params();
  mp.kernels = kernels_of(kernels);
  if (int8) mp.precision = INHERENT_PRECISION_INT8;
  inherent::Model model = [&] {
    try {
      return inherent::Model::from_memory(p.weights.data(), p.weights.size(), {}, mp);
    } catch (const inherent::Exception&) {
      return inherent::Model::from_memory(p.weights.data(), p.weights.size());
    }
  }();
  if (kernels != "auto" && model.kernels_name() != kernels) {
    state.SkipWithError(("this CPU has no " + kernels + " kernels").c_str());
    return;
  }
  const std::vector<float> x = audio(seconds);
  const inherent::Mel mel = inherent::mel(x.data(), x.size());
  inherent_session_params sp = inherent_session_default_params();
  sp.n_threads = n_threads;
  inherent::Session session(model, sp);
  session.score_mel(mel.data.data(), mel.n_frames);  // warm up: workspace, caches
  for (auto _ : state) {
    inherent::Scores s = session.score_mel(mel.data.data(), mel.n_frames);
    benchmark::DoNotOptimize(s);
  }
  state.counters["x_realtime"] = benchmark::Counter(seconds, benchmark::Counter::kIsIterationInvariantRate);
  inherent::ModelConfig c;
  inherent::arch_config_by_name(config, &c);
  if (const double macs = whisper_macs(c, mel.n_frames); macs > 0)
    state.counters["GMAC_per_s"] =
        benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(model.kernels_name() + (int8 ? " int8" : "") + ", " + std::to_string(mel.n_frames) +
                 " frames" + (n_threads > 1 ? ", " + std::to_string(n_threads) + " threads" : ""));
}

void BM_stream_hop(benchmark::State& state, std::string config, std::string kernels, bool int8,
                   int n_threads) {
  const Package& p = package(config);
  inherent_model_params mp = inherent_model_default_params();
  mp.kernels = kernels_of(kernels);
  if (int8) mp.precision = INHERENT_PRECISION_INT8;
  inherent::Model model = inherent::Model::from_memory(p.weights.data(), p.weights.size(), {}, mp);
  const std::vector<float> x = audio(20.0);
  inherent_stream_params sp = inherent_stream_default_params();  // 2 s window, 100 ms hop
  sp.n_threads = n_threads;
  inherent::Stream stream(model, sp);
  const size_t hop = INHERENT_SAMPLE_RATE / 10;
  size_t at = 0;
  // Warm up past the first full window so every measured hop is a 2 s window.
  for (int i = 0; i < 25; ++i, at += hop) {
    stream.accept(x.data() + at, hop);
    stream.results();
  }
  for (auto _ : state) {
    if (at + hop > x.size()) {
      state.PauseTiming();
      stream.reset();
      at = 0;
      for (int i = 0; i < 25; ++i, at += hop) {
        stream.accept(x.data() + at, hop);
        stream.results();
      }
      state.ResumeTiming();
    }
    stream.accept(x.data() + at, hop);
    at += hop;
    benchmark::DoNotOptimize(stream.results());
  }
  state.SetLabel(model.kernels_name() + (int8 ? " int8" : "") + ", 2 s window, 100 ms hop" +
                 (n_threads > 1 ? ", " + std::to_string(n_threads) + " threads" : ""));
}

void BM_load(benchmark::State& state, std::string config) {
  const Package& p = package(config);
  for (auto _ : state) {
    inherent::Model model = inherent::Model::from_memory(p.weights.data(), p.weights.size());
    benchmark::DoNotOptimize(model.get());
  }
  state.SetLabel(std::to_string(p.weights.size() / 1024) + " KiB package");
}

#if defined(__x86_64__)  // BM_peak: x86 instructions only
// The core's multiply-add ceiling: independent accumulators enough to cover the
// instruction's latency on every port, all in registers (AVX2 has 16 of them, so 12
// there), kPeakSteps rounds per iteration.
constexpr int kPeakChains = 16, kPeakChains256 = 12, kPeakSteps = 1 << 16;

// NAME: CHAINS accumulators of VEC set to INIT (of i), each round acc = OP(acc, A, B),
// counted as MACS multiply-adds per instruction.
#define INHERENT_PEAK(NAME, TARGET, VEC, CHAINS, INIT, A, B, OP, MACS)                                \
  __attribute__((target(TARGET))) void NAME(benchmark::State& state) {                                \
    VEC acc[CHAINS];                                                                                  \
    for (int i = 0; i < (CHAINS); ++i) acc[i] = INIT;                                                 \
    const VEC a = A, b = B;                                                                           \
    for (auto _ : state) {                                                                            \
      for (int s = 0; s < kPeakSteps; ++s)                                                            \
        _Pragma("GCC unroll 16") for (int i = 0; i < (CHAINS); ++i) acc[i] = OP(acc[i], a, b);        \
      benchmark::DoNotOptimize(acc);                                                                  \
    }                                                                                                 \
    state.counters["GMAC_per_s"] = benchmark::Counter(1e-9 * kPeakSteps * (CHAINS) * (MACS),          \
                                                      benchmark::Counter::kIsIterationInvariantRate); \
  }

INHERENT_PEAK(peak_fma256, "avx2,fma", __m256, kPeakChains256, _mm256_set1_ps(0.001f * i),
              _mm256_set1_ps(0.999f), _mm256_set1_ps(1e-7f), _mm256_fmadd_ps, 8)
INHERENT_PEAK(peak_fma512, "avx512f", __m512, kPeakChains, _mm512_set1_ps(0.001f * i), _mm512_set1_ps(0.999f),
              _mm512_set1_ps(1e-7f), _mm512_fmadd_ps, 16)
// The int8 path's instruction (kernels-impl.h, pmadd): int16 pairs summed into int32.
INHERENT_PEAK(peak_dpwssd512, "avx512f,avx512bw,avx512vnni", __m512i, kPeakChains, _mm512_set1_epi32(i),
              _mm512_set1_epi16(3), _mm512_set1_epi16(-2), _mm512_dpwssd_epi32, 32)
// u8 x s8 quads (what 8-bit activations would run): the int8 ceiling of this core.
INHERENT_PEAK(peak_dpbusd512, "avx512f,avx512bw,avx512vnni", __m512i, kPeakChains, _mm512_set1_epi32(i),
              _mm512_set1_epi8(3), _mm512_set1_epi8(-2), _mm512_dpbusd_epi32, 64)
#undef INHERENT_PEAK

void BM_peak(benchmark::State& state, bool supported, void (*run)(benchmark::State&)) {
  if (!supported) {
    state.SkipWithError("this CPU has no such instruction");
    return;
  }
  run(state);
}

#endif

}  // namespace

int main(int argc, char** argv) {
  for (const std::string config : {"tiny", "small", "base", "whisper-tiny.en", "backbone"}) {
    for (const char* kernels : {"auto", "avx512vnni", "avx512", "avx2", "generic"})
      for (bool int8 : {false, true})
        for (double seconds : {1.0, 10.0})
          benchmark::RegisterBenchmark((std::string("BM_score_mel/") + config + "/" + kernels +
                                        (int8 ? "/int8/" : "/") + std::to_string(int(seconds)) + "s")
                                           .c_str(),
                                       BM_score_mel, config, kernels, int8, seconds, 1)
              ->Unit(benchmark::kMillisecond);
    // Threads: wall time is what they buy (CPU time adds up over threads).
    for (bool int8 : {false, true})
      for (double seconds : {1.0, 10.0})
        benchmark::RegisterBenchmark((std::string("BM_score_mel/") + config + "/auto" +
                                      (int8 ? "/int8/" : "/") + std::to_string(int(seconds)) + "s/2threads")
                                         .c_str(),
                                     BM_score_mel, config, "auto", int8, seconds, 2)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    for (bool int8 : {false, true})
      for (int n_threads : {1, 2}) {
        auto* b = benchmark::RegisterBenchmark((std::string("BM_stream_hop/") + config + "/auto" +
                                                (int8 ? "/int8" : "") + (n_threads > 1 ? "/2threads" : ""))
                                                   .c_str(),
                                               BM_stream_hop, config, "auto", int8, n_threads);
        b->Unit(benchmark::kMillisecond);
        if (n_threads > 1) b->UseRealTime();
      }
    benchmark::RegisterBenchmark((std::string("BM_load/") + config).c_str(), BM_load, config)
        ->Unit(benchmark::kMillisecond);
  }
#if defined(__x86_64__)
  benchmark::RegisterBenchmark("BM_peak/fma256", BM_peak, __builtin_cpu_supports("fma"), peak_fma256)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_peak/fma512", BM_peak, __builtin_cpu_supports("avx512f"), peak_fma512)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_peak/dpwssd512", BM_peak, __builtin_cpu_supports("avx512vnni"),
                               peak_dpwssd512)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_peak/dpbusd512", BM_peak, __builtin_cpu_supports("avx512vnni"),
                               peak_dpbusd512)
      ->Unit(benchmark::kMillisecond);
#endif
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
}
