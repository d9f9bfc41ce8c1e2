// SPDX-License-Identifier: Apache-2.0
#include "labels.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "common/heads.h"
#include "frontend/audio-file.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

bool parse_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e && std::isfinite(*out);
}

using HeadColumns = std::array<size_t, INHERENT_N_HEADS>;  // 0-based field of each head
using IssueFn = std::function<void(size_t, size_t, const char*, std::string)>;

// Every head cell empty: the row has no labels (an unlabelled row, or a mistake).
bool unlabelled(const std::vector<std::string>& fields, const HeadColumns& heads) {
  return std::all_of(heads.begin(), heads.end(), [&](size_t c) { return fields[c].empty(); });
}

void check_unlabelled(const std::vector<std::string>& fields, const TeacherColumns& teacher,
                      const HeadColumns& heads, const LabelsCheckOptions& options, LabelRow* row,
                      const IssueFn& issue) {
  row->labelled = false;
  const size_t line = row->line, column = heads[0] + 1;
  if (!options.allow_unlabelled) {
    issue(line, column, "unlabelled",
          "every head cell is empty: an unlabelled row, which only training toward teacher scores reads");
    return;
  }
  if (row->split != Split::train)
    issue(line, column, "unlabelled",
          std::string("every head cell is empty in a ") + split_name(row->split) +
              " row: unlabelled rows are for training only");
  const bool scored =
      teacher.present && std::all_of(teacher.column.begin(), teacher.column.end(),
                                     [&](int c) { return !fields[static_cast<size_t>(c)].empty(); });
  if (!scored)
    issue(line, column, "unlabelled",
          "every head cell is empty and the row has no teacher_<head> scores: nothing to learn from");
}

void check_heads(const std::vector<std::string>& fields, const HeadColumns& heads, LabelRow* row,
                 const IssueFn& issue) {
  bool heads_ok = true;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const size_t c = heads[static_cast<size_t>(h)];
    const std::string& v = fields[c];
    if (v == "0" || v == "1") {
      row->heads[static_cast<size_t>(h)] = static_cast<uint8_t>(v[0] - '0');
    } else {
      issue(row->line, c + 1, "head-value",
            std::string(kHeadTable[static_cast<size_t>(h)].name) + " must be 0 or 1, got \"" + v + "\"");
      heads_ok = false;
    }
  }
  if (heads_ok && row->heads[0] == 0) {
    for (int h = 1; h < INHERENT_N_HEADS; ++h)
      if (row->heads[static_cast<size_t>(h)])
        issue(row->line, heads[static_cast<size_t>(h)] + 1, "gate-consistency",
              std::string(kHeadTable[static_cast<size_t>(h)].name) +
                  " is 1 while isInteresting is 0 (intents need the gate)");
  }
}

}  // namespace

const char* split_name(Split s) {
  switch (s) {
    case Split::train:
      return "train";
    case Split::eval:
      return "eval";
    case Split::test:
      return "test";
  }
  return "?";
}

std::optional<Split> parse_split(std::string_view name) {
  if (name == "train") return Split::train;
  if (name == "eval") return Split::eval;
  if (name == "test") return Split::test;
  return std::nullopt;
}

const std::vector<std::string>& label_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> c = {"audio_path",  "transcript", "speaker_id", "session_id", "device",
                                  "environment", "source",     "duration_s", "split"};
    for (const HeadInfo& h : kHeadTable) c.push_back(h.name);
    return c;
  }();
  return cols;
}

std::string format_issue(const std::string& path, const LabelIssue& issue) {
  return path + ":" + std::to_string(issue.line) + ":" + std::to_string(issue.column) + ": [" + issue.rule +
         "] " + issue.message;
}

LabelsCheck check_labels(const std::string& path, const LabelsCheckOptions& options) {
  return check_labels_table(read_csv_file(path), path, options);
}

LabelsCheck check_labels_text(std::string_view text, const std::string& path,
                              const LabelsCheckOptions& options) {
  return check_labels_table(parse_csv(text, path), path, options);
}

