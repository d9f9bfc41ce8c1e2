// SPDX-License-Identifier: Apache-2.0
// `inherent text`: labelled sentences from the template grammar (docs/grammar.md) as CSV,
// JSON lines or plain text; --stats for the balance of a sample; `text check` for authors.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "data/grammar.h"
#include "data/importers.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {

namespace {

struct TextOpts {
  std::string grammar = "data/text", out, split = "train", format = "csv";
  size_t n = 100, min_per_head = 0, max_repeats = 1;
  uint64_t seed = 1;
  double gate0 = 0.5, hard = 0.5;
  bool stats = false, templates = false, lint = false, check = false;
  bool no_length_match = false, allow_repeats = false, no_conflict_check = false;
};

std::string slots_text(const Utterance& u) {
  std::string slots;
  for (const SlotFill& f : u.slots) slots += (slots.empty() ? "" : ";") + f.slot + "=" + f.value;
  return slots;
}

std::string csv_text(const std::vector<Utterance>& rows) {
  std::vector<std::string> header = {"transcript", "split", "category", "template_id",
                                     "kind",       "hard",  "words",    "slots"};
  for (int h = 0; h < n_heads(); ++h) header.push_back(head_name(h));
  std::string out = csv_join(header) + "\n";
  for (const Utterance& u : rows) {
    std::vector<std::string> f = {u.text,
                                  split_name(u.split),
                                  u.category,
                                  u.template_id,
                                  template_kind_name(u.kind),
                                  u.hard ? "1" : "0",
                                  std::to_string(word_count(u.text)),
                                  slots_text(u)};
    for (int h = 0; h < n_heads(); ++h) f.push_back(u.heads[h] ? "1" : "0");
    out += csv_join(f) + "\n";
  }
  return out;
}

// A labels CSV (docs/labels.md) without audio: audio_path names a file that does not exist
// (text/<split>/<n>.wav), for the text-only tools (`baseline train`, `baseline score --text`).
std::string labels_text(const std::vector<Utterance>& rows) {
  std::vector<std::string> header = label_columns();
  for (const char* extra : {"template_id", "category", "kind", "hard", "slots"}) header.push_back(extra);
  std::string out = csv_join(header) + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Utterance& u = rows[i];
    std::vector<std::string> f = {
        std::string("text/") + split_name(u.split) + "/" + std::to_string(i) + ".wav",
        u.text,
        "",
        "",
        "",
        "",
        "text:grammar",
        "",
        split_name(u.split)};
    for (int h = 0; h < n_heads(); ++h) f.push_back(u.heads[h] ? "1" : "0");
    for (const std::string& x : {u.template_id, u.category, std::string(template_kind_name(u.kind)),
                                 std::string(u.hard ? "1" : "0"), slots_text(u)})
      f.push_back(x);
    out += csv_join(f) + "\n";
  }
  return out;
}

std::string jsonl_text(const std::vector<Utterance>& rows) {
  std::string out;
  for (const Utterance& u : rows) {
    nlohmann::ordered_json j;
    j["text"] = u.text;
    j["split"] = split_name(u.split);
    j["category"] = u.category;
    j["template_id"] = u.template_id;
    j["kind"] = template_kind_name(u.kind);
    j["hard"] = u.hard;
    nlohmann::ordered_json heads = nlohmann::ordered_json::object();
    for (int h = 0; h < n_heads(); ++h) heads[head_name(h)] = u.heads[h];
    j["heads"] = heads;
    nlohmann::ordered_json slots = nlohmann::ordered_json::array();
    for (const SlotFill& f : u.slots) slots.push_back({{"slot", f.slot}, {"value", f.value}});
    j["slots"] = slots;
    out += json_text(j) + "\n";
  }
  return out;
}

// One sentence per line, then the 13 heads as a 0/1 string, template id and category.
std::string txt_text(const std::vector<Utterance>& rows) {
  std::string out;
  for (const Utterance& u : rows) {
    std::string bits;
    for (int h = 0; h < n_heads(); ++h) bits += u.heads[h] ? '1' : '0';
    out += u.text + "\t" + bits + "\t" + u.template_id + "\t" + u.category + "\n";
  }
  return out;
}

