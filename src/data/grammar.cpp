// SPDX-License-Identifier: Apache-2.0
// The Grammar's accessors and errors (loading: grammar-load.cpp, parsing: grammar-parse.cpp).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "common/heads.h"
#include "data/grammar-ast.h"
#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent {

namespace {
std::string problems_message(const std::vector<std::string>& problems) {
  std::string msg = "grammar: " + std::to_string(problems.size()) + " problem(s):";
  for (const std::string& s : problems) msg += "\n  " + s;
  return msg;
}
}  // namespace

GrammarError::GrammarError(std::vector<std::string> problems)
    : Exception(INHERENT_STATUS_INVALID_ARGUMENT, problems_message(problems)),
      problems_(std::move(problems)) {}

const char* template_kind_name(TemplateKind kind) {
  switch (kind) {
    case TemplateKind::intent:
      return "intent";
    case TemplateKind::out_of_scope:
      return "out_of_scope";
    case TemplateKind::negative:
      return "negative";
  }
  return "?";
}

int Grammar::Data::slot_index(std::string_view name) const {
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].name == name) return static_cast<int>(i);
  return -1;
}

const std::vector<TemplateInfo>& Grammar::templates() const { return d_->templates; }

std::vector<std::string> Grammar::categories() const {
  std::vector<std::string> out;
  for (const auto& [c, w] : d_->category_weight) out.push_back(c);
  return out;
}

std::vector<std::string> Grammar::slot_names() const {
  std::vector<std::string> out;
  for (const detail::Slot& s : d_->slots) out.push_back(s.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Grammar::coverage() const {
  std::vector<std::string> out;
  for (Split split : {Split::train, Split::eval, Split::test}) {
    const std::string where = std::string("split ") + split_name(split) + ": ";
    size_t gate1 = 0, gate0 = 0;
    HeadLabels reach{};
    for (const TemplateInfo& t : d_->templates) {
      if (t.split != split) continue;
      (t.declared[0] ? gate1 : gate0)++;
      for (int h = 0; h < INHERENT_N_HEADS; ++h) reach[h] |= t.possible[h];
    }
    if (!gate1) out.push_back(where + "no gate-1 (addressed) templates");
    if (!gate0) out.push_back(where + "no gate-0 (not addressed) templates");
    for (int h = 1; h < INHERENT_N_HEADS; ++h)
      if (gate1 && !reach[h])
        out.push_back(where + "no template can make " + kHeadTable[static_cast<size_t>(h)].name +
                      " positive");
  }
  return out;
}

HeadLabels Grammar::slot_implies(const std::string& slot) const {
  const int i = d_->slot_index(slot);
  return i < 0 ? HeadLabels{} : d_->slots[i].implies;
}

size_t Grammar::slot_value_count(const std::string& slot, SplitMask splits) const {
  const int i = d_->slot_index(slot);
  if (i < 0) return 0;
  const detail::Slot& s = d_->slots[i];
  if (s.shared) return s.values.size();
  return static_cast<size_t>(std::count_if(s.values.begin(), s.values.end(), [&](const detail::SlotValue& v) {
    return splits & split_bit(v.split);
  }));
}

}  // namespace inherent
