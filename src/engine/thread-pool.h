// SPDX-License-Identifier: Apache-2.0
//
// A small fixed pool for the optional multi-threaded forward pass: run(n, fn) calls
// fn(0..n-1) spread over the pool's threads and the caller's, and returns when all are
// done. One run at a time per pool (a pool belongs to one session or stream). Builds
// without threads (WebAssembly without pthreads) run everything on the caller.
#pragma once

#include <condition_variable>
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
  bool take(int* task);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* fn_ = nullptr;
  int n_tasks_ = 0, next_ = 0, finished_ = 0;
  unsigned generation_ = 0;
  bool stop_ = false;
};

}  // namespace inherent::engine
