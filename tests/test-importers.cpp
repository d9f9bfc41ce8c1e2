// SPDX-License-Identifier: Apache-2.0
// Importers of public corpora (src/data/importers.h): each source's mapping to the 13 heads
// on small samples written here, label invariants, file:line errors, the CSV round trip,
// and the real copies in ../shared/data when they are present.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "data/importers.h"

namespace {

namespace fs = std::filesystem;
namespace im = inherent::imports;
using inherent::Split;

enum {
  G = 0,
  LIST = 1,
  TERM = 2,
  PHOTO = 3,
  CAL = 4,
  DOC = 5,
  PERSON = 6,
  EVENT = 7,
  RESEARCH = 8,
  INSIGHT = 9,
  BROWSE = 10,
  CALL = 11,
  TIMER = 12
};

std::string bits(const im::Sentence& s) {
  std::string b;
  for (uint8_t h : s.heads) b += h ? '1' : '0';
  return b;
}

// Heads as a bit string from a list of positive heads.
std::string expect(std::initializer_list<int> on) {
  std::string b(INHERENT_N_HEADS, '0');
  for (int h : on) b[static_cast<size_t>(h)] = '1';
  return b;
}

const im::Sentence* find(const std::vector<im::Sentence>& v, std::string_view words) {
  for (const auto& s : v)
    if (im::text_key(s.text) == im::text_key(words)) return &s;
  return nullptr;
}

void check_invariants(const std::vector<im::Sentence>& v) {
  for (const auto& s : v) {
    ASSERT_FALSE(s.text.empty());
    if (!s.heads[G]) {
      for (int h = 1; h < INHERENT_N_HEADS; ++h) EXPECT_EQ(s.heads[h], 0) << s.text;
    }
    EXPECT_EQ(s.split, im::split_of(s.source, s.group)) << s.text;
  }
}

// The message of the ImportError f() throws (fails when it throws nothing).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const im::ImportError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  ADD_FAILURE() << "no ImportError";
  return "";
}

TEST(Importers, Clinc150Mapping) {
  const std::string j = R"({
    "train": [["start a countdown of eight minutes", "timer"],
              ["put rice on the grocery list", "shopping_list_update"],
              ["take rice off the grocery list", "shopping_list_update"],
              ["phone my aunt rosa", "make_call"],
              ["set up a planning meeting with the team friday", "meeting_schedule"],
              ["what is my checking balance", "balance"],
              ["reserve a table for two at the noodle bar", "restaurant_reservation"],
              ["what does ephemeral mean", "definition"],
              ["how hot will it get tomorrow", "weather"]],
    "oos_test": [["which planet has the most moons", "oos"]],
    "note": "ignored"
  })";
  const auto v = im::parse_clinc150(j, "mini.json");
  check_invariants(v);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(bits(*find(v, "start a countdown of eight minutes")), expect({G, TIMER}));
  EXPECT_EQ(bits(*find(v, "put rice on the grocery list")), expect({G, LIST}));
  EXPECT_EQ(bits(*find(v, "take rice off the grocery list")), expect({G}));  // a removal: no add-to-list
  EXPECT_EQ(bits(*find(v, "phone my aunt rosa")), expect({G, CALL, PERSON}));
  EXPECT_EQ(bits(*find(v, "set up a planning meeting with the team friday")), expect({G, CAL, EVENT}));
  EXPECT_EQ(bits(*find(v, "what is my checking balance")), expect({G, INSIGHT}));
  EXPECT_EQ(bits(*find(v, "reserve a table for two at the noodle bar")), expect({G, BROWSE}));
  EXPECT_EQ(bits(*find(v, "what does ephemeral mean")), expect({G, TERM}));
  EXPECT_EQ(bits(*find(v, "how hot will it get tomorrow")), expect({G}));
  const im::Sentence* oos = find(v, "which planet has the most moons");
  EXPECT_EQ(bits(*oos), expect({G}));  // out of scope: addressed, no intent
  EXPECT_EQ(oos->kind(), inherent::TemplateKind::out_of_scope);
  EXPECT_EQ(oos->label, "oos");
  // Normalized like the grammar: sentence case, final punctuation.
  EXPECT_EQ(find(v, "what does ephemeral mean")->text, "What does ephemeral mean?");  // opens like a question
  EXPECT_EQ(find(v, "start a countdown of eight minutes")->text, "Start a countdown of eight minutes.");
}

