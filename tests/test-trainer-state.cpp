// SPDX-License-Identifier: Apache-2.0
//
// trainer.json as --resume reads it: a good state round-trips its fields, and each kind
// of damage is an INVALID_ARGUMENT naming the file and the field (never a bare parser
// exception with no file name).
#include <gtest/gtest.h>

#include <string>

#include "inherent/inherent.hpp"
#include "train/trainer-state.h"

namespace inherent::train {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_trainer_state(text, "run/last/trainer.json");
  } catch (const Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_ARGUMENT);
    return e.what();
  }
  return "";
}

TEST(TrainerState, ReadsWhatTheTrainerWrites) {
  const std::string text =
      R"({"format": "inherent-trainer/1", "step": 40, "world_size": 2, "train_seconds": 12.5,
    "init_from": "warm/last", "hashes": {"train_labels": "abc"}, "last_eval": {"n_clips": 3},
    "best": {"step": 20, "metrics": {"n_clips": 3, "heads": [{"name": "isInteresting", "n": 3, "positives": 1,
      "auc": 0.75, "eer": null, "eer_threshold": null, "fpr_at_95_recall": 0.5,
      "fpr_at_95_recall_threshold": 0.1, "threshold": 0.5}]}}})";
  const TrainerState s = parse_trainer_state(text, "t.json");
  EXPECT_EQ(s.step, 40);
  EXPECT_EQ(s.world_size, 2);
  EXPECT_DOUBLE_EQ(s.train_seconds, 12.5);
  EXPECT_EQ(s.init_from, "warm/last");
  EXPECT_EQ(s.train_labels_hash, "abc");
  EXPECT_EQ(s.last_eval["n_clips"], 3);
  ASSERT_TRUE(s.best_metrics.has_value());
  EXPECT_EQ(s.best_metrics->n_clips, 3);
  ASSERT_EQ(s.best_metrics->heads.size(), 1u);
  EXPECT_DOUBLE_EQ(s.best_metrics->heads[0].auc, 0.75);
  EXPECT_EQ(s.best["step"], 20);
}

TEST(TrainerState, DefaultsForAbsentFields) {
  const TrainerState s = parse_trainer_state(R"({"step": 0})", "t.json");
  EXPECT_EQ(s.world_size, 1);
  EXPECT_EQ(s.train_seconds, 0.0);
  EXPECT_TRUE(s.init_from.empty());
  EXPECT_FALSE(s.best_metrics.has_value());
  EXPECT_TRUE(s.last_eval.is_null());
}

TEST(TrainerState, DamageNamesTheFileAndField) {
  for (const auto& [text, words] : std::initializer_list<std::pair<std::string, std::string>>{
           {"", "invalid JSON"},
           {"{\"step\": 4", "invalid JSON"},
           {"[1, 2]", "invalid JSON"},
           {R"({"epoch": 1})", "\"step\""},
           {R"({"step": "4"})", "\"step\""},
           {R"({"step": -1})", "\"step\""},
           {R"({"step": 4, "train_seconds": "soon"})", "\"train_seconds\" must be a number"},
           {R"({"step": 4, "init_from": 7})", "\"init_from\" must be a string"},
           {R"({"step": 4, "world_size": 0})", "\"world_size\" must be at least 1"},
           {R"({"step": 4, "world_size": 1.5})", "\"world_size\" must be an integer"},
           {R"({"step": 4, "hashes": [1]})", "\"hashes\" must be an object"},
           {R"({"step": 4, "best": {"step": 2}})", "\"best\" must be an object with \"metrics\""},
           {R"({"step": 4, "best": {"metrics": {"heads": []}}})", "\"best.metrics\" is not an eval result"},
       }) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("run/last/trainer.json: "), std::string::npos) << text << " -> " << e;
    EXPECT_NE(e.find(words), std::string::npos) << text << " -> " << e;
  }
}

}  // namespace
}  // namespace inherent::train
