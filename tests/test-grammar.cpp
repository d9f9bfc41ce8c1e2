// SPDX-License-Identifier: Apache-2.0
//
// The text grammar (src/data/grammar*, data/text/, docs/grammar.md): parse errors with
// file:line, labels that follow the filled slots, split disjointness by template and by
// held-out value, determinism, thread safety, length matching of gate 0 vs gate 1, and
// the shipped grammar's size.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "data/grammar.h"

namespace {

using inherent::Grammar;
using inherent::GrammarError;
using inherent::Split;
using inherent::Utterance;
using Files = std::vector<Grammar::SourceFile>;

constexpr int kPerson = 6, kEvent = 7;
const std::string shipped_dir = std::string(INHERENT_SOURCE_DIR) + "/data/text";

const Grammar& shipped() {
  static const Grammar g = Grammar::load(shipped_dir);
  return g;
}

// Problems of a grammar that must not load (fails the test when it loads).
std::vector<std::string> problems_of(const Files& files) {
  try {
    Grammar::parse(files);
  } catch (const GrammarError& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_ARGUMENT);
    EXPECT_FALSE(e.problems().empty());
    return e.problems();
  }
  ADD_FAILURE() << "grammar loaded although it has an error";
  return {};
}

bool has_problem(const std::vector<std::string>& problems, const std::string& where,
                 const std::string& what) {
  for (const std::string& p : problems)
    if (p.rfind(where, 0) == 0 && p.find(what) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + "\n";
  return s;
}

// A small grammar with a person slot, an event slot and a negative that uses both.
const Files small_files = {
    {"g/name.slot", "@implies hasPersonContext\nAnna\nBen\nCara\nDev\nEli\nFay\n"},
    {"g/event.slot", "@implies hasEventContext\nthe party\nthe game\nthe wedding\nthe recital\n"},
    {"g/item.slot", "milk\neggs\nbread\nrice\napples\nsoap\n"},
    {"g/wake.slot", "@split shared\nhey assistant\n"},
    {"g/list.tpl",
     "@intents hasAddToListIntent\n@prefix [{wake},^0.5]\nadd {item} to the list\nadd {item} for {event}\n"
     "put {item} on [{name}'s^0.5] list\nbuy {item}\n"},
    {"g/call.tpl",
     "@intents hasCallingAgentIntent\ncall {name}\nring {name} about {event}\nphone {name} now\n"},
    {"g/neg.tpl",
     "@gate 0\n@hard\n{name} said {event} was fun\nI called {name}\nwe put {item} on the list\n"},
    {"g/oos.tpl", "@gate 1\nturn on the lights\nplay music\nstop\n"},
};

// ---------------------------------------------------------------- parsing errors

TEST(GrammarParse, ErrorsNameFileLineAndColumn) {
  const auto p = problems_of({
      {"d/item.slot", "milk\neggs\nbread\n"},
      {"d/a.tpl",
       "@intents hasAddToListIntent\nadd {item} to (my|the list\nput {item} on the list]\nbuy {itme}\n"},
  });
  EXPECT_TRUE(has_problem(p, "d/a.tpl:2:15:", "unbalanced '('")) << joined(p);
  EXPECT_TRUE(has_problem(p, "d/a.tpl:3:", "unbalanced ']'")) << joined(p);
  EXPECT_TRUE(has_problem(p, "d/a.tpl:4:", "unknown slot {itme}")) << joined(p);
}

TEST(GrammarParse, HeaderAndAttributeErrors) {
  const auto p = problems_of({
      {"x/item.slot", "@implies hasNothing\nmilk\neggs\nbread\n"},
      {"x/a.tpl",
       "@intents hasAddToListIntent\n@colour blue\nadd {item} @w=abc\nadd {item} now @split=dev\n"},
      {"x/b.tpl", "@gate 0\n@intents hasStartTimerIntent\nthe timer beeped\n"},
      {"x/c.tpl", "no gate here\n"},
      {"x/d.tpl", "@gate 1\nstop | go\nhello ^2\n"},
  });
  EXPECT_TRUE(has_problem(p, "x/item.slot:1:", "unknown head 'hasNothing'")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/a.tpl:2:", "unknown header '@colour'")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/a.tpl:3:", "bad weight '@w=abc'")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/a.tpl:4:", "bad '@split=dev'")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/b.tpl:3:", "@gate 0 with @intents")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/c.tpl:1:", "no @gate and no @intents")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/d.tpl:2:6:", "'|' outside parentheses")) << joined(p);
  EXPECT_TRUE(has_problem(p, "x/d.tpl:3:7:", "'^' outside")) << joined(p);
}