void print_templates(const Grammar& g) {
  std::printf("%-34s %-26s %-12s %-5s %-8s %s\n", "id", "category", "kind", "split", "paths",
              "possible heads");
  for (size_t t = 0; t < g.templates().size(); ++t) {
    const TemplateInfo& i = g.templates()[t];
    std::string heads;
    for (int h = 1; h < n_heads(); ++h)
      if (i.possible[h]) heads += (heads.empty() ? "" : ",") + head_name(h);
    std::printf("%-34s %-26s %-12s %-5s %-8.3g %s\n", i.id.c_str(), i.category.c_str(),
                template_kind_name(i.kind), split_name(i.split), g.count_expansions(t), heads.c_str());
  }
}

// Grammar-wide counts: templates per category and split, per head, slot values, paths.
void print_grammar_stats(const Grammar& g, const std::string& path) {
  std::map<std::string, std::array<size_t, 3>> per_cat;
  std::map<std::string, double> paths;
  std::map<std::string, std::string> kind;
  std::array<std::array<size_t, 3>, INHERENT_N_HEADS> per_head{}, declared{};
  std::array<size_t, 3> kinds{};
  double total_paths = 0;
  for (size_t t = 0; t < g.templates().size(); ++t) {
    const TemplateInfo& i = g.templates()[t];
    per_cat[i.category][static_cast<int>(i.split)]++;
    const double c = g.count_expansions(t);
    paths[i.category] += c;
    total_paths += c;
    kinds[static_cast<int>(i.kind)]++;
    kind[i.category] = template_kind_name(i.kind) + std::string(i.hard ? " (hard)" : "");
    for (int h = 0; h < n_heads(); ++h) {
      per_head[h][static_cast<int>(i.split)] += i.possible[h];
      declared[h][static_cast<int>(i.split)] += i.declared[h];
    }
  }
  size_t values = 0, held_out = 0;
  std::array<size_t, 3> per_split{};
  for (const std::string& s : g.slot_names()) {
    values += g.slot_value_count(s);
    for (int sp = 0; sp < 3; ++sp) per_split[sp] += g.slot_value_count(s, split_bit(static_cast<Split>(sp)));
  }
  const size_t shared =
      (per_split[0] + per_split[1] + per_split[2] - values) / 2;  // counted in all three splits
  held_out = values - shared;
  std::printf("grammar %s: %zu templates (%zu intent, %zu out of scope, %zu not addressed), %zu categories\n",
              path.c_str(), g.templates().size(), kinds[0], kinds[1], kinds[2], per_cat.size());
  std::printf("slots: %zu, %zu values (held out by value: %zu; usable train %zu, eval %zu, test %zu)\n",
              g.slot_names().size(), values, held_out, per_split[0], per_split[1], per_split[2]);
  std::printf("expansion paths (with each template's own split values): %.3g\n", total_paths);
  std::printf("\n%-26s %-20s %6s %6s %6s %12s\n", "category", "kind", "train", "eval", "test", "paths");
  for (auto& [c, n] : per_cat)
    std::printf("%-26s %-20s %6zu %6zu %6zu %12.3g\n", c.c_str(), kind[c].c_str(), n[0], n[1], n[2],
                paths[c]);
  std::printf(
      "\ntemplates per head (declared = the template names the intent; possible = also through a slot):\n");
  std::printf("%-24s %8s %8s %8s %8s %9s\n", "head", "train", "eval", "test", "declared", "possible");
  for (int h = 0; h < n_heads(); ++h)
    std::printf("%-24s %8zu %8zu %8zu %8zu %9zu\n", head_name(h).c_str(), per_head[h][0], per_head[h][1],
                per_head[h][2], declared[h][0] + declared[h][1] + declared[h][2],
                per_head[h][0] + per_head[h][1] + per_head[h][2]);
}

