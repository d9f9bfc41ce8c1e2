// SPDX-License-Identifier: Apache-2.0
// Loading and checking a grammar folder: *.tpl templates and *.slot values (docs/grammar.md).
// Every problem is collected with file:line:column, so one run shows all of them.
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

using detail::Node;

namespace {

constexpr double test_share = 0.15, eval_share = 0.15;  // of templates and held-out values
constexpr size_t max_slot_depth = 16;                   // {a} holding {b} holding ... at most this deep
constexpr uint64_t split_salt = 0x696e686572656e74ull;  // fixed: changing it reshuffles splits

struct Problems {
  std::vector<std::string> list;
  void add(const std::string& file, int line, int col, const std::string& msg) {
    std::string where = file + ":" + std::to_string(line);
    if (col > 0) where += ":" + std::to_string(col);
    list.push_back(where + ": " + msg);
  }
};

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> split_list(std::string_view s) {  // "a, b c" -> {a, b, c}
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool parse_number(std::string_view s, double& out) {
  if (s.empty() || s.size() > 30) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  const std::string str(s);
  char* end = nullptr;
  out = std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size() && std::isfinite(out);
}

// Recursive-descent parser of one expression (a template body, prefix or slot value).
class ExprParser {
 public:
  ExprParser(std::string_view text, const std::string& file, int line, int col0, Problems& p)
      : s_(text), file_(file), line_(line), col0_(col0), p_(p) {}

  Node parse() {
    Node n = seq("");
    if (pos_ < s_.size()) error(pos_, std::string("unexpected '") + s_[pos_] + "'");
    return n;
  }
  bool ok() const { return !failed_; }

 private:
  int col(size_t pos) const { return col0_ + static_cast<int>(pos); }
  void error(size_t pos, const std::string& msg) {
    if (!failed_) p_.add(file_, line_, col(pos), msg);  // first error of a line only: later ones cascade
    failed_ = true;
  }
  Node make(Node::Kind k, size_t pos) {
    Node n;
    n.kind = k;
    n.line = line_;
    n.col = col(pos);
    return n;
  }

  // A sequence up to end of text or one of the stop characters (left unread).
  Node seq(const char* stops) {
    Node n = make(Node::Kind::seq, pos_);
    std::string lit;
    size_t lit_start = pos_;
    auto flush = [&] {
      if (lit.empty()) return;
      Node t = make(Node::Kind::text, lit_start);
      t.text = lit;
      t.squashed = detail::squash(lit);
      n.kids.push_back(std::move(t));
      lit.clear();
    };
    while (pos_ < s_.size() && !failed_) {
      const char c = s_[pos_];
      if (std::strchr(stops, c)) break;
      if (c == '(' || c == '[' || c == '{') {
        flush();
        n.kids.push_back(c == '(' ? alt() : c == '[' ? opt() : slot());
        lit_start = pos_;
        continue;
      }
      if (c == ')' || c == ']' || c == '}') {
        error(pos_, std::string("unbalanced '") + c + "' (nothing open to close)");
        break;
      }
      if (c == '|') {
        error(pos_, "'|' outside parentheses: write alternatives as (a|b)");
        break;
      }
      if (c == '^') {
        error(pos_, "'^' outside () or []: weights follow an alternative, as (a^2|b) or [a^0.3]");
        break;
      }
      if (lit.empty()) lit_start = pos_;
      lit += c;
      ++pos_;
    }
    flush();
    return n;
  }

  // '^' number, with the caret at pos_. Returns false (and reports) when malformed.
  bool weight(double& w, bool probability) {
    const size_t start = pos_++;
    size_t end = pos_;
    while (end < s_.size() && !std::strchr("|)]", s_[end])) ++end;
    const std::string_view num = std::string_view(s_).substr(pos_, end - pos_);
    const std::string tnum = trim(num);
    if (!parse_number(tnum, w) || w <= 0 || (probability && w > 1)) {
      error(start, "bad weight '^" + std::string(num) + "': " +
                       (probability ? "a probability in (0, 1] after [part^...]"
                                    : "a positive number after (alt^...)"));
      return false;
    }
    pos_ = end;
    return true;
  }

  // Nesting guard: deeper brackets are an error, not a deep recursion.
  static constexpr int max_depth = 24;
  struct Depth {
    int& d;
    explicit Depth(int& depth) : d(++depth) {}
    ~Depth() { --d; }
  };

  Node alt() {
    const size_t open = pos_++;
    Node n = make(Node::Kind::alt, open);
    const Depth guard(depth_);
    if (depth_ > max_depth) {
      error(open, "brackets nested more than " + std::to_string(max_depth) + " deep");
      return n;
    }
    for (;;) {
      n.kids.push_back(seq("|)^"));
      double w = 1;
      if (failed_) return n;
      if (pos_ < s_.size() && s_[pos_] == '^' && !weight(w, false)) return n;
      n.weights.push_back(w);
      if (pos_ >= s_.size()) {
        error(open, "unbalanced '(': not closed on this line");
        return n;
      }
      if (s_[pos_++] == ')') return n;
      // '|': another alternative follows
    }
  }

  Node opt() {
    const size_t open = pos_++;
    Node n = make(Node::Kind::opt, open);
    const Depth guard(depth_);
    if (depth_ > max_depth) {
      error(open, "brackets nested more than " + std::to_string(max_depth) + " deep");
      n.kids.emplace_back();
      return n;
    }
    n.kids.push_back(seq("]^"));
    if (failed_) return n;
    if (pos_ < s_.size() && s_[pos_] == '^' && !weight(n.prob, true)) return n;
    if (pos_ >= s_.size() || s_[pos_] != ']') {
      error(open, "unbalanced '[': not closed on this line");
      return n;
    }
    ++pos_;
    return n;
  }

  Node slot() {
    const size_t open = pos_++;
    Node n = make(Node::Kind::slot, open);
    const size_t close = s_.find('}', pos_);
    if (close == std::string::npos) {
      error(open, "unbalanced '{': not closed on this line");
      return n;
    }
    n.text = std::string(s_.substr(pos_, close - pos_));
    if (n.text.empty() || !std::all_of(n.text.begin(), n.text.end(), [](char c) {
          return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                 c == '_';
        }))
      error(open, "bad slot name '{" + n.text + "}': use lower-case letters, digits and '_'");
    pos_ = close + 1;
    return n;
  }

  std::string s_;
  const std::string& file_;
  int line_, col0_;
  Problems& p_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
};

// One physical line with its comment removed ('#' at the start or after whitespace).
struct RawLine {
  int no = 0;
  std::string text;
};

std::vector<RawLine> lines_of(const std::string& text) {
  std::vector<RawLine> out;
  size_t pos = 0;
  int no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string s = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++no;
    if (!s.empty() && s.back() == '\r') s.pop_back();
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])))) {
        s.resize(i);
        break;
      }
    if (!trim(s).empty()) out.push_back({no, s});
  }
  return out;
}

