// SPDX-License-Identifier: Apache-2.0
//
// The parsed grammar behind inherent::Grammar: expression trees of templates and slot
// values. Internal to src/data; the format itself is documented in docs/grammar.md.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "data/grammar.h"

namespace inherent::detail {

// One node of a template or slot-value expression.
struct Node {
  enum class Kind : uint8_t { text, seq, alt, opt, slot };
  Kind kind = Kind::seq;
  std::string text;             // text: the literal; slot: the slot's name
  std::string squashed;         // text: lower-case letters and digits only (matching)
  int slot = -1;                // slot: index into Grammar::Data::slots
  std::vector<Node> kids;       // seq: in order; alt: one per alternative; opt: exactly one
  std::vector<double> weights;  // alt: relative weight of each alternative
  double prob = 0.5;            // opt: probability that the part is spoken
  int line = 0, col = 0;        // where it was written
};

struct SlotValue {
  Node expr;
  std::string source;  // the line as written
  double weight = 1;
  Split split = Split::train;
  int line = 0;
};

struct Slot {
  std::string name, file;
  HeadLabels implies{};  // heads set (in gate-1 sentences) whenever this slot is filled
  bool shared = false;   // @split shared: every value in every split
  std::vector<SlotValue> values;
  double min_squashed = 0;  // shortest squashed expansion (matching prefilter)
};

struct TemplateData {
  Node expr;                          // file prefix + body + file suffix
  std::vector<std::string> required;  // squashed literals every expansion contains
  size_t min_squashed = 0;
  int signature = 0;  // gate and declared intents as bits (conflict check)
};

// Lower-case letters and digits of text; the word "an" counts as "a" (the a/an fix-up).
std::string squash(std::string_view text);

// Normalizes an expanded sentence: whitespace, punctuation spacing, a/an, sentence case.
std::string normalize_sentence(std::string_view raw);

// Deterministic hashing and random numbers (identical on every platform).
uint64_t hash64(std::string_view text, uint64_t seed = 0);

// The project's generator (common/random.h) with a weighted pick.
class Rng : public Xoshiro256 {
 public:
  explicit Rng(uint64_t seed) : Xoshiro256(seed) {}
  size_t pick(const std::vector<double>& weights, double total);  // index by weight
};

}  // namespace inherent::detail

namespace inherent {

struct Grammar::Data {
  std::vector<detail::Slot> slots;
  std::vector<TemplateInfo> templates;
  std::vector<detail::TemplateData> tdata;  // parallel to templates
  std::map<std::string, double> category_weight;
  int slot_index(std::string_view name) const;
};

namespace detail {

// Whether templates can produce one sentence, comparing squashed text character by
// character. Slot results are cached per start position, so asking many templates
// about the same sentence is cheap. Sentences longer than max_chars never match.
class Matcher {
 public:
  static constexpr size_t max_chars = 511;
  using Bits = std::bitset<max_chars + 1>;  // reachable positions in the squashed sentence

  Matcher(const Grammar::Data& d, std::string_view text, SplitMask values);
  bool matches(size_t t);

 private:
  Bits run(const Node& n, const Bits& in);
  const Bits& slot_from(int slot, size_t pos);

  const Grammar::Data& d_;
  std::string s_;  // squashed sentence
  SplitMask values_;
  std::vector<std::vector<Bits>> memo_;      // [slot][pos]
  std::vector<std::vector<uint8_t>> known_;  // [slot][pos] computed?
};

}  // namespace detail

}  // namespace inherent