TEST(Importers, Clinc150Errors) {
  EXPECT_NE(error_of([] {
              im::parse_clinc150("{\n \"train\": [[\"a\", \"b\"],\n  x]}", "bad.json");
            }).find("bad.json:3:"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              im::parse_clinc150(R"({"train": [["only text"]]})", "c.json");
            }).find("c.json: train[0]"),
            std::string::npos);
  EXPECT_NE(error_of([] { im::parse_clinc150(R"({"x": 1})", "d.json"); }).find("d.json"), std::string::npos);
}

TEST(Importers, Hwu64Mapping) {
  const std::string csv =
      "answerid;scenario;intent;answer_annotation;answer_from_anno;answer_from_user\n"
      "1;lists;createoradd;\"put lamp oil on my [list_name : errands] list\";x;x\n"
      "2;calendar;set;\"book lunch with [person : ines] on [date : monday]\";x;x\n"
      "3;calendar;query;\"when is [event_name : the bake sale]\";x;x\n"
      "4;email;querycontact;\"call my [relation : sister]\";x;x\n"
      "5;email;querycontact;\"what is the address of [person : omar]\";x;x\n"
      "6;takeaway;order;\"order two falafel wraps for delivery\";x;x\n"
      "7;qa;definition;\"define [definition_word : gregarious]\";x;x\n"
      "8;play;music;\"play something mellow\";x;x\n";
  const auto v = im::parse_hwu64_csv(csv, "hwu.csv");
  check_invariants(v);
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(bits(*find(v, "put lamp oil on my errands list")), expect({G, LIST}));
  EXPECT_EQ(bits(*find(v, "book lunch with ines on monday")), expect({G, CAL, PERSON}));
  EXPECT_EQ(bits(*find(v, "when is the bake sale")), expect({G, CAL, EVENT}));
  EXPECT_EQ(bits(*find(v, "call my sister")), expect({G, CALL, PERSON}));
  EXPECT_EQ(bits(*find(v, "what is the address of omar")), expect({G, PERSON}));
  EXPECT_EQ(bits(*find(v, "order two falafel wraps for delivery")), expect({G, BROWSE}));
  EXPECT_EQ(bits(*find(v, "define gregarious")), expect({G, TERM}));
  EXPECT_EQ(bits(*find(v, "play something mellow")), expect({G}));
  EXPECT_EQ(find(v, "call my sister")->label, "email_querycontact");
  ASSERT_EQ(find(v, "call my sister")->entities.size(), 1u);
  EXPECT_EQ(find(v, "call my sister")->entities[0].second, "sister");
}

