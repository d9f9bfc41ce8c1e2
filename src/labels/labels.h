// SPDX-License-Identifier: Apache-2.0
//
// The labels contract (docs/labels.md): one CSV row per clip with
//   audio_path, transcript, speaker_id, session_id, device, environment, source,
//   duration_s, split, <13 head columns in head order, each 0 or 1>
// Extra columns are allowed and kept. Relative audio paths resolve against the CSV's
// folder. This is the only reader of that schema; every tool uses it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/csv.h"
#include "inherent/inherent.h"

namespace inherent {

enum class Split : uint8_t { train = 0, eval = 1, test = 2 };
constexpr int n_splits = 3;
const char* split_name(Split s);
std::optional<Split> parse_split(std::string_view name);  // "train" | "eval" | "test"

// The columns every labels CSV must have, in canonical order (heads last).
const std::vector<std::string>& label_columns();

struct LabelRow {
  size_t line = 0;            // 1-based line in the CSV
  std::string audio_path;     // as written
  std::string resolved_path;  // resolved against the CSV's folder
  std::string transcript, speaker_id, session_id, device, environment, source;
  double duration_s = 0.0;  // 0 when the column is empty (unknown)
  Split split = Split::train;
  std::array<uint8_t, INHERENT_N_HEADS> heads{};  // all 0 when unlabelled
  // false: every head cell is empty and the row's teacher_<head> scores are its only
  // targets (a train row, read only where LabelsCheckOptions::allow_unlabelled says so).
  bool labelled = true;
  std::vector<std::string> fields;  // every field as written, header order
};

struct Labels {
  std::string path;
  std::vector<std::string> header;
  std::vector<LabelRow> rows;
};

// One problem in a labels file. Reported as "path:line:column: [rule] message",
// column being the 1-based CSV field (0 when the whole row or file is meant).
struct LabelIssue {
  size_t line = 0;
  size_t column = 0;
  std::string rule;
  std::string message;
};
std::string format_issue(const std::string& path, const LabelIssue& issue);

struct LabelsCheckOptions {
  bool check_audio = true;  // open every audio file (exists, decodes, duration)
  double max_duration_s = 60.0;
  double duration_tolerance_s = 0.1;  // declared vs actual duration
  // Accept unlabelled rows: every head cell empty, split train, all 13 teacher_<head>
  // cells filled. Only readers that train toward a teacher set this; every other tool
  // refuses such a row by line, so it never counts as thirteen 0s.
  bool allow_unlabelled = false;
};

struct LabelsCheck {
  Labels labels;  // rows that parsed (possibly with issues)
  std::vector<LabelIssue> issues;
  bool ok() const { return issues.empty(); }
};

// Validates everything and collects every issue (the `inherent labels check` engine).
// Throws only when the file cannot be read or is not CSV at all.
LabelsCheck check_labels(const std::string& path, const LabelsCheckOptions& options = {});
// The same on CSV text already in memory; `path` names it and resolves relative audio paths.
LabelsCheck check_labels_text(std::string_view text, const std::string& path,
                              const LabelsCheckOptions& options = {});
LabelsCheck check_labels_table(CsvTable table, const std::string& path, const LabelsCheckOptions& options);

// Reads a labels file for a tool. Any issue throws an inherent::Exception listing the
// first issues, so a bad row is never silently skipped.
Labels read_labels(const std::string& path, const LabelsCheckOptions& options = {});

// Serializes rows back to CSV text (header included), keeping extra columns.
std::string labels_to_csv(const std::vector<std::string>& header, const std::vector<LabelRow>& rows);

// Teacher scores, an optional extension of the contract: 13 extra columns
// `teacher_<head name>` (e.g. teacher_isInteresting) holding a teacher model's scores in
// [0, 1], all filled or all empty in a row. Distillation (training.distill_weight) trains
// toward them; a row left empty has no teacher. A row with teacher scores and no head
// labels at all is unlabelled audio (LabelRow::labelled): distillation is all it gives.
struct TeacherColumns {
  std::array<int, INHERENT_N_HEADS> column{};  // 0-based CSV columns
  bool present = false;                        // false: the file has none of them
};
// Throws (naming the file and the missing column) when only some of the 13 are there.
TeacherColumns teacher_columns(const std::vector<std::string>& header, const std::string& path);
// The row's scores, or nullopt when its teacher cells are empty. Throws
// "path:line:column: ..." on a cell that is not a number in [0, 1], or a row half filled.
std::optional<std::array<float, INHERENT_N_HEADS>> teacher_scores(const LabelRow& row,
                                                                  const TeacherColumns& columns,
                                                                  const std::string& path);

// Teacher features, another optional column: `teacher_features` names a float32 .npy
// file holding one vector (shape [D]: a teacher's encoder output pooled over the clip),
// resolved against the CSV's folder as audio_path is. Feature distillation
// (training.feature_distill_weight) trains toward it; an empty cell has none.
// The column's 0-based index, or -1 when the file has none.
int teacher_features_column(const std::vector<std::string>& header);
// The row's vector, empty when its cell is. Throws "path:line:column: teacher_features
// FILE: ..." when the file cannot be read, is not a 1-D float32 array, or holds a value
// that is not finite.
std::vector<float> teacher_features(const LabelRow& row, int column, const std::string& path);

}  // namespace inherent
