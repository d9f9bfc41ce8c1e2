// SPDX-License-Identifier: Apache-2.0
#include "eval/eval-command.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/heads.h"
#include "eval/breakdown.h"
#include "eval/metrics.h"
#include "eval/report-html.h"
#include "eval/spot-checks.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message);
}

constexpr int kHeads = INHERENT_N_HEADS;

struct Decisions {
  std::vector<Confusion> heads;                // per head, the engine's rule
  std::vector<int64_t> fired;                  // per head
  std::vector<std::vector<int64_t>> cofiring;  // [13][13]
  // Whether a decision is useful: intents per addressed clip, fired against labelled;
  // side talk with any intent fired; clips with more than 3 heads on.
  int64_t addressed = 0, addressed_intents_fired = 0, addressed_intents_true = 0;
  int64_t not_addressed = 0, not_addressed_gate = 0, not_addressed_any_intent = 0;
  int64_t over_3_heads = 0, max_heads = 0;
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double mean_intents_fired() const {
    return addressed ? double(addressed_intents_fired) / double(addressed) : kNaN;
  }
  double mean_intents_true() const {
    return addressed ? double(addressed_intents_true) / double(addressed) : kNaN;
  }
  double share(int64_t k) const { return not_addressed ? double(k) / double(not_addressed) : kNaN; }
};

// Confusions and co-firing of the engine's decision rule (decide_heads).
Decisions decide(const SplitScores& s, const std::vector<float>& t) {
  Decisions d;
  d.heads.resize(kHeads);
  d.fired.assign(kHeads, 0);
  d.cofiring.assign(kHeads, std::vector<int64_t>(kHeads, 0));
  for (size_t i = 0; i < s.size(); ++i) {
    const uint8_t* y = &s.labels[i * kHeads];
    const std::array<uint8_t, kHeads> fired = decide_heads(&s.scores[i * kHeads], t);
    int64_t n_fired = 0, intents_fired = 0, intents_true = 0;
    for (int h = 0; h < kHeads; ++h) {
      n_fired += fired[h];
      if (h > 0) intents_fired += fired[h], intents_true += y[h];
    }
    d.max_heads = std::max(d.max_heads, n_fired);
    d.over_3_heads += n_fired > 3;
    if (y[0]) {
      d.addressed++, d.addressed_intents_fired += intents_fired, d.addressed_intents_true += intents_true;
    } else {
      d.not_addressed++, d.not_addressed_gate += fired[0], d.not_addressed_any_intent += intents_fired > 0;
    }
    for (int h = 0; h < kHeads; ++h) {
      Confusion& c = d.heads[static_cast<size_t>(h)];
      (y[h] ? (fired[h] ? c.tp : c.fn) : (fired[h] ? c.fp : c.tn))++;
      if (!fired[h]) continue;
      d.fired[static_cast<size_t>(h)]++;
      for (int k = 0; k < kHeads; ++k) {
        if (fired[k]) d.cofiring[static_cast<size_t>(h)][static_cast<size_t>(k)]++;
      }
    }
  }
  return d;
}

// The intent heads on the clips whose isInteresting label is 1.
Metrics gate_conditioned(const SplitScores& s, const std::vector<float>& t) {
  std::vector<float> scores;
  std::vector<uint8_t> labels;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!s.labels[i * kHeads]) continue;
    scores.insert(scores.end(), s.scores.begin() + static_cast<std::ptrdiff_t>(i * kHeads),
                  s.scores.begin() + static_cast<std::ptrdiff_t>((i + 1) * kHeads));
    labels.insert(labels.end(), s.labels.begin() + static_cast<std::ptrdiff_t>(i * kHeads),
                  s.labels.begin() + static_cast<std::ptrdiff_t>((i + 1) * kHeads));
  }
  return compute_metrics(scores.data(), labels.data(), labels.size() / kHeads, t);
}

ojson to_ordered(const nlohmann::json& j) { return ojson::parse(json_text(j)); }

