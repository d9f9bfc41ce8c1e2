// SPDX-License-Identifier: Apache-2.0
#include "train/run-output.h"

#include <unistd.h>

#include "host/json-text.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"

namespace inherent::train {

JsonLog::JsonLog(const std::string& path) : f_(std::fopen(path.c_str(), "a")) {
  if (!f_) throw Exception(INHERENT_STATUS_IO_ERROR, "cannot open " + path + " for appending");
}

JsonLog::~JsonLog() { std::fclose(f_); }

void JsonLog::write(const nlohmann::json& j) {
  const std::string line = json_text(j) + "\n";
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), tty_(::isatty(2) == 1) {}

void ProgressLine::update(int64_t step, int64_t max_steps, double loss, double steps_per_s, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!force && since < (tty_ ? 0.25 : 10.0)) return;
  last_ = now;
  const double eta = steps_per_s > 0 ? static_cast<double>(max_steps - step) / steps_per_s : 0;
  std::fprintf(stderr, "%strain  step %lld/%lld  loss %.4f  %.2f steps/s  ETA %s%s", tty_ ? "\r\033[K" : "",
               static_cast<long long>(step), static_cast<long long>(max_steps), loss, steps_per_s,
               format_duration(eta).c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
  drawn_ = tty_;
}

void ProgressLine::clear() {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
}

}  // namespace inherent::train