void print_sample_stats(const std::vector<Utterance>& rows, const std::string& split, uint64_t seed) {
  const SampleStats s = summarize(rows);
  const size_t n1 = s.n - s.gate0;
  auto pct = [](size_t a, size_t b) {
    return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  std::printf(
      "\nsample (split %s, seed %llu): %zu sentences, %zu distinct; gate 0 %.1f%% (hard %.1f%% of gate 0); "
      "out of scope %.1f%% of gate 1\n",
      split.c_str(), static_cast<unsigned long long>(seed), s.n, s.distinct_texts, pct(s.gate0, s.n),
      pct(s.hard, s.gate0), pct(s.out_of_scope, n1));
  std::printf("\npositives per head:\n");
  for (int h = 0; h < n_heads(); ++h)
    std::printf("  %-24s %7zu (%5.1f%%)\n", head_name(h).c_str(), s.positives[h], pct(s.positives[h], s.n));
  std::printf("\nwords per sentence: gate 0 mean %.2f, gate 1 mean %.2f (ratio %.3f), KS distance %.3f\n",
              s.mean_words_gate0, s.mean_words_gate1,
              s.mean_words_gate1 > 0 ? s.mean_words_gate0 / s.mean_words_gate1 : 0.0, s.length_ks);
  std::printf("%5s %8s %8s\n", "words", "gate0 %", "gate1 %");
  int lo = 1 << 30, hi = 0;
  for (const auto* m : {&s.words_gate0, &s.words_gate1})
    for (auto& [w, c] : *m) lo = std::min(lo, w), hi = std::max(hi, w);
  for (int w = lo; w <= hi; ++w) {
    const double a = pct(s.words_gate0.count(w) ? s.words_gate0.at(w) : 0, s.gate0);
    const double b = pct(s.words_gate1.count(w) ? s.words_gate1.at(w) : 0, n1);
    std::printf("%5d %8.1f %8.1f  %-25s|%s\n", w, a, b,
                std::string(static_cast<size_t>(std::lround(a)), '#').c_str(),
                std::string(static_cast<size_t>(std::lround(b)), '=').c_str());
  }
  std::printf("\nsentences per category:\n");
  for (auto& [c, k] : s.per_category) std::printf("  %-26s %7zu (%5.1f%%)\n", c.c_str(), k, pct(k, s.n));
}

// `text check` / `text --check`: load errors, authoring lint and split coverage, with a
// one-line summary. Returns the exit code.
int run_check(const std::string& dir, bool quiet) {
  Grammar g;
  try {
    g = Grammar::load(dir);
  } catch (const GrammarError& e) {
    for (const std::string& p : e.problems()) std::printf("%s\n", p.c_str());
    std::fprintf(stderr, "%s: %zu problem(s)\n", dir.c_str(), e.problems().size());
    return 1;
  }
  std::vector<std::string> problems = g.lint();
  for (std::string& c : g.coverage()) problems.push_back(dir + ": " + c);
  for (const std::string& p : problems) std::printf("%s\n", p.c_str());
  if (!quiet) {
    std::array<size_t, 3> kinds{};
    for (const TemplateInfo& t : g.templates()) kinds[static_cast<int>(t.kind)]++;
    std::fprintf(
        stderr,
        "%s: %zu templates (%zu intent, %zu out of scope, %zu not addressed), %zu slots, %zu problem(s)\n",
        dir.c_str(), g.templates().size(), kinds[0], kinds[1], kinds[2], g.slot_names().size(),
        problems.size());
  }
  return problems.empty() ? 0 : 1;
}

// Counts per split, head and label of imported sentences, on stderr.
void print_import_stats(const std::vector<imports::Sentence>& rows) {
  std::array<size_t, 3> n{};
  std::array<std::array<size_t, INHERENT_N_HEADS>, 3> pos{};
  std::map<std::string, size_t> labels;
  size_t hard = 0;
  for (const auto& r : rows) {
    const int sp = static_cast<int>(r.split);
    ++n[sp];
    for (int h = 0; h < n_heads(); ++h) pos[sp][h] += r.heads[h];
    ++labels[r.label];
    hard += r.hard;
  }
  std::fprintf(stderr, "%-24s %8s %8s %8s\n", "", "train", "eval", "test");
  std::fprintf(stderr, "%-24s %8zu %8zu %8zu\n", "sentences", n[0], n[1], n[2]);
  for (int h = 0; h < n_heads(); ++h)
    std::fprintf(stderr, "%-24s %8zu %8zu %8zu\n", head_name(h).c_str(), pos[0][h], pos[1][h], pos[2][h]);
  std::fprintf(stderr, "hard negatives: %zu; labels: %zu\n", hard, labels.size());
}

// `inherent text` without a subcommand: list, lint or sample the grammar.
void run_text(const TextOpts& opts) {
  const TextOpts* o = &opts;
  const Grammar g = Grammar::load(o->grammar);
  if (o->templates) return print_templates(g);
  if (o->lint) {
    const auto problems = g.lint();
    for (const std::string& p : problems) std::printf("%s\n", p.c_str());
    std::fprintf(stderr, "%zu problem(s)\n", problems.size());
    if (!problems.empty()) throw ExitCode{1};
    return;
  }
  SampleOptions so;
  so.gate0_fraction = o->gate0;
  so.hard_negative_fraction = o->hard;
  so.min_per_head = o->min_per_head;
  so.match_lengths = !o->no_length_match;
  so.unique = !o->allow_repeats;
  so.max_repeats = o->max_repeats;
  so.reject_conflicts = !o->no_conflict_check;
  const std::vector<Utterance> rows = g.sample(o->n, *parse_split(o->split), o->seed, so);
  const std::string text = o->format == "jsonl"    ? jsonl_text(rows)
                           : o->format == "txt"    ? txt_text(rows)
                           : o->format == "labels" ? labels_text(rows)
                                                   : csv_text(rows);
  if (!o->out.empty())
    write_file_atomic(o->out, text);
  else if (!o->stats)
    std::fputs(text.c_str(), stdout);
  if (o->stats) {
    print_grammar_stats(g, o->grammar);
    print_sample_stats(rows, o->split, o->seed);
  }
}

// `text check`: validate a grammar.
CLI::App* add_check(CLI::App* cmd, const std::shared_ptr<TextOpts>& o) {
  auto quiet = std::make_shared<bool>(false);
  CLI::App* check = cmd->add_subcommand(
      "check",
      "Validate a grammar: syntax, unknown slots, cycles, splits, authoring lint and split\n"
      "coverage. Each problem is printed as FILE:LINE[:COLUMN]: message; exit 1 if any.");
  check->add_option("--grammar", o->grammar, "Grammar folder (*.tpl, *.slot)")->capture_default_str();
  check->add_flag("-q,--quiet", *quiet, "Print problems only, no summary");
  check->callback([o, quiet] {
    if (const int rc = run_check(o->grammar, *quiet)) throw ExitCode{rc};
  });

  return check;
}

CLI::App* add_import(CLI::App* cmd) {
  struct ImportOpts {
    std::string source, in, out;
    bool stats = false, list = false;
  };
  auto io = std::make_shared<ImportOpts>();
  CLI::App* imp = cmd->add_subcommand(
      "import",
      "Import a public text corpus in its published format, mapped to the 13 heads\n"
      "(docs/importers.md), as the CSV `inherent text` writes plus source, label, origin.\n"
      "Splits by a stable hash of (source, sentence or meeting/conversation): train 75%,\n"
      "eval 10%, test 15%. Malformed input: FILE:LINE[:COLUMN]: message, exit 1.\n"
      "  inherent text import --source clinc150 --in ../shared/data/clinc150 -o clinc.csv");
  imp->add_option("--source", io->source,
                  "clinc150, hwu64, slurp, snips, ha-intents, qmsum, topical-chat or wiki-sents");
  imp->add_option("--in", io->in, "The corpus: a file or a folder as published");
  imp->add_option("-o,--out,--output", io->out, "Write the sentences to FILE (atomically) instead of stdout");
  imp->add_flag("--stats", io->stats, "Print counts per split, head and label to stderr");
  imp->add_flag("--list-sources", io->list, "Print the known sources with licence and origin, and stop");
  imp->callback([io] {
    if (io->list) {
      std::printf("%-18s %-6s %-8s %-45s %s\n", "source", "kind", "default", "licence", "origin");
      for (const auto& s : imports::sources())
        std::printf("%-18s %-6s %-8s %-45s %s\n", s.name, s.kind, s.by_default ? "yes" : "opt-in", s.license,
                    s.url);
      std::printf("(opt-in: share-alike licences; synth mixes them only with --allow-share-alike)\n");
      return;
    }
    if (io->source.empty()) throw CLI::RequiredError("--source");
    if (io->in.empty()) throw CLI::RequiredError("--in");
    imports::ImportStats st;
    const std::vector<imports::Sentence> rows = imports::import_source(io->source, io->in, &st);
    const std::string text = imports::to_csv(rows);
    if (!io->out.empty())
      write_file_atomic(io->out, text);
    else
      std::fputs(text.c_str(), stdout);
    std::fprintf(
        stderr,
        "%s: %zu sentences from %zu file(s) (%zu read, %zu duplicates and %zu conflicting texts dropped)\n",
        io->source.c_str(), rows.size(), st.files, st.read, st.duplicates, st.conflicts);
    if (io->stats) print_import_stats(rows);
  });

  return imp;
}

}  // namespace