// Each spot check of the index with its clips in the split (matched by template_id
// "spot:<id>"), judged with the engine's rule. A clip whose labels differ from the
// index's is an error naming manifest:line (the manifest is stale).
std::vector<SpotCheckResult> judge_spot_checks(const std::vector<SpotCheck>& index, const SplitScores& s,
                                               const std::vector<float>& t) {
  const int col = column_of(s.header, "template_id");
  if (col < 0)
    throw Exception(
        INHERENT_STATUS_INVALID_ARGUMENT,
        s.manifest +
            ": no template_id column; --spot-checks wants the manifest `inherent spot-checks --index` wrote");
  const int voice_col = column_of(s.header, "voice");
  std::map<std::string, size_t> by_id;
  std::vector<SpotCheckResult> out(index.size());
  for (size_t k = 0; k < index.size(); ++k) {
    out[k].check = &index[k];
    by_id[index[k].id] = k;
  }
  size_t matched = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const LabelRow& row = s.rows[i];
    const std::string where = s.manifest + ":" + std::to_string(row.line);
    const std::string tid =
        static_cast<size_t>(col) < row.fields.size() ? row.fields[static_cast<size_t>(col)] : "";
    const std::string id = spot_check_id_of(tid);
    if (id.empty()) continue;
    const auto it = by_id.find(id);
    if (it == by_id.end())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                      where + ": spot check " + id + " is not in the index");
    const SpotCheck& f = index[it->second];
    for (int h = 0; h < kHeads; ++h) {
      if (row.heads[static_cast<size_t>(h)] != f.labels[static_cast<size_t>(h)])
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + ": " + inherent::head_name(h) +
                                                              " differs from spot check " + id +
                                                              " in the index (write the manifest again)");
    }
    SpotCheckClip c;
    c.line = row.line;
    c.audio_path = row.audio_path;
    c.voice = voice_col >= 0 && static_cast<size_t>(voice_col) < row.fields.size()
                  ? row.fields[static_cast<size_t>(voice_col)]
                  : row.speaker_id;
    const std::array<uint8_t, kHeads> fired = decide_heads(&s.scores[i * kHeads], t);
    for (int h = 0; h < kHeads; ++h)
      if (fired[static_cast<size_t>(h)] != f.labels[static_cast<size_t>(h)]) c.wrong.push_back(h);
    c.passed = c.wrong.empty();
    out[it->second].clips.push_back(std::move(c));
    ++matched;
  }
  if (matched == 0)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, s.manifest + ": no clip of split " + s.split +
                                                          " is a spot check (template_id spot:<id>)");
  return out;
}

// The manifest's header row, read alone, so that a wrong --by column fails before scoring.
std::vector<std::string> manifest_header(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string line;
  if (!f || !std::getline(f, line))
    throw Exception(INHERENT_STATUS_IO_ERROR, path + ": cannot read the header row");
  return parse_csv(line, path).header;
}

ojson confusion_json(const Confusion& c) {
  return {{"tp", c.tp},
          {"fp", c.fp},
          {"tn", c.tn},
          {"fn", c.fn},
          {"precision", num(c.precision())},
          {"recall", num(c.recall())},
          {"f1", num(c.f1())},
          {"fpr", num(c.fpr())}};
}

// Everything one evaluation computes, in the order it is printed.
struct Evaluation {
  SplitScores s;
  std::vector<float> t;  // the thresholds in use
  std::string threshold_source;
  ojson calibration = nullptr;  // the model's threshold_calibration, when its thresholds are used
  Metrics m;                    // all clips
  Metrics g;                    // intents on gate-positive clips
  Decisions d;
  std::vector<std::pair<std::string, std::vector<GroupStats>>> breakdowns;
  std::vector<SpotCheckResult> spot_checks;
  size_t fx_passed = 0, fx_failed = 0, fx_missing = 0;
};

