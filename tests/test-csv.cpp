// SPDX-License-Identifier: Apache-2.0
//
// The CSV reader (src/common/csv.*): RFC 4180 quoting, line endings, BOM, blank lines,
// and error positions "path:line:field" for every malformed input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "host/csv.h"
#include "inherent/inherent.hpp"

namespace {

using inherent::CsvTable;
using inherent::parse_csv;
using inherent::split_commas;
using Fields = std::vector<std::string>;

// Message of the exception parse_csv throws (fails the test when it does not throw).
std::string parse_error(std::string_view text) {
  try {
    parse_csv(text, "t.csv");
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_ARGUMENT);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

TEST(Csv, HeaderRowsAndLineNumbers) {
  const CsvTable t = parse_csv("a,b,c\n1,2,3\n4,5,6\n", "x.csv");
  EXPECT_EQ(t.path, "x.csv");
  EXPECT_EQ(t.header, (Fields{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(t.rows[0].line, 2u);
  EXPECT_EQ(t.rows[1].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(t.rows[1].line, 3u);
  EXPECT_EQ(t.column("b"), 1);
  EXPECT_EQ(t.column("c"), 2);
  EXPECT_EQ(t.column("B"), -1);  // case-sensitive
  EXPECT_EQ(t.column(""), -1);
}

TEST(Csv, NoTrailingNewlineAndEmptyFields) {
  const CsvTable t = parse_csv("a,b,c\n,,\n1,,3", "x.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"", "", ""}));
  EXPECT_EQ(t.rows[1].fields, (Fields{"1", "", "3"}));
  // A trailing comma is one more, empty field.
  const CsvTable u = parse_csv("a,b,\nx,y,", "x.csv");
  EXPECT_EQ(u.header, (Fields{"a", "b", ""}));
  EXPECT_EQ(u.rows[0].fields, (Fields{"x", "y", ""}));
}

TEST(Csv, QuotedCommasQuotesAndNewlines) {
  const CsvTable t = parse_csv(
      "id,text\n"
      "1,\"hey assistant, set a timer\"\n"
      "2,\"she said \"\"hi\"\"\"\n"
      "3,\"two\nlines\"\n"
      "4,\"\"\n"
      "5,\"\"\"\"\n",
      "q.csv");
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.rows[0].fields[1], "hey assistant, set a timer");
  EXPECT_EQ(t.rows[1].fields[1], "she said \"hi\"");
  EXPECT_EQ(t.rows[2].fields[1], "two\nlines");
  EXPECT_EQ(t.rows[2].line, 4u);  // the row starts on line 4 ...
  EXPECT_EQ(t.rows[3].line, 6u);  // ... and the next row on line 6
  EXPECT_EQ(t.rows[3].fields[1], "");
  EXPECT_EQ(t.rows[4].fields[1], "\"");
  // Spaces are data, not trimmed.
  EXPECT_EQ(parse_csv("a,b\n x , y \n", "s.csv").rows[0].fields, (Fields{" x ", " y "}));
}

TEST(Csv, CrLfAndBom) {
  const CsvTable t = parse_csv(
      "\xEF\xBB\xBF"
      "a,b\r\n1,2\r\n\"x\r\ny\",3\r\n",
      "w.csv");
  EXPECT_EQ(t.header, (Fields{"a", "b"}));  // BOM is not part of the first name
  EXPECT_EQ(t.column("a"), 0);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(t.rows[0].line, 2u);
  EXPECT_EQ(t.rows[1].fields[0], "x\r\ny");  // line endings inside quotes are kept as written
  EXPECT_EQ(t.rows[1].line, 3u);
  // A BOM anywhere else is data.
  EXPECT_EQ(parse_csv("a\n\xEF\xBB\xBFz\n", "b.csv").rows[0].fields[0], "\xEF\xBB\xBFz");
}

TEST(Csv, BlankLinesAreSkippedButCounted) {
  const CsvTable t = parse_csv("\n\na,b\n\n1,2\r\n\r\n\n3,4\n\n", "b.csv");
  EXPECT_EQ(t.header, (Fields{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 5u);
  EXPECT_EQ(t.rows[1].line, 8u);
}

TEST(Csv, UnterminatedQuoteNamesLineAndField) {
  EXPECT_EQ(parse_error("a,b\n1,2\n3,\"open\nstill open\n"), "t.csv:3:2: unterminated quoted field");
  EXPECT_EQ(parse_error("\"a"), "t.csv:1:1: unterminated quoted field");
}

TEST(Csv, MalformedFieldsNameLineAndField) {
  EXPECT_EQ(parse_error("a,b\n1,\"x\"y\n"), "t.csv:2:2: unexpected character after closing quote");
  EXPECT_EQ(parse_error("a,b\n1,2\n3,4\nab\"c,5\n"),
            "t.csv:4:1: quote inside an unquoted field (quote the whole field)");
  EXPECT_EQ(parse_error(std::string("a,b\n1,x\0y\n", 11)), "t.csv:2:2: NUL byte in field");
  EXPECT_EQ(parse_error(std::string("a,b\n1,\"x\0\"\n", 12)), "t.csv:2:2: NUL byte in field");
  // Line numbers after a quoted newline count physical lines.
  EXPECT_EQ(parse_error("a,b\n\"1\n2\",3\n4,5\"\n"),
            "t.csv:4:2: quote inside an unquoted field (quote the whole field)");
}

TEST(Csv, EmptyInputIsAnError) {
  EXPECT_EQ(parse_error(""), "t.csv:1:1: empty file (expected a header row)");
  EXPECT_EQ(parse_error("\xEF\xBB\xBF"), "t.csv:1:1: empty file (expected a header row)");
  EXPECT_EQ(parse_error("\n\r\n\n"), "t.csv:1:1: empty file (expected a header row)");
  // A header alone is a valid table with no rows.
  EXPECT_TRUE(parse_csv("a,b\n", "h.csv").rows.empty());
}

TEST(Csv, EscapeQuotesOnlyWhenNeeded) {
  using inherent::csv_escape;
  EXPECT_EQ(csv_escape("plain"), "plain");
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_escape("l1\nl2"), "\"l1\nl2\"");
  EXPECT_EQ(csv_escape("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_escape(" lead"), "\" lead\"");
  EXPECT_EQ(csv_escape("trail "), "\"trail \"");
  EXPECT_EQ(inherent::csv_join({"a", "b,c", ""}), "a,\"b,c\",");
}

// join then parse gives the fields back, for random fields made of the characters
// that matter to CSV.
TEST(Csv, JoinParseRoundTrip) {
  std::mt19937 rng(3);
  const std::string alphabet = "ab ,\"\r\n'\t;x\xC3\xA9";
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<Fields> rows(1 + rng() % 4);
    const size_t n_fields = 1 + rng() % 5;
    std::string text;
    for (Fields& r : rows) {
      for (size_t f = 0; f < n_fields; ++f) {
        std::string s;
        for (size_t len = rng() % 7; len > 0; --len) s += alphabet[rng() % alphabet.size()];
        r.push_back(s);
      }
      text += inherent::csv_join(r) + (rng() % 2 ? "\n" : "\r\n");
    }
    const CsvTable t = parse_csv(text, "r.csv");
    ASSERT_EQ(t.header, rows[0]) << text;
    ASSERT_EQ(t.rows.size(), rows.size() - 1) << text;
    for (size_t i = 1; i < rows.size(); ++i) ASSERT_EQ(t.rows[i - 1].fields, rows[i]) << text;
  }
}

TEST(Csv, SplitCommasTrimsAndDropsEmptyItems) {
  EXPECT_EQ(split_commas("float16,int16x8"), (std::vector<std::string>{"float16", "int16x8"}));
  EXPECT_EQ(split_commas(" a , b,,c ,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_commas("").empty());
  EXPECT_TRUE(split_commas(" , ,").empty());
  EXPECT_EQ(split_commas("espeak:*"), (std::vector<std::string>{"espeak:*"}));
}

TEST(Csv, ReadFileNamesThePath) {
  const std::string missing = "/nonexistent-dir/labels.csv";
  try {
    inherent::read_csv_file(missing);
    FAIL();
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_IO_ERROR);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / ("inherent-test-csv-" + std::to_string(::getpid()) + ".csv"))
          .string();
  std::ofstream(path, std::ios::binary) << "a,b\n1,\"2\n";
  try {
    inherent::read_csv_file(path);
    FAIL();
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2:2: unterminated quoted field");
  }
  std::ofstream(path, std::ios::binary) << "a,b\n1,2\n";
  EXPECT_EQ(inherent::read_csv_file(path).rows.at(0).fields, (Fields{"1", "2"}));
  std::filesystem::remove(path);
}

}  // namespace
