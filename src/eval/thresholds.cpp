// SPDX-License-Identifier: Apache-2.0
#include "thresholds.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "common/heads.h"

namespace inherent::eval {
namespace {

struct Candidate {
  float threshold;
  int64_t tp, fp;
};

// F1 = 2 TP / (P + TP + FP); a > b exactly, by cross-multiplication.
bool f1_greater(const Candidate& a, const Candidate& b, int64_t p) {
  const int64_t da = p + a.tp + a.fp, db = p + b.tp + b.fp;
  if (da == 0 || db == 0) return da != 0 && a.tp > 0;
  return static_cast<__int128>(a.tp) * db > static_cast<__int128>(b.tp) * da;
}

bool f1_equal(const Candidate& a, const Candidate& b, int64_t p) {
  return !f1_greater(a, b, p) && !f1_greater(b, a, p);
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

const char* threshold_rule_name(ThresholdRule rule) {
  switch (rule) {
    case ThresholdRule::f1_at_recall:
      return "f1-at-recall";
    case ThresholdRule::target_fpr:
      return "target-fpr";
    case ThresholdRule::gated_f1:
      return "gated-f1";
  }
  return "?";
}

std::optional<ThresholdRule> parse_threshold_rule(std::string_view name) {
  for (ThresholdRule r : {ThresholdRule::f1_at_recall, ThresholdRule::target_fpr, ThresholdRule::gated_f1})
    if (name == threshold_rule_name(r)) return r;
  return std::nullopt;
}

ThresholdChoice select_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                                 const ThresholdOptions& options) {
  ThresholdChoice c;
  if (scores.size() != labels.size()) {
    c.reason = "scores and labels differ in length";
    return c;
  }
  for (uint8_t l : labels) (l ? c.positives : c.negatives)++;
  if (c.positives == 0 || c.negatives == 0) {
    c.reason = c.positives == 0 && c.negatives == 0 ? "no clips"
               : c.positives == 0                   ? "no positive clip"
                                                    : "no negative clip";
    return c;
  }
  if (std::any_of(scores.begin(), scores.end(), [](float s) { return std::isnan(s); })) {
    c.reason = "a score is NaN";
    return c;
  }
  // Candidates from the highest threshold down: above everything, then each distinct
  // score with the counts of clips scoring >= it.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<Candidate> candidates;
  const float top = scores[order[0]];
  const float above = std::nextafter(top, std::numeric_limits<float>::infinity());
  if (above <= 1.0f) candidates.push_back({above, 0, 0});
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    const float s = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == s; ++i) (labels[order[i]] ? tp : fp)++;
    candidates.push_back({s, tp, fp});
  }
  const int64_t p = c.positives, n = c.negatives;
  const Candidate* best = nullptr;
  if (options.rule != ThresholdRule::target_fpr) {  // gated-f1 reaches here for one head: f1-at-recall
    for (const Candidate& k : candidates) {
      if (!(static_cast<double>(k.tp) / static_cast<double>(p) >= options.min_recall)) continue;
      if (!best || f1_greater(k, *best, p) || (f1_equal(k, *best, p) && k.fp < best->fp)) best = &k;
    }
    if (!best) c.reason = "no threshold reaches recall >= " + format_double(options.min_recall);
  } else {
    // FP grows as the threshold falls: the feasible candidates are a prefix.
    for (const Candidate& k : candidates) {
      if (!(static_cast<double>(k.fp) / static_cast<double>(n) <= options.target_fpr)) break;
      best = &k;
    }
    if (!best) c.reason = "no threshold in [0, 1] reaches FPR <= " + format_double(options.target_fpr);
  }
  if (!best) return c;
  c.calibrated = true;
  c.threshold = best->threshold;
  c.at = {best->tp, best->fp, n - best->fp, p - best->tp};
  return c;
}

std::vector<ThresholdChoice> select_thresholds(const float* scores, const uint8_t* labels, size_t n,
                                               const ThresholdOptions& options) {
  auto column = [&](int h, const std::vector<size_t>& rows, std::vector<float>* s, std::vector<uint8_t>* y) {
    for (size_t i : rows) {
      s->push_back(scores[i * kNHeads + static_cast<size_t>(h)]);
      y->push_back(labels[i * kNHeads + static_cast<size_t>(h)]);
    }
  };
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  std::vector<ThresholdChoice> out;
  for (int h = 0; h < kNHeads; ++h) {
    std::vector<size_t> rows = all;
    ThresholdOptions o = options;
    if (options.rule == ThresholdRule::gated_f1 && h > 0) {
      const ThresholdChoice& gate = out[0];
      if (!gate.calibrated) {
        ThresholdChoice c;
        c.reason = "the gate is not calibrated (" + gate.reason + ")";
        out.push_back(c);
        continue;
      }
      rows.clear();
      for (size_t i = 0; i < n; ++i)
        if (scores[i * kNHeads] >= gate.threshold) rows.push_back(i);
      o.min_recall = 0;  // the highest F1
    }
    std::vector<float> s;
    std::vector<uint8_t> y;
    column(h, rows, &s, &y);
    out.push_back(select_threshold(s, y, o));
  }
  return out;
}

std::vector<float> thresholds_from_json(const nlohmann::json& doc, const std::string& source) {
  const nlohmann::json& table =
      doc.is_object() && doc.contains("default_thresholds") ? doc["default_thresholds"] : doc;
  if (!table.is_object()) throw std::invalid_argument(source + ": thresholds must be a JSON object");
  std::vector<float> t;
  for (const HeadInfo& head : kHeadTable) {
    const char* key = head.key;
    const auto it = table.find(key);
    if (it == table.end() || !it->is_number()) {
      throw std::invalid_argument(source + ": default_thresholds." + key +
                                  ": missing or not a number (every head needs one)");
    }
    const double v = it->get<double>();
    if (!(v >= 0.0 && v <= 1.0)) {
      throw std::invalid_argument(source + ": default_thresholds." + key + " = " + format_double(v) +
                                  " is outside [0, 1]");
    }
    t.push_back(static_cast<float>(v));
  }
  for (auto it = table.begin(); it != table.end(); ++it) {
    const int h = head_index(it.key());  // a name would match too: only keys are allowed here
    if (h < 0 || it.key() != kHeadTable[static_cast<size_t>(h)].key)
      throw std::invalid_argument(source + ": default_thresholds: unknown key '" + it.key() + "'");
  }
  return t;
}

}  // namespace inherent::eval