TEST(Importers, Hwu64Errors) {
  const std::string head = "answerid;scenario;intent;answer_annotation\n";
  EXPECT_NE(error_of([&] {
              im::parse_hwu64_csv(head + "1;a;b;ok\n2;a;b;\"[person : x\"\n", "h.csv");
            }).find("h.csv:3"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { im::parse_hwu64_csv(head + "1;a;b;ok\n\n3;a;b;\"x ] y\"\n", "h.csv"); }).find("h.csv:4"),
      std::string::npos);
  EXPECT_NE(error_of([] { im::parse_hwu64_csv("id,text\n1,hi\n", "w.csv"); }).find("w.csv:1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { im::parse_hwu64_csv(head + "1;a\n", "s.csv"); }).find("s.csv:2"),
            std::string::npos);
}

TEST(Importers, SlurpMapping) {
  const std::string jl =
      R"({"sentence": "add eggs to the weekend list", "sentence_annotation": "add eggs to the [list_name : weekend] list", "intent": "lists_createoradd"})"
      "\n\n"
      R"({"sentence": "remind me of the recital", "sentence_annotation": "remind me of the [event_name : recital]", "intent": "calendar_set"})"
      "\n"
      R"({"sentence": "take a cab to the station", "intent": "transport_taxi", "entities": [{"span": [4], "type": "place_name"}]})"
      "\n"
      R"({"sentence": "tell my uncle hello", "sentence_annotation": "tell my [relation : uncle] hello", "intent": "email_sendemail"})"
      "\n";
  const auto v = im::parse_slurp_jsonl(jl, "s.jsonl");
  check_invariants(v);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(bits(*find(v, "add eggs to the weekend list")), expect({G, LIST}));
  EXPECT_EQ(bits(*find(v, "remind me of the recital")), expect({G, CAL, EVENT}));
  EXPECT_EQ(bits(*find(v, "take a cab to the station")), expect({G, BROWSE}));
  EXPECT_EQ(bits(*find(v, "tell my uncle hello")), expect({G, PERSON}));
  EXPECT_EQ(find(v, "remind me of the recital")->origin, "s.jsonl:3");
}

TEST(Importers, SlurpErrors) {
  const std::string ok = R"({"sentence": "x y", "intent": "a_b"})";
  EXPECT_NE(error_of([&] {
              im::parse_slurp_jsonl(ok + "\n" + ok + "\n{\"sentence\": 3, \"intent\": \"a\"}\n", "e.jsonl");
            }).find("e.jsonl:3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { im::parse_slurp_jsonl(ok + "\n{broken\n", "e.jsonl"); }).find("e.jsonl:2:"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              im::parse_slurp_jsonl(R"({"sentence": "x", "intent": "q", "sentence_annotation": "[a b]"})",
                                    "e.jsonl");
            }).find("e.jsonl:1"),
            std::string::npos);
}

TEST(Importers, SnipsMapping) {
  // Latin-1 byte 0xE9 in one entity: decoded tolerantly.
  const std::string j =
      std::string(R"({"BookRestaurant": [{"data": [{"text": "book a table at "}, {"text": "Caf)") + "\xE9" +
      R"( Lune", "entity": "restaurant_name"}, {"text": " for four"}]}],
    "AddToPlaylist": [{"data": [{"text": "add this tune to "}, {"text": "Dana's", "entity": "playlist_owner"}, {"text": " road trip mix"}]},
                      {"data": [{"text": "add this tune to "}, {"text": "my", "entity": "playlist_owner"}, {"text": " gym mix"}]}],
    "SearchScreeningEvent": [{"data": [{"text": "when is the next showing of the robot film"}]}],
    "GetWeather": [{"data": [{"text": "will it snow in oslo tonight"}]}]})";
  const auto v = im::parse_snips_json(j, "snips.json");
  check_invariants(v);
  ASSERT_EQ(v.size(), 4u);  // the Latin-1 name is not ASCII after decoding: left out of TTS text
  EXPECT_EQ(bits(*find(v, "add this tune to dana's road trip mix")), expect({G, LIST, PERSON}));
  EXPECT_EQ(bits(*find(v, "add this tune to my gym mix")), expect({G, LIST}));
  EXPECT_EQ(bits(*find(v, "when is the next showing of the robot film")), expect({G, EVENT}));
  EXPECT_EQ(bits(*find(v, "will it snow in oslo tonight")), expect({G}));
  const std::string ascii =
      R"({"BookRestaurant": [{"data": [{"text": "book a table at the corner diner for four"}]}]})";
  EXPECT_EQ(bits(im::parse_snips_json(ascii, "b.json").at(0)), expect({G, BROWSE}));
  EXPECT_NE(
      error_of([] { im::parse_snips_json(R"({"X": [{"nodata": 1}]})", "x.json"); }).find("x.json: X[0]"),
      std::string::npos);
}