Evaluation score(const EvalOptions& o) {
  Evaluation e;
  e.s = score_split(o.source, o.manifest, o.split);
  e.threshold_source = o.source.checkpoint.empty() ? "artifact metadata" : "seed defaults (heads.inc)";
  e.t = e.s.thresholds;
  if (!o.thresholds.empty()) {
    e.t = read_thresholds_file(o.thresholds);
    e.threshold_source = o.thresholds;
  }
  e.m = compute_metrics(e.s.scores.data(), e.s.labels.data(), e.s.size(), e.t);
  e.g = gate_conditioned(e.s, e.t);
  e.d = decide(e.s, e.t);
  if (o.thresholds.empty() && !e.s.metadata.empty()) {
    const ojson meta = ojson::parse(e.s.metadata, nullptr, false);
    if (meta.is_object() && meta.contains("threshold_calibration"))
      e.calibration = meta["threshold_calibration"];
  }
  return e;
}

void print_heads(const Evaluation& e) {
  const SplitScores& s = e.s;
  const std::string& threshold_source = e.threshold_source;
  const ojson& calibration = e.calibration;
  const Metrics& m = e.m;
  const Metrics& g = e.g;
  std::printf("eval: %zu clips (split %s of %s), %s, %s (%.1f s)\n", s.size(), s.split.c_str(),
              s.manifest.c_str(), s.scorer.c_str(), s.model.c_str(), s.seconds);
  std::printf("thresholds: %s", threshold_source.c_str());
  if (calibration.is_object() && calibration.contains("method") && calibration["method"].is_string())
    std::printf(" (method: %s)", calibration["method"].get<std::string>().c_str());
  std::printf("\n\nPer head, all clips (precision/recall/F1 of score >= threshold):\n");
  Metrics table = m;
  table.gates.clear();
  std::printf("%s", metrics_table(table).c_str());
  if (!m.unmeasured.empty()) {
    std::printf("unmeasured (no positive or no negative clip):");
    for (const std::string& h : m.unmeasured) std::printf(" %s", h.c_str());
    std::printf("\n");
  }
  std::printf("\nIntent heads on gate-positive clips (%lld with isInteresting = 1):\n",
              static_cast<long long>(g.n_clips));
  std::printf("%-24s %6s %6s %6s %6s %6s %6s %6s\n", "head", "pos", "AUC", "EER", "FPR95", "prec", "recall",
              "F1");
  for (int h = 1; h < kHeads; ++h) {
    const HeadMetrics& x = g.heads[static_cast<size_t>(h)];
    std::printf("%-24s %6lld %s %s %s %s %s %s\n", x.name.c_str(), static_cast<long long>(x.positives),
                fmt(x.auc).c_str(), fmt(x.eer).c_str(), fmt(x.fpr95).c_str(),
                fmt(x.at_threshold.precision()).c_str(), fmt(x.at_threshold.recall()).c_str(),
                fmt(x.at_threshold.f1()).c_str());
  }
}

void print_decisions(const Decisions& d) {
  std::printf("\nDecisions (engine rule: intents fire only with the gate):\n");
  std::printf("%-24s %6s %6s %6s %6s\n", "head", "fired", "prec", "recall", "F1");
  for (int h = 0; h < kHeads; ++h) {
    const Confusion& c = d.heads[static_cast<size_t>(h)];
    std::printf("%-24s %6lld %s %s %s\n", inherent::head_name(h).c_str(),
                static_cast<long long>(d.fired[static_cast<size_t>(h)]), fmt(c.precision()).c_str(),
                fmt(c.recall()).c_str(), fmt(c.f1()).c_str());
  }
  std::printf(
      "intents fired per addressed clip: %.2f (labelled: %.2f); not-addressed clips firing the gate: %s, "
      "any intent: %s; clips with more than 3 heads on: %lld (most on one clip: %lld)\n",
      d.mean_intents_fired(), d.mean_intents_true(), fmt(d.share(d.not_addressed_gate)).c_str(),
      fmt(d.share(d.not_addressed_any_intent)).c_str(), static_cast<long long>(d.over_3_heads),
      static_cast<long long>(d.max_heads));
  std::printf("\nCo-firing (clips where both heads fire; the diagonal: clips where the head fires):\n%-24s",
              "");
  for (int k = 0; k < kHeads; ++k) std::printf(" %5d", k);
  std::printf("\n");
  for (int h = 0; h < kHeads; ++h) {
    std::printf("%2d %-21s", h, inherent::head_name(h).c_str());
    for (int k = 0; k < kHeads; ++k)
      std::printf(" %5lld",
                  static_cast<long long>(d.cofiring[static_cast<size_t>(h)][static_cast<size_t>(k)]));
    std::printf("\n");
  }
}

