// SPDX-License-Identifier: Apache-2.0
#include "report-html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "eval/svg-plot.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {
namespace {

using json = nlohmann::json;
using svg::escape;

constexpr const char* kPos = "#d62728";
constexpr const char* kNeg = "#1f77b4";

std::string fmt(double v, const char* f = "%.3f") {
  if (std::isnan(v)) return "n/a";
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

constexpr const char* kStyle = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1500px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:4px 0}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.pass{color:#080;font-weight:600}.fail{color:#c00;font-weight:600}
.heads{display:flex;flex-wrap:wrap;gap:12px}.head{border:1px solid #ddd;padding:8px;border-radius:4px}
.head svg{display:inline-block;vertical-align:top}svg text{font:10px sans-serif;fill:#333}svg text.t{font-size:12px;font-weight:600}
svg text.note{font-size:12px;fill:#c00}.muted{color:#777}.charts{display:flex;flex-wrap:wrap;gap:12px}
</style>
)";

std::string section(const std::string& id, const std::string& title) {
  return "<h2 id=\"" + escape(id) + "\">" + escape(title) + "</h2>\n";
}

// ---- any JSON as tables (parity and latency files have no fixed schema) ----

std::string cell_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char b[48];
    std::snprintf(b, sizeof b, "%.6g", v.get<double>());
    return b;
  }
  if (v.is_null()) return "n/a";
  return json_text(v);
}

std::string json_html(const json& j, int depth) {
  if (!j.is_structured()) return escape(cell_text(j));
  if (depth > 3) return "<code>" + escape(json_text(j)) + "</code>";
  if (j.is_array()) {
    const bool rows =
        !j.empty() && std::all_of(j.begin(), j.end(), [](const json& x) { return x.is_object(); });
    if (!rows) {
      std::string s;
      for (const json& x : j) s += (s.empty() ? "" : ", ") + json_html(x, depth + 1);
      return s;
    }
    std::vector<std::string> cols;
    std::set<std::string> seen;
    for (const json& r : j)
      for (auto it = r.begin(); it != r.end(); ++it)
        if (seen.insert(it.key()).second) cols.push_back(it.key());
    std::string s = "<table class=\"data\"><tr>";
    for (const std::string& c : cols) s += "<th>" + escape(c) + "</th>";
    s += "</tr>\n";
    for (const json& r : j) {
      s += "<tr>";
      for (const std::string& c : cols) {
        const auto it = r.find(c);
        const bool text = it != r.end() && it->is_string();
        s += std::string(text ? "<td class=\"l\">" : "<td>") +
             (it == r.end() ? "" : json_html(*it, depth + 1)) + "</td>";
      }
      s += "</tr>\n";
    }
    return s + "</table>";
  }
  std::string s = "<table class=\"data\">";
  for (auto it = j.begin(); it != j.end(); ++it)
    s += "<tr><th class=\"l\">" + escape(it.key()) + "</th><td class=\"l\">" +
         json_html(it.value(), depth + 1) + "</td></tr>\n";
  return s + "</table>";
}

std::string optional_json_section(const std::string& id, const std::string& title, const std::string& path,
                                  const std::string& option) {
  std::string s = section(id, title);
  if (path.empty()) return s + "<p class=\"muted\">not measured (pass " + escape(option) + " FILE)</p>\n";
  const json j = json::parse(read_file(path), nullptr, false);
  if (j.is_discarded())
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, path + ": not valid JSON (" + option + ")");
  return s + "<p class=\"muted\">from " + escape(path) + "</p>\n" + json_html(j, 0) + "\n";
}

// ---- per-head charts ----

std::string head_charts(const ReportInput& in, int h) {
  std::vector<float> s(in.n);
  std::vector<uint8_t> y(in.n);
  svg::Histogram pos{"positives", kPos, {}}, neg{"negatives", kNeg, {}};
  for (size_t i = 0; i < in.n; ++i) {
    s[i] = in.scores[i * kNHeads + static_cast<size_t>(h)];
    y[i] = in.labels[i * kNHeads + static_cast<size_t>(h)];
    (y[i] ? pos : neg).values.push_back(s[i]);
  }
  const HeadMetrics& m = in.metrics.heads[static_cast<size_t>(h)];
  const double t = in.thresholds[static_cast<size_t>(h)];
  svg::Series roc{"ROC (AUC " + fmt(m.auc) + ")", kPos, {}, false};
  for (const RocPoint& p : roc_curve(s, y)) roc.points.emplace_back(p.fpr, p.tpr);
  svg::Series chance{"chance", "#999", {{0, 0}, {1, 1}}, true};
  svg::Axes ra;
  ra.title = std::string(head_name(h)) + ": ROC";
  ra.x_label = "false positive rate";
  ra.y_label = "true positive rate";
  const std::string note =
      roc.points.empty()
          ? "not measured: no " + std::string(pos.values.empty() ? "positive" : "negative") + " clip"
          : "";
  svg::Axes ha;
  ha.title = std::string(head_name(h)) + ": scores";
  ha.x_label = "score";
  ha.y_label = "share of class";
  std::string out = "<div class=\"head\" id=\"head-" + escape(head_name(h)) + "\"><h3>" + std::to_string(h) +
                    " " + escape(head_name(h)) + "</h3><div>positives " + std::to_string(m.positives) +
                    " of " + std::to_string(m.n) + "; AUC " + fmt(m.auc) + ", EER " + fmt(m.eer) +
                    ", FPR at 95% recall " + fmt(m.fpr95) + "</div>\n";
  out += svg::line_chart(ra, {chance, roc}, "roc", note);
  out += svg::histogram_chart(ha, {neg, pos}, 20, t, "threshold " + fmt(t), "hist");
  return out + "</div>\n";
}

std::string training_section(const std::string& dir) {
  std::string s = section("training", "Training curves");
  if (dir.empty()) return s + "<p class=\"muted\">not measured (pass --report-training RUN_DIR)</p>\n";
  const TrainingCurves c = read_training_curves(dir);
  s += "<p class=\"muted\">from " + escape(dir) + "/metrics.jsonl: " + std::to_string(c.train_loss.size()) +
       " train log lines, " + std::to_string(c.eval_loss.size()) + " evals</p>\n<div class=\"charts\">\n";
  const std::vector<svg::Series> loss = {{"train loss", kNeg, c.train_loss, false},
                                         {"eval loss", kPos, c.eval_loss, false}};
  svg::Axes la = svg::fit(loss);
  la.title = "loss";
  la.x_label = "step";
  la.y_label = "loss";
  s += svg::line_chart(la, loss, "training-loss",
                       c.train_loss.empty() && c.eval_loss.empty() ? "no loss logged" : "");
  const std::vector<svg::Series> auc = {{"gate AUC", kPos, c.gate_auc, false},
                                        {"intent mean AUC", kNeg, c.intent_mean_auc, false},
                                        {"intent min AUC", "#2ca02c", c.intent_min_auc, true}};
  svg::Axes aa = svg::fit(auc);
  aa.x0 = la.x0, aa.x1 = la.x1;
  aa.y0 = std::min(aa.y0, 0.5), aa.y1 = 1;
  aa.title = "eval AUC";
  aa.x_label = "step";
  aa.y_label = "AUC";
  s += svg::line_chart(aa, auc, "training-auc", c.gate_auc.empty() ? "no eval in this run" : "");
  return s + "</div>\n";
}

}  // namespace

