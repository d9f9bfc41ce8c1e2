// SPDX-License-Identifier: Apache-2.0
//
// The grammar's parser (internal to src/data): lines, headers, body lines with their
// @attributes, expressions, and the stable split assignment of templates and values.
// grammar-load.cpp builds a Grammar from what these return. Every problem is collected
// with file:line:column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/grammar-ast.h"
#include "labels/labels.h"

namespace inherent::detail {

constexpr double test_share = 0.15, eval_share = 0.15;  // of templates and held-out values
constexpr uint64_t split_salt = 0x696e686572656e74ull;  // fixed: changing it reshuffles splits

struct Problems {
  std::vector<std::string> list;
  void add(const std::string& file, int line, int col, const std::string& msg) {
    std::string where = file + ":" + std::to_string(line);
    if (col > 0) where += ":" + std::to_string(col);
    list.push_back(where + ": " + msg);
  }
};

std::string trim(std::string_view s);
std::string collapse_spaces(std::string_view s);
std::vector<std::string> split_list(std::string_view s);  // "a, b c" -> {a, b, c}
bool parse_number(std::string_view s, double& out);
bool parse_bool(const std::string& v, bool& out);
bool valid_name(const std::string& s);  // lower-case letters, digits, _ and -
std::string hex8(uint64_t h);           // the high 32 bits in hex

// One expression (a template body, prefix or slot value); the first error of the line
// goes to p.
Node parse_expression(std::string_view text, const std::string& file, int line, int col0, Problems& p);

// One physical line with its comment removed ('#' at the start or after whitespace).
struct RawLine {
  int no = 0;
  std::string text;
};

std::vector<RawLine> lines_of(const std::string& text);

// "@key value" header lines (the value may be an expression, e.g. @prefix).
struct Header {
  std::string key, value;
  int value_col = 1;
};

std::optional<Header> header_of(const RawLine& l);

// A body line: the expression, then optional "@key" / "@key=value" attributes to the end.
struct Body {
  std::string expr;
  int expr_col = 1;
  std::vector<std::pair<std::string, std::string>> attrs;
};

bool body_of(const RawLine& l, const std::string& file, Problems& p, Body& b);

// A uniform number in [0, 1) from a stable hash of key.
double split_u(std::string_view key);

// Assigns splits to a group (a category's templates, a slot's values) by quota: the
// unpinned items are ordered by a stable hash of their key, the first 15% go to test, the
// next 15% to eval, the rest to train, with at least one item in each split when the group
// has three or more. Adding or removing one item moves at most one other item per
// boundary. Pinned items (@split) keep their split and count toward the quotas.
void assign_splits(const std::vector<Split*>& splits, const std::vector<double>& u,
                   const std::vector<bool>& pinned);

}  // namespace inherent::detail