void print_gates(const Metrics& m) {
  std::printf("\nRelease gates:\n");
  for (const Gate& x : m.gates) {
    std::printf("  %-16s %s %s %.2f  %s\n", x.name.c_str(), fmt(x.value).c_str(),
                x.at_least ? ">=" : "<=", x.limit, x.passed ? "pass" : "FAIL");
  }
  std::printf("%d of %zu gates passed: %s\n", m.gates_passed(), m.gates.size(),
              m.all_gates_passed() ? "PASS" : "FAIL");
}

// Where the --by head's errors come from, one table per column.
void add_breakdowns(const EvalOptions& o, Evaluation* e) {
  const SplitScores& s = e->s;
  const std::vector<float>& t = e->t;
  const int by_head = head_index(o.by_head);
  auto& breakdowns = e->breakdowns;
  for (const std::string& c : o.by) {
    const size_t col = static_cast<size_t>(column_of(s.header, c));
    std::vector<std::string> group_of;
    for (const LabelRow& r : s.rows) group_of.push_back(col < r.fields.size() ? r.fields[col] : "");
    breakdowns.emplace_back(c, breakdown(s.scores.data(), s.labels.data(), s.size(), kHeads, by_head,
                                         t[static_cast<size_t>(by_head)], group_of));
    std::printf(
        "\n%s by %s (threshold %.3f; FA: label 0 at or over it, miss: label 1 under it; AUC w/o: the "
        "split's AUC without the group):\n%s",
        o.by_head.c_str(), c.c_str(), static_cast<double>(t[static_cast<size_t>(by_head)]),
        breakdown_table(breakdowns.back().second, o.by_rows).c_str());
  }
}

void add_spot_checks(const EvalOptions& o, const std::vector<SpotCheck>& index, Evaluation* e) {
  auto& spot_checks = e->spot_checks;
  size_t &fx_passed = e->fx_passed, &fx_failed = e->fx_failed, &fx_missing = e->fx_missing;
  const SplitScores& s = e->s;
  const std::vector<float>& t = e->t;
  if (!index.empty()) {
    spot_checks = judge_spot_checks(index, s, t);
    for (const SpotCheckResult& r : spot_checks)
      (r.clips.empty() ? fx_missing : r.passed() ? fx_passed : fx_failed)++;
    std::printf(
        "\nSpot checks (%s; one passes when every head's decision equals its label on each of its "
        "clips):\n",
        o.spot_checks.c_str());
    for (const SpotCheckResult& r : spot_checks) {
      if (r.clips.empty()) continue;
      size_t ok = 0;
      for (const SpotCheckClip& c : r.clips) ok += c.passed;
      std::printf("  %s %s (%zu/%zu clips)", r.passed() ? "PASS" : "FAIL", r.check->id.c_str(), ok,
                  r.clips.size());
      for (const SpotCheckClip& c : r.clips) {
        if (c.passed) continue;
        std::printf("  %s:", c.voice.c_str());
        for (int h : c.wrong)
          std::printf(" %s(want %d)", inherent::head_name(h).c_str(),
                      r.check->labels[static_cast<size_t>(h)]);
      }
      std::printf("\n");
    }
    std::printf("spot checks: %zu of %zu passed, %zu failed", fx_passed, fx_passed + fx_failed, fx_failed);
    if (fx_missing)
      std::printf(" (%zu of %zu in the index have no clip in this split)", fx_missing, index.size());
    std::printf("\n");
  }
}

ojson spot_checks_json(const EvalOptions& o, const Evaluation& e) {
  ojson list = ojson::array();
  for (const SpotCheckResult& r : e.spot_checks) {
    if (r.clips.empty()) continue;
    ojson clips = ojson::array();
    for (const SpotCheckClip& c : r.clips) {
      ojson wrong = ojson::array();
      for (int h : c.wrong) wrong.push_back(inherent::head_name(h));
      clips.push_back({{"line", c.line},
                       {"audio_path", c.audio_path},
                       {"voice", c.voice},
                       {"passed", c.passed},
                       {"wrong_heads", wrong}});
    }
    list.push_back({{"id", r.check->id},
                    {"text", r.check->text},
                    {"kind", r.check->kind},
                    {"passed", r.passed()},
                    {"clips", clips}});
  }
  return {{"index", o.spot_checks},
          {"passed", e.fx_passed},
          {"failed", e.fx_failed},
          {"without_clips", e.fx_missing},
          {"results", list}};
}

