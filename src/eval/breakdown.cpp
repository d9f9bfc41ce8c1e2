// SPDX-License-Identifier: Apache-2.0
#include "eval/breakdown.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "eval/metrics.h"

namespace inherent::eval {

std::vector<GroupStats> breakdown(const float* scores, const uint8_t* labels, size_t n, size_t heads,
                                  int head, float threshold, const std::vector<std::string>& group_of) {
  if (group_of.size() != n) throw std::invalid_argument("breakdown: one group per clip expected");
  if (head < 0 || static_cast<size_t>(head) >= heads)
    throw std::invalid_argument("breakdown: head out of range");
  const size_t h = static_cast<size_t>(head);
  std::map<std::string, std::vector<size_t>> members;
  for (size_t i = 0; i < n; ++i) members[group_of[i]].push_back(i);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<GroupStats> out;
  std::vector<uint8_t> in_group(n, 0);
  for (const auto& [value, clips] : members) {
    GroupStats g;
    g.value = value;
    g.clips = static_cast<int64_t>(clips.size());
    std::vector<float> s;
    std::vector<uint8_t> y;
    double sum_pos = 0, sum_neg = 0;
    for (size_t i : clips) {
      const float x = scores[i * heads + h];
      const uint8_t l = labels[i * heads + h];
      s.push_back(x);
      y.push_back(l);
      (l ? sum_pos : sum_neg) += x;
      g.positives += l;
      if (l && x < threshold) ++g.misses;
      if (!l && x >= threshold) ++g.false_accepts;
      in_group[i] = 1;
    }
    const int64_t negatives = g.clips - g.positives;
    g.mean_score_pos = g.positives ? sum_pos / static_cast<double>(g.positives) : nan;
    g.mean_score_neg = negatives ? sum_neg / static_cast<double>(negatives) : nan;
    g.auc = roc_auc(s, y);
    s.clear();
    y.clear();
    for (size_t i = 0; i < n; ++i) {
      if (in_group[i]) continue;
      s.push_back(scores[i * heads + h]);
      y.push_back(labels[i * heads + h]);
    }
    g.auc_without = roc_auc(s, y);
    for (size_t i : clips) in_group[i] = 0;
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const GroupStats& a, const GroupStats& b) {
    if (a.errors() != b.errors()) return a.errors() > b.errors();
    return a.clips > b.clips;
  });
  return out;
}

nlohmann::json breakdown_to_json(const std::vector<GroupStats>& groups) {
  const auto num = metric_json;
  nlohmann::json a = nlohmann::json::array();
  for (const GroupStats& g : groups)
    a.push_back({{"value", g.value},
                 {"clips", g.clips},
                 {"positives", g.positives},
                 {"false_accepts", g.false_accepts},
                 {"misses", g.misses},
                 {"errors", g.errors()},
                 {"mean_score_positive", num(g.mean_score_pos)},
                 {"mean_score_negative", num(g.mean_score_neg)},
                 {"auc", num(g.auc)},
                 {"auc_without", num(g.auc_without)}});
  return a;
}

std::string breakdown_table(const std::vector<GroupStats>& groups, size_t rows) {
  const auto f = metric_cell;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %6s %6s %6s %6s %6s %6s %6s %6s %8s\n", "group", "clips", "pos",
                "FA", "miss", "err%", "mean+", "mean-", "AUC", "AUC w/o");
  out += line;
  const size_t shown = rows == 0 ? groups.size() : std::min(rows, groups.size());
  for (size_t k = 0; k < shown; ++k) {
    const GroupStats& g = groups[k];
    std::string name = g.value.empty() ? "(empty)" : g.value;
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    std::snprintf(
        line, sizeof line, "%-40s %6lld %6lld %6lld %6lld %5.1f%% %s %s %s %8s\n", name.c_str(),
        static_cast<long long>(g.clips), static_cast<long long>(g.positives),
        static_cast<long long>(g.false_accepts), static_cast<long long>(g.misses),
        100.0 * static_cast<double>(g.errors()) / static_cast<double>(std::max<int64_t>(g.clips, 1)),
        f(g.mean_score_pos).c_str(), f(g.mean_score_neg).c_str(), f(g.auc).c_str(), f(g.auc_without).c_str());
    out += line;
  }
  if (shown < groups.size()) {
    int64_t rest_clips = 0, rest_errors = 0;
    for (size_t k = shown; k < groups.size(); ++k)
      rest_clips += groups[k].clips, rest_errors += groups[k].errors();
    std::snprintf(line, sizeof line, "... %zu more groups: %lld clips, %lld errors\n", groups.size() - shown,
                  static_cast<long long>(rest_clips), static_cast<long long>(rest_errors));
    out += line;
  }
  return out;
}

}  // namespace inherent::eval
