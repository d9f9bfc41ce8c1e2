// SPDX-License-Identifier: Apache-2.0
#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "common/heads.h"

namespace inherent::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Counts {
  int64_t pos = 0, neg = 0;
};

Counts count(const std::vector<uint8_t>& labels) {
  Counts c;
  for (uint8_t l : labels) (l ? c.pos : c.neg)++;
  return c;
}

bool any_nan(const std::vector<float>& scores) {
  return std::any_of(scores.begin(), scores.end(), [](float s) { return std::isnan(s); });
}

// One ROC point per distinct score (descending), after the (0, 0) start.
std::vector<RocPoint> roc_points(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                                 Counts c) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<RocPoint> points = {{0.0, 0.0, std::numeric_limits<double>::infinity()}};
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    const float s = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == s; ++i) (labels[order[i]] ? tp : fp)++;
    points.push_back({static_cast<double>(fp) / static_cast<double>(c.neg),
                      static_cast<double>(tp) / static_cast<double>(c.pos), static_cast<double>(s)});
  }
  return points;
}

// -1, 0, 1 with NaN below every number.
int compare(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? -1 : 1);
  return a < b ? -1 : (a > b ? 1 : 0);
}

static_assert(kHeadTable.size() == kNHeads, "heads.inc and kNHeads disagree");

}  // namespace

std::vector<RocPoint> roc_curve(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  const Counts c = count(labels);
  if (c.pos == 0 || c.neg == 0 || scores.size() != labels.size() || any_nan(scores)) return {};
  return roc_points(scores, labels, c);
}

double roc_auc(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  const Counts c = count(labels);
  if (c.pos == 0 || c.neg == 0 || scores.size() != labels.size() || any_nan(scores)) return kNaN;
  // ref: Mann-Whitney U with mid-ranks; AUC = (R_pos - P (P + 1) / 2) / (P N).
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j, averaged
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]]) rank_sum += mid_rank;
    }
    i = j;
  }
  const double p = static_cast<double>(c.pos), n = static_cast<double>(c.neg);
  return (rank_sum - p * (p + 1) / 2) / (p * n);
}

Eer equal_error_rate(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  const Counts c = count(labels);
  if (c.pos == 0 || c.neg == 0 || scores.size() != labels.size() || any_nan(scores)) return {kNaN, kNaN};
  const std::vector<RocPoint> roc = roc_points(scores, labels, c);
  // gap = FNR - FPR falls from 1 at (0, 0) to -1 at (1, 1).
  auto gap = [](const RocPoint& p) { return (1.0 - p.tpr) - p.fpr; };
  for (size_t k = 1; k < roc.size(); ++k) {
    const double g1 = gap(roc[k]);
    if (g1 > 0) continue;
    const double g0 = gap(roc[k - 1]);
    const double a = g0 / (g0 - g1);  // in (0, 1]: where the segment crosses gap = 0
    const double fpr = roc[k - 1].fpr + a * (roc[k].fpr - roc[k - 1].fpr);
    const bool nearer_end = a >= 0.5 || k == 1;
    return {fpr, nearer_end ? roc[k].threshold : roc[k - 1].threshold};
  }
  return {kNaN, kNaN};  // unreachable: the last point has gap -1
}

FprAtRecall fpr_at_recall(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                          double target_recall) {
  const Counts c = count(labels);
  if (c.pos == 0 || c.neg == 0 || scores.size() != labels.size() || any_nan(scores))
    return {kNaN, kNaN, kNaN};
  std::vector<float> pos;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i]) pos.push_back(scores[i]);
  }
  std::sort(pos.begin(), pos.end(), std::greater<float>());
  // The tolerance keeps 0.95 * 20 = 19 from becoming 20 through rounding.
  const auto k = static_cast<size_t>(std::clamp(std::ceil(target_recall * static_cast<double>(c.pos) - 1e-9),
                                                1.0, static_cast<double>(c.pos)));
  const float threshold = pos[k - 1];
  const Confusion m = confusion_at(scores, labels, threshold);
  return {m.fpr(), static_cast<double>(threshold), m.recall()};
}

double Confusion::precision() const {
  return tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
}
double Confusion::recall() const {
  return tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : kNaN;
}
double Confusion::f1() const {
  const int64_t d = 2 * tp + fp + fn;
  return d ? 2.0 * static_cast<double>(tp) / static_cast<double>(d) : 0.0;
}
double Confusion::fpr() const {
  return fp + tn ? static_cast<double>(fp) / static_cast<double>(fp + tn) : kNaN;
}

Confusion confusion_at(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                       double threshold) {
  Confusion m;
  for (size_t i = 0; i < scores.size() && i < labels.size(); ++i) {
    const bool predicted = static_cast<double>(scores[i]) >= threshold;
    if (labels[i]) {
      (predicted ? m.tp : m.fn)++;
    } else {
      (predicted ? m.fp : m.tn)++;
    }
  }
  return m;
}