ojson eval_json(const EvalOptions& o, const Evaluation& e) {
  const SplitScores& s = e.s;
  const std::vector<float>& t = e.t;
  const Metrics& m = e.m;
  const Metrics& g = e.g;
  const Decisions& d = e.d;
  const int by_head = head_index(o.by_head);
  ojson j;
  j["command"] = "eval";
  j["manifest"] = s.manifest;
  j["split"] = s.split;
  j["model"] = s.model;
  j["scorer"] = s.scorer;
  j["seconds"] = s.seconds;
  ojson thresholds = ojson::object();
  for (int h = 0; h < kHeads; ++h) thresholds[head_threshold_key(h)] = t[static_cast<size_t>(h)];
  j["thresholds"] = thresholds;
  j["threshold_source"] = e.threshold_source;
  j["threshold_calibration"] = e.calibration;
  const ojson metrics = to_ordered(metrics_to_json(m));
  for (auto& [key, value] : metrics.items()) j[key] = value;
  ojson gc = to_ordered(metrics_to_json(g));
  ojson intents = ojson::array();
  for (size_t h = 1; h < gc["heads"].size(); ++h) intents.push_back(gc["heads"][h]);
  ojson unmeasured = ojson::array();
  for (const std::string& name : g.unmeasured)
    if (name != inherent::head_name(0)) unmeasured.push_back(name);
  j["gate_conditioned"] = {{"n_clips", g.n_clips},
                           {"condition", "isInteresting label = 1"},
                           {"heads", intents},
                           {"unmeasured", unmeasured}};
  ojson dec = ojson::array();
  for (int h = 0; h < kHeads; ++h) {
    ojson x = {{"name", inherent::head_name(h)}, {"fired", d.fired[static_cast<size_t>(h)]}};
    const ojson counts = confusion_json(d.heads[static_cast<size_t>(h)]);
    for (auto& [key, value] : counts.items()) x[key] = value;
    dec.push_back(x);
  }
  j["decisions"] = {{"rule", "score >= threshold; intents (1..12) only when isInteresting fires"},
                    {"heads", dec},
                    {"addressed_clips", d.addressed},
                    {"intents_fired_per_addressed_clip", num(d.mean_intents_fired())},
                    {"intents_labelled_per_addressed_clip", num(d.mean_intents_true())},
                    {"not_addressed_clips", d.not_addressed},
                    {"not_addressed_gate_fired_share", num(d.share(d.not_addressed_gate))},
                    {"not_addressed_any_intent_share", num(d.share(d.not_addressed_any_intent))},
                    {"clips_over_3_heads", d.over_3_heads},
                    {"max_heads_on_one_clip", d.max_heads}};
  ojson names = ojson::array();
  for (int h = 0; h < kHeads; ++h) names.push_back(inherent::head_name(h));
  j["cofiring"] = {{"heads", names}, {"counts", d.cofiring}};
  if (!e.breakdowns.empty()) {
    ojson list = ojson::array();
    for (const auto& [column, groups] : e.breakdowns)
      list.push_back({{"column", column},
                      {"head", o.by_head},
                      {"threshold", t[static_cast<size_t>(by_head)]},
                      {"groups", to_ordered(breakdown_to_json(groups))}});
    j["breakdown"] = list;
  }
  if (!o.spot_checks.empty()) j["spot_checks"] = spot_checks_json(o, e);
  return j;
}

