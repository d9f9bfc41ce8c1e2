// SPDX-License-Identifier: Apache-2.0
//
// A small JSON reader and writer for metadata files (the model package's
// inherent.metadata.json). No dependencies, no exceptions, no locale: the engine and the
// WebAssembly build (which runs with exception catching disabled, so a throw would abort)
// parse untrusted metadata with it. nlohmann-json stays in the host tools, where
// exceptions are fine.
//
// Reading:
//   inherent::json::Value doc;
//   std::string error;
//   if (!inherent::json::parse(text, &doc, &error)) ...       // "line 3, column 7: ..."
//   const inherent::json::Value* v = doc.find("format_version");
//   if (v && v->is_integer()) ... v->number ...
//
// Writing (host tools and tests): json::Writer builds indented text; numbers are
// written so that they read back as the same double (floats: the same float).
//
// Limits: nesting depth <= kMaxDepth; text size is the caller's business (the model
// loader caps it). Strings must be valid UTF-8 (checked) and keep their bytes as they
// are; \u escapes become UTF-8. Numbers are parsed locale-independently and exactly
// for up to 19 significant digits and exponents within +-22 (every number a metadata
// file holds); longer ones are within one unit in the last place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inherent::json {

inline constexpr int kMaxDepth = 64;

enum class Type : uint8_t { null, boolean, number, string, array, object };

const char* type_name(Type t);  // "null", "boolean", ...

struct Member;  // {first: key, second: value}

struct Value {
  Type type = Type::null;
  bool boolean = false;
  double number = 0.0;
  bool integral = false;  // number written without fraction or exponent
  std::string string;
  std::vector<Value> items;     // array
  std::vector<Member> members;  // object, in file order

  bool is_null() const { return type == Type::null; }
  bool is_bool() const { return type == Type::boolean; }
  bool is_number() const { return type == Type::number; }
  // A number written as an integer (no '.', no exponent) that fits in int64.
  bool is_integer() const { return type == Type::number && integral; }
  bool is_string() const { return type == Type::string; }
  bool is_array() const { return type == Type::array; }
  bool is_object() const { return type == Type::object; }

  // Object member by key (nullptr when absent or not an object).
  const Value* find(std::string_view key) const;
};

struct Member {
  std::string first;  // key
  Value second;
};

// Parses text (one JSON value, surrounded by optional whitespace). Objects must not
// repeat a key. On failure returns false, leaves *out null and sets *error to
// "line L, column C: what".
bool parse(std::string_view text, Value* out, std::string* error);

// Shortest decimal text that reads back as the same value (locale-independent).
std::string format_double(double v);
std::string format_float(float v);

// A JSON string literal for s (quotes included, control characters escaped).
std::string quote(std::string_view s);

// Writes pretty-printed JSON: two-space indent, one member per line, short arrays of
// numbers or strings on one line.
class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);  // inside an object, before each value
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(double v);
  Writer& value(float v);
  Writer& value(int64_t v);
  Writer& value(int v) { return value(static_cast<int64_t>(v)); }
  Writer& value(bool v);
  Writer& null();
  // An array of numbers or strings on one line.
  Writer& inline_array(const std::vector<std::string>& strings);
  Writer& inline_array(const std::vector<int64_t>& numbers);
  // A value given as JSON text (already valid), e.g. a nested document.
  Writer& raw(std::string_view json);

  const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();

  std::string out_;
  struct Level {
    bool object;
    bool empty;
  };
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace inherent::json