int Metrics::gates_passed() const {
  return static_cast<int>(std::count_if(gates.begin(), gates.end(), [](const Gate& g) { return g.passed; }));
}

bool Metrics::all_gates_passed() const {
  return !gates.empty() && gates_passed() == static_cast<int>(gates.size());
}

Metrics compute_metrics(const float* scores, const uint8_t* labels, size_t n,
                        const std::vector<float>& thresholds) {
  Metrics m;
  m.n_clips = static_cast<int64_t>(n);
  const std::vector<float> t = thresholds.empty() ? default_thresholds() : thresholds;
  std::vector<float> s(n);
  std::vector<uint8_t> l(n);
  for (int h = 0; h < kNHeads; ++h) {
    for (size_t i = 0; i < n; ++i) {
      s[i] = scores[i * kNHeads + h];
      l[i] = labels[i * kNHeads + h] ? 1 : 0;
    }
    HeadMetrics hm;
    hm.head = h;
    hm.name = kHeadTable[static_cast<size_t>(h)].name;
    hm.n = static_cast<int64_t>(n);
    hm.positives = count(l).pos;
    hm.auc = roc_auc(s, l);
    const Eer e = equal_error_rate(s, l);
    hm.eer = e.eer;
    hm.eer_threshold = e.threshold;
    const FprAtRecall f = fpr_at_recall(s, l, 0.95);
    hm.fpr95 = f.fpr;
    hm.fpr95_threshold = f.threshold;
    hm.threshold = t.at(static_cast<size_t>(h));
    hm.at_threshold = confusion_at(s, l, hm.threshold);
    if (std::isnan(hm.auc)) m.unmeasured.push_back(hm.name);
    m.heads.push_back(std::move(hm));
  }
  apply_release_gates(&m);
  return m;
}

void apply_release_gates(Metrics* m) {
  double sum_auc = 0, min_auc = kNaN, max_fpr = kNaN, sum_fpr = 0;
  int n_auc = 0, n_fpr = 0;
  for (const HeadMetrics& h : m->heads) {
    if (h.head == 0) continue;
    if (!std::isnan(h.auc)) {
      sum_auc += h.auc;
      min_auc = n_auc ? std::min(min_auc, h.auc) : h.auc;
      ++n_auc;
    }
    if (!std::isnan(h.fpr95)) {
      sum_fpr += h.fpr95;
      max_fpr = n_fpr ? std::max(max_fpr, h.fpr95) : h.fpr95;
      ++n_fpr;
    }
  }
  m->intent_mean_auc = n_auc ? sum_auc / n_auc : kNaN;
  m->intent_min_auc = min_auc;
  m->intent_max_fpr95 = max_fpr;
  m->intent_mean_fpr95 = n_fpr ? sum_fpr / n_fpr : kNaN;
  const double gate_auc = m->heads.empty() ? kNaN : m->heads[0].auc;
  const double gate_eer = m->heads.empty() ? kNaN : m->heads[0].eer;
  auto gate = [](const char* name, double value, double limit, bool at_least) {
    const bool passed = !std::isnan(value) && (at_least ? value >= limit : value <= limit);
    return Gate{name, value, limit, at_least, passed};
  };
  m->gates = {gate("gate_auc", gate_auc, 0.90, true), gate("gate_eer", gate_eer, 0.10, false),
              gate("intent_mean_auc", m->intent_mean_auc, 0.86, true),
              gate("intent_min_auc", m->intent_min_auc, 0.78, true),
              gate("intent_fpr95", m->intent_max_fpr95, 0.15, false)};
}

bool better_than(const Metrics& a, const Metrics& b) {
  if (a.gates_passed() != b.gates_passed()) return a.gates_passed() > b.gates_passed();
  const double gate_a = a.heads.empty() ? kNaN : a.heads[0].auc,
               gate_b = b.heads.empty() ? kNaN : b.heads[0].auc;
  for (auto [x, y] : {std::pair{a.intent_min_auc, b.intent_min_auc},
                      std::pair{a.intent_mean_auc, b.intent_mean_auc}, std::pair{gate_a, gate_b}}) {
    if (const int c = compare(x, y); c != 0) return c > 0;
  }
  return false;
}

std::vector<float> default_thresholds() {
  std::vector<float> t;
  for (const HeadInfo& h : kHeadTable) t.push_back(h.default_threshold);
  return t;
}

const char* head_name(int head) {
  const HeadInfo* h = head_info(head);
  return h ? h->name : "?";
}

