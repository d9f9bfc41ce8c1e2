// SPDX-License-Identifier: Apache-2.0
//
// The forward pass's thread pool: every task of every run runs exactly once, runs
// return only when all their tasks are done, and the pool shuts down from any state
// (workers spinning, asleep, or never used).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/thread-pool.h"

namespace inherent::engine {
namespace {

TEST(ThreadPool, EveryTaskOnceInEveryRun) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), ThreadPool::available() ? threads : 1);
    std::vector<std::atomic<int>> hits(64);
    for (int run = 0; run < 2000; ++run) {
      const int n = 1 + run % 40;
      for (auto& h : hits) h.store(0);
      pool.run(n, [&](int t) { hits[t].fetch_add(1); });
      // run() returned: every task must be complete, none twice, none beyond n.
      for (int i = 0; i < 64; ++i) ASSERT_EQ(hits[i].load(), i < n ? 1 : 0) << "run " << run << " task " << i;
      if (run % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let workers sleep
    }
  }
}

TEST(ThreadPool, RunsAfterWorkersFellAsleep) {
  ThreadPool pool(2);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin budget
    std::atomic<int> sum{0};
    pool.run(8, [&](int t) { sum.fetch_add(t + 1); });
    EXPECT_EQ(sum.load(), 36);
  }
}

TEST(ThreadPool, ShutsDownFromAnyState) {
  { ThreadPool unused(3); }
  {
    ThreadPool spinning(3);
    spinning.run(4, [](int) {});
  }
  {
    ThreadPool asleep(3);
    asleep.run(4, [](int) {});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace
}  // namespace inherent::engine
