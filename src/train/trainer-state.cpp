// SPDX-License-Identifier: Apache-2.0
#include "trainer-state.h"

#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                  path + ": " + what + "; the checkpoint is damaged: remove its folder to start afresh");
}

// state[key] when present and of the given kind, else `fallback`; a wrong kind is an error.
template <typename T>
T field(const json& state, const char* key, T fallback, const std::string& path, bool (json::*is)() const,
        const char* kind) {
  const auto it = state.find(key);
  if (it == state.end() || it->is_null()) return fallback;
  if (!((*it).*is)()) bad(path, std::string("\"") + key + "\" must be " + kind);
  return it->get<T>();
}

}  // namespace

TrainerState parse_trainer_state(std::string_view text, const std::string& path) {
  const json state = json::parse(text, nullptr, false);
  if (!state.is_object()) bad(path, "not a trainer state (invalid JSON)");
  const auto step = state.find("step");
  if (step == state.end() || !step->is_number_integer() || step->get<int64_t>() < 0)
    bad(path, "not a trainer state (no non-negative integer \"step\")");
  TrainerState s;
  s.step = step->get<int64_t>();
  s.world_size = field<int64_t>(state, "world_size", 1, path, &json::is_number_integer, "an integer");
  if (s.world_size < 1) bad(path, "\"world_size\" must be at least 1");
  s.train_seconds = field<double>(state, "train_seconds", 0.0, path, &json::is_number, "a number");
  s.init_from = field<std::string>(state, "init_from", "", path, &json::is_string, "a string");
  s.last_eval = state.value("last_eval", json(nullptr));
  if (const auto hashes = state.find("hashes"); hashes != state.end() && !hashes->is_null()) {
    if (!hashes->is_object()) bad(path, "\"hashes\" must be an object");
    s.train_labels_hash = field<std::string>(*hashes, "train_labels", "", path, &json::is_string, "a string");
  }
  if (const auto best = state.find("best"); best != state.end() && !best->is_null()) {
    if (!best->is_object() || !best->contains("metrics"))
      bad(path, "\"best\" must be an object with \"metrics\"");
    if (const auto at = best->find("step"); at != best->end() && !at->is_number_integer())
      bad(path, "\"best.step\" must be an integer");
    s.best = *best;
    try {
      s.best_metrics = eval::metrics_from_json(best->at("metrics"));
    } catch (const std::exception& e) {  // json::exception or a count that is not an integer
      bad(path, std::string("\"best.metrics\" is not an eval result (") + e.what() + ")");
    }
  }
  return s;
}

}  // namespace inherent::train
