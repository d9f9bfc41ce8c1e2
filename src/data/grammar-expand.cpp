// SPDX-License-Identifier: Apache-2.0
// Expanding templates: one random expansion with its labels, path counts, enumeration.
#include <algorithm>
#include <set>

#include "data/grammar-ast.h"
#include "inherent/inherent.hpp"

namespace inherent {

using detail::Node;

namespace {

bool value_allowed(const detail::Slot& s, const detail::SlotValue& v, SplitMask values) {
  return s.shared || (values & split_bit(v.split));
}

// Whitespace collapsed and trimmed (a fill's value is a phrase, not a sentence).
std::string tidy(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct Expander {
  const Grammar::Data& d;
  SplitMask values;
  detail::Rng rng;
  std::vector<SlotFill> fills;
  std::vector<int> filled;  // slot index per fill

  void run(const Node& n, std::string& out) {
    switch (n.kind) {
      case Node::Kind::text:
        out += n.text;
        return;
      case Node::Kind::seq:
        for (const Node& k : n.kids) run(k, out);
        return;
      case Node::Kind::alt: {
        double total = 0;
        for (double w : n.weights) total += w;
        run(n.kids[rng.pick(n.weights, total)], out);
        return;
      }
      case Node::Kind::opt:
        if (rng.uniform() < n.prob) run(n.kids[0], out);
        return;
      case Node::Kind::slot: {
        const detail::Slot& s = d.slots[n.slot];
        std::vector<double> w;
        double total = 0;
        for (const detail::SlotValue& v : s.values) {
          w.push_back(value_allowed(s, v, values) ? v.weight : 0.0);
          total += w.back();
        }
        if (total <= 0)
          throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                          s.file + ": slot '" + s.name + "' has no value in this split");
        const size_t at = fills.size();  // the parent is recorded before its nested slots
        fills.push_back({s.name, ""});
        filled.push_back(n.slot);
        std::string v;
        run(s.values[rng.pick(w, total)].expr, v);
        fills[at].value = tidy(v);
        out += v;
        return;
      }
    }
  }
};

double saturate(double x) { return std::min(x, 1e300); }

struct Counter {
  const Grammar::Data& d;
  SplitMask values;
  std::vector<double> memo;

  double count(const Node& n) {
    switch (n.kind) {
      case Node::Kind::text:
        return 1;
      case Node::Kind::seq: {
        double c = 1;
        for (const Node& k : n.kids) c = saturate(c * count(k));
        return c;
      }
      case Node::Kind::alt: {
        double c = 0;
        for (const Node& k : n.kids) c = saturate(c + count(k));
        return c;
      }
      case Node::Kind::opt:
        return saturate(1 + count(n.kids[0]));
      case Node::Kind::slot: {
        if (memo[n.slot] >= 0) return memo[n.slot];
        const detail::Slot& s = d.slots[n.slot];
        double c = 0;
        for (const detail::SlotValue& v : s.values)
          if (value_allowed(s, v, values)) c = saturate(c + count(v.expr));
        return memo[n.slot] = c;
      }
    }
    return 0;
  }
};

struct Enumerator {
  const Grammar::Data& d;
  SplitMask values;
  size_t limit;

  std::vector<std::string> all(const Node& n) {
    switch (n.kind) {
      case Node::Kind::text:
        return {n.text};
      case Node::Kind::seq: {
        std::vector<std::string> acc{""};
        for (const Node& k : n.kids) {
          const std::vector<std::string> next = all(k);
          std::vector<std::string> out;
          for (const std::string& a : acc)
            for (const std::string& b : next) {
              if (out.size() >= limit) break;
              out.push_back(a + b);
            }
          acc = std::move(out);
        }
        return acc;
      }
      case Node::Kind::alt: {
        std::vector<std::string> out;
        for (const Node& k : n.kids)
          for (std::string& s : all(k))
            if (out.size() < limit) out.push_back(std::move(s));
        return out;
      }
      case Node::Kind::opt: {
        std::vector<std::string> out{""};
        for (std::string& s : all(n.kids[0]))
          if (out.size() < limit) out.push_back(std::move(s));
        return out;
      }
      case Node::Kind::slot: {
        const detail::Slot& s = d.slots[n.slot];
        std::vector<std::string> out;
        for (const detail::SlotValue& v : s.values)
          if (value_allowed(s, v, values))
            for (std::string& x : all(v.expr))
              if (out.size() < limit) out.push_back(std::move(x));
        return out;
      }
    }
    return {};
  }
};

}  // namespace

Utterance Grammar::expand(size_t t, uint64_t seed, SplitMask values) const {
  const TemplateInfo& info = d_->templates.at(t);
  Expander ex{*d_, values, detail::Rng(seed), {}, {}};
  std::string raw;
  ex.run(d_->tdata[t].expr, raw);
  Utterance u;
  u.text = detail::normalize_sentence(raw);
  u.template_id = info.id;
  u.category = info.category;
  u.kind = info.kind;
  u.hard = info.hard;
  u.split = info.split;
  u.slots = std::move(ex.fills);
  // Labels: the template's gate and intents, plus what each filled slot implies.
  u.heads = info.declared;
  if (u.heads[0]) {
    for (int s : ex.filled)
      for (int h = 1; h < INHERENT_N_HEADS; ++h) u.heads[h] |= d_->slots[s].implies[h];
  } else {
    u.heads.fill(0);
  }
  return u;
}

double Grammar::count_expansions(size_t t) const {
  Counter c{*d_, split_bit(d_->templates.at(t).split), std::vector<double>(d_->slots.size(), -1)};
  return c.count(d_->tdata[t].expr);
}

std::vector<std::string> Grammar::enumerate(size_t t, size_t limit) const {
  Enumerator e{*d_, split_bit(d_->templates.at(t).split), limit};
  std::set<std::string> distinct;
  for (const std::string& raw : e.all(d_->tdata[t].expr)) distinct.insert(detail::normalize_sentence(raw));
  return {distinct.begin(), distinct.end()};
}

}  // namespace inherent