void add_text(CLI::App& app) {
  auto o = std::make_shared<TextOpts>();
  CLI::App* cmd = app.add_subcommand(
      "text",
      "Labelled sentences from the template grammar (docs/grammar.md): text, the 13 heads, template id\n"
      "and category. Deterministic: the same grammar, --count, --split, --seed and options give the\n"
      "same sentences. Splits are disjoint by template and by held-out slot value.\n"
      "  inherent text --count 1000 --split train --seed 1 -o train.csv\n"
      "  inherent text --count 5000 --stats          (balance of a sample, no sentences)\n"
      "  inherent text check                         (validate the grammar; exit 1 on problems)");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--grammar", o->grammar, "Grammar folder (*.tpl, *.slot)")->capture_default_str();
  cmd->add_option("-n,--count", o->n, "Number of sentences")->capture_default_str();
  cmd->add_option("--split", o->split, "train, eval or test")
      ->check(CLI::IsMember({"train", "eval", "test"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--format", o->format,
                  "Output format: csv (header + one row each), jsonl, txt "
                  "(text, 13 head bits, template id, category; tab-separated) or labels "
                  "(a labels CSV without audio, for `baseline train` / `score --text`)")
      ->check(CLI::IsMember({"csv", "jsonl", "txt", "labels"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->out, "Write the sentences to FILE (atomically) instead of stdout");
  cmd->add_option("--gate0", o->gate0, "Share of not-addressed (gate 0) sentences, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--hard", o->hard, "Share of gate 0 drawn from hard negatives (< 0: by category weights)")
      ->capture_default_str();
  cmd->add_option("--min-per-head", o->min_per_head, "Minimum positives of each head 1..12")
      ->capture_default_str();
  cmd->add_option("--max-repeats", o->max_repeats,
                  "Times one sentence may appear (keeps the category mix in "
                  "large samples)")
      ->capture_default_str();
  cmd->add_flag("--allow-repeats", o->allow_repeats, "No limit on repeated sentences");
  cmd->add_flag("--no-length-match", o->no_length_match, "Do not match gate-0 word counts to gate 1");
  cmd->add_flag("--no-conflict-check", o->no_conflict_check,
                "Keep sentences that a template with other labels could also produce");
  cmd->add_flag("--stats", o->stats, "Print grammar and sample statistics (sentences only with -o)");
  cmd->add_flag("--templates", o->templates,
                "List templates (id, category, kind, split, paths, heads) and exit");
  cmd->add_flag("--lint", o->lint, "Report authoring problems (literal person/event words); exit 1 if any");
  cmd->add_flag("--check", o->check, "Same as `inherent text check`");

  CLI::App* check = add_check(cmd, o);
  // `text import`: a public corpus as published -> the sentence list synth --import reads.
  CLI::App* imp = add_import(cmd);

  cmd->callback([o, check, imp] {
    if (check->parsed() || imp->parsed()) return;  // `text check` / `text import` ran already
    if (o->check) {
      if (const int rc = run_check(o->grammar, false)) throw ExitCode{rc};
      return;
    }
    run_text(*o);
  });
}

}  // namespace inherent::cli