TEST(Importers, HomeAssistantTests) {
  const std::string y =
      "language: en\n"
      "tests:\n"
      "  - sentences:\n"
      "      - \"set a timer for seven minutes\"\n"
      "      - \"7 minute timer please\"\n"
      "    intent:\n"
      "      name: HassStartTimer\n"
      "  - sentences:\n"
      "      - put oat milk on my shopping list\n"
      "    intent:\n"
      "      name: HassShoppingListAddItem\n"
      "  - sentences:\n"
      "      - cancel the egg timer\n"
      "      - \"turn on the <area> lights\"\n"
      "    intent:\n"
      "      name: HassCancelTimer\n";
  const auto v = im::parse_ha_tests_yaml(y, "t.yaml");
  check_invariants(v);
  ASSERT_EQ(v.size(), 4u);  // the template line is skipped
  EXPECT_EQ(bits(*find(v, "set a timer for seven minutes")), expect({G, TIMER}));
  EXPECT_EQ(bits(*find(v, "7 minute timer please")), expect({G, TIMER}));
  EXPECT_EQ(bits(*find(v, "put oat milk on my shopping list")), expect({G, LIST}));
  EXPECT_EQ(bits(*find(v, "cancel the egg timer")), expect({G}));
  EXPECT_EQ(find(v, "put oat milk on my shopping list")->origin, "t.yaml:9");
  EXPECT_TRUE(im::parse_ha_tests_yaml("language: en\nlists: {}\n", "f.yaml").empty());  // not a test file
  EXPECT_NE(error_of([] {
              im::parse_ha_tests_yaml("tests:\n  - sentences: [a b c]\n    intent: 3\n", "t.yaml");
            }).find("t.yaml:3"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { im::parse_ha_tests_yaml("tests:\n  - sentences: [\"x\n", "u.yaml"); }).find("u.yaml:"),
      std::string::npos);
}

TEST(Importers, NotAddressedSources) {
  const std::string meeting = R"({"meeting_transcripts": [
      {"speaker": "A", "content": "Okay {vocalsound} so we should schedule a meeting with marketing next week ."},
      {"speaker": "B", "content": "Yeah ."},
      {"speaker": "C", "content": "I think the remote {disfmarker} the remote should be yellow and round"}]})";
  const auto m = im::parse_qmsum_json(meeting, "dir/MT01a.json");
  check_invariants(m);
  ASSERT_EQ(m.size(), 2u);  // "Yeah." is too short
  for (const auto& s : m) {
    EXPECT_EQ(bits(s), expect({}));
    EXPECT_EQ(s.group, "MT01a");  // a whole meeting is one split unit
    EXPECT_EQ(s.split, m[0].split);
    EXPECT_EQ(s.text.find('{'), std::string::npos);
  }
  EXPECT_TRUE(
      find(m, "okay so we should schedule a meeting with marketing next week")->hard);  // intent words
  EXPECT_FALSE(find(m, "i think the remote the remote should be yellow and round")->hard);

  const std::string chat =
      R"({"c1": {"content": [{"message": "Did you see the game last night? It was wild."},
      {"message": "see https://example.org/x for more"}, {"message": "I did, what a finish to the season"}]}})";
  const auto c = im::parse_topical_chat_json(chat, "chat.json");
  check_invariants(c);
  ASSERT_EQ(c.size(), 2u);
  for (const auto& s : c) EXPECT_EQ(s.group, "c1");

  const auto w = im::parse_wiki_sents(
      "the river floods each spring\n\nit was built in the 1890s by a local firm\nok\n", "wiki.txt");
  check_invariants(w);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].origin, "wiki.txt:3");
  EXPECT_EQ(bits(w[0]), expect({}));
  EXPECT_EQ(w[0].kind(), inherent::TemplateKind::negative);

  EXPECT_NE(error_of([] { im::parse_qmsum_json(R"({"topic_list": []})", "q.json"); }).find("q.json"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              im::parse_topical_chat_json(R"({"c": {"content": [{"message": 1}]}})", "t.json");
            }).find("t.json: c.content[0]"),
            std::string::npos);
}

TEST(Importers, SplitIsStableAndShared) {
  EXPECT_EQ(im::split_of("clinc150", "abc"), im::split_of("clinc150", "abc"));
  std::array<size_t, 3> n{};
  for (int i = 0; i < 20000; ++i) ++n[static_cast<int>(im::split_of("x", std::to_string(i)))];
  EXPECT_NEAR(n[0] / 20000.0, 0.75, 0.02);
  EXPECT_NEAR(n[1] / 20000.0, 0.10, 0.02);
  EXPECT_NEAR(n[2] / 20000.0, 0.15, 0.02);
}

