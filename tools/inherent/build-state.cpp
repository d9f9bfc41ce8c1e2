// SPDX-License-Identifier: Apache-2.0
#include "build-state.h"

#include <ctime>
#include <filesystem>

#include "common/sha256.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {
namespace {

using ojson = nlohmann::ordered_json;
constexpr const char* kFormat = "inherent-build/1";

ojson to_json(const std::string& name, const StageRecord& r) {
  ojson j = {{"name", name}, {"status", r.status}, {"fingerprint", r.fingerprint}, {"inputs", r.inputs}};
  if (!r.note.empty()) j["note"] = r.note;
  if (!r.error.empty()) j["error"] = r.error;
  j["seconds"] = r.seconds;
  if (!r.finished_at.empty()) j["finished_at"] = r.finished_at;
  j["numbers"] = r.numbers;
  return j;
}

StageRecord from_json(const ojson& j) {
  StageRecord r;
  r.status = j.value("status", "");
  r.fingerprint = j.value("fingerprint", "");
  if (j.contains("inputs")) r.inputs = j["inputs"];
  if (j.contains("numbers")) r.numbers = j["numbers"];
  r.note = j.value("note", "");
  r.error = j.value("error", "");
  r.seconds = j.value("seconds", 0.0);
  r.finished_at = j.value("finished_at", "");
  return r;
}

}  // namespace

BuildState::BuildState(std::string path) : path_(std::move(path)) {
  if (!std::filesystem::exists(path_)) return;
  const ojson j = ojson::parse(read_file(path_), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != kFormat || !j.contains("stages") ||
      !j["stages"].is_array()) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path_ + ": not an `inherent build` state (format " +
                                                          kFormat + "); remove it to start the build over");
  }
  for (const ojson& s : j["stages"]) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path_ + ": stages[]: a record without a name");
    stages_.emplace_back(s["name"].get<std::string>(), from_json(s));
  }
  for (auto& [key, value] : j.items()) {
    if (key != "format" && key != "stages") info_[key] = value;
  }
}

const StageRecord* BuildState::find(const std::string& stage) const {
  for (const auto& [name, record] : stages_) {
    if (name == stage) return &record;
  }
  return nullptr;
}

void BuildState::set(const std::string& stage, const StageRecord& record,
                     const std::vector<std::string>& order) {
  // Keep only the records of the stages before `stage`, in pipeline order.
  std::vector<std::pair<std::string, StageRecord>> kept;
  for (const std::string& name : order) {
    if (name == stage) break;
    if (const StageRecord* r = find(name)) kept.emplace_back(name, *r);
  }
  kept.emplace_back(stage, record);
  stages_ = std::move(kept);
}

void BuildState::save() const {
  ojson j = {{"format", kFormat}};
  for (auto& [key, value] : info_.items()) j[key] = value;
  ojson stages = ojson::array();
  for (const auto& [name, record] : stages_) stages.push_back(to_json(name, record));
  j["stages"] = stages;
  write_file_atomic(path_, json_text(j, 2) + "\n");
}

std::string inputs_fingerprint(const nlohmann::ordered_json& inputs) { return sha256_hex(json_text(inputs)); }

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace inherent::cli
