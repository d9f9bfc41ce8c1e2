// SPDX-License-Identifier: Apache-2.0
//
// A progress line for long jobs on stderr: a redrawn bar with rate and ETA on a
// terminal, a plain line every few seconds when stderr is a file or pipe (CI logs).
// add() is thread-safe; workers call it as they finish items.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace inherent {

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled = true);
  ~Progress();

  void add(size_t n = 1);
  // Items found already done (a resumed job): they count toward the bar but not the
  // rate, so the ETA reflects the work that is left.
  void skip(size_t n = 1);
  void finish();  // final line with the elapsed time

 private:
  void draw(size_t done, bool final);

  std::string label_;
  size_t total_;
  bool enabled_, tty_;
  std::atomic<size_t> done_{0}, skipped_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool finished_ = false;
};

// "1:02:03" / "2:03"
std::string format_duration(double seconds);

}  // namespace inherent
