// SPDX-License-Identifier: Apache-2.0
//
// Streams through the public C++ API: every result must equal the offline scores of its
// window (inherent_session_score_mel on the same frames), whatever the chunk sizes,
// window, hop and kernel set; results are timed on the frame grid; a slow reader gets
// bounded memory and counted skips; decisions follow the documented rule.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/model-package.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

// A random-weight tiny model with the given thresholds (head order).
Model tiny_model(const float* thresholds = nullptr, inherent_kernels kernels = INHERENT_KERNELS_AUTO,
                 inherent_precision precision = INHERENT_PRECISION_FLOAT32) {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  PackageInfo info = package_default_info();
  if (thresholds)
    for (int i = 0; i < INHERENT_N_HEADS; ++i) info.thresholds[i] = thresholds[i];
  const std::string weights = random_package_bytes(c, info, 21);
  EXPECT_FALSE(weights.empty());
  inherent_model_params p = inherent_model_default_params();
  p.kernels = kernels;
  p.precision = precision;
  return Model::from_memory(weights.data(), weights.size(), {}, p);
}

// Speech-like audio with pauses of digital silence.
std::vector<float> audio(double seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  const size_t n = static_cast<size_t>(seconds * INHERENT_SAMPLE_RATE);
  std::vector<float> x(n);
  double phase = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / INHERENT_SAMPLE_RATE;
    phase += 2 * M_PI * (140 + 40 * std::sin(2 * M_PI * 0.7 * t)) / INHERENT_SAMPLE_RATE;
    double y = 0;
    for (int h = 1; h < 12; ++h) y += std::sin(h * phase) / h;
    const double env = std::max(0.0, std::sin(2 * M_PI * 1.5 * t + seed));
    x[i] = static_cast<float>(0.2 * env * y) + noise(rng);
    if (std::fmod(t, 3.0) > 2.6) x[i] = 0.0f;  // 0.4 s of exact silence every 3 s
  }
  return x;
}

struct Offline {
  Mel mel;  // every frame of the clip (no cap), as the stream's frontend makes them
};

Offline offline(const std::vector<float>& x) {
  inherent_frontend_params p = inherent_frontend_default_params();
  p.max_frames = 0;
  return {mel(x.data(), x.size(), p)};
}

// Feeds x in chunks cycling through `chunks`, reading results at irregular points.
std::vector<inherent_stream_result> run(Stream& s, const std::vector<float>& x,
                                        const std::vector<size_t>& chunks, bool finish = true) {
  std::vector<inherent_stream_result> out;
  size_t at = 0, k = 0;
  while (at < x.size()) {
    const size_t n = std::min(chunks[k++ % chunks.size()], x.size() - at);
    s.accept(x.data() + at, n);
    at += n;
    if (k % 2 == 0)
      for (const auto& r : s.results()) out.push_back(r);
  }
  if (finish) s.input_finished();
  for (const auto& r : s.results()) out.push_back(r);
  return out;
}

// Every result equals the offline scores of its frames; returns the result count.
size_t check_windows(const Model& model, const Offline& off,
                     const std::vector<inherent_stream_result>& results, int window_frames, int hop_frames,
                     bool partial) {
  Session session(model);
  const int64_t total = static_cast<int64_t>(off.mel.n_frames);
  int64_t expect_end = partial ? hop_frames : ((window_frames + hop_frames - 1) / hop_frames) * hop_frames;
  for (size_t i = 0; i < results.size(); ++i) {
    const inherent_stream_result& r = results[i];
    const int64_t first = std::llround(r.start_s / 0.02), end = std::llround(r.end_s / 0.02);
    EXPECT_EQ(r.start_s, first * 0.02);
    const bool last = i + 1 == results.size();
    if (!(last && end == total && end != expect_end)) {
      EXPECT_EQ(end, expect_end) << "result " << i;
      expect_end += hop_frames;
    }
    EXPECT_EQ(first, std::max<int64_t>(0, end - window_frames)) << "result " << i;
    EXPECT_LE(end, total);
    const Scores want = session.score_mel(off.mel.data.data() + first * INHERENT_N_MELS, end - first);
    for (int h = 0; h < INHERENT_N_HEADS; ++h)
      EXPECT_EQ(r.scores[h], want[h]) << "result " << i << " [" << first << ", " << end << ") head " << h;
  }
  if (!results.empty()) {
    EXPECT_EQ(std::llround(results.back().end_s / 0.02), total) << "the last result ends the clip";
  }
  return results.size();
}