nlohmann::json metric_json(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

std::string metric_cell(double v) {
  if (std::isnan(v)) return "   n/a";
  char b[16];
  std::snprintf(b, sizeof(b), "%6.3f", v);
  return b;
}

nlohmann::json metrics_to_json(const Metrics& m) {
  const auto num = metric_json;
  nlohmann::json heads = nlohmann::json::array();
  for (const HeadMetrics& h : m.heads) {
    heads.push_back({{"name", h.name},
                     {"n", h.n},
                     {"positives", h.positives},
                     {"auc", num(h.auc)},
                     {"eer", num(h.eer)},
                     {"eer_threshold", num(h.eer_threshold)},
                     {"fpr_at_95_recall", num(h.fpr95)},
                     {"fpr_at_95_recall_threshold", num(h.fpr95_threshold)},
                     {"threshold", h.threshold},
                     {"precision", num(h.at_threshold.precision())},
                     {"recall", num(h.at_threshold.recall())},
                     {"f1", num(h.at_threshold.f1())},
                     {"tp", h.at_threshold.tp},
                     {"fp", h.at_threshold.fp},
                     {"tn", h.at_threshold.tn},
                     {"fn", h.at_threshold.fn}});
  }
  nlohmann::json gates = nlohmann::json::array();
  for (const Gate& g : m.gates) {
    gates.push_back({{"name", g.name},
                     {"value", num(g.value)},
                     {"limit", g.limit},
                     {"op", g.at_least ? ">=" : "<="},
                     {"passed", g.passed}});
  }
  return {{"n_clips", m.n_clips},
          {"heads", heads},
          {"intent_mean_auc", num(m.intent_mean_auc)},
          {"intent_min_auc", num(m.intent_min_auc)},
          {"intent_max_fpr_at_95_recall", num(m.intent_max_fpr95)},
          {"intent_mean_fpr_at_95_recall", num(m.intent_mean_fpr95)},
          {"gates", gates},
          {"gates_passed", m.gates_passed()},
          {"all_gates_passed", m.all_gates_passed()},
          {"unmeasured", m.unmeasured}};
}

namespace {

// obj[key] as a count. nlohmann converts a float such as 1e87 to int64 without a range
// check (undefined behaviour), so anything but an integer is refused here.
int64_t count_of(const nlohmann::json& obj, const char* key, bool required) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) throw std::invalid_argument(std::string("no \"") + key + "\"");
    return 0;
  }
  if (!it->is_number_integer()) throw std::invalid_argument(std::string("\"") + key + "\" is not an integer");
  return it->get<int64_t>();
}

}  // namespace

Metrics metrics_from_json(const nlohmann::json& j) {
  auto num = [](const nlohmann::json& v) { return v.is_null() ? kNaN : v.get<double>(); };
  Metrics m;
  m.n_clips = count_of(j, "n_clips", true);
  int index = 0;
  for (const nlohmann::json& h : j.at("heads")) {
    HeadMetrics hm;
    hm.head = index++;
    hm.name = h.at("name").get<std::string>();
    hm.n = count_of(h, "n", true);
    hm.positives = count_of(h, "positives", true);
    hm.auc = num(h.at("auc"));
    hm.eer = num(h.at("eer"));
    hm.eer_threshold = num(h.at("eer_threshold"));
    hm.fpr95 = num(h.at("fpr_at_95_recall"));
    hm.fpr95_threshold = num(h.at("fpr_at_95_recall_threshold"));
    hm.threshold = h.at("threshold").get<double>();
    hm.at_threshold = {count_of(h, "tp", false), count_of(h, "fp", false), count_of(h, "tn", false),
                       count_of(h, "fn", false)};
    if (std::isnan(hm.auc)) m.unmeasured.push_back(hm.name);
    m.heads.push_back(std::move(hm));
  }
  apply_release_gates(&m);
  return m;
}

std::string metrics_table(const Metrics& m) {
  const auto fmt = metric_cell;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-24s %6s %6s %6s %6s %6s %6s %6s\n", "head", "pos", "AUC", "EER",
                "FPR95", "prec", "recall", "F1");
  out += line;
  for (const HeadMetrics& h : m.heads) {
    std::snprintf(line, sizeof(line), "%-24s %6lld %s %s %s %s %s %s\n", h.name.c_str(),
                  static_cast<long long>(h.positives), fmt(h.auc).c_str(), fmt(h.eer).c_str(),
                  fmt(h.fpr95).c_str(), fmt(h.at_threshold.precision()).c_str(),
                  fmt(h.at_threshold.recall()).c_str(), fmt(h.at_threshold.f1()).c_str());
    out += line;
  }
  for (const Gate& g : m.gates) {
    std::snprintf(line, sizeof(line), "gate %-19s %s %s %.2f  %s\n", g.name.c_str(), fmt(g.value).c_str(),
                  g.at_least ? ">=" : "<=", g.limit, g.passed ? "pass" : "FAIL");
    out += line;
  }
  return out;
}

}  // namespace inherent::eval
