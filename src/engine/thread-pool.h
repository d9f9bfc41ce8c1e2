// SPDX-License-Identifier: Apache-2.0
//
// A small fixed pool for the optional multi-threaded forward pass: run(n, fn) calls
// fn(0..n-1) spread over the pool's threads and the caller's, and returns when all are
// done. One run at a time per pool (a pool belongs to one session or stream). Builds
// without threads (WebAssembly without pthreads) run everything on the caller.
//
// A forward pass makes dozens of runs of 5-50 us each, so waking a sleeping thread
// (tens of us) would cost more than it saves: workers spin for a while after each run
// and only then sleep on a condition variable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace inherent::engine {

class ThreadPool {
 public:
  // n_threads counts the caller: 1 means no extra thread.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void run(int n_tasks, const std::function<void(int)>& fn);

  // Whether this build can start threads at all.
  static bool available();

 private:
  void work();
  // Claims the next task of run `generation`; false when it has none left (or a newer
  // run has started).
  bool take(uint32_t generation, int* task);

  std::vector<std::thread> workers_;
  // One word so that a claim can never mix two runs: generation (32 bits), task count
  // (16) and next task (16).
  std::atomic<uint64_t> state_{0};
  std::atomic<int> finished_{0};
  const std::function<void(int)>* fn_ = nullptr;  // valid while a task of the run is unfinished
  std::mutex mu_;                                 // only for sleeping and waking
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
};

}  // namespace inherent::engine