TrainingCurves read_training_curves(const std::string& run_dir) {
  const std::string path = (std::filesystem::path(run_dir) / "metrics.jsonl").string();
  if (!std::filesystem::exists(path))
    throw Exception(INHERENT_STATUS_IO_ERROR,
                    path + ": no such file (--report-training wants an `inherent train` output folder)");
  std::istringstream in(read_file(path));
  TrainingCurves c;
  std::string line;
  size_t no = 0;
  auto number = [](const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : NAN;
  };
  while (std::getline(in, line)) {
    ++no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, false);
    const std::string where = path + ":" + std::to_string(no);
    if (j.is_discarded() || !j.is_object())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + ": not a JSON object");
    const std::string event = j.value("event", "");
    if (event != "train" && event != "eval") continue;
    const double step = number(j, "step");
    if (std::isnan(step))
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + ": step: missing or not a number");
    if (event == "train") {
      c.train_loss.emplace_back(step, number(j, "loss"));
      continue;
    }
    c.eval_loss.emplace_back(step, number(j, "eval_loss"));
    const auto m = j.find("metrics");
    if (m == j.end() || !m->is_object())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + ": metrics: missing");
    const auto heads = m->find("heads");
    c.gate_auc.emplace_back(
        step, heads != m->end() && heads->is_array() && !heads->empty() && heads->at(0).is_object()
                  ? number(heads->at(0), "auc")
                  : NAN);
    c.intent_mean_auc.emplace_back(step, number(*m, "intent_mean_auc"));
    c.intent_min_auc.emplace_back(step, number(*m, "intent_min_auc"));
  }
  return c;
}