// "@key value" header lines (the value may be an expression, e.g. @prefix).
struct Header {
  std::string key, value;
  int value_col = 1;
};

std::optional<Header> header_of(const RawLine& l) {
  size_t i = 0;
  while (i < l.text.size() && std::isspace(static_cast<unsigned char>(l.text[i]))) ++i;
  if (i >= l.text.size() || l.text[i] != '@') return std::nullopt;
  size_t end = i + 1;
  while (end < l.text.size() && !std::isspace(static_cast<unsigned char>(l.text[end]))) ++end;
  Header h;
  h.key = l.text.substr(i + 1, end - i - 1);
  while (end < l.text.size() && std::isspace(static_cast<unsigned char>(l.text[end]))) ++end;
  h.value = trim(l.text.substr(end));
  h.value_col = static_cast<int>(end) + 1;
  return h;
}

// A body line: the expression, then optional "@key" / "@key=value" attributes to the end.
struct Body {
  std::string expr;
  int expr_col = 1;
  std::vector<std::pair<std::string, std::string>> attrs;
};

bool body_of(const RawLine& l, const std::string& file, Problems& p, Body& b) {
  size_t first = 0;
  while (first < l.text.size() && std::isspace(static_cast<unsigned char>(l.text[first]))) ++first;
  b.expr_col = static_cast<int>(first) + 1;
  const size_t at = l.text.find('@', first);
  b.expr = l.text.substr(first, at == std::string::npos ? std::string::npos : at - first);
  // Trailing blanks are not part of the expression ("{name} {surname} @w=2" must not
  // expand to "Sam Kim " inside "{person}'s").
  while (!b.expr.empty() && std::isspace(static_cast<unsigned char>(b.expr.back()))) b.expr.pop_back();
  if (at == std::string::npos) return true;
  size_t i = at;
  while (i < l.text.size()) {
    size_t end = i;
    while (end < l.text.size() && !std::isspace(static_cast<unsigned char>(l.text[end]))) ++end;
    const std::string tok = l.text.substr(i, end - i);
    if (tok.size() < 2 || tok[0] != '@') {
      p.add(file, l.no, static_cast<int>(i) + 1, "'" + tok + "' after @attributes: attributes end the line");
      return false;
    }
    const size_t eq = tok.find('=');
    b.attrs.emplace_back(tok.substr(1, eq == std::string::npos ? std::string::npos : eq - 1),
                         eq == std::string::npos ? "" : tok.substr(eq + 1));
    i = end;
    while (i < l.text.size() && std::isspace(static_cast<unsigned char>(l.text[i]))) ++i;
  }
  return true;
}

