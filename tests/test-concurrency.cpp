// SPDX-License-Identifier: Apache-2.0
//
// The C ABI's threading contract, run under ThreadSanitizer in `make test` (preset tsan):
// one model is shared read-only by any number of threads, each with its own session or
// stream (some with worker threads of their own), and every thread gets the scores a
// lone serial session gets. last_error is per thread.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/model-package.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

Model tiny_model() {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  const std::string weights = random_package_bytes(c, package_default_info(), 5);
  EXPECT_FALSE(weights.empty());
  return Model::from_memory(weights.data(), weights.size());
}

// A voiced tone with a little noise: enough evidence that the heads are scored.
std::vector<float> voiced(double seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  std::vector<float> x(static_cast<size_t>(seconds * INHERENT_SAMPLE_RATE));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * (150 + 20 * seed) * i / INHERENT_SAMPLE_RATE)) +
           noise(rng);
  return x;
}

std::vector<float> stream_scores(const Model& model, const std::vector<float>& x, int n_threads) {
  inherent_stream_params p = inherent_stream_default_params();
  p.n_threads = n_threads;
  Stream s(model, p);
  std::vector<float> out;
  for (size_t at = 0; at < x.size(); at += 800) {
    s.accept(x.data() + at, std::min<size_t>(800, x.size() - at));
    for (const auto& r : s.results()) out.insert(out.end(), r.scores, r.scores + INHERENT_N_HEADS);
  }
  s.input_finished();
  for (const auto& r : s.results()) out.insert(out.end(), r.scores, r.scores + INHERENT_N_HEADS);
  return out;
}

TEST(Concurrency, OneModelManyThreadsSameScores) {
  const Model model = tiny_model();
  constexpr int kThreads = 6;
  std::vector<std::vector<float>> clips;
  std::vector<Scores> want_offline;
  std::vector<std::vector<float>> want_stream;
  for (int t = 0; t < kThreads; ++t) {
    clips.push_back(voiced(1.5, static_cast<unsigned>(t)));
    Session serial(model);
    want_offline.push_back(serial.score_audio(clips[t].data(), clips[t].size()));
    want_stream.push_back(stream_scores(model, clips[t], 1));
    ASSERT_FALSE(want_stream.back().empty());
  }

  std::vector<Scores> got_offline(kThreads);
  std::vector<std::vector<float>> got_stream(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      inherent_session_params p = inherent_session_default_params();
      p.n_threads = 1 + t % 3;  // some sessions run their own worker pool
      Session session(model, p);
      for (int repeat = 0; repeat < 2; ++repeat)
        got_offline[t] = session.score_audio(clips[t].data(), clips[t].size());
      got_stream[t] = stream_scores(model, clips[t], 1 + (t + 1) % 2);
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(got_offline[t], want_offline[t]) << "thread " << t;
    EXPECT_EQ(got_stream[t], want_stream[t]) << "thread " << t;
  }
}

TEST(Concurrency, LastErrorIsPerThread) {
  const Model model = tiny_model();
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      inherent_session_params bad = inherent_session_default_params();
      bad.n_threads = t % 2 == 0 ? 0 : 65;  // two different errors, on alternate threads
      inherent_session* raw = nullptr;
      EXPECT_EQ(inherent_session_init(model.get(), &bad, &raw), INHERENT_STATUS_INVALID_ARGUMENT);
      seen[t] = inherent_last_error();
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_NE(seen[t].find(t % 2 == 0 ? "n_threads = 0" : "n_threads = 65"), std::string::npos) << seen[t];
}

TEST(Concurrency, ModelsLoadAndFreeInParallel) {
  ModelConfig c;
  ASSERT_TRUE(arch_config_by_name("tiny", &c));
  const std::string weights = random_package_bytes(c, package_default_info(), 9);
  ASSERT_FALSE(weights.empty());
  const std::vector<float> x = voiced(0.8, 3);
  std::vector<Scores> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const Model m = Model::from_memory(weights.data(), weights.size());
      Session s(m);
      got[t] = s.score_audio(x.data(), x.size());
    });
  for (std::thread& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(got[t], got[0]);
}

}  // namespace
}  // namespace inherent
