// SPDX-License-Identifier: Apache-2.0
//
// The template grammar of inherent's synthetic text (format: docs/grammar.md). A folder of
// *.tpl template files and *.slot value files is loaded once, then expanded into labelled
// sentences, deterministically from a seed:
//
//     inherent::Grammar g = inherent::Grammar::load("data/text");
//     std::vector<inherent::Utterance> train = g.sample(1000, inherent::Split::train, 1);
//     // train[i].text, train[i].heads[0..12], train[i].template_id, train[i].slots
//
// Labels never come from the finished text: a sentence's heads are its template's gate and
// declared intents, plus the heads implied by the slots that were actually filled
// (@implies in a .slot file), and all 13 are 0 when the gate is 0.
//
// Splits are disjoint by template and by held-out slot value: every template and every
// value of a held-out slot belongs to exactly one of train/eval/test (a stable hash of
// its id, or @split). sample() for eval also rejects any sentence a train template could
// produce with train values, and test rejects train- and eval-producible ones, so held-out
// sentences are new sentences.
//
// A Grammar is immutable after load and cheap to copy; sample() is const and thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inherent/inherent.h"
#include "inherent/inherent.hpp"  // Exception
#include "labels/labels.h"        // Split

namespace inherent {

// A set of splits as bits (1 << split); slot values of these splits are allowed.
using SplitMask = uint8_t;
constexpr SplitMask split_bit(Split s) { return static_cast<SplitMask>(1u << static_cast<int>(s)); }
constexpr SplitMask all_splits = 7;

using HeadLabels = std::array<uint8_t, INHERENT_N_HEADS>;  // 0/1 per head, head order

enum class TemplateKind : uint8_t {
  intent,        // gate 1 with at least one declared intent
  out_of_scope,  // gate 1, no declared intent (lights, music, weather...)
  negative,      // gate 0: not addressed to the assistant
};
const char* template_kind_name(TemplateKind kind);

struct TemplateInfo {
  std::string id;        // stable: @id, else "<category>/<8 hex of the text's hash>"
  std::string category;  // @category of its file (default: the file's stem)
  std::string file;      // path as loaded, for messages
  int line = 0;          // 1-based
  std::string source;    // the template as written (attributes stripped)
  TemplateKind kind = TemplateKind::negative;
  bool hard = false;  // hard negative (@hard in the file or on the line)
  Split split = Split::train;
  double weight = 1;      // relative to other templates of its category
  HeadLabels declared{};  // gate + declared intents
  HeadLabels possible{};  // declared + heads implied by any slot it may fill (gate 1 only)
};

struct SlotFill {
  std::string slot;   // slot name (file stem of the .slot file)
  std::string value;  // the text it produced
};

struct Utterance {
  std::string text;  // normalized: one space, sentence case, final punctuation
  HeadLabels heads{};
  std::string template_id;
  std::string category;
  TemplateKind kind = TemplateKind::negative;
  bool hard = false;
  Split split = Split::train;
  std::vector<SlotFill> slots;  // in order of use; nested slots follow their parent
};

// Balancing controls of sample(). Defaults give the shipped mix.
struct SampleOptions {
  double gate0_fraction = 0.5;          // share of gate-0 sentences
  double hard_negative_fraction = 0.5;  // share of gate-0 drawn from hard negatives; < 0: by weights
  size_t min_per_head = 0;              // minimum positives of each head 1..12 (if templates exist)
  bool match_lengths = true;            // gate-0 word counts follow the gate-1 distribution
  bool unique = true;                   // limit repeats of one sentence in a call (see max_repeats)
  size_t max_repeats = 1;               // with unique: times one sentence may appear (1: never twice)
  bool new_sentences = true;            // eval/test: reject train(/eval)-producible sentences
  bool reject_conflicts = true;         // reject sentences a template with other labels produces
  std::map<std::string, double> category_weights;  // overrides @weight per category
};

// A grammar that does not load: every problem as "file:line[:column]: message".
class GrammarError : public Exception {
 public:
  explicit GrammarError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

class Grammar {
 public:
  struct SourceFile {
    std::string path;  // names the file in messages; its extension picks .tpl or .slot
    std::string text;
  };

  // Loads every *.tpl and *.slot under dir (recursively, sorted by path). Throws
  // GrammarError listing every problem as "file:line:column: message" (an unreadable
  // folder throws inherent::Exception).
  static Grammar load(const std::string& dir);
  static Grammar parse(const std::vector<SourceFile>& files);

  const std::vector<TemplateInfo>& templates() const;
  std::vector<std::string> categories() const;  // sorted
  std::vector<std::string> slot_names() const;  // sorted
  size_t slot_value_count(const std::string& slot, SplitMask splits = all_splits) const;
  HeadLabels slot_implies(const std::string& slot) const;  // @implies of a slot (all 0 if unknown)

  // n labelled sentences of one split. Deterministic in (grammar, n, split, seed, options).
  // Throws when the split has no template for a requested part (e.g. gate 0 share > 0 and
  // no negative templates) or when new distinct sentences run out.
  std::vector<Utterance> sample(size_t n, Split split, uint64_t seed,
                                const SampleOptions& options = {}) const;

  // One expansion of template t with values of `values` splits.
  Utterance expand(size_t t, uint64_t seed, SplitMask values) const;
  Utterance expand(size_t t, uint64_t seed) const { return expand(t, seed, split_bit(templates()[t].split)); }

  // Number of expansion paths of template t (distinct choices; equal strings from different
  // paths count twice), with the values of its own split. Saturates at 1e300.
  double count_expansions(size_t t) const;
  // Up to `limit` distinct normalized sentences of template t, sorted.
  std::vector<std::string> enumerate(size_t t, size_t limit) const;

  // Whether template t could have produced text, using slot values of `values` splits.
  // Compares lower-case letters and digits only ("An hour." matches "a hour").
  bool can_produce(size_t t, std::string_view text, SplitMask values) const;

  // Authoring problems that are not syntax errors, as "file:line: message": a gate-1
  // template whose literal words name a person or event (labels would miss the context).
  std::vector<std::string> lint() const;

  // Gaps that would make a split unusable, as "split <name>: message": a split without
  // gate-1 or gate-0 templates, or a head 1..12 that no template of the split can make
  // positive. Empty for a grammar that serves every split.
  std::vector<std::string> coverage() const;

  struct Data;  // the parsed grammar (grammar-ast.h)

 private:
  std::shared_ptr<const Data> d_;
};

// Words with at least one letter or digit.
int word_count(std::string_view text);

// Summary of a sample, for `inherent text --stats` and tests.
struct SampleStats {
  size_t n = 0, gate0 = 0, hard = 0, out_of_scope = 0, distinct_texts = 0;
  std::array<size_t, INHERENT_N_HEADS> positives{};
  std::map<int, size_t> words_gate0, words_gate1;  // word count -> sentences
  double mean_words_gate0 = 0, mean_words_gate1 = 0;
  double length_ks = 0;  // max |CDF0 - CDF1| of word counts (0 = same distribution)
  std::map<std::string, size_t> per_category;
};
SampleStats summarize(const std::vector<Utterance>& sentences);

}  // namespace inherent