bool parse_bool(const std::string& v, bool& out) {
  if (v.empty() || v == "yes" || v == "true" || v == "1") return out = true, true;
  if (v == "no" || v == "false" || v == "0") return out = false, true;
  return false;
}

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '_' || c == '-';
  });
}

std::string hex8(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(h >> 32));
  return buf;
}

double split_u(std::string_view key) {
  return static_cast<double>(detail::hash64(key, split_salt) >> 11) * 0x1.0p-53;
}

// Assigns splits to a group (a category's templates, a slot's values) by quota: the
// unpinned items are ordered by a stable hash of their key, the first 15% go to test, the
// next 15% to eval, the rest to train, with at least one item in each split when the group
// has three or more. Adding or removing one item moves at most one other item per
// boundary. Pinned items (@split) keep their split and count toward the quotas.
void assign_splits(const std::vector<Split*>& splits, const std::vector<double>& u,
                   const std::vector<bool>& pinned) {
  const size_t n = splits.size();
  std::vector<size_t> order;
  size_t pinned_test = 0, pinned_eval = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!pinned[i])
      order.push_back(i);
    else if (*splits[i] == Split::test)
      ++pinned_test;
    else if (*splits[i] == Split::eval)
      ++pinned_eval;
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return u[a] < u[b] || (u[a] == u[b] && a < b); });
  auto quota = [&](double share) {
    const auto q = static_cast<size_t>(std::llround(share * static_cast<double>(n)));
    return n >= 3 ? std::max<size_t>(q, 1) : q;
  };
  const size_t want_test = quota(test_share), want_eval = quota(eval_share);
  const size_t n_test = want_test > pinned_test ? want_test - pinned_test : 0;
  const size_t n_eval = want_eval > pinned_eval ? want_eval - pinned_eval : 0;
  for (size_t k = 0; k < order.size(); ++k)
    *splits[order[k]] = k < n_test ? Split::test : k < n_test + n_eval ? Split::eval : Split::train;
}

struct FileHeader {
  std::string category;
  HeadLabels intents{};
  int gate = -1;
  bool hard = false;
  double weight = 1;
  bool have_weight = false;
  Node prefix, suffix;  // empty sequences unless @prefix / @suffix
};

class Loader {
 public:
  Problems p;
  Grammar::Data d;

