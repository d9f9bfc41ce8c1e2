// SPDX-License-Identifier: Apache-2.0
// Can a template produce this sentence? Used to keep held-out sentences new and to keep
// one sentence from carrying two different labels; plus the authoring lint.
#include <cctype>
#include <set>

#include "data/grammar-ast.h"

namespace inherent {
namespace detail {

Matcher::Matcher(const Grammar::Data& d, std::string_view text, SplitMask values)
    : d_(d), s_(squash(text)), values_(values), memo_(d.slots.size()), known_(d.slots.size()) {}

bool Matcher::matches(size_t t) {
  const TemplateData& td = d_.tdata[t];
  if (s_.size() > max_chars || s_.size() < td.min_squashed) return false;
  for (const std::string& r : td.required)  // cheap rejection before the full walk
    if (s_.find(r) == std::string::npos) return false;
  Bits start;
  start.set(0);
  return run(td.expr, start).test(s_.size());
}

Matcher::Bits Matcher::run(const Node& n, const Bits& in) {
  const size_t len = s_.size();
  switch (n.kind) {
    case Node::Kind::text: {
      const size_t k = n.squashed.size();
      if (k == 0) return in;
      Bits out;
      for (size_t p = 0; p + k <= len; ++p)
        if (in.test(p) && s_.compare(p, k, n.squashed) == 0) out.set(p + k);
      return out;
    }
    case Node::Kind::seq: {
      Bits cur = in;
      for (const Node& k : n.kids) {
        if (cur.none()) break;
        cur = run(k, cur);
      }
      return cur;
    }
    case Node::Kind::alt: {
      Bits out;
      for (const Node& k : n.kids) out |= run(k, in);
      return out;
    }
    case Node::Kind::opt:
      return in | run(n.kids[0], in);
    case Node::Kind::slot: {
      Bits out;
      for (size_t p = 0; p <= len; ++p)
        if (in.test(p)) out |= slot_from(n.slot, p);
      return out;
    }
  }
  return {};
}

const Matcher::Bits& Matcher::slot_from(int slot, size_t pos) {
  if (memo_[slot].empty()) {
    memo_[slot].resize(s_.size() + 1);
    known_[slot].assign(s_.size() + 1, 0);
  }
  if (!known_[slot][pos]) {
    const Slot& s = d_.slots[slot];
    Bits start, out;
    start.set(pos);
    for (const SlotValue& v : s.values)
      if (s.shared || (values_ & split_bit(v.split))) out |= run(v.expr, start);
    memo_[slot][pos] = out;  // memo_ is sized once per slot, so the reference stays valid
    known_[slot][pos] = 1;
  }
  return memo_[slot][pos];
}

}  // namespace detail

bool Grammar::can_produce(size_t t, std::string_view text, SplitMask values) const {
  detail::Matcher m(*d_, text, values);
  return m.matches(t);
}

namespace {

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '\'') {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out.push_back(cur), cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The head word of a value: the last word of its last literal ("my mom" -> "mom").
void head_words(const detail::Node& n, std::set<std::string>& out) {
  using K = detail::Node::Kind;
  if (n.kind == K::text) {
    const auto w = words_of(n.text);
    if (!w.empty()) out.insert(w.back());
  } else if (n.kind == K::seq && !n.kids.empty()) {
    head_words(n.kids.back(), out);
  } else if (n.kind == K::alt) {
    for (const detail::Node& k : n.kids) head_words(k, out);
  }
}

void literal_words(const detail::Node& n, std::vector<std::string>& out) {
  if (n.kind == detail::Node::Kind::text)
    for (std::string& w : words_of(n.text)) out.push_back(std::move(w));
  if (n.kind != detail::Node::Kind::slot)
    for (const detail::Node& k : n.kids) literal_words(k, out);
}

// Heads that every expansion of n sets through its slots (an optional part sets none,
// an alternative only what all of its branches set).
struct CertainHeads {
  const Grammar::Data& d;
  std::vector<int> state;  // per slot: 0 new, 1 done
  std::vector<HeadLabels> memo;

  HeadLabels of(const detail::Node& n) {
    using K = detail::Node::Kind;
    HeadLabels out{};
    switch (n.kind) {
      case K::text:
      case K::opt:
        return out;
      case K::seq:
        for (const detail::Node& k : n.kids) {
          const HeadLabels h = of(k);
          for (int i = 0; i < INHERENT_N_HEADS; ++i) out[i] |= h[i];
        }
        return out;
      case K::alt:
        out.fill(1);
        for (const detail::Node& k : n.kids) {
          const HeadLabels h = of(k);
          for (int i = 0; i < INHERENT_N_HEADS; ++i) out[i] &= h[i];
        }
        if (n.kids.empty()) out.fill(0);
        return out;
      case K::slot:
        return slot(n.slot);
    }
    return out;
  }

  HeadLabels slot(int s) {
    if (state[s]) return memo[s];
    const detail::Slot& slot = d.slots[s];
    HeadLabels all{};
    all.fill(1);
    for (const detail::SlotValue& v : slot.values) {
      const HeadLabels h = of(v.expr);
      for (int i = 0; i < INHERENT_N_HEADS; ++i) all[i] &= h[i];
    }
    if (slot.values.empty()) all.fill(0);
    for (int i = 0; i < INHERENT_N_HEADS; ++i) all[i] |= slot.implies[i];
    state[s] = 1;
    return memo[s] = all;
  }
};

}  // namespace

std::vector<std::string> Grammar::lint() const {
  // Person and event words: head words of every value of a slot that implies those heads.
  std::set<std::string> person, event;
  for (const detail::Slot& s : d_->slots)
    for (const detail::SlotValue& v : s.values) {
      if (s.implies[6]) head_words(v.expr, person);
      if (s.implies[7]) head_words(v.expr, event);
    }
  std::vector<std::string> out;
  CertainHeads certain{*d_, std::vector<int>(d_->slots.size(), 0), std::vector<HeadLabels>(d_->slots.size())};
  for (size_t t = 0; t < d_->templates.size(); ++t) {
    const TemplateInfo& info = d_->templates[t];
    if (!info.declared[0]) continue;
    // A word is fine when the template names its context anyway: declared, or set by a
    // slot that every expansion fills.
    const HeadLabels sure = certain.of(d_->tdata[t].expr);
    std::vector<std::string> words;
    literal_words(d_->tdata[t].expr, words);
    for (const std::string& w : words) {
      const bool p = person.count(w) && !info.declared[6] && !sure[6];
      const bool e = event.count(w) && !info.declared[7] && !sure[7];
      if (p || e)
        out.push_back(info.file + ":" + std::to_string(info.line) + ": literal '" + w + "' names " +
                      (p ? "a person" : "an event") + "; use a {" + (p ? "person" : "event") +
                      "}-like slot so the context head follows");
    }
  }
  return out;
}

}  // namespace inherent
