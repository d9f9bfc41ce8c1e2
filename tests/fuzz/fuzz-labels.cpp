// SPDX-License-Identifier: Apache-2.0
// The labels validator on arbitrary CSV text (audio checks off: no file access), and the
// teacher_<head> columns that distillation reads from the same rows, with unlabelled rows
// (empty heads, teacher scores only) allowed as training reads them.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inherent/inherent.hpp"
#include "labels/labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  inherent::LabelsCheckOptions options;
  options.check_audio = false;
  try {
    const inherent::LabelsCheck check = inherent::check_labels_text(text, "/fuzz/labels.csv", options);
    for (const auto& issue : check.issues)
      if (issue.rule.empty() || issue.message.empty()) std::abort();  // every issue says what
    if (check.ok())
      for (const auto& row : check.labels.rows) {
        if (row.line == 0) std::abort();
        // The contract: intents are 0 whenever the gate is 0.
        for (int h = 1; h < INHERENT_N_HEADS; ++h)
          if (row.heads[0] == 0 && row.heads[h] != 0) std::abort();
      }
  } catch (const inherent::Exception&) {
  }
  options.allow_unlabelled = true;
  try {
    const inherent::LabelsCheck check = inherent::check_labels_text(text, "/fuzz/labels.csv", options);
    if (!check.ok()) return 0;
    const inherent::TeacherColumns columns =
        inherent::teacher_columns(check.labels.header, "/fuzz/labels.csv");
    for (const auto& row : check.labels.rows) {
      try {
        const auto scores = inherent::teacher_scores(row, columns, "/fuzz/labels.csv");
        // An unlabelled row passed the check only as a train row with its teacher's scores.
        if (!row.labelled && (row.split != inherent::Split::train || !scores)) std::abort();
        for (const uint8_t head : row.heads)
          if (!row.labelled && head != 0) std::abort();
        if (scores)
          for (float v : *scores)
            if (!(v >= 0.0f && v <= 1.0f)) std::abort();  // only scores in [0, 1] pass
      } catch (const inherent::Exception&) {
      }
    }
  } catch (const inherent::Exception&) {
  }
  return 0;
}