  void slot_file(const Grammar::SourceFile& f, const std::string& name) {
    detail::Slot slot;
    slot.name = name;
    slot.file = f.path;
    if (!valid_name(name) || name.find('-') != std::string::npos)
      p.add(f.path, 1, 0, "bad slot file name '" + name + "': use lower-case letters, digits and '_'");
    for (const RawLine& l : lines_of(f.text)) {
      if (auto h = header_of(l)) {
        if (!slot.values.empty()) {
          p.add(f.path, l.no, 0, "header @" + h->key + " after the first value: headers go first");
        } else if (h->key == "implies") {
          for (const std::string& name_h : split_list(h->value)) {
            const int hi = head_index(name_h);
            if (hi <= 0)
              p.add(f.path, l.no, 0,
                    "unknown head '" + name_h + "' in @implies (heads 1..12, see heads.inc)");
            else
              slot.implies[hi] = 1;
          }
        } else if (h->key == "split") {
          if (h->value == "shared")
            slot.shared = true;
          else if (h->value != "held-out")
            p.add(f.path, l.no, 0, "bad @split '" + h->value + "': shared or held-out");
        } else {
          p.add(f.path, l.no, 0, "unknown slot header '@" + h->key + "' (known: @implies, @split)");
        }
        continue;
      }
      Body b;
      if (!body_of(l, f.path, p, b)) continue;
      detail::SlotValue v;
      v.line = l.no;
      v.source = collapse_spaces(b.expr);
      ExprParser ep(b.expr, f.path, l.no, b.expr_col, p);
      v.expr = ep.parse();
      bool pinned = false;
      for (auto& [k, val] : b.attrs) {
        if (k == "w") {
          if (!parse_number(val, v.weight) || v.weight <= 0)
            p.add(f.path, l.no, 0, "bad weight '@w=" + val + "': a positive number");
        } else if (k == "split") {
          auto s = parse_split(val);
          if (!s)
            p.add(f.path, l.no, 0, "bad '@split=" + val + "': train, eval or test");
          else
            v.split = *s, pinned = true;
        } else {
          p.add(f.path, l.no, 0, "unknown value attribute '@" + k + "' (known: @w, @split)");
        }
      }
      value_pinned_.push_back(pinned);
      slot.values.push_back(std::move(v));
    }
    if (slot.values.empty()) p.add(f.path, 1, 0, "slot '" + name + "' has no values");
    if (d.slot_index(name) >= 0) p.add(f.path, 1, 0, "slot '" + name + "' is defined twice");
    slot_pinned_.push_back(std::move(value_pinned_));
    value_pinned_.clear();
    d.slots.push_back(std::move(slot));
  }

  void template_file(const Grammar::SourceFile& f, const std::string& stem) {
    FileHeader fh;
    fh.category = stem;
    bool body_started = false, have_intents = false;
    const size_t first_template = d.templates.size();
    for (const RawLine& l : lines_of(f.text)) {
      if (auto h = header_of(l)) {
        if (body_started) {
          p.add(f.path, l.no, 0, "header @" + h->key + " after the first template: headers go first");
          continue;
        }
        file_header(fh, *h, f.path, l.no, have_intents);
        continue;
      }
      if (!body_started) {
        body_started = true;
        if (fh.gate < 0) fh.gate = have_intents ? 1 : -1;
        if (fh.gate < 0)
          p.add(f.path, l.no, 0, "no @gate and no @intents before the first template: say @gate 0 or 1");
        if (fh.gate == 0 && have_intents)
          p.add(f.path, l.no, 0, "@gate 0 with @intents: gate-0 sentences have no intent");
      }
      Body b;
      if (!body_of(l, f.path, p, b)) continue;
      template_line(fh, b, f.path, l.no);
    }
    // One weight per category: the first file that names it sets it.
    auto it = d.category_weight.find(fh.category);
    if (it == d.category_weight.end())
      d.category_weight[fh.category] = fh.weight;
    else if (fh.have_weight && it->second != fh.weight)
      p.add(f.path, 1, 0, "category '" + fh.category + "' has another @weight in an earlier file");
    if (d.templates.size() == first_template) p.add(f.path, 1, 0, "no templates in this file");
  }

  void finish() {
    resolve();
    if (!p.list.empty()) return;
    derive();
  }

