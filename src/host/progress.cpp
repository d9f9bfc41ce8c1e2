// SPDX-License-Identifier: Apache-2.0
#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace inherent {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  return buf;
}

Progress::Progress(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(::isatty(2) != 0) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::add(size_t n) {
  const size_t done = done_.fetch_add(n) + n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(done, false);
}

void Progress::skip(size_t n) {
  skipped_ += n;
  add(n);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(done_.load(), true);
}

void Progress::draw(size_t done, bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const size_t worked = done - std::min(done, skipped_.load());
  const double rate = elapsed > 0 ? worked / elapsed : 0.0;
  const double frac = total_ ? static_cast<double>(done) / total_ : 1.0;
  const double eta = rate > 0 && total_ > done ? (total_ - done) / rate : 0.0;
  char line[256];
  if (tty_) {
    constexpr int kWidth = 24;
    std::string bar(static_cast<size_t>(frac * kWidth + 0.5), '#');
    bar.resize(kWidth, '.');
    std::snprintf(line, sizeof(line), "\r%s [%s] %3.0f%% %zu/%zu %.1f/s %s %s\x1b[K", label_.c_str(),
                  bar.c_str(), 100 * frac, done, total_, rate, final ? "took" : "ETA",
                  format_duration(final ? elapsed : eta).c_str());
    std::fputs(line, stderr);
    if (final) std::fputc('\n', stderr);
  } else {
    std::snprintf(line, sizeof(line), "%s: %zu/%zu (%.0f%%) %.1f/s %s %s\n", label_.c_str(), done, total_,
                  100 * frac, rate, final ? "took" : "ETA", format_duration(final ? elapsed : eta).c_str());
    std::fputs(line, stderr);
  }
  std::fflush(stderr);
}

}  // namespace inherent
