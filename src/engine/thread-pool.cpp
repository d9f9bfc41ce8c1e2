// SPDX-License-Identifier: Apache-2.0
#include "thread-pool.h"

namespace inherent::engine {

namespace {

// How long an idle worker polls before it sleeps (about 50 us on a desktop core).
constexpr int kSpins = 20000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline uint32_t generation_of(uint64_t s) { return static_cast<uint32_t>(s >> 32); }

}  // namespace

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

bool ThreadPool::take(uint32_t generation, int* task) {
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    const int n = static_cast<int>((s >> 16) & 0xffff), next = static_cast<int>(s & 0xffff);
    if (generation_of(s) != generation || next >= n) return false;
    if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      *task = next;
      return true;
    }
  }
}

void ThreadPool::run(int n_tasks, const std::function<void(int)>& fn) {
  if (workers_.empty() || n_tasks <= 1 || n_tasks > 0xffff) {
    for (int i = 0; i < n_tasks; ++i) fn(i);
    return;
  }
  // The previous run is wholly finished here, so no worker reads fn_ or finished_.
  fn_ = &fn;
  finished_.store(0, std::memory_order_relaxed);
  const uint32_t generation = generation_of(state_.load(std::memory_order_relaxed)) + 1;
  state_.store((static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(n_tasks) << 16),
               std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);  // a worker about to sleep sees the new run
  }
  wake_.notify_all();
  int task = 0;
  while (take(generation, &task)) {
    fn(task);
    finished_.fetch_add(1, std::memory_order_acq_rel);
  }
  while (finished_.load(std::memory_order_acquire) < n_tasks) relax();
}

void ThreadPool::work() {
  uint32_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_of(state_.load(std::memory_order_acquire)) == seen) {
      if (stop_.load(std::memory_order_relaxed)) return;
      if (++spins < kSpins) {
        relax();
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock,
                 [&] { return stop_ || generation_of(state_.load(std::memory_order_acquire)) != seen; });
      if (stop_) return;
      break;
    }
    seen = generation_of(state_.load(std::memory_order_acquire));
    int task = 0;
    while (take(seen, &task)) {
      (*fn_)(task);
      finished_.fetch_add(1, std::memory_order_acq_rel);
    }
  }
}

}  // namespace inherent::engine
