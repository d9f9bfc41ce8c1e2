// SPDX-License-Identifier: Apache-2.0
// Small text and randomness helpers of the grammar: normalization, squashing, hashing, RNG.
#include <cctype>
#include <cstring>

#include "data/grammar-ast.h"

namespace inherent {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Whether "a" before this word should be "an": vowel sound at the start. Spelled-out
// numbers and a few common exceptions are enough for the grammar's vocabulary.
bool wants_an(std::string_view word) {
  std::string w;
  for (char c : word)
    if (is_alnum(c)) w += lower(c);
  if (w.empty()) return false;
  auto starts = [&](const char* p) { return w.rfind(p, 0) == 0; };
  if (starts("hour") || starts("honest") || starts("honor") || starts("heir")) return true;
  if (starts("one") || starts("once") || starts("uni") || starts("use") || starts("usu") || starts("uk") ||
      starts("euro") || starts("ura") || starts("ure") || starts("uti"))
    return false;
  if (w == "u" || w == "x" || w == "f" || w == "l" || w == "m" || w == "n" || w == "s" || w == "h")
    return true;
  return std::strchr("aeio", w[0]) != nullptr || (w[0] == 'u' && w.size() > 1);
}

}  // namespace

int word_count(std::string_view text) {
  int n = 0;
  bool in_word = false, has_alnum = false;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool space = i == text.size() || std::isspace(static_cast<unsigned char>(text[i]));
    if (space) {
      if (in_word && has_alnum) ++n;
      in_word = has_alnum = false;
    } else {
      in_word = true;
      has_alnum = has_alnum || is_alnum(text[i]);
    }
  }
  return n;
}

namespace detail {

std::string squash(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // "an" as a whole word squashes to "a", so a/an fix-ups never hide a match.
    const bool word_start = i == 0 || !is_alnum(text[i - 1]);
    if (word_start && i + 1 < text.size() && lower(text[i]) == 'a' && lower(text[i + 1]) == 'n' &&
        (i + 2 == text.size() || !is_alnum(text[i + 2]))) {
      out += 'a';
      i += 2;
      continue;
    }
    if (is_alnum(text[i])) out += lower(text[i]);
    ++i;
  }
  return out;
}

std::string normalize_sentence(std::string_view raw) {
  // Words, with punctuation that sticks to the word before it.
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i <= raw.size(); ++i) {
    const char c = i < raw.size() ? raw[i] : ' ';
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(cur), cur.clear();
    } else if (std::strchr(",.?!;:", c) && cur.empty()) {
      // Punctuation after a space (or an empty optional part) attaches to the previous word.
      if (!words.empty()) {
        std::string& prev = words.back();
        if (c == ',' && !prev.empty() && std::strchr(",.?!;:", prev.back())) continue;  // "x, ," -> "x,"
        if (!prev.empty() && prev.back() == ',' && c != ',') prev.pop_back();           // "x, ?" -> "x?"
        prev += c;
      }  // leading punctuation is dropped
    } else {
      cur += c;
    }
  }
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    std::string& w = words[i];
    if (w == "a" || w == "A" || w == "an" || w == "An") {
      const bool an = wants_an(words[i + 1]);
      w = std::string(1, w[0]) + (an ? "n" : "");
    }
  }
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  while (!out.empty() && (out.back() == ',' || out.back() == ';' || out.back() == ':')) out.pop_back();
  if (out.empty()) return out;
  for (char& c : out)  // sentence case: the first letter only
    if (std::isalpha(static_cast<unsigned char>(c))) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      break;
    }
  if (!std::strchr(".?!", out.back())) out += '.';
  return out;
}

uint64_t hash64(std::string_view text, uint64_t seed) {
  uint64_t h = fnv1a64(text, kFnv64OffsetBasis ^ (seed * 0x9e3779b97f4a7c15ull));
  h ^= h >> 33;  // murmur3 finalizer: FNV alone mixes the last bytes poorly
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

size_t Rng::pick(const std::vector<double>& weights, double total) {
  double r = uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  for (size_t i = weights.size(); i-- > 0;)  // rounding: the last positive weight
    if (weights[i] > 0) return i;
  return 0;
}

}  // namespace detail
}  // namespace inherent