TEST(GrammarParse, SlotProblems) {
  const auto p = problems_of({
      {"s/a.slot", "x {b}\ny\nz\n"},
      {"s/b.slot", "p {a}\nq\nr\n"},
      {"s/few.slot", "one\ntwo\n"},
      {"s/t.tpl", "@gate 1\nsay {a}\nsay {few}\nsay {a}\n"},
  });
  EXPECT_TRUE(has_problem(p, "s/t.tpl:4:", "duplicate template")) << joined(p);
  // Cycles and value counts are reported once the names resolve.
  const auto q = problems_of({
      {"s/a.slot", "x {b}\ny\nz\n"},
      {"s/b.slot", "p {a}\nq\nr\n"},
      {"s/t.tpl", "@gate 1\nsay {a}\n"},
  });
  EXPECT_TRUE(has_problem(q, "s/b.slot:1:3:", "slot cycle: a -> b -> a")) << joined(q);
  const auto r = problems_of({{"s/few.slot", "one\ntwo\n"}, {"s/t.tpl", "@gate 1\nsay {few}\n"}});
  EXPECT_TRUE(has_problem(r, "s/few.slot:1:", "at least 3 values")) << joined(r);
}

TEST(GrammarParse, LoadErrorsAndMessage) {
  EXPECT_THROW(Grammar::load("/no/such/grammar/folder"), inherent::Exception);
  try {
    Grammar::parse({{"m/a.tpl", "@gate 1\nopen (the door\n"}});
    FAIL() << "no error";
  } catch (const GrammarError& e) {
    EXPECT_NE(std::string(e.what()).find("m/a.tpl:2:6: unbalanced '('"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Grammar::parse(small_files));
}

TEST(GrammarParse, CommentsAttributesAndTrailingBlanks) {
  const Grammar g = Grammar::parse({
      {"c/who.slot", "@split shared\n# people\nSam Kim   @w=2\nLee  # a comment\nJo\n"},
      {"c/t.tpl", "@gate 1\nhi {who}'s phone   @id=hi-phone\n"},
  });
  ASSERT_EQ(g.templates().size(), 1u);
  EXPECT_EQ(g.templates()[0].id, "hi-phone");
  EXPECT_EQ(g.templates()[0].line, 2);
  std::set<std::string> texts;
  for (const std::string& s : g.enumerate(0, 100)) texts.insert(s);
  EXPECT_EQ(texts, (std::set<std::string>{"Hi Jo's phone.", "Hi Lee's phone.", "Hi Sam Kim's phone."}));
}

// ---------------------------------------------------------------- text normalization

TEST(GrammarText, NormalizesSpacingArticlesAndCase) {
  const Grammar g = Grammar::parse({
      {"n/d.slot", "@split shared\nhour\none minute\negg\nunicorn\n"},
      {"n/t.tpl", "@gate 1\n@prefix [hey ,]\nset  a {d} timer ,please\nis it a {d} ?\n"},
  });
  std::set<std::string> all;
  for (size_t t = 0; t < g.templates().size(); ++t)
    for (const std::string& s : g.enumerate(t, 100)) all.insert(s);
  for (const char* want : {"Set an hour timer, please.", "Hey, set a one minute timer, please.",
                           "Is it an egg?", "Hey, is it a unicorn?"})
    EXPECT_TRUE(all.count(want)) << want << "\n" << joined({all.begin(), all.end()});
  EXPECT_EQ(inherent::word_count("Hey, set a timer -- now!"), 5);
}

// ---------------------------------------------------------------- labels

// heads == declared + implies of filled slots when gate 1; all zero when gate 0.
void expect_labels_follow_slots(const Grammar& g, const std::vector<Utterance>& sentences) {
  std::map<std::string, size_t> index;
  for (size_t t = 0; t < g.templates().size(); ++t) index[g.templates()[t].id] = t;
  for (const Utterance& u : sentences) {
    const inherent::TemplateInfo& info = g.templates()[index.at(u.template_id)];
    inherent::HeadLabels want = info.declared;
    if (want[0]) {
      for (const inherent::SlotFill& f : u.slots) {
        const inherent::HeadLabels imp = g.slot_implies(f.slot);
        for (int h = 1; h < INHERENT_N_HEADS; ++h) want[h] |= imp[h];
      }
    } else {
      want.fill(0);
    }
    EXPECT_EQ(u.heads, want) << u.text;
    for (int h = 1; h < INHERENT_N_HEADS; ++h) {
      if (u.heads[h]) {
        EXPECT_EQ(u.heads[0], 1) << "intent without gate: " << u.text;
      }
    }
  }
}

bool filled(const Utterance& u, const std::string& slot) {
  return std::any_of(u.slots.begin(), u.slots.end(),
                     [&](const inherent::SlotFill& f) { return f.slot == slot; });
}

TEST(GrammarLabels, PersonAndEventHeadsFollowFilledSlots) {
  const Grammar g = Grammar::parse(small_files);
  size_t with_person = 0, without_person = 0, negatives = 0;
  for (size_t t = 0; t < g.templates().size(); ++t)
    for (uint64_t seed = 0; seed < 200; ++seed) {
      const Utterance u = g.expand(t, seed, inherent::all_splits);
      const bool gate = g.templates()[t].declared[0] == 1;
      if (!gate) {
        ++negatives;
        for (int h = 0; h < INHERENT_N_HEADS; ++h) ASSERT_EQ(u.heads[h], 0) << u.text;
        continue;
      }
      EXPECT_EQ(u.heads[kPerson], filled(u, "name") ? 1 : 0) << u.text;
      EXPECT_EQ(u.heads[kEvent], filled(u, "event") ? 1 : 0) << u.text;
      (u.heads[kPerson] ? with_person : without_person)++;
    }
  // The optional "[{name}'s^0.5]" gives both outcomes, so the check above saw both.
  EXPECT_GT(with_person, 200u);
  EXPECT_GT(without_person, 200u);
  EXPECT_EQ(negatives, 600u);
}

TEST(GrammarLabels, ShippedSampleFollowsSlots) {
  const Grammar& g = shipped();
  for (Split s : {Split::train, Split::eval, Split::test}) {
    const auto sentences = g.sample(1500, s, 42);
    expect_labels_follow_slots(g, sentences);
    size_t person = 0, event = 0;
    for (const Utterance& u : sentences) {
      EXPECT_EQ(u.split, s);
      person += u.heads[kPerson];
      event += u.heads[kEvent];
    }
    EXPECT_GT(person, 50u) << inherent::split_name(s);
    EXPECT_GT(event, 50u) << inherent::split_name(s);
  }
}

TEST(GrammarLabels, NestedSlotsImplyTheirHeads) {
  // {name} inside an event value sets both heads; the same value in a negative sets none.
  const Grammar g = Grammar::parse({
      {"n/name.slot", "@implies hasPersonContext\nAnna\nBen\nCara\n"},
      {"n/event.slot", "@split shared\n@implies hasEventContext\n{name}'s party\n"},
      {"n/t.tpl", "@intents hasPhotoQuery\nshow photos from {event}\n"},
      {"n/u.tpl", "@gate 0\nwe loved {event}\n"},
  });
  const Utterance a = g.expand(0, 1, inherent::all_splits);
  EXPECT_EQ(a.heads[0], 1);
  EXPECT_EQ(a.heads[3], 1);
  EXPECT_EQ(a.heads[kPerson], 1) << a.text;
  EXPECT_EQ(a.heads[kEvent], 1) << a.text;
  ASSERT_EQ(a.slots.size(), 2u);
  EXPECT_EQ(a.slots[0].slot, "event");  // the parent before the nested fill
  EXPECT_EQ(a.slots[1].slot, "name");
  const Utterance b = g.expand(1, 1, inherent::all_splits);
  EXPECT_EQ(b.heads, inherent::HeadLabels{}) << b.text;
}

TEST(GrammarLabels, OneTextNeverCarriesTwoLabelSets) {
  // "we put milk on the list" comes from a negative and from an addressed template.
  Files files = small_files;
  files.push_back({"g/clash.tpl", "@intents hasAddToListIntent\nwe put {item} on the list\n"});
  const Grammar g = Grammar::parse(files);
  inherent::SampleOptions o;
  o.gate0_fraction = 0;
  o.unique = false;
  size_t clashing = 0;
  for (uint64_t seed = 0; seed < 5; ++seed)
    for (const Utterance& u : g.sample(20, Split::train, seed, o))
      EXPECT_EQ(u.text.rfind("We put", 0), std::string::npos) << u.text;
  o.reject_conflicts = false;  // the control: without the check, the clash does come out
  for (uint64_t seed = 0; seed < 5; ++seed)
    for (const Utterance& u : g.sample(20, Split::train, seed, o)) clashing += u.text.rfind("We put", 0) == 0;
  EXPECT_GT(clashing, 0u);
}

// ---------------------------------------------------------------- the shipped grammar

TEST(GrammarShipped, LoadsCleanlyWithoutLintOrCoverageGaps) {
  const Grammar& g = shipped();
  EXPECT_TRUE(g.lint().empty()) << joined(g.lint());
  EXPECT_TRUE(g.coverage().empty()) << joined(g.coverage());
}

TEST(GrammarShipped, EveryIntentHasAtLeastFortyTemplates) {
  const Grammar& g = shipped();
  std::array<size_t, INHERENT_N_HEADS> declared{}, possible{};
  size_t negatives = 0, hard = 0, out_of_scope = 0;
  for (const inherent::TemplateInfo& t : g.templates()) {
    for (int h = 0; h < INHERENT_N_HEADS; ++h) declared[h] += t.declared[h], possible[h] += t.possible[h];
    negatives += t.kind == inherent::TemplateKind::negative;
    hard += t.kind == inherent::TemplateKind::negative && t.hard;
    out_of_scope += t.kind == inherent::TemplateKind::out_of_scope;
  }
  for (int h = 1; h < INHERENT_N_HEADS; ++h) {
    // Person and event context come from slots only; the others are declared.
    const size_t n = (h == kPerson || h == kEvent) ? possible[h] : declared[h];
    EXPECT_GE(n, 40u) << inherent::head_name(h);
  }
  EXPECT_EQ(declared[kPerson], 0u);
  EXPECT_EQ(declared[kEvent], 0u);
  EXPECT_GE(negatives, 500u);
  EXPECT_GE(hard, 250u);
  EXPECT_GE(out_of_scope, 100u);
}

TEST(GrammarShipped, SplitsAreDisjointByTemplateAndHeldOutValue) {
  const Grammar& g = shipped();
  // Every category feeds all three splits, and each template is in exactly one.
  std::map<std::string, std::array<size_t, 3>> per_cat;
  for (const inherent::TemplateInfo& t : g.templates()) per_cat[t.category][static_cast<int>(t.split)]++;
  for (auto& [cat, n] : per_cat) {
    EXPECT_GT(n[0], n[1] + n[2]) << cat;
    EXPECT_GE(n[1], 1u) << cat;
    EXPECT_GE(n[2], 1u) << cat;
  }
  // Held-out values are in one split each; shared ones in all three.
  for (const std::string& s : g.slot_names()) {
    const size_t all = g.slot_value_count(s);
    const size_t sum = g.slot_value_count(s, inherent::split_bit(Split::train)) +
                       g.slot_value_count(s, inherent::split_bit(Split::eval)) +
                       g.slot_value_count(s, inherent::split_bit(Split::test));
    EXPECT_TRUE(sum == all || sum == 3 * all) << s;
  }
  EXPECT_GE(g.slot_value_count("item", inherent::split_bit(Split::test)), 15u);
  EXPECT_GE(g.slot_value_count("name", inherent::split_bit(Split::eval)), 15u);
}

// No eval sentence can come from a train template with train values, and no test
// sentence from train or eval templates with their values.
TEST(GrammarShipped, HeldOutSentencesAreNew) {
  const Grammar& g = shipped();
  const auto train = g.sample(2000, Split::train, 7);
  const auto eval = g.sample(600, Split::eval, 7);
  const auto test = g.sample(600, Split::test, 7);
  std::vector<size_t> train_t, eval_t;
  std::map<std::string, size_t> index;
  for (size_t t = 0; t < g.templates().size(); ++t) {
    index[g.templates()[t].id] = t;
    if (g.templates()[t].split == Split::train) train_t.push_back(t);
    if (g.templates()[t].split == Split::eval) eval_t.push_back(t);
  }
  const inherent::SplitMask train_v = inherent::split_bit(Split::train);
  const inherent::SplitMask train_eval_v = train_v | inherent::split_bit(Split::eval);
  std::set<std::string> train_texts;
  for (const Utterance& u : train) {
    train_texts.insert(u.text);
    // The matcher must recognise a sentence its own template made (else this test is void).
    ASSERT_TRUE(g.can_produce(index.at(u.template_id), u.text, train_v)) << u.text;
  }
  for (const Utterance& u : eval) {
    EXPECT_FALSE(train_texts.count(u.text)) << u.text;
    for (size_t t : train_t)
      ASSERT_FALSE(g.can_produce(t, u.text, train_v)) << u.text << " <- " << g.templates()[t].id;
  }
  for (const Utterance& u : test) {
    EXPECT_FALSE(train_texts.count(u.text)) << u.text;
    for (size_t t : train_t) ASSERT_FALSE(g.can_produce(t, u.text, train_eval_v)) << u.text;
    for (size_t t : eval_t) ASSERT_FALSE(g.can_produce(t, u.text, train_eval_v)) << u.text;
  }
}

TEST(GrammarShipped, GateZeroAndGateOneLengthsMatch) {
  const Grammar& g = shipped();
  for (Split s : {Split::train, Split::eval, Split::test}) {
    const size_t n = s == Split::train ? 6000 : 1500;
    const inherent::SampleStats st = inherent::summarize(g.sample(n, s, 3));
    EXPECT_EQ(st.gate0, n / 2);
    ASSERT_GT(st.mean_words_gate1, 0);
    const double ratio = st.mean_words_gate0 / st.mean_words_gate1;
    EXPECT_NEAR(ratio, 1.0, 0.15) << inherent::split_name(s) << ": " << st.mean_words_gate0 << " vs "
                                  << st.mean_words_gate1;
    EXPECT_LT(st.length_ks, 0.12) << inherent::split_name(s);
    EXPECT_NEAR(static_cast<double>(st.hard) / static_cast<double>(st.gate0), 0.5, 0.1)
        << inherent::split_name(s);
    for (int h = 1; h < INHERENT_N_HEADS; ++h) EXPECT_GT(st.positives[h], n / 100) << inherent::head_name(h);
  }
  // Without matching, the shipped negatives are shorter: the control shows the test can fail.
  inherent::SampleOptions raw;
  raw.match_lengths = false;
  const inherent::SampleStats st = inherent::summarize(g.sample(6000, Split::train, 3, raw));
  EXPECT_GT(st.length_ks, 0.05);
}

// ---------------------------------------------------------------- determinism, threads

TEST(GrammarSample, DeterministicBySeed) {
  const Grammar& g = shipped();
  auto texts = [](const std::vector<Utterance>& v) {
    std::vector<std::string> out;
    for (const Utterance& u : v) out.push_back(u.text + "|" + u.template_id);
    return out;
  };
  const auto a = texts(g.sample(800, Split::train, 99));
  EXPECT_EQ(a, texts(g.sample(800, Split::train, 99)));
  EXPECT_EQ(a, texts(Grammar::load(shipped_dir).sample(800, Split::train, 99)));  // a fresh load too
  const auto b = texts(g.sample(800, Split::train, 100));
  EXPECT_NE(a, b);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, 20u);
  // Splits are different streams even with one seed.
  EXPECT_NE(texts(g.sample(50, Split::eval, 99)), texts(g.sample(50, Split::test, 99)));
}

TEST(GrammarSample, ThreadSafeAndEqualToSerial) {
  const Grammar& g = shipped();
  std::vector<std::vector<Utterance>> serial, parallel(4);
  for (int i = 0; i < 4; ++i) serial.push_back(g.sample(300, Split::train, 500 + i));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] { parallel[i] = g.sample(300, Split::train, 500 + i); });
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(parallel[i].size(), serial[i].size());
    for (size_t k = 0; k < serial[i].size(); ++k) EXPECT_EQ(parallel[i][k].text, serial[i][k].text);
  }
}