 private:
  void file_header(FileHeader& fh, const Header& h, const std::string& file, int line, bool& have_intents) {
    if (h.key == "category") {
      if (!valid_name(h.value))
        p.add(file, line, h.value_col, "bad @category '" + h.value + "': lower-case, '_' or '-'");
      fh.category = h.value;
    } else if (h.key == "intents") {
      for (const std::string& n : split_list(h.value)) {
        const int hi = head_index(n);
        if (hi <= 0)
          p.add(file, line, 0, "unknown intent '" + n + "' (heads 1..12 of heads.inc)");
        else
          fh.intents[hi] = 1, have_intents = true;
      }
    } else if (h.key == "gate") {
      if (h.value == "0" || h.value == "1")
        fh.gate = h.value[0] - '0';
      else
        p.add(file, line, h.value_col, "bad @gate '" + h.value + "': 0 or 1");
    } else if (h.key == "hard") {
      if (!parse_bool(h.value, fh.hard))
        p.add(file, line, h.value_col, "bad @hard '" + h.value + "': yes or no");
    } else if (h.key == "weight") {
      if (!parse_number(h.value, fh.weight) || fh.weight <= 0)
        p.add(file, line, h.value_col, "bad @weight '" + h.value + "': a positive number");
      fh.have_weight = true;
    } else if (h.key == "prefix" || h.key == "suffix") {
      ExprParser ep(h.value, file, line, h.value_col, p);
      (h.key == "prefix" ? fh.prefix : fh.suffix) = ep.parse();
    } else {
      p.add(
          file, line, 0,
          "unknown header '@" + h.key + "' (known: @category @intents @gate @hard @weight @prefix @suffix)");
    }
  }

  void template_line(const FileHeader& fh, const Body& b, const std::string& file, int line) {
    TemplateInfo t;
    t.category = fh.category;
    t.file = file;
    t.line = line;
    t.source = collapse_spaces(b.expr);
    t.hard = fh.hard;
    t.declared = fh.intents;
    t.declared[0] = static_cast<uint8_t>(fh.gate == 1);
    std::string id;
    bool pinned = false;
    for (auto& [k, v] : b.attrs) {
      if (k == "w") {
        if (!parse_number(v, t.weight) || t.weight <= 0)
          p.add(file, line, 0, "bad weight '@w=" + v + "': a positive number");
      } else if (k == "split") {
        auto s = parse_split(v);
        if (!s)
          p.add(file, line, 0, "bad '@split=" + v + "': train, eval or test");
        else
          t.split = *s, pinned = true;
      } else if (k == "id") {
        if (!valid_name(v))
          p.add(file, line, 0, "bad '@id=" + v + "': lower-case letters, digits, '_' or '-'");
        id = v;
      } else if (k == "intents") {
        t.declared = HeadLabels{};
        t.declared[0] = 1;
        for (const std::string& n : split_list(v)) {
          const int hi = head_index(n);
          if (hi <= 0)
            p.add(file, line, 0, "unknown intent '" + n + "' in @intents=");
          else
            t.declared[hi] = 1;
        }
        if (fh.gate == 0) p.add(file, line, 0, "@intents= in a @gate 0 file");
      } else if (k == "hard") {
        if (!parse_bool(v, t.hard)) p.add(file, line, 0, "bad '@hard=" + v + "': yes or no");
      } else {
        p.add(file, line, 0, "unknown template attribute '@" + k + "' (known: @w @split @id @intents @hard)");
      }
    }
    if (t.source.empty()) {
      p.add(file, line, 0, "attributes without a template");
      return;
    }
    ExprParser ep(b.expr, file, line, b.expr_col, p);
    Node body = ep.parse();
    t.id = id.empty() ? fh.category + "/" + hex8(detail::hash64(t.source)) : id;
    auto dup = ids_.find(t.id);
    if (dup != ids_.end()) {
      p.add(file, line, 0, "duplicate template " + t.id + " (first at " + dup->second + ")");
      return;
    }
    ids_[t.id] = file + ":" + std::to_string(line);
    detail::TemplateData td;
    td.expr.kind = Node::Kind::seq;
    td.expr.line = line;
    // A space on each side of the body, so "@prefix [{wake},]" never glues to the first word.
    Node space;
    space.kind = Node::Kind::text;
    space.text = " ";
    space.line = line;
    td.expr.kids = {fh.prefix, space, std::move(body), space, fh.suffix};
    d.templates.push_back(std::move(t));
    d.tdata.push_back(std::move(td));
    template_pinned_.push_back(pinned);
  }

