// SPDX-License-Identifier: Apache-2.0
//
// What a training run writes as it goes, besides checkpoints: its folder's file names,
// metrics.jsonl (one JSON object a line) and the live progress line on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace inherent::train {

struct RunPaths {
  std::string dir, config, metrics, last, best, summary;
  explicit RunPaths(const std::string& d)
      : dir(d),
        config(d + "/config.yaml"),
        metrics(d + "/metrics.jsonl"),
        last(d + "/last"),
        best(d + "/best"),
        summary(d + "/summary.json") {}
};

// Appends one JSON object a line, flushed at once so a killed run keeps its records.
class JsonLog {
 public:
  explicit JsonLog(const std::string& path);
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;
  void write(const nlohmann::json& j);

 private:
  std::FILE* f_;
};

// The live line on stderr: redrawn on a terminal, every 10 s into a file or pipe.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  void update(int64_t step, int64_t max_steps, double loss, double steps_per_s, bool force = false);
  // Ends the redrawn line before other output.
  void clear();

 private:
  bool enabled_, tty_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace inherent::train