TEST(Stream, EqualsOfflineOnTheSameWindows) {
  const Model model = tiny_model();
  const std::vector<float> x = audio(7.3, 1);
  const Offline off = offline(x);
  struct Case {
    uint32_t window_ms, hop_ms;
    int partial;
    std::vector<size_t> chunks;
  };
  const Case cases[] = {
      {2000, 100, 1, {1600}},  // the defaults, 100 ms chunks
      {2000, 100, 1, {1, 7, 320, 399, 1000, 4096}},
      {2000, 100, 0, {5000}},
      {500, 60, 1, {333}},        // odd frame counts: right-edge steps
      {100, 200, 1, {2048}},      // hop longer than the window
      {1980, 20, 1, {160, 480}},  // one-frame hops: every phase
      {60000, 1000, 1, {16000}},  // window longer than the clip
  };
  for (const Case& c : cases) {
    inherent_stream_params p = inherent_stream_default_params();
    p.window_ms = c.window_ms, p.hop_ms = c.hop_ms, p.partial = c.partial;
    p.max_pending = 1000000;
    Stream s(model, p);
    const auto results = run(s, x, c.chunks);
    SCOPED_TRACE("window " + std::to_string(c.window_ms) + " hop " + std::to_string(c.hop_ms));
    EXPECT_GT(check_windows(model, off, results, c.window_ms / 20, c.hop_ms / 20, c.partial != 0), 0u);
    for (const auto& r : results) EXPECT_EQ(r.skipped, 0u);
  }
}

TEST(Stream, EveryKernelSetAndPrecisionEqualsItsOffline) {
  // int8 too: activations are quantized per time step, so a step's result does not
  // depend on which other steps share the GEMM.
  const std::vector<float> x = audio(3.1, 2);
  const Offline off = offline(x);
  for (inherent_precision precision : {INHERENT_PRECISION_FLOAT32, INHERENT_PRECISION_INT8})
    for (inherent_kernels k : {INHERENT_KERNELS_GENERIC, INHERENT_KERNELS_AVX2, INHERENT_KERNELS_AVX512,
                               INHERENT_KERNELS_AVX512_VNNI}) {
      Model model = [&] {
        try {
          return tiny_model(nullptr, k, precision);
        } catch (const Exception& e) {
          EXPECT_EQ(e.status(), INHERENT_STATUS_UNSUPPORTED);
          return tiny_model(nullptr, INHERENT_KERNELS_AUTO, precision);
        }
      }();
      EXPECT_EQ(model.precision(), precision);
      Stream s(model);
      check_windows(model, off, run(s, x, {1234}), 100, 5, true);
    }
}

TEST(Stream, OneSampleAtATime) {
  const Model model = tiny_model();
  const std::vector<float> x = audio(0.9, 3);
  inherent_stream_params p = inherent_stream_default_params();
  p.window_ms = 400, p.hop_ms = 80;
  Stream s(model, p);
  check_windows(model, offline(x), run(s, x, {1}), 20, 4, true);
}

TEST(Stream, ShortClipsStillGetAResult) {
  const Model model = tiny_model();
  for (size_t n : {size_t{1}, size_t{300}, size_t{1600}, size_t{4000}}) {
    const std::vector<float> x = audio(1.0, 4);
    const std::vector<float> clip(x.begin(), x.begin() + n);
    for (int partial : {1, 0}) {
      inherent_stream_params p = inherent_stream_default_params();
      p.partial = partial;
      Stream s(model, p);
      const auto results = run(s, clip, {4096});
      ASSERT_FALSE(results.empty()) << n << " samples";
      check_windows(model, offline(clip), {results.back()}, 100, 5, true);
    }
  }
}

