// SPDX-License-Identifier: Apache-2.0
//
// The one way long jobs fan out over threads: every thread (the caller's among them)
// runs the same work loop, which claims items itself; failures of single items are
// collected as text and reported together once all threads are done.
#pragma once

#include <string>
#include <vector>

namespace inherent {

// Runs work on max(1, threads) threads, the calling thread being one of them; returns
// when all have returned.
template <typename Work>
void run_on_threads(int threads, Work&& work);

// Throws inherent::Exception listing the first 20 of the (sorted) per-item errors:
// "N clip(s) failed; WHAT was not written (rerun to resume):". No-op when empty.
void throw_item_errors(std::vector<std::string> errors, const std::string& what);

}  // namespace inherent

#include <thread>

template <typename Work>
void inherent::run_on_threads(int threads, Work&& work) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&work] { work(); });
  work();
  for (auto& t : pool) t.join();
}
