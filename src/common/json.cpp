// SPDX-License-Identifier: Apache-2.0
#include "json.h"

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace inherent::json {

const char* type_name(Type t) {
  switch (t) {
    case Type::null:
      return "null";
    case Type::boolean:
      return "boolean";
    case Type::number:
      return "number";
    case Type::string:
      return "string";
    case Type::array:
      return "array";
    case Type::object:
      return "object";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  if (type != Type::object) return nullptr;
  for (const auto& m : members) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

namespace {

// 10^0 .. 10^22 are exact doubles; one multiplication or division by them is
// correctly rounded (Clinger's fast path).
constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// mantissa * 10^e10 as a double; exact on the fast path, else within an ulp or two.
double scale10(uint64_t mantissa, int64_t e10) {
  if (mantissa == 0) return 0.0;
  if (mantissa <= (uint64_t{1} << 53) && e10 >= -22 && e10 <= 22) {
    const double m = static_cast<double>(mantissa);
    return e10 >= 0 ? m * kExactPow10[e10] : m / kExactPow10[-e10];
  }
  // Slow path in long double where it is wider, stepping by exact powers.
  long double v = static_cast<long double>(mantissa);
  if (e10 > 400) return std::numeric_limits<double>::infinity();
  if (e10 < -400) return 0.0;
  while (e10 > 22) {
    v *= 1e22L;
    e10 -= 22;
  }
  while (e10 < -22) {
    v /= 1e22L;
    e10 += 22;
  }
  v = e10 >= 0 ? v * static_cast<long double>(kExactPow10[e10])
               : v / static_cast<long double>(kExactPow10[-e10]);
  return static_cast<double>(v);
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool document(Value* out) {
    ws();
    if (!value(out, 0)) return false;
    ws();
    if (pos_ != s_.size()) return fail("unexpected text after the JSON value");
    return true;
  }

  std::string error() const {
    // Line and column (1-based, columns in bytes) of the failure position.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < err_pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + error_;
  }

 private:
  bool fail(const std::string& what) {
    if (error_.empty()) {
      error_ = what;
      err_pos_ = pos_;
    }
    return false;
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("unexpected character");
    pos_ += word.size();
    return true;
  }

  bool value(Value* out, int depth) {
    if (pos_ >= s_.size()) return fail("unexpected end of text");
    const char c = s_[pos_];
    switch (c) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out->type = Type::string;
        return string(&out->string);
      case 't':
        out->type = Type::boolean;
        out->boolean = true;
        return literal("true");
      case 'f':
        out->type = Type::boolean;
        out->boolean = false;
        return literal("false");
      case 'n':
        out->type = Type::null;
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        return fail("unexpected character");
    }
  }

  bool object(Value* out, int depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++pos_;  // '{'
    out->type = Type::object;
    ws();
    if (eat('}')) return true;
    // Duplicate keys: a scan of the members while there are few, a hash set of the keys
    // once there are many (a safetensors header has one key per tensor).
    constexpr size_t kScanLimit = 32;
    std::unordered_set<std::string> keys;
    for (;;) {
      ws();
      std::string key;
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string key");
      const size_t key_pos = pos_;
      if (!string(&key)) return false;
      bool duplicate = false;
      if (out->members.size() < kScanLimit) {
        for (const auto& m : out->members) duplicate = duplicate || m.first == key;
      } else {
        if (keys.empty()) {
          for (const auto& m : out->members) keys.insert(m.first);
        }
        duplicate = !keys.insert(key).second;
      }
      if (duplicate) {
        pos_ = key_pos;
        return fail("duplicate key \"" + key + "\"");
      }
      ws();
      if (!eat(':')) return fail("expected ':' after a key");
      ws();
      out->members.push_back(Member{std::move(key), Value{}});
      if (!value(&out->members.back().second, depth)) return false;
      ws();
      if (eat('}')) return true;
      if (!eat(',')) return fail("expected ',' or '}' in an object");
    }
  }

  bool array(Value* out, int depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++pos_;  // '['
    out->type = Type::array;
    ws();
    if (eat(']')) return true;
    for (;;) {
      ws();
      out->items.emplace_back();
      if (!value(&out->items.back(), depth)) return false;
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return fail("expected ',' or ']' in an array");
    }
  }

  bool hex4(uint32_t* v) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_];
      uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return fail("bad hex digit in a \\u escape");
      }
      ++pos_;
      *v = *v * 16 + d;
    }
    return true;
  }

  static void append_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Length of the valid UTF-8 sequence at pos_ (2..4), or 0.
  size_t utf8_sequence() const {
    const auto byte = [this](size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    const unsigned char b0 = byte(0);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      n = 2, cp = b0 & 0x1fu, min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 3, cp = b0 & 0x0fu, min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return 0;
    }
    if (s_.size() - pos_ < n) return 0;
    for (size_t i = 1; i < n; ++i) {
      if ((byte(i) & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (byte(i) & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
  }

  bool string(std::string* out) {
    ++pos_;  // '"'
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (u < 0x20) return fail("control character in a string (escape it)");
      if (u >= 0x80) {
        const size_t n = utf8_sequence();
        if (n == 0) return fail("invalid UTF-8 in a string");
        out->append(s_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      ++pos_;
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) return fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return fail("lone low surrogate in a \\u escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo = 0;
            if (!(eat('\\') && eat('u'))) return fail("high surrogate without a low one");
            if (!hex4(&lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) return fail("high surrogate without a low one");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          append_utf8(cp, out);
          break;
        }
        default:
          --pos_;
          return fail("bad escape in a string");
      }
    }
  }

  bool digit() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }

  bool number(Value* out) {
    const size_t start = pos_;
    const bool negative = eat('-');
    uint64_t mantissa = 0;
    int n_digits = 0;  // significant digits kept in mantissa (<= 19)
    int64_t e10 = 0;   // decimal exponent of mantissa
    bool any = false;
    auto take = [&](bool fraction) {
      const int d = s_[pos_++] - '0';
      any = true;
      if (mantissa == 0 && d == 0) {
        if (fraction) --e10;  // leading zeros of a fraction shift the exponent only
        return;
      }
      if (n_digits < 19) {
        mantissa = mantissa * 10 + static_cast<uint64_t>(d);
        ++n_digits;
        if (fraction) --e10;
      } else if (!fraction) {
        ++e10;  // digits past 19 are dropped (the slow path is within an ulp anyway)
      }
    };
    if (!digit()) return fail("expected a digit");
    if (s_[pos_] == '0') {
      take(false);
      if (digit()) return fail("leading zeros are not allowed");
    } else {
      while (digit()) take(false);
    }
    bool integral = true;
    if (eat('.')) {
      integral = false;
      if (!digit()) return fail("expected a digit after '.'");
      while (digit()) take(true);
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      bool exp_negative = false;
      if (!eat('+')) exp_negative = eat('-');
      if (!digit()) return fail("expected a digit in the exponent");
      int64_t exp = 0;
      while (digit()) {
        if (exp < 100000) exp = exp * 10 + (s_[pos_] - '0');
        ++pos_;
      }
      e10 += exp_negative ? -exp : exp;
    }
    (void)any;
    const double magnitude = scale10(mantissa, e10);
    if (std::isinf(magnitude)) {
      pos_ = start;
      return fail("number out of range");
    }
    out->type = Type::number;
    out->number = negative ? -magnitude : magnitude;
    // Integers are exact up to 2^53; larger ones are numbers but not integers.
    out->integral = integral && magnitude <= 9007199254740992.0;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
  size_t err_pos_ = 0;
};

// printf("%.*g") with the C locale's '.' whatever the process locale is.
std::string printf_g(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  std::string s(buf);
  const char* point = std::localeconv()->decimal_point;
  if (point && point[0] && !(point[0] == '.' && point[1] == '\0')) {
    const size_t at = s.find(point);
    if (at != std::string::npos) s.replace(at, std::strlen(point), ".");
  }
  return s;
}

double read_back(const std::string& s) {
  Value v;
  Parser p(s);
  return p.document(&v) ? v.number : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

bool parse(std::string_view text, Value* out, std::string* error) {
  *out = Value{};
  Parser p(text);
  Value v;
  if (!p.document(&v)) {
    if (error) *error = p.error();
    return false;
  }
  *out = std::move(v);
  return true;
}

std::string format_double(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0";
  if (v == std::floor(v) && std::fabs(v) < 1e17) {  // integers as integers, not 1.6e+02
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    const std::string s = printf_g(v, precision);
    if (read_back(s) == v) return s;
  }
  return printf_g(v, 17);
}

std::string format_float(float v) {
  if (!std::isfinite(v)) return "null";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0";
  for (int precision = 1; precision <= 9; ++precision) {
    const std::string s = printf_g(v, precision);
    if (static_cast<float>(read_back(s)) == v) return s;
  }
  return printf_g(v, 9);
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// ---- Writer ----------------------------------------------------------------------

void Writer::newline() {
  out_ += '\n';
  out_.append(2 * stack_.size(), ' ');
}

void Writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!stack_.empty()) {
    if (!stack_.back().empty) out_ += ',';
    stack_.back().empty = false;
    newline();
  }
}

Writer& Writer::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back({true, true});
  return *this;
}

Writer& Writer::end_object() {
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += '}';
  if (stack_.empty()) out_ += '\n';
  return *this;
}

Writer& Writer::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back({false, true});
  return *this;
}

Writer& Writer::end_array() {
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += ']';
  if (stack_.empty()) out_ += '\n';
  return *this;
}

Writer& Writer::key(std::string_view k) {
  if (!stack_.back().empty) out_ += ',';
  stack_.back().empty = false;
  newline();
  out_ += quote(k);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

Writer& Writer::value(std::string_view s) {
  before_value();
  out_ += quote(s);
  return *this;
}

Writer& Writer::value(double v) {
  before_value();
  out_ += format_double(v);
  return *this;
}

Writer& Writer::value(float v) {
  before_value();
  out_ += format_float(v);
  return *this;
}

Writer& Writer::value(int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

Writer& Writer::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

Writer& Writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

Writer& Writer::inline_array(const std::vector<std::string>& strings) {
  before_value();
  out_ += '[';
  for (size_t i = 0; i < strings.size(); ++i) out_ += (i ? ", " : "") + quote(strings[i]);
  out_ += ']';
  return *this;
}

Writer& Writer::inline_array(const std::vector<int64_t>& numbers) {
  before_value();
  out_ += '[';
  for (size_t i = 0; i < numbers.size(); ++i) out_ += (i ? ", " : "") + std::to_string(numbers[i]);
  out_ += ']';
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace inherent::json