TEST(Stream, LongStreamsStayExact) {
  // Five minutes through the compaction path; spot-check the last results.
  const Model model = tiny_model();
  const std::vector<float> x = audio(300.0, 5);
  Stream s(model);
  auto results = run(s, x, {1600});
  ASSERT_EQ(results.size(), 3000u);
  const Offline off = offline(x);
  std::vector<inherent_stream_result> tail(results.end() - 30, results.end());
  Session session(model);
  for (const auto& r : tail) {
    const int64_t first = std::llround(r.start_s / 0.02), end = std::llround(r.end_s / 0.02);
    const Scores want = session.score_mel(off.mel.data.data() + first * INHERENT_N_MELS, end - first);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) ASSERT_EQ(r.scores[h], want[h]);
  }
}

TEST(Stream, SlowReadersSkipWithACount) {
  const Model model = tiny_model();
  const std::vector<float> x = audio(10.0, 6);
  inherent_stream_params p = inherent_stream_default_params();
  p.max_pending = 8;
  Stream s(model, p);
  s.accept(x.data(), x.size());  // 100 hop boundaries, nobody reading
  EXPECT_EQ(s.ready(), 8u);
  const auto results = s.results();
  ASSERT_EQ(results.size(), 8u);
  // 160000 samples complete frames 0..498: 99 hop boundaries, the first 91 skipped.
  EXPECT_EQ(results[0].skipped, 91u);
  for (size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[i].skipped, 0u);
  EXPECT_DOUBLE_EQ(results[0].end_s, 9.2);
  // The kept ones are still exact.
  const Offline off = offline(x);
  Session session(model);
  for (const auto& r : results) {
    const int64_t first = std::llround(r.start_s / 0.02), end = std::llround(r.end_s / 0.02);
    const Scores want = session.score_mel(off.mel.data.data() + first * INHERENT_N_MELS, end - first);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) ASSERT_EQ(r.scores[h], want[h]);
  }
}

TEST(Stream, ResetStartsOver) {
  const Model model = tiny_model();
  const std::vector<float> a = audio(2.5, 7), b = audio(3.0, 8);
  Stream fresh(model), reused(model);
  run(reused, a, {999});
  reused.reset();
  EXPECT_EQ(reused.ready(), 0u);
  const auto r1 = run(reused, b, {1600});
  const auto r2 = run(fresh, b, {1600});
  ASSERT_EQ(r1.size(), r2.size());
  for (size_t i = 0; i < r1.size(); ++i) {
    EXPECT_EQ(r1[i].start_s, r2[i].start_s);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(r1[i].scores[h], r2[i].scores[h]);
    EXPECT_EQ(r1[i].fired, r2[i].fired);
  }
}

TEST(Stream, DecisionsFollowTheRule) {
  // Thresholds near the middle of what this random model scores, so heads flip.
  const Model probe = tiny_model();
  const std::vector<float> x = audio(12.0, 9);
  Stream ps(probe);
  const auto probe_results = run(ps, x, {1600});
  float thresholds[INHERENT_N_HEADS];
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    std::vector<float> v;
    for (const auto& r : probe_results) v.push_back(r.scores[h]);
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    thresholds[h] = v[v.size() / 2];
  }
  const Model model = tiny_model(thresholds);
  for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(model.threshold(h), thresholds[h]);
  for (uint32_t smoothing : {1u, 4u})
    for (float hysteresis : {0.0f, 0.002f}) {
      inherent_stream_params p = inherent_stream_default_params();
      p.smoothing = smoothing, p.hysteresis = hysteresis;
      Stream s(model, p);
      const auto results = run(s, x, {1600});
      std::vector<std::vector<float>> history;
      uint32_t on = 0, flips = 0, prev = 0;
      for (const auto& r : results) {
        history.emplace_back(r.scores, r.scores + INHERENT_N_HEADS);
        if (history.size() > smoothing) history.erase(history.begin());
        for (int h = 0; h < INHERENT_N_HEADS; ++h) {
          double mean = 0;
          for (const auto& v : history) mean += v[h];
          mean /= static_cast<double>(history.size());
          EXPECT_NEAR(r.smoothed[h], mean, 1e-6);
          const bool was = (on >> h) & 1u;
          const bool now = was ? r.smoothed[h] >= thresholds[h] - hysteresis : r.smoothed[h] >= thresholds[h];
          on = now ? on | (1u << h) : on & ~(1u << h);
        }
        const uint32_t want = (on & 1u) ? on : 0u;
        EXPECT_EQ(r.fired, want);
        if ((r.fired & 1u) == 0) {
          EXPECT_EQ(r.fired, 0u) << "an intent fired without the gate";
        }
        flips += (r.fired != prev);
        prev = r.fired;
      }
      EXPECT_GT(flips, 2u) << "thresholds did not exercise the rule";
      if (smoothing == 1 && hysteresis == 0.0f) {
        for (const auto& r : results) {
          Scores sc;
          std::copy(r.scores, r.scores + INHERENT_N_HEADS, sc.begin());
          EXPECT_EQ(r.fired, model.decide(sc)) << "stream and batch decisions differ";
        }
      }
    }
}

