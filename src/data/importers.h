// SPDX-License-Identifier: Apache-2.0
//
// Importers of public text corpora, in the formats their authors publish, mapped to the
// 13 heads (docs/importers.md has the table per source). The result is a sentence list in
// the form the template grammar produces (`inherent text` CSV), which `inherent synth
// --import FILE[:SHARE]` voices next to the grammar's sentences.
//
//     auto s = inherent::imports::import_source("clinc150", "../shared/data/clinc150");
//     inherent::write_file_atomic("clinc.csv", inherent::imports::to_csv(s));
//     auto back = inherent::imports::read_import_csv("clinc.csv");
//
// Labels come from each corpus's own annotations (intent names, entity types), never from
// a guess about the words, with one exception per source that docs/importers.md lists
// (list removals in CLINC150, "call ..." commands filed under HWU64 contact intents).
// All 13 heads are 0 when the gate is 0.
//
// Splits: every sentence has a split unit (its text; a whole meeting for QMSum; a whole
// conversation for Topical-Chat), and a stable hash of (source, unit) puts it in train
// (75%), eval (10%) or test (15%), independent of the corpus's own splits, so the same
// sentence is in the same split on every machine and in every release.
//
// Malformed input throws ImportError naming "file:line[:column]: what" (JSON documents
// without line positions name the JSON path instead: "file: train[12]: what").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/grammar.h"  // HeadLabels, TemplateKind, Split

namespace inherent::imports {

// Where a source comes from and whether its licence lets derived training data (a corpus
// of clips made from its sentences) be redistributed without conditions beyond
// attribution. Share-alike sources (CC BY-SA, CDLA-Sharing) are mixed only on request.
struct SourceInfo {
  const char* name;     // "clinc150"
  const char* title;    // "CLINC150 (Larson et al., EMNLP 2019)"
  const char* license;  // "CC BY 3.0"
  const char* url;      // origin repository
  bool by_default;      // may be mixed into a corpus without --allow-share-alike
  const char* kind;     // "text", "audio" or "voice" (a TTS voice trained on outside data)
};
const std::vector<SourceInfo>& sources();
const SourceInfo* find_source(std::string_view name);  // nullptr when unknown

class ImportError : public Exception {
 public:
  explicit ImportError(const std::string& message) : Exception(INHERENT_STATUS_INVALID_ARGUMENT, message) {}
};

struct Sentence {
  std::string text;    // normalized like the grammar's sentences
  HeadLabels heads{};  // head order; all 0 when heads[0] is 0
  std::string source;  // "clinc150"
  std::string label;   // the corpus's own class: "timer", "oos", "calendar_set", "meeting", ...
  std::string group;   // split unit (the text unless the source groups sentences)
  std::string origin;  // "file:line" (or "file: json path")
  std::vector<std::pair<std::string, std::string>> entities;  // (type, value) from the corpus
  bool hard = false;  // gate 0 with an intent word (timer, list, call, calendar, ...)
  Split split = Split::train;
  TemplateKind kind() const;
};

// Split of a unit: stable hash of "source|unit" -> train 75%, eval 10%, test 15%.
Split split_of(std::string_view source, std::string_view unit);

// Parsers of one file's bytes (path names it in messages). Each returns the sentences that
// survive the source's filters, labelled and split; sentences are not yet deduplicated.
std::vector<Sentence> parse_clinc150(std::string_view text, const std::string& path);
std::vector<Sentence> parse_hwu64_csv(std::string_view text, const std::string& path);
std::vector<Sentence> parse_slurp_jsonl(std::string_view text, const std::string& path);
std::vector<Sentence> parse_snips_json(std::string_view text, const std::string& path);
std::vector<Sentence> parse_ha_tests_yaml(std::string_view text, const std::string& path);
std::vector<Sentence> parse_qmsum_json(std::string_view text, const std::string& path);
std::vector<Sentence> parse_topical_chat_json(std::string_view text, const std::string& path);
std::vector<Sentence> parse_wiki_sents(std::string_view text, const std::string& path);

// Names accepted by import_source: clinc150, hwu64, slurp, snips, ha-intents, qmsum,
// topical-chat, wiki-sents.
std::vector<std::string> source_names();

struct ImportStats {
  size_t read = 0;        // sentences the parsers returned
  size_t duplicates = 0;  // same text (letters and digits) and same labels, dropped
  size_t conflicts = 0;   // texts that came with two label sets, dropped entirely
  size_t files = 0;
};

// Imports a source from a file or a folder as published (folders are searched
// recursively for the source's files, in path order), then deduplicates: one text, one
// label set. Throws ImportError for malformed input, Exception for unreadable paths.
std::vector<Sentence> import_source(const std::string& source, const std::string& path,
                                    ImportStats* stats = nullptr);

// The `inherent text` CSV columns (transcript, split, category, template_id, kind, hard,
// words, slots, 13 heads), then source, label, origin. category is "<source>/<label>",
// template_id "<source>/<8 hex of the text's hash>", slots the corpus's entities.
std::string to_csv(const std::vector<Sentence>& sentences);

// Reads a file written by to_csv (or any CSV with transcript, split, source and the 13
// head columns). Checks labels (0/1, intents imply the gate) and names file:line:column.
std::vector<Sentence> read_import_csv(const std::string& path);
std::vector<Sentence> parse_import_csv(std::string_view text, const std::string& path);

// Lower-case letters and digits of a text (the duplicate key).
std::string text_key(std::string_view text);

}  // namespace inherent::imports