  // Slot names -> indices (every node), then cycles among slots.
  void resolve() {
    std::function<void(Node&, const std::string&)> walk = [&](Node& n, const std::string& file) {
      if (n.kind == Node::Kind::slot) {
        n.slot = d.slot_index(n.text);
        if (n.slot < 0)
          p.add(file, n.line, n.col, "unknown slot {" + n.text + "} (no " + n.text + ".slot file)");
      }
      for (Node& k : n.kids) walk(k, file);
    };
    for (size_t t = 0; t < d.templates.size(); ++t) walk(d.tdata[t].expr, d.templates[t].file);
    for (detail::Slot& s : d.slots)
      for (detail::SlotValue& v : s.values) walk(v.expr, s.file);
    if (!p.list.empty()) return;
    // Depth-first search for a slot that reaches itself.
    std::vector<int> state(d.slots.size(), 0);  // 0 new, 1 on stack, 2 done
    std::vector<std::string> stack;
    std::function<void(int)> visit = [&](int s) {
      state[s] = 1;
      stack.push_back(d.slots[s].name);
      std::function<void(const Node&, int)> refs = [&](const Node& n, int line) {
        if (n.kind == Node::Kind::slot) {
          if (state[n.slot] == 1) {
            std::string path;
            for (const std::string& x : stack) path += x + " -> ";
            p.add(d.slots[s].file, line, n.col, "slot cycle: " + path + d.slots[n.slot].name);
          } else if (state[n.slot] == 0) {
            if (stack.size() >= max_slot_depth)
              p.add(d.slots[s].file, line, n.col,
                    "slots nested more than " + std::to_string(max_slot_depth) + " deep (" + stack.front() +
                        " -> ... -> " + d.slots[n.slot].name + ")");
            else
              visit(n.slot);
          }
        }
        for (const Node& k : n.kids) refs(k, line);
      };
      for (const detail::SlotValue& v : d.slots[s].values) refs(v.expr, v.line);
      stack.pop_back();
      state[s] = 2;
    };
    for (size_t s = 0; s < d.slots.size(); ++s)
      if (state[s] == 0) visit(static_cast<int>(s));
  }

