// SPDX-License-Identifier: Apache-2.0
// The metadata JSON reader and the metadata validator on arbitrary text: never read out
// of bounds or crash; every failure has a message; whatever parses also re-serializes
// (strings through quote(), numbers through format_double()) to text that parses to the
// same value.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.h"
#include "engine/model-package.h"

namespace {

using inherent::json::Type;
using inherent::json::Value;

// Compact JSON text of v (the writer's building blocks, no indentation).
std::string dump(const Value& v) {
  switch (v.type) {
    case Type::null:
      return "null";
    case Type::boolean:
      return v.boolean ? "true" : "false";
    case Type::number:
      return inherent::json::format_double(v.number);
    case Type::string:
      return inherent::json::quote(v.string);
    case Type::array: {
      std::string s = "[";
      for (size_t i = 0; i < v.items.size(); ++i) s += (i ? "," : "") + dump(v.items[i]);
      return s + "]";
    }
    case Type::object: {
      std::string s = "{";
      for (size_t i = 0; i < v.members.size(); ++i)
        s += (i ? "," : "") + inherent::json::quote(v.members[i].first) + ":" + dump(v.members[i].second);
      return s + "}";
    }
  }
  return "";
}

bool same(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::null:
      return true;
    case Type::boolean:
      return a.boolean == b.boolean;
    case Type::number:
      return a.number == b.number;
    case Type::string:
      return a.string == b.string;
    case Type::array:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!same(a.items[i], b.items[i])) return false;
      return true;
    case Type::object:
      if (a.members.size() != b.members.size()) return false;
      for (size_t i = 0; i < a.members.size(); ++i)
        if (a.members[i].first != b.members[i].first || !same(a.members[i].second, b.members[i].second))
          return false;
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Value v;
  std::string error;
  if (!inherent::json::parse(text, &v, &error)) {
    if (error.empty() || !v.is_null()) std::abort();
  } else {
    Value again;
    if (!inherent::json::parse(dump(v), &again, &error) || !same(v, again)) std::abort();
  }
  inherent::ModelMetadata meta;
  error.clear();
  const inherent_status st = inherent::model_metadata_parse(text, &meta, &error);
  if (st != INHERENT_STATUS_OK && error.empty()) std::abort();
  if (st == INHERENT_STATUS_OK) {
    for (float t : meta.thresholds)
      if (!(t >= 0.0f && t <= 1.0f)) std::abort();
    if (!inherent::arch_config_check(meta.config).empty()) std::abort();
  }
  return 0;
}
