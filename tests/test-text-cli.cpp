// SPDX-License-Identifier: Apache-2.0
// End to end: `inherent text` as a user runs it (formats, determinism, labels, --stats,
// `text check` with file:line problems, exit codes 0/1/2).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli-run.h"
#include "host/csv.h"
#include "inherent/inherent.h"

namespace {

using inherent::test::CliRun;
using inherent::test::slurp;

namespace fs = std::filesystem;

const inherent::test::CliScratch cli("text-cli");
fs::path scratch() { return cli.dir(); }

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

const std::string grammar = std::string(INHERENT_SOURCE_DIR) + "/data/text";

// Runs `inherent text ARGS` from the source folder (ARGS already shell-quoted).
CliRun text_cli(const std::string& args) { return cli.run("text " + args, INHERENT_SOURCE_DIR); }

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(TextCli, HelpNamesTheOptions) {
  const CliRun r = text_cli("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* opt : {"--count", "--split", "--seed", "--format", "--output", "--stats", "check"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt << "\n" << r.out;
  EXPECT_EQ(text_cli("check --help").code, 0);
}

TEST(TextCli, CsvToFileIsLabelledAndDeterministic) {
  const fs::path a = scratch() / "a.csv", b = scratch() / "b.csv";
  const CliRun r = text_cli("--count 120 --split eval --seed 3 -o '" + a.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << "with -o nothing goes to stdout";
  ASSERT_EQ(text_cli("--count 120 --split eval --seed 3 --format csv --output '" + b.string() + "'").code, 0);
  EXPECT_EQ(slurp(a), slurp(b));  // same seed, same bytes
  const inherent::CsvTable t = inherent::parse_csv(slurp(a), a.string());
  ASSERT_EQ(t.rows.size(), 120u);
  const std::vector<std::string> want = {
      "transcript", "split", "category", "template_id",   "kind",
      "hard",       "words", "slots",    "isInteresting", "hasAddToListIntent"};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t.header.at(i), want[i]);
  ASSERT_EQ(t.header.size(), 8u + INHERENT_N_HEADS);
  EXPECT_EQ(t.header.back(), "hasStartTimerIntent");
  size_t gate0 = 0;
  for (const auto& row : t.rows) {
    EXPECT_EQ(row.fields[1], "eval");
    EXPECT_FALSE(row.fields[0].empty());
    const bool gate = row.fields[8] == "1";
    gate0 += !gate;
    for (size_t h = 9; h < row.fields.size() && !gate; ++h) EXPECT_EQ(row.fields[h], "0") << row.fields[0];
    EXPECT_EQ(row.fields[4] == "negative", !gate) << row.fields[0];
    // A filled person slot shows in hasPersonContext (head 6, column 14).
    if (gate && row.fields[7].find("person=") != std::string::npos) {
      EXPECT_EQ(row.fields[14], "1") << row.fields[0];
    }
  }
  EXPECT_EQ(gate0, 60u);
  // Another seed gives other sentences.
  const CliRun other = text_cli("--count 120 --split eval --seed 4");
  ASSERT_EQ(other.code, 0);
  EXPECT_NE(other.out, slurp(a));
}

TEST(TextCli, JsonlAndTxtFormats) {
  const CliRun j = text_cli("-n 30 --seed 9 --format jsonl");
  ASSERT_EQ(j.code, 0) << j.err;
  const auto jl = lines_of(j.out);
  ASSERT_EQ(jl.size(), 30u);
  std::set<std::string> texts;
  for (const std::string& l : jl) {
    const nlohmann::json o = nlohmann::json::parse(l);
    texts.insert(o.at("text").get<std::string>());
    EXPECT_EQ(o.at("split"), "train");
    EXPECT_EQ(o.at("heads").size(), static_cast<size_t>(INHERENT_N_HEADS));
    EXPECT_TRUE(o.at("template_id").get<std::string>().find('/') != std::string::npos);
    EXPECT_TRUE(o.at("slots").is_array());
  }
  EXPECT_EQ(texts.size(), 30u);
  const CliRun t = text_cli("-n 30 --seed 9 --format txt");
  ASSERT_EQ(t.code, 0) << t.err;
  const auto tl = lines_of(t.out);
  ASSERT_EQ(tl.size(), 30u);
  for (size_t i = 0; i < tl.size(); ++i) {
    std::vector<std::string> f;
    std::istringstream in(tl[i]);
    for (std::string x; std::getline(in, x, '\t');) f.push_back(x);
    ASSERT_EQ(f.size(), 4u) << tl[i];
    EXPECT_EQ(f[1].size(), static_cast<size_t>(INHERENT_N_HEADS));
    EXPECT_TRUE(texts.count(f[0])) << "txt and jsonl give the same sentences: " << f[0];
  }
}

// --format labels: a labels CSV the labels checker accepts (audio aside) with the csv
// format's sentences and heads, which the text-only baseline trains on.
TEST(TextCli, LabelsFormatFeedsTheTextBaseline) {
  const fs::path labels = scratch() / "labels.csv", plain = scratch() / "plain.csv";
  ASSERT_EQ(text_cli("-n 200 --seed 2 --format labels -o '" + labels.string() + "'").code, 0);
  ASSERT_EQ(text_cli("-n 200 --seed 2 --format csv -o '" + plain.string() + "'").code, 0);
  const CliRun check = cli.run("labels check --no-audio '" + labels.string() + "'");
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  const inherent::CsvTable l = inherent::parse_csv(slurp(labels), labels.string());
  const inherent::CsvTable c = inherent::parse_csv(slurp(plain), plain.string());
  ASSERT_EQ(l.rows.size(), c.rows.size());
  for (size_t i = 0; i < l.rows.size(); ++i) {
    EXPECT_EQ(l.rows[i].fields[static_cast<size_t>(l.column("transcript"))], c.rows[i].fields[0]);
    EXPECT_EQ(l.rows[i].fields[static_cast<size_t>(l.column("split"))], "train");
    EXPECT_EQ(l.rows[i].fields[static_cast<size_t>(l.column("template_id"))], c.rows[i].fields[3]);
    for (size_t k = 8; k < c.header.size(); ++k) {  // the csv format's head columns
      const std::string& name = c.header[k];
      EXPECT_EQ(l.rows[i].fields[static_cast<size_t>(l.column(name))],
                c.rows[i].fields[static_cast<size_t>(c.column(name))])
          << name;
    }
  }
  const CliRun fit = cli.run("baseline train -q --labels '" + labels.string() + "' --out '" +
                             (scratch() / "bow.safetensors").string() + "'");
  EXPECT_EQ(fit.code, 0) << fit.err;
}

TEST(TextCli, StatsReportHeadsCategoriesAndLengths) {
  const CliRun r = text_cli("--count 2000 --stats");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s : {"positives per head", "hasStartTimerIntent", "sentences per category", "side-talk",
                        "words per sentence: gate 0 mean", "templates per head", "KS distance"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  EXPECT_EQ(r.out.find("transcript,split"), std::string::npos) << "--stats alone prints no sentences";
}

TEST(TextCli, CheckPassesOnTheShippedGrammar) {
  const CliRun r = text_cli("check");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("0 problem(s)"), std::string::npos) << r.err;
  EXPECT_EQ(text_cli("--check").code, 0);
}

TEST(TextCli, CheckReportsFileAndLine) {
  const fs::path dir = scratch() / "bad";
  write(dir / "item.slot", "milk\neggs\nbread\n");
  write(dir / "list.tpl", "@intents hasAddToListIntent\nadd {item} to (my|the list\nput {itme} on it\n");
  const CliRun r = text_cli("check --grammar '" + dir.string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find((dir / "list.tpl").string() + ":2:15: unbalanced '('"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((dir / "list.tpl").string() + ":3:5: unknown slot {itme}"), std::string::npos)
      << r.out;
  // Sampling from it fails the same way, with exit 1.
  const CliRun s = text_cli("--grammar '" + dir.string() + "' -n 5");
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.err.find("list.tpl:2:15"), std::string::npos) << s.err;
  // Lint: a literal person word in an addressed template.
  const fs::path lint = scratch() / "lint";
  write(lint / "name.slot", "@implies hasPersonContext\nmy mom\nmy dad\nmy aunt\n");
  write(lint / "t.tpl", "@intents hasCallingAgentIntent\ncall {name}\nphone mom now\nring {name}\n");
  write(lint / "n.tpl", "@gate 0\nI called mom\nhe called {name}\nshe rang {name}\n");
  const CliRun l = text_cli("check --grammar '" + lint.string() + "'");
  EXPECT_EQ(l.code, 1);
  EXPECT_NE(l.out.find((lint / "t.tpl").string() + ":3: literal 'mom' names a person"), std::string::npos)
      << l.out;
  EXPECT_EQ(l.out.find("n.tpl"), std::string::npos) << "negatives may name people: " << l.out;
}

TEST(TextCli, ExitCodes) {
  EXPECT_EQ(text_cli("--format xml").code, 2);
  EXPECT_EQ(text_cli("--split dev").code, 2);
  EXPECT_EQ(text_cli("--count many").code, 2);
  EXPECT_EQ(text_cli("--no-such-flag").code, 2);
  const CliRun missing = text_cli("--grammar /no/such/folder");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("/no/such/folder"), std::string::npos) << missing.err;
  EXPECT_EQ(text_cli("--gate0 3 -n 4").code, 1);  // out of range: a failure with a message
}

// `text import`: a corpus folder as published -> the sentence CSV; malformed input names
// file and line with exit 1; bad usage exits 2.
TEST(TextCli, ImportWritesLabelledSentences) {
  const fs::path dir = scratch() / "corpus";
  write(dir / "a.csv",
        "answerid;scenario;intent;answer_annotation\n"
        "1;lists;createoradd;\"put tea on the [list_name : pantry] list\"\n"
        "2;calendar;set;\"dinner with [person : lea] at eight\"\n");
  const fs::path out = scratch() / "imported.csv";
  const CliRun r =
      text_cli("import --source hwu64 --in '" + dir.string() + "' -o '" + out.string() + "' --stats");
  ASSERT_EQ(r.code, 0) << r.err;
  const inherent::CsvTable t = inherent::read_csv_file(out.string());
  ASSERT_EQ(t.rows.size(), 2u);
  const int gate = t.column("isInteresting"), list = t.column("hasAddToListIntent"),
            person = t.column("hasPersonContext"), cal = t.column("hasCalendarEvent"),
            src = t.column("source");
  ASSERT_GE(gate, 0);
  ASSERT_GE(src, 0);
  EXPECT_EQ(t.rows[0].fields[static_cast<size_t>(list)], "1");
  EXPECT_EQ(t.rows[1].fields[static_cast<size_t>(cal)], "1");
  EXPECT_EQ(t.rows[1].fields[static_cast<size_t>(person)], "1");
  EXPECT_EQ(t.rows[1].fields[static_cast<size_t>(src)], "hwu64");
  EXPECT_NE(r.err.find("hwu64: 2 sentences"), std::string::npos) << r.err;

  write(dir / "b.csv", "answerid;scenario;intent;answer_annotation\n1;a;b;\"[person : x\"\n");
  const CliRun bad = text_cli("import --source hwu64 --in '" + dir.string() + "'");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find((dir / "b.csv").string() + ":2"), std::string::npos) << bad.err;
  EXPECT_EQ(text_cli("import --source nope --in '" + dir.string() + "'").code, 1);
  EXPECT_EQ(text_cli("import --in '" + dir.string() + "'").code, 2);  // no --source
  const CliRun list_sources = text_cli("import --list-sources");
  EXPECT_EQ(list_sources.code, 0);
  EXPECT_NE(list_sources.out.find("CDLA-Sharing"), std::string::npos);
}

}  // namespace
