// SPDX-License-Identifier: Apache-2.0
// The grammar's parser (grammar-parse.h).
#include "data/grammar-parse.h"

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

namespace inherent::detail {
namespace {

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

}  // namespace

Node parse_expression(std::string_view text, const std::string& file, int line, int col0, Problems& p) {
  return ExprParser(text, file, line, col0, p).parse();
}

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

}  // namespace inherent::detail