LabelsCheck check_labels_table(CsvTable table, const std::string& path, const LabelsCheckOptions& options) {
  LabelsCheck result;
  Labels& labels = result.labels;
  labels.path = path;
  labels.header = table.header;
  auto issue = [&](size_t line, size_t column, const char* rule, std::string message) {
    result.issues.push_back({line, column, rule, std::move(message)});
  };

  // Header: every required column present once.
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < table.header.size(); ++i) {
    if (!seen.emplace(table.header[i], i).second)
      issue(1, i + 1, "header", "duplicate column \"" + table.header[i] + "\"");
  }
  std::vector<int> col;  // required column -> field index
  bool header_ok = true;
  for (const std::string& name : label_columns()) {
    const int c = table.column(name);
    if (c < 0) {
      issue(1, 0, "header", "missing required column \"" + name + "\"");
      header_ok = false;
    }
    col.push_back(c);
  }
  if (!header_ok) return result;

  const std::string base = parent_dir(path);
  std::unordered_map<std::string, size_t> path_line;
  // Teacher columns matter here only to readers that take unlabelled rows; the others
  // ignore them, as before.
  TeacherColumns teacher;
  if (options.allow_unlabelled) {
    try {
      teacher = teacher_columns(table.header, path);
    } catch (const Exception& e) {
      issue(1, 0, "header", e.what());
    }
  }
  enum { kAudio, kTranscript, kSpeaker, kSession, kDevice, kEnvironment, kSource, kDuration, kSplit, kHead0 };
  HeadColumns head_cols{};
  for (int h = 0; h < INHERENT_N_HEADS; ++h)
    head_cols[static_cast<size_t>(h)] = static_cast<size_t>(col[kHead0 + h]);
  for (CsvRow& r : table.rows) {
    if (r.fields.size() != table.header.size()) {
      issue(r.line, 0, "field-count",
            "row has " + std::to_string(r.fields.size()) + " fields, header has " +
                std::to_string(table.header.size()));
      continue;
    }
    LabelRow row;
    row.line = r.line;
    auto field = [&](int which) -> const std::string& { return r.fields[col[which]]; };
    auto column = [&](int which) -> size_t { return static_cast<size_t>(col[which]) + 1; };
    const size_t issues_before = result.issues.size();

    row.audio_path = field(kAudio);
    row.transcript = field(kTranscript);
    row.speaker_id = field(kSpeaker);
    row.session_id = field(kSession);
    row.device = field(kDevice);
    row.environment = field(kEnvironment);
    row.source = field(kSource);
    if (row.audio_path.empty()) issue(r.line, column(kAudio), "audio-path", "audio_path is empty");
    row.resolved_path = resolve_path(base, row.audio_path);

    const std::string& dur = field(kDuration);
    if (!dur.empty()) {
      if (!parse_double(dur, &row.duration_s))
        issue(r.line, column(kDuration), "duration", "duration_s \"" + dur + "\" is not a number");
      else if (!(row.duration_s > 0.0) || row.duration_s > options.max_duration_s)
        issue(r.line, column(kDuration), "duration",
              "duration_s " + dur + " is outside (0, " +
                  std::to_string(static_cast<int>(options.max_duration_s)) + "] seconds");
    }

    const std::string& split = field(kSplit);
    if (auto parsed = parse_split(split))
      row.split = *parsed;
    else
      issue(r.line, column(kSplit), "split", "split \"" + split + "\" must be train, eval or test");

    if (unlabelled(r.fields, head_cols)) {
      check_unlabelled(r.fields, teacher, head_cols, options, &row, issue);
    } else {
      check_heads(r.fields, head_cols, &row, issue);
    }

    if (!row.audio_path.empty()) {
      auto [it, inserted] = path_line.emplace(row.resolved_path, r.line);
      if (!inserted)
        issue(r.line, column(kAudio), "duplicate-path",
              "audio " + row.audio_path + " already listed on line " + std::to_string(it->second));
      else if (options.check_audio) {
        try {
          const AudioInfo info = probe_audio_file(row.resolved_path);
          const double actual = info.duration_s();
          if (info.frames <= 0)
            issue(r.line, column(kAudio), "audio", row.audio_path + " has no samples");
          else if (actual > options.max_duration_s)
            issue(r.line, column(kAudio), "duration",
                  row.audio_path + " lasts " + std::to_string(actual) + " s, more than the " +
                      std::to_string(static_cast<int>(options.max_duration_s)) + " s a model reads");
          else if (row.duration_s > 0 && std::fabs(actual - row.duration_s) > options.duration_tolerance_s)
            issue(r.line, column(kDuration), "duration",
                  "duration_s " + dur + " but " + row.audio_path + " lasts " + std::to_string(actual) + " s");
          if (row.duration_s == 0) row.duration_s = actual;
        } catch (const Exception& e) {
          issue(r.line, column(kAudio),
                e.status() == INHERENT_STATUS_IO_ERROR ? "audio-missing" : "audio-unreadable", e.what());
        }
      }
    }
    row.fields = std::move(r.fields);
    if (result.issues.size() == issues_before) labels.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) issue(1, 0, "empty", "no data rows");
  return result;
}