TEST(Stream, Errors) {
  const Model model = tiny_model();
  inherent_stream_params p = inherent_stream_default_params();
  p.window_ms = 30;
  inherent_stream* raw = nullptr;
  EXPECT_EQ(inherent_stream_init(model.get(), &p, &raw), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(inherent_last_error()).find("window_ms = 30"), std::string::npos);
  EXPECT_EQ(raw, nullptr);
  p = inherent_stream_default_params();
  p.smoothing = 0;
  EXPECT_EQ(inherent_stream_init(model.get(), &p, &raw), INHERENT_STATUS_INVALID_ARGUMENT);
  Stream s(model);
  inherent_stream_result r;
  EXPECT_EQ(inherent_stream_scores(s.get(), &r), INHERENT_STATUS_INVALID_STATE);
  std::vector<float> x(100, 0.1f);
  x[42] = NAN;
  EXPECT_EQ(inherent_stream_accept(s.get(), x.data(), x.size()), INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_NE(std::string(inherent_last_error()).find("sample 42"), std::string::npos);
  s.input_finished();
  EXPECT_EQ(inherent_stream_accept(s.get(), x.data(), 1), INHERENT_STATUS_INVALID_STATE);
  // Nothing was accepted: no result at all (an empty stream never scores its padding).
  EXPECT_EQ(s.ready(), 0u);
}

}  // namespace
}  // namespace inherent

namespace inherent {
namespace {

TEST(Threads, SameScoresOnMoreThreads) {
  ModelConfig c;
  ASSERT_TRUE(arch_config_by_name("small", &c));
  const std::string weights = random_package_bytes(c, package_default_info(), 8);
  ASSERT_FALSE(weights.empty());
  const Model model = Model::from_memory(weights.data(), weights.size());
  const std::vector<float> x = audio(12.0, 10);
  const Mel m = mel(x.data(), x.size());
  Session one(model);
  const Scores want = one.score_mel(m.data.data(), m.n_frames);
  for (int n : {2, 3, 8}) {
    inherent_session_params p = inherent_session_default_params();
    p.n_threads = n;
    Session many(model, p);
    for (int repeat = 0; repeat < 3; ++repeat)
      EXPECT_EQ(many.score_mel(m.data.data(), m.n_frames), want) << n;
  }
  inherent_stream_params sp = inherent_stream_default_params();
  Stream serial(model, sp);
  sp.n_threads = 3;
  Stream threaded(model, sp);
  const std::vector<float> clip(x.begin(), x.begin() + 3 * INHERENT_SAMPLE_RATE);
  const auto a = run(serial, clip, {1600}), b = run(threaded, clip, {1600});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (int h = 0; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(a[i].scores[h], b[i].scores[h]);
  inherent_session_params bad = inherent_session_default_params();
  bad.n_threads = 0;
  inherent_session* raw = nullptr;
  EXPECT_EQ(inherent_session_init(model.get(), &bad, &raw), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(inherent_last_error()).find("n_threads = 0"), std::string::npos);
  bad.n_threads = 65;
  EXPECT_EQ(inherent_session_init(model.get(), &bad, &raw), INHERENT_STATUS_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace inherent
