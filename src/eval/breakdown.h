// SPDX-License-Identifier: Apache-2.0
//
// Where one head's errors come from: the clips of a split grouped by a labels column
// (category, template_id, source, voice, ...), each group with its clips, positives,
// errors at the threshold, its own AUC and the head's AUC on the split without it. A
// group whose removal lifts the AUC most is where the head generalizes worst.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace inherent::eval {

struct GroupStats {
  std::string value;  // the column's value ("" is a group too)
  int64_t clips = 0, positives = 0;
  int64_t false_accepts = 0;  // label 0, score >= threshold
  int64_t misses = 0;         // label 1, score < threshold
  double mean_score_pos = 0;  // NaN without positives
  double mean_score_neg = 0;  // NaN without negatives
  double auc = 0;             // within the group; NaN with one class only
  double auc_without = 0;     // the whole split's AUC with this group's clips left out
  int64_t errors() const { return false_accepts + misses; }
};

// scores and labels are [n, heads] row-major; group_of[i] names clip i's group. Groups are
// ordered by errors (most first), then by clips, then by value. Throws
// std::invalid_argument when group_of has not n entries or head is out of range.
std::vector<GroupStats> breakdown(const float* scores, const uint8_t* labels, size_t n, size_t heads,
                                  int head, float threshold, const std::vector<std::string>& group_of);

nlohmann::json breakdown_to_json(const std::vector<GroupStats>& groups);

// A fixed-width table of the first `rows` groups (all when 0) and a line counting the rest.
std::string breakdown_table(const std::vector<GroupStats>& groups, size_t rows);

}  // namespace inherent::eval
