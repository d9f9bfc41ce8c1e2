// SPDX-License-Identifier: Apache-2.0
#include "csv.h"

#include <algorithm>

#include "files.h"
#include "inherent/inherent.hpp"

namespace inherent {

int CsvTable::column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

CsvTable parse_csv(std::string_view text, const std::string& path, char delimiter) {
  CsvTable table;
  table.path = path;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  auto error = [&](size_t line, size_t field, const std::string& what) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    path + ":" + std::to_string(line) + ":" + std::to_string(field) + ": " + what);
  };

  size_t i = 0, line = 1;
  const size_t n = text.size();
  bool have_header = false;
  while (i < n) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false;
    // A row that is only a line ending is blank: skip it.
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      continue;
    }
    while (!row_done) {
      field.clear();
      const size_t field_no = row.fields.size() + 1;
      if (i < n && text[i] == '"') {  // quoted field
        const size_t open_line = line;
        ++i;
        for (;;) {
          if (i >= n) error(open_line, field_no, "unterminated quoted field");
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\0') error(line, field_no, "NUL byte in field");
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
          // A quote left open swallows the lines after it until the next quote: name
          // the line where it opened, which is where the mistake is.
          if (line != open_line)
            error(open_line, field_no,
                  "quoted field opened here is never closed on its line (it runs to line " +
                      std::to_string(line) + "): a missing closing quote?");
          error(line, field_no, "unexpected character after closing quote");
        }
      } else {
        while (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '\0') error(line, field_no, "NUL byte in field");
          if (text[i] == '"') error(line, field_no, "quote inside an unquoted field (quote the whole field)");
          field += text[i++];
        }
      }
      row.fields.push_back(field);
      if (i >= n) {
        row_done = true;
      } else if (text[i] == delimiter) {
        ++i;
      } else {  // line ending
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        row_done = true;
      }
    }
    if (!have_header) {
      table.header = std::move(row.fields);
      have_header = true;
    } else {
      table.rows.push_back(std::move(row));
    }
  }
  if (!have_header) error(1, 1, "empty file (expected a header row)");
  return table;
}

CsvTable read_csv_file(const std::string& path) { return parse_csv(read_file(path), path); }

std::string csv_escape(std::string_view field) {
  // A field starting with a BOM is quoted so a reader cannot take it for the file's BOM.
  bool quote =
      !field.empty() && (field.front() == ' ' || field.back() == ' ' || field.substr(0, 3) == "\xEF\xBB\xBF");
  for (char c : field)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_join(const std::vector<std::string>& fields) {
  // A row of one empty field would be a blank line, which readers skip: quote it.
  if (fields.size() == 1 && fields[0].empty()) return "\"\"";
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_escape(fields[i]);
  }
  return out;
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(',', start), s.size());
    std::string_view item = s.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

}  // namespace inherent
