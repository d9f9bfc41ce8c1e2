// SPDX-License-Identifier: Apache-2.0
//
// The one CSV reader of inherent (RFC 4180: quoted fields may hold commas, quotes
// written as "" and newlines; CRLF or LF; a UTF-8 BOM is skipped; blank lines are
// skipped). Every row remembers its physical line so callers can report file:line.
// Hand-written rather than libcsv because error positions (line, field) are the point.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace inherent {

struct CsvRow {
  size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string path;                 // for messages
  std::vector<std::string> header;  // first row
  std::vector<CsvRow> rows;         // data rows (header excluded)
  // Index of a header column, or -1.
  int column(std::string_view name) const;
};

// Parses text; a malformed row (unterminated quote, text after a closing quote, NUL
// byte) throws inherent::Exception "path:line:field: ...". Empty input throws.
// `delimiter` separates fields (',' for every file the project writes; corpora such as
// HWU64 use ';').
CsvTable parse_csv(std::string_view text, const std::string& path, char delimiter = ',');

// Reads and parses a file (IO_ERROR when it cannot be read).
CsvTable read_csv_file(const std::string& path);

// Quotes a field when it needs it (comma, quote, CR/LF, leading/trailing space).
std::string csv_escape(std::string_view field);

// Joins escaped fields with commas (no line ending).
std::string csv_join(const std::vector<std::string>& fields);

// A comma-separated option value ("a, b,,c" -> {"a", "b", "c"}): no quoting, items
// trimmed of spaces, empty items dropped.
std::vector<std::string> split_commas(std::string_view s);

}  // namespace inherent
