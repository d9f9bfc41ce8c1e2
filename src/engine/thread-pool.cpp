// SPDX-License-Identifier: Apache-2.0
#include "thread-pool.h"

namespace inherent::engine {

bool ThreadPool::available() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return false;
#else
  return true;
#endif
}

ThreadPool::ThreadPool(int n_threads) {
  if (!available()) return;
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::take(int* task) {
  if (next_ >= n_tasks_) return false;
  *task = next_++;
  return true;
}

void ThreadPool::run(int n_tasks, const std::function<void(int)>& fn) {
  if (workers_.empty() || n_tasks <= 1) {
    for (int i = 0; i < n_tasks; ++i) fn(i);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  fn_ = &fn;
  n_tasks_ = n_tasks;
  next_ = finished_ = 0;
  ++generation_;
  wake_.notify_all();
  int task = 0;
  while (take(&task)) {
    lock.unlock();
    fn(task);
    lock.lock();
    ++finished_;
  }
  done_.wait(lock, [this] { return finished_ == n_tasks_; });
  fn_ = nullptr;
}

void ThreadPool::work() {
  unsigned seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (generation_ != seen && fn_ && next_ < n_tasks_); });
    if (stop_) return;
    seen = generation_;
    int task = 0;
    while (take(&task)) {
      const std::function<void(int)>* fn = fn_;
      lock.unlock();
      (*fn)(task);
      lock.lock();
      if (++finished_ == n_tasks_) done_.notify_all();
    }
  }
}

}  // namespace inherent::engine
