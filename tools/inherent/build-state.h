// SPDX-License-Identifier: Apache-2.0
// DIR/build.json of `inherent build`: one record per stage, in pipeline order, with the
// fingerprint of the stage's inputs. A rerun skips a stage whose record is "done" with
// the same fingerprint (and whose outputs exist); a stage that runs drops the records
// of every stage after it, so they run too. Saved atomically after every change.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace inherent::cli {

struct StageRecord {
  std::string status;       // "running" (started, not finished: killed or failed), "done", "failed"
  std::string fingerprint;  // of `inputs`
  nlohmann::ordered_json inputs = nlohmann::ordered_json::object();
  nlohmann::ordered_json numbers = nlohmann::ordered_json::object();  // key results (AUC, sizes, ...)
  std::string note;   // why a stage did nothing ("not available", ...)
  std::string error;  // status "failed": the message
  double seconds = 0;
  std::string finished_at;  // UTC, ISO 8601
};

class BuildState {
 public:
  // Reads `path` when it exists; a file that is not a build state is an error naming it.
  explicit BuildState(std::string path);

  // The record of `stage`, or nullptr.
  const StageRecord* find(const std::string& stage) const;
  // Replaces the record of `stage` (order[i] is the pipeline order) and drops the
  // records of the stages after it.
  void set(const std::string& stage, const StageRecord& record, const std::vector<std::string>& order);
  // Top-level fields written beside the stages (config, labels, options).
  nlohmann::ordered_json& info() { return info_; }
  void save() const;

 private:
  std::string path_;
  nlohmann::ordered_json info_ = nlohmann::ordered_json::object();
  std::vector<std::pair<std::string, StageRecord>> stages_;
};

// SHA-256 (hex) of the canonical JSON text of a stage's inputs.
std::string inputs_fingerprint(const nlohmann::ordered_json& inputs);

// The current time as UTC ISO 8601 ("2026-11-24T21:40:00Z").
std::string utc_now();

}  // namespace inherent::cli