TEST(GrammarSample, OptionsAndLimits) {
  const Grammar g = Grammar::parse(small_files);
  inherent::SampleOptions o;
  o.gate0_fraction = 0;
  for (const Utterance& u : g.sample(15, Split::train, 1, o)) EXPECT_EQ(u.heads[0], 1);
  o.gate0_fraction = 1;
  for (const Utterance& u : g.sample(3, Split::train, 1, o)) EXPECT_EQ(u.heads[0], 0);
  // Unique sentences run out: a clear error, not a hang; repeats allowed: no error.
  o.gate0_fraction = 0.5;
  EXPECT_THROW(g.sample(100000, Split::train, 1, o), inherent::Exception);
  o.unique = false;
  EXPECT_EQ(g.sample(2000, Split::train, 1, o).size(), 2000u);
  o.unique = true;
  o.max_repeats = 3;
  std::map<std::string, int> count;
  for (const Utterance& u : g.sample(16, Split::train, 1, o)) count[u.text]++;
  for (auto& [text, c] : count) EXPECT_LE(c, 3) << text;
  o.gate0_fraction = 2;
  EXPECT_THROW(g.sample(10, Split::train, 1, o), inherent::Exception);
  // min_per_head reaches its minimum when templates exist.
  inherent::SampleOptions m;
  m.min_per_head = 25;
  const inherent::SampleStats st = inherent::summarize(shipped().sample(600, Split::train, 5, m));
  for (int h = 1; h < INHERENT_N_HEADS; ++h) EXPECT_GE(st.positives[h], 25u) << inherent::head_name(h);
}

// ---------------------------------------------------------------- expansion tools

TEST(GrammarExpand, CountsEnumeratesAndMatches) {
  const Grammar g = Grammar::parse({
      {"e/x.slot", "@split shared\nred\n(dark|light) blue\n"},
      {"e/t.tpl", "@gate 1\n[please] paint it {x} (now|later)\n"},
  });
  EXPECT_DOUBLE_EQ(g.count_expansions(0), 2.0 * 3.0 * 2.0);
  const auto all = g.enumerate(0, 100);
  EXPECT_EQ(all.size(), 12u);
  for (const std::string& s : all) EXPECT_TRUE(g.can_produce(0, s, inherent::all_splits)) << s;
  EXPECT_TRUE(g.can_produce(0, "PLEASE paint it dark-blue, now!", inherent::all_splits));
  EXPECT_FALSE(g.can_produce(0, "paint it green now", inherent::all_splits));
  EXPECT_FALSE(g.can_produce(0, "paint it blue now", inherent::all_splits));
  EXPECT_FALSE(g.can_produce(0, "please paint it red", inherent::all_splits));
  EXPECT_EQ(g.enumerate(0, 5).size(), 5u);
}

}  // namespace