TEST(Importers, CsvRoundTripAndErrors) {
  const auto v = im::parse_clinc150(
      R"({"train": [["phone my aunt rosa", "make_call"], ["which planet, if any, is red", "oos"]]})",
      "m.json");
  const std::string csv = im::to_csv(v);
  const auto back = im::parse_import_csv(csv, "out.csv");
  ASSERT_EQ(back.size(), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(back[i].text, v[i].text);
    EXPECT_EQ(back[i].heads, v[i].heads);
    EXPECT_EQ(back[i].split, v[i].split);
    EXPECT_EQ(back[i].source, "clinc150");
  }
  std::string bad = csv;
  // Line 2's gate set to 0 while an intent stays 1: intents imply the gate.
  const size_t row = bad.find('\n') + 1;
  const std::string heads_on = ",1,0,0,0,0,0,1,0,0,0,0,1,0,";
  const size_t at = bad.find(heads_on, row);
  ASSERT_NE(at, std::string::npos) << csv;
  bad.replace(at, 3, ",0,");
  EXPECT_NE(error_of([&] { im::parse_import_csv(bad, "out.csv"); }).find("out.csv:2:"), std::string::npos);
  EXPECT_NE(error_of([] { im::parse_import_csv("transcript,split\nhi,train\n", "h.csv"); }).find("h.csv:1"),
            std::string::npos);
}

TEST(Importers, ImportSourceDeduplicates) {
  const fs::path dir = fs::temp_directory_path() / ("inherent-imp-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  {
    std::FILE* f = std::fopen((dir / "sub" / "a.txt").c_str(), "w");
    std::fputs(
        "the hill was settled early on\nThe hill was settled early on.\nthe mill closed in the winter of "
        "that year\n",
        f);
    std::fclose(f);
  }
  im::ImportStats st;
  const auto v = im::import_source("wiki-sents", dir.string(), &st);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(st.read, 3u);
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.files, 1u);
  EXPECT_THROW(im::import_source("nope", dir.string()), inherent::Exception);
  EXPECT_THROW(im::import_source("clinc150", dir.string()), inherent::Exception);  // no data_full.json
  fs::remove_all(dir);
}

TEST(Importers, SourcesHaveAttribution) {
  for (const std::string& name : im::source_names()) {
    const im::SourceInfo* s = im::find_source(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_NE(std::string(s->license), "");
    EXPECT_EQ(std::string(s->url).rfind("https://", 0), 0u);
  }
  EXPECT_FALSE(im::find_source("topical-chat")->by_default);  // share-alike: opt-in
  EXPECT_FALSE(im::find_source("wiki-sents")->by_default);
  EXPECT_TRUE(im::find_source("clinc150")->by_default);
}

// The copies in ../shared/data, when this checkout has them.
TEST(Importers, SharedCopies) {
  const fs::path root = fs::path(INHERENT_SOURCE_DIR) / ".." / "shared" / "data";
  if (!fs::is_directory(root)) GTEST_SKIP() << root << " is absent";
  struct Case {
    const char* source;
    const char* folder;
    size_t min;
  };
  const Case cases[] = {{"clinc150", "clinc150", 20000},         {"hwu64", "hwu64", 9000},
                        {"slurp", "slurp-text", 4000},           {"snips", "snips-2017", 12000},
                        {"ha-intents", "ha-intents-en", 500},    {"qmsum", "qmsum-meetings", 10000},
                        {"topical-chat", "topical-chat", 10000}, {"wiki-sents", "clinc-wiki-sents", 10000}};
  for (const Case& c : cases) {
    const fs::path p = root / c.folder;
    if (!fs::exists(p)) continue;
    const auto v = im::import_source(c.source, p.string());
    EXPECT_GE(v.size(), c.min) << c.source;
    check_invariants(v);
    std::array<size_t, 3> n{};
    for (const auto& s : v) ++n[static_cast<int>(s.split)];
    for (int sp = 0; sp < 3; ++sp) EXPECT_GT(n[sp], 0u) << c.source << " split " << sp;
  }
}

}  // namespace
