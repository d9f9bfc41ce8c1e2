// SPDX-License-Identifier: Apache-2.0
#include "spot-checks.h"

#include <nlohmann/json.hpp>
#include <set>

#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {
namespace {

constexpr const char* kPrefix = "spot:";

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + ": " + what);
}

}  // namespace

std::vector<SpotCheck> read_spot_checks(const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad(path, "not a JSON object");
  if (j.value("format", "") != "inherent-spot-checks") bad(path, "format: expected \"inherent-spot checks\"");
  if (!j.contains("version") || j["version"] != 1) bad(path, "version: expected 1");
  const auto list = j.find("spot_checks");
  if (list == j.end() || !list->is_array()) bad(path, "spot_checks: missing or not a list");
  std::vector<SpotCheck> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& x = (*list)[i];
    std::string where = path + ": spot_checks[" + std::to_string(i) + "]";
    if (!x.is_object()) bad(where, "not an object");
    SpotCheck f;
    for (auto [key, dst] : {std::pair{"id", &f.id}, std::pair{"text", &f.text}, std::pair{"kind", &f.kind}}) {
      const auto it = x.find(key);
      if (it == x.end() || !it->is_string() || it->get<std::string>().empty())
        bad(where, std::string(key) + ": missing or not a non-empty string");
      *dst = it->get<std::string>();
    }
    where += " (" + f.id + ")";
    if (f.id.find_first_of("/\\,\"\n") != std::string::npos || f.id[0] == '.')
      bad(where, "id: must not hold / \\ , \" or a line break, nor start with '.'");
    if (!ids.insert(f.id).second) bad(where, "id: duplicate");
    const auto labels = x.find("labels");
    if (labels == x.end() || !labels->is_object()) bad(where, "labels: missing or not an object");
    for (int h = 0; h < kNHeads; ++h) {
      const auto it = labels->find(head_name(h));
      if (it == labels->end() || !it->is_number_integer() || (*it != 0 && *it != 1))
        bad(where, std::string("labels.") + head_name(h) + ": missing, or not 0 or 1");
      f.labels[static_cast<size_t>(h)] = static_cast<uint8_t>(it->get<int>());
    }
    if (labels->size() != static_cast<size_t>(kNHeads)) bad(where, "labels: holds a name that is not a head");
    out.push_back(std::move(f));
  }
  return out;
}

std::string spot_check_template_id(const std::string& id) { return kPrefix + id; }

std::string spot_check_id_of(const std::string& template_id) {
  return template_id.rfind(kPrefix, 0) == 0 ? template_id.substr(std::string(kPrefix).size()) : "";
}

std::array<uint8_t, kNHeads> decide_heads(const float* scores, const std::vector<float>& t) {
  std::array<uint8_t, kNHeads> fired{};
  const bool gate = scores[0] >= t[0];
  for (int h = 0; h < kNHeads; ++h)
    fired[static_cast<size_t>(h)] = scores[h] >= t[static_cast<size_t>(h)] && (h == 0 || gate);
  return fired;
}

bool SpotCheckResult::passed() const {
  if (clips.empty()) return false;
  for (const SpotCheckClip& c : clips)
    if (!c.passed) return false;
  return true;
}

}  // namespace inherent::eval