Labels read_labels(const std::string& path, const LabelsCheckOptions& options) {
  LabelsCheck check = check_labels(path, options);
  if (!check.ok()) {
    std::string msg = path + ": " + std::to_string(check.issues.size()) + " problem(s) in labels file";
    const size_t shown = std::min<size_t>(check.issues.size(), 10);
    for (size_t i = 0; i < shown; ++i) msg += "\n  " + format_issue(path, check.issues[i]);
    if (shown < check.issues.size()) msg += "\n  ... (run `inherent labels check " + path + "` for all)";
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, msg);
  }
  return std::move(check.labels);
}

std::string labels_to_csv(const std::vector<std::string>& header, const std::vector<LabelRow>& rows) {
  std::string out = csv_join(header) + "\n";
  for (const LabelRow& r : rows) out += csv_join(r.fields) + "\n";
  return out;
}

TeacherColumns teacher_columns(const std::vector<std::string>& header, const std::string& path) {
  TeacherColumns t;
  int found = 0;
  std::string missing;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const std::string name = std::string("teacher_") + kHeadTable[static_cast<size_t>(h)].name;
    const auto it = std::find(header.begin(), header.end(), name);
    t.column[static_cast<size_t>(h)] = it == header.end() ? -1 : static_cast<int>(it - header.begin());
    if (it != header.end())
      ++found;
    else if (missing.empty())
      missing = name;
  }
  if (found > 0 && found < INHERENT_N_HEADS)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    path + ": has " + std::to_string(found) + " teacher columns but not " + missing +
                        " (teacher scores need all 13 teacher_<head> columns)");
  t.present = found == INHERENT_N_HEADS;
  return t;
}

std::optional<std::array<float, INHERENT_N_HEADS>> teacher_scores(const LabelRow& row,
                                                                  const TeacherColumns& columns,
                                                                  const std::string& path) {
  if (!columns.present) return std::nullopt;
  std::array<float, INHERENT_N_HEADS> scores{};
  int filled = 0;
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    const size_t col = static_cast<size_t>(columns.column[static_cast<size_t>(h)]);
    const std::string& cell = col < row.fields.size() ? row.fields[col] : std::string();
    if (cell.empty()) continue;
    double v = 0;
    if (!parse_double(cell, &v) || v < 0 || v > 1)
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ":" + std::to_string(row.line) + ":" +
                                                            std::to_string(col + 1) + ": teacher_" +
                                                            kHeadTable[static_cast<size_t>(h)].name + " \"" +
                                                            cell + "\" is not a score in [0, 1]");
    scores[static_cast<size_t>(h)] = static_cast<float>(v);
    ++filled;
  }
  if (filled == 0) return std::nullopt;
  if (filled < INHERENT_N_HEADS)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ":" + std::to_string(row.line) + ": " +
                                                          std::to_string(filled) +
                                                          " of 13 teacher scores are filled (all or none)");
  return scores;
}

int teacher_features_column(const std::vector<std::string>& header) {
  const auto it = std::find(header.begin(), header.end(), "teacher_features");
  return it == header.end() ? -1 : static_cast<int>(it - header.begin());
}

std::vector<float> teacher_features(const LabelRow& row, int column, const std::string& path) {
  const size_t col = static_cast<size_t>(column);
  if (column < 0 || col >= row.fields.size() || row.fields[col].empty()) return {};
  const std::string& cell = row.fields[col];
  const std::string where = path + ":" + std::to_string(row.line) + ":" + std::to_string(col + 1) +
                            ": teacher_features " + cell + ": ";
  NpyArray a;
  try {
    a = read_npy(resolve_path(parent_dir(path), cell));
  } catch (const Exception& e) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + e.what());
  }
  if (a.shape.size() != 1 || a.shape[0] == 0)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + "not a 1-D array of features");
  for (size_t i = 0; i < a.data.size(); ++i)
    if (!std::isfinite(a.data[i]))
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                      where + "value " + std::to_string(i) + " is not finite");
  return std::move(a.data);
}

}  // namespace inherent