  // Splits, kinds, possible heads and matching prefilters.
  void derive() {
    for (size_t s = 0; s < d.slots.size(); ++s) {
      detail::Slot& slot = d.slots[s];
      if (slot.shared) continue;
      if (slot.values.size() < 3) {
        p.add(slot.file, 1, 0,
              "held-out slot '" + slot.name + "' needs at least 3 values (or @split shared)");
        continue;
      }
      std::vector<Split*> sp;
      std::vector<double> u;
      for (detail::SlotValue& v : slot.values) {
        sp.push_back(&v.split);
        u.push_back(split_u(slot.name + "\x1f" + v.source));
      }
      assign_splits(sp, u, slot_pinned_[s]);
    }
    std::map<std::string, std::vector<size_t>> by_category;
    for (size_t t = 0; t < d.templates.size(); ++t) by_category[d.templates[t].category].push_back(t);
    for (auto& [cat, list] : by_category) {
      std::vector<Split*> sp;
      std::vector<double> u;
      std::vector<bool> pinned;
      for (size_t t : list) {
        sp.push_back(&d.templates[t].split);
        u.push_back(split_u(d.templates[t].id));
        pinned.push_back(template_pinned_[t]);
      }
      assign_splits(sp, u, pinned);
    }
    // Heads each slot can imply, through nested slots.
    std::vector<HeadLabels> reach(d.slots.size());
    std::vector<int> done(d.slots.size(), 0);
    std::function<void(const Node&, HeadLabels&)> collect;
    std::function<const HeadLabels&(int)> slot_reach = [&](int s) -> const HeadLabels& {
      if (!done[s]) {
        done[s] = 1;
        reach[s] = d.slots[s].implies;
        for (const detail::SlotValue& v : d.slots[s].values) collect(v.expr, reach[s]);
      }
      return reach[s];
    };
    collect = [&](const Node& n, HeadLabels& out) {
      if (n.kind == Node::Kind::slot) {
        const HeadLabels& r = slot_reach(n.slot);
        for (int h = 0; h < INHERENT_N_HEADS; ++h) out[h] |= r[h];
      }
      for (const Node& k : n.kids) collect(k, out);
    };
    std::vector<double> slot_min(d.slots.size(), -1);
    std::function<size_t(const Node&)> min_len = [&](const Node& n) -> size_t {
      switch (n.kind) {
        case Node::Kind::text:
          return n.squashed.size();
        case Node::Kind::opt:
          return 0;
        case Node::Kind::slot:
          if (slot_min[n.slot] < 0) {
            size_t m = SIZE_MAX;
            for (const detail::SlotValue& v : d.slots[n.slot].values) m = std::min(m, min_len(v.expr));
            slot_min[n.slot] = static_cast<double>(m);
            d.slots[n.slot].min_squashed = static_cast<double>(m);
          }
          return static_cast<size_t>(slot_min[n.slot]);
        case Node::Kind::alt: {
          size_t m = SIZE_MAX;
          for (const Node& k : n.kids) m = std::min(m, min_len(k));
          return m == SIZE_MAX ? 0 : m;
        }
        case Node::Kind::seq: {
          size_t m = 0;
          for (const Node& k : n.kids) m += min_len(k);
          return m;
        }
      }
      return 0;
    };
    std::function<void(const Node&, std::vector<std::string>&)> required =
        [&](const Node& n, std::vector<std::string>& out) {
          if (n.kind == Node::Kind::text && n.squashed.size() >= 3) out.push_back(n.squashed);
          if (n.kind == Node::Kind::seq)
            for (const Node& k : n.kids) required(k, out);
        };
    for (size_t t = 0; t < d.templates.size(); ++t) {
      TemplateInfo& info = d.templates[t];
      detail::TemplateData& td = d.tdata[t];
      bool any_intent = false;
      for (int h = 1; h < INHERENT_N_HEADS; ++h) any_intent = any_intent || info.declared[h];
      info.kind = !info.declared[0] ? TemplateKind::negative
                  : any_intent      ? TemplateKind::intent
                                    : TemplateKind::out_of_scope;
      info.possible = info.declared;
      if (info.declared[0]) collect(td.expr, info.possible);
      info.possible[0] = info.declared[0];
      td.min_squashed = min_len(td.expr);
      required(td.expr, td.required);
      td.signature = info.declared[0];
      for (int h = 1; h < INHERENT_N_HEADS; ++h)
        if (h != 6 && h != 7 && info.declared[h]) td.signature |= 1 << h;  // context heads come from slots
    }
  }

  std::map<std::string, std::string> ids_;
  std::vector<bool> template_pinned_, value_pinned_;
  std::vector<std::vector<bool>> slot_pinned_;
};

std::string stem_of(const std::string& path) { return std::filesystem::path(path).stem().string(); }

}  // namespace

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

Grammar Grammar::parse(const std::vector<SourceFile>& files) {
  Loader loader;
  // Slots first, so that templates can name any slot regardless of file order.
  for (const SourceFile& f : files)
    if (std::filesystem::path(f.path).extension() == ".slot") loader.slot_file(f, stem_of(f.path));
  for (const SourceFile& f : files)
    if (std::filesystem::path(f.path).extension() == ".tpl") loader.template_file(f, stem_of(f.path));
  if (loader.d.templates.empty() && loader.p.list.empty()) loader.p.add("grammar", 0, 0, "no .tpl files");
  loader.finish();  // names resolve even after syntax errors, so one run reports both
  if (!loader.p.list.empty()) throw GrammarError(std::move(loader.p.list));
  Grammar g;
  g.d_ = std::make_shared<const Data>(std::move(loader.d));
  return g;
}

Grammar Grammar::load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Exception(INHERENT_STATUS_IO_ERROR,
                    dir + ": not a grammar folder (expected *.tpl and *.slot files)");
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (it->is_regular_file() && (p.extension() == ".tpl" || p.extension() == ".slot"))
      paths.push_back(p.string());
  }
  if (ec) throw Exception(INHERENT_STATUS_IO_ERROR, dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<SourceFile> files;
  for (const std::string& p : paths) files.push_back({p, read_file(p)});
  return parse(files);
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