std::string report_html(const ReportInput& in) {
  const Metrics& m = in.metrics;
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>inherent eval: " +
      escape(in.model) + "</title>\n" + kStyle + "</head><body>\n";
  s += "<h1>inherent eval</h1>\n<table class=\"summary\">\n";
  auto row = [&](const std::string& k, const std::string& v) {
    s += "<tr><th class=\"l\">" + escape(k) + "</th><td class=\"l\">" + escape(v) + "</td></tr>\n";
  };
  row("artifact", in.model);
  row("scorer", in.scorer);
  row("manifest", in.manifest);
  row("split", in.split);
  row("clips", std::to_string(in.n));
  row("thresholds", in.threshold_source);
  row("scoring time", fmt(in.seconds, "%.1f s"));
  s += "<tr><th class=\"l\">release gates</th><td class=\"l " +
       std::string(m.all_gates_passed() ? "pass" : "fail") + "\">" + std::to_string(m.gates_passed()) +
       " of " + std::to_string(m.gates.size()) + " passed: " + (m.all_gates_passed() ? "PASS" : "FAIL") +
       "</td></tr>\n</table>\n";

  s += section("gates", "Release gates");
  s += "<table class=\"gates\"><tr><th "
       "class=\"l\">gate</th><th>value</th><th>limit</th><th>result</th></tr>\n";
  for (const Gate& g : m.gates) {
    s += "<tr><td class=\"l\">" + escape(g.name) + "</td><td>" + fmt(g.value) + "</td><td>" +
         (g.at_least ? "&gt;= " : "&lt;= ") + fmt(g.limit, "%.2f") + "</td><td class=\"" +
         (g.passed ? "pass\">pass" : "fail\">FAIL") + "</td></tr>\n";
  }
  s += "</table>\n";
  if (!m.unmeasured.empty()) {
    std::string list;
    for (const std::string& h : m.unmeasured) list += (list.empty() ? "" : ", ") + h;
    s += "<p>Unmeasured heads (no positive or no negative clip): " + escape(list) + "</p>\n";
  }

  s += section("thresholds", "Per head at the thresholds");
  s += "<p class=\"muted\">A clip is positive for a head when its score &gt;= the head's threshold.</p>\n";
  s += "<table class=\"threshold-table\"><tr><th "
       "class=\"l\">head</th><th>threshold</th><th>positives</th><th>AUC</th>"
       "<th>EER</th><th>FPR@95%R</th><th>precision</th><th>recall</th><th>F1</th><th>FPR</th><th>TP</"
       "th><th>FP</th>"
       "<th>TN</th><th>FN</th></tr>\n";
  for (int h = 0; h < kNHeads; ++h) {
    const HeadMetrics& x = m.heads[static_cast<size_t>(h)];
    const Confusion& c = x.at_threshold;
    s += "<tr><td class=\"l\">" + escape(x.name) + "</td><td>" + fmt(in.thresholds[static_cast<size_t>(h)]) +
         "</td><td>" + std::to_string(x.positives) + "</td><td>" + fmt(x.auc) + "</td><td>" + fmt(x.eer) +
         "</td><td>" + fmt(x.fpr95) + "</td><td>" + fmt(c.precision()) + "</td><td>" + fmt(c.recall()) +
         "</td><td>" + fmt(c.f1()) + "</td><td>" + fmt(c.fpr()) + "</td><td>" + std::to_string(c.tp) +
         "</td><td>" + std::to_string(c.fp) + "</td><td>" + std::to_string(c.tn) + "</td><td>" +
         std::to_string(c.fn) + "</td></tr>\n";
  }
  s += "</table>\n";

  s += section("heads", "ROC curves and score histograms");
  s += "<div class=\"heads\">\n";
  for (int h = 0; h < kNHeads; ++h) s += head_charts(in, h);
  s += "</div>\n";

  s += section("cofiring", "Co-firing of decisions");
  s += "<p class=\"muted\">Clips where both heads fire under the engine's rule (intents fire only with "
       "isInteresting); the diagonal counts the clips where the head fires.</p>\n";
  int64_t top = 1;
  for (const auto& r : in.cofiring)
    for (int64_t v : r) top = std::max(top, v);
  s += "<table class=\"cofiring\"><tr><th></th>";
  for (int k = 0; k < kNHeads; ++k)
    s += "<th title=\"" + escape(head_name(k)) + "\">" + std::to_string(k) + "</th>";
  s += "</tr>\n";
  for (size_t h = 0; h < in.cofiring.size(); ++h) {
    s += "<tr><th class=\"l\">" + std::to_string(h) + " " + escape(head_name(static_cast<int>(h))) + "</th>";
    for (int64_t v : in.cofiring[h]) {
      s += "<td style=\"background:rgba(214,39,40," +
           fmt(0.6 * static_cast<double>(v) / static_cast<double>(top), "%.2f") + ")\">" + std::to_string(v) +
           "</td>";
    }
    s += "</tr>\n";
  }
  s += "</table>\n";

  s += optional_json_section("parity", "Parity", in.parity_json, "--report-parity");
  s += optional_json_section("latency", "Latency", in.latency_json, "--report-latency");
  s += training_section(in.training_dir);
  s += "</body></html>\n";
  return s;
}

}  // namespace inherent::eval