std::string scores_csv(const SplitScores& s) {
  std::string csv = "line,audio_path";
  for (int h = 0; h < kHeads; ++h) csv += ",score_" + inherent::head_name(h);
  for (int h = 0; h < kHeads; ++h) csv += "," + inherent::head_name(h);
  csv += "\n";
  char buf[32];
  for (size_t i = 0; i < s.size(); ++i) {
    csv += std::to_string(s.rows[i].line) + "," + csv_escape(s.rows[i].audio_path);
    for (int h = 0; h < kHeads; ++h) {
      std::snprintf(buf, sizeof buf, ",%.9g",
                    static_cast<double>(s.scores[i * kHeads + static_cast<size_t>(h)]));
      csv += buf;
    }
    for (int h = 0; h < kHeads; ++h) csv += s.labels[i * kHeads + static_cast<size_t>(h)] ? ",1" : ",0";
    csv += "\n";
  }
  return csv;
}

void write_html(const EvalOptions& o, const Evaluation& e) {
  const SplitScores& s = e.s;
  ReportInput r;
  r.model = s.model;
  r.scorer = s.scorer;
  r.manifest = s.manifest;
  r.split = s.split;
  r.threshold_source = e.threshold_source;
  r.seconds = s.seconds;
  r.scores = s.scores.data();
  r.labels = s.labels.data();
  r.n = s.size();
  r.thresholds = e.t;
  r.metrics = e.m;
  r.cofiring = e.d.cofiring;
  r.parity_json = o.report_parity;
  r.latency_json = o.report_latency;
  r.training_dir = o.report_training;
  write_file_atomic(o.html_out, report_html(r));
}

}  // namespace

void EvalOptions::validate() const {
  if (manifest.empty()) bad("--manifest is required");
  if (source.artifact.empty() == source.checkpoint.empty()) bad("exactly one of --artifact and --checkpoint");
  if (!parse_split(split)) bad("--split " + split + ": must be train, eval or test");
  if (require_spot_checks && spot_checks.empty()) bad("--require-spot-checks needs --spot-checks");
  if (html_out.empty() && !(report_parity + report_latency + report_training).empty())
    bad("--report-* needs --html-out");
  if (head_index(by_head) < 0)
    bad("--by-head '" + by_head + "' is not a head (isInteresting, hasAddToListIntent, ...)");
  if (!by.empty()) {
    const std::vector<std::string> header = manifest_header(manifest);
    for (const std::string& c : by)
      if (column_of(header, c) < 0) bad("--by '" + c + "' is not a column of " + manifest);
  }
}

std::string EvalOptions::to_string() const {
  std::string s = "eval " + source.to_string() + " --manifest " + manifest + " --split " + split;
  const std::pair<const char*, const std::string*> files[] = {{"--json-out", &json_out},
                                                              {"--scores-out", &scores_out},
                                                              {"--html-out", &html_out},
                                                              {"--thresholds", &thresholds},
                                                              {"--report-parity", &report_parity},
                                                              {"--report-latency", &report_latency},
                                                              {"--report-training", &report_training},
                                                              {"--spot-checks", &spot_checks}};
  for (const auto& [flag, value] : files)
    if (!value->empty()) s += std::string(" ") + flag + " " + *value;
  if (require_spot_checks) s += " --require-spot-checks";
  for (const std::string& c : by) s += " --by " + c;
  if (!by.empty()) s += " --by-head " + by_head + " --by-rows " + std::to_string(by_rows);
  return s;
}

int run_eval(const EvalOptions& o) {
  o.validate();
  // Read before scoring, so that a bad index fails fast.
  const std::vector<SpotCheck> index =
      o.spot_checks.empty() ? std::vector<SpotCheck>{} : read_spot_checks(o.spot_checks);
  Evaluation e = score(o);
  print_heads(e);
  print_decisions(e.d);
  print_gates(e.m);
  add_breakdowns(o, &e);
  add_spot_checks(o, index, &e);
  std::fflush(stdout);
  if (!o.json_out.empty()) write_file_atomic(o.json_out, json_text(eval_json(o, e), 2) + "\n");
  if (!o.scores_out.empty()) write_file_atomic(o.scores_out, scores_csv(e.s));
  if (!o.html_out.empty()) write_html(o, e);
  return !e.m.all_gates_passed() || (o.require_spot_checks && e.fx_failed > 0) ? 1 : 0;
}

}  // namespace inherent::eval
