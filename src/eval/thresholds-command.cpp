// SPDX-License-Identifier: Apache-2.0
#include "eval/thresholds-command.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/model-package.h"
#include "eval/thresholds.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::eval {
namespace {

constexpr int kHeads = INHERENT_N_HEADS;

[[noreturn]] void bad(const std::string& message) {
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, message);
}

ThresholdOptions rule_options(const ThresholdsOptions& o) {
  ThresholdOptions options;
  options.rule = *parse_threshold_rule(o.rule);
  options.min_recall = o.min_recall >= 0                         ? o.min_recall
                       : options.rule == ThresholdRule::gated_f1 ? 0.92
                                                                 : 0.95;
  if (options.rule == ThresholdRule::target_fpr) options.target_fpr = o.target_fpr;
  return options;
}

// The metadata to update: --metadata-in, read before scoring so a bad file fails fast.
ojson metadata_in(const ThresholdsOptions& o) {
  ojson meta = ojson::object();
  if (!o.metadata_in.empty()) {
    meta = ojson::parse(read_file(o.metadata_in), nullptr, false);
    if (meta.is_discarded() || !meta.is_object())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, o.metadata_in + ": not a JSON object");
  }
  return meta;
}

// The thresholds before calibration: the metadata's, else the scorer's (seed defaults
// for a checkpoint).
std::vector<float> current_thresholds(const ojson& meta, const SplitScores& s) {
  std::vector<float> current = s.thresholds;
  if (meta.contains("default_thresholds") && meta["default_thresholds"].is_object()) {
    for (int h = 0; h < kHeads; ++h) {
      const auto it = meta["default_thresholds"].find(head_threshold_key(h));
      if (it != meta["default_thresholds"].end() && it->is_number())
        current[static_cast<size_t>(h)] = it->get<float>();
    }
  }
  return current;
}

void refuse_missing_heads(const ThresholdsOptions& o, const std::vector<ThresholdChoice>& choices) {
  std::vector<std::string> missing;
  for (int h = 0; h < kHeads; ++h)
    if (!choices[static_cast<size_t>(h)].calibrated)
      missing.push_back(inherent::head_name(h) + " (" + choices[static_cast<size_t>(h)].reason + ")");
  if (!missing.empty() && !o.allow_missing_heads) {
    std::string msg = o.manifest + " (split " + o.split + "): " + std::to_string(missing.size()) +
                      " head(s) cannot be calibrated:";
    for (const std::string& m : missing) msg += "\n  " + m;
    msg += "\n(--allow-missing-heads keeps their current thresholds and marks them uncalibrated)";
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, msg);
  }
}

// default_thresholds and threshold_calibration, written into meta.
void write_choices(const ThresholdsOptions& o, const ThresholdOptions& options, const SplitScores& s,
                   const std::vector<ThresholdChoice>& choices, const std::vector<float>& current,
                   ojson* meta) {
  ojson thresholds = ojson::object(), heads = ojson::object(), uncalibrated = ojson::array();
  for (int h = 0; h < kHeads; ++h) {
    const ThresholdChoice& c = choices[static_cast<size_t>(h)];
    const std::string key = head_threshold_key(h);
    const float value = c.calibrated ? c.threshold : current[static_cast<size_t>(h)];
    thresholds[key] = static_cast<double>(value);  // the exact float, so decisions reproduce
    ojson x = {{"calibrated", c.calibrated},
               {"threshold", static_cast<double>(value)},
               {"positives", c.positives},
               {"negatives", c.negatives}};
    if (c.calibrated) {
      x["precision"] = num(c.at.precision());
      x["recall"] = num(c.at.recall());
      x["f1"] = num(c.at.f1());
      x["fpr"] = num(c.at.fpr());
    } else {
      x["reason"] = c.reason;
      uncalibrated.push_back(key);
    }
    heads[key] = x;
  }
  ojson calibration = {{"method", o.rule}};
  if (options.rule == ThresholdRule::f1_at_recall) {
    calibration["min_recall"] = options.min_recall;
  } else if (options.rule == ThresholdRule::gated_f1) {
    calibration["min_recall"] = options.min_recall;
    calibration["intents"] = "highest F1 on the clips whose gate score reaches the gate's threshold";
  } else {
    calibration["target_fpr"] = options.target_fpr;
  }
  calibration["decision"] = "score >= threshold";
  calibration["manifest"] = o.manifest;
  calibration["split"] = o.split;
  calibration["n_clips"] = s.size();
  calibration["model"] = s.model;
  calibration["scorer"] = s.scorer;
  calibration["trim_to_speech"] = s.trimmed;
  calibration["uncalibrated"] = uncalibrated;
  calibration["heads"] = heads;
  (*meta)["default_thresholds"] = thresholds;
  (*meta)["threshold_calibration"] = calibration;
}

// A package's metadata must still load in the engine with the package's weights.
void check_loads(const ThresholdsOptions& o, const ojson& meta, const std::string& text) {
  if (!o.source.artifact.empty() && std::filesystem::is_directory(o.source.artifact) &&
      meta.contains("format")) {
    const std::string weights = read_file(resolve_path(o.source.artifact, kPackageWeightsFile));
    try {
      (void)Model::from_memory(weights.data(), weights.size(), text);
    } catch (const Exception& e) {
      throw Exception(e.status(), "the new metadata would not load: " + std::string(e.what()));
    }
  }
}

void print_choices(const ThresholdsOptions& o, const SplitScores& s,
                   const std::vector<ThresholdChoice>& choices, const std::vector<float>& current) {
  std::printf("thresholds: %s on %zu clips (split %s of %s), %s\n", o.rule.c_str(), s.size(), o.split.c_str(),
              o.manifest.c_str(), s.scorer.c_str());
  std::printf("%-24s %6s %6s %10s %6s %6s %6s %6s\n", "head", "pos", "neg", "threshold", "prec", "recall",
              "F1", "FPR");
  for (int h = 0; h < kHeads; ++h) {
    const ThresholdChoice& c = choices[static_cast<size_t>(h)];
    if (c.calibrated) {
      std::printf("%-24s %6lld %6lld %10.6f %s %s %s %s\n", inherent::head_name(h).c_str(),
                  static_cast<long long>(c.positives), static_cast<long long>(c.negatives),
                  static_cast<double>(c.threshold), fmt(c.at.precision()).c_str(), fmt(c.at.recall()).c_str(),
                  fmt(c.at.f1()).c_str(), fmt(c.at.fpr()).c_str());
    } else {
      std::printf("%-24s %6lld %6lld %10.6f uncalibrated: %s\n", inherent::head_name(h).c_str(),
                  static_cast<long long>(c.positives), static_cast<long long>(c.negatives),
                  static_cast<double>(current[static_cast<size_t>(h)]), c.reason.c_str());
    }
  }
}

}  // namespace

void ThresholdsOptions::validate() const {
  if (manifest.empty()) bad("--manifest is required");
  if (metadata_out.empty()) bad("--metadata-out is required");
  if (source.artifact.empty() == source.checkpoint.empty()) bad("exactly one of --artifact and --checkpoint");
  if (!parse_split(split)) bad("--split " + split + ": must be train, eval or test");
  const auto r = parse_threshold_rule(rule);
  if (!r) bad("--rule " + rule + ": must be gated-f1, f1-at-recall or target-fpr");
  if (*r == ThresholdRule::target_fpr && target_fpr < 0) bad("--target-fpr is needed with --rule target-fpr");
}

std::string ThresholdsOptions::to_string() const {
  std::string s = "thresholds " + source.to_string() + " --manifest " + manifest + " --split " + split +
                  " --rule " + rule;
  if (min_recall >= 0) s += " --min-recall " + std::to_string(min_recall);
  if (target_fpr >= 0) s += " --target-fpr " + std::to_string(target_fpr);
  if (allow_missing_heads) s += " --allow-missing-heads";
  if (!metadata_in.empty()) s += " --metadata-in " + metadata_in;
  return s + " --metadata-out " + metadata_out;
}

void run_thresholds(const ThresholdsOptions& o) {
  o.validate();
  const ThresholdOptions options = rule_options(o);
  ojson meta = metadata_in(o);
  const SplitScores s = score_split(o.source, o.manifest, o.split);
  if (o.metadata_in.empty() && !s.metadata.empty()) meta = ojson::parse(s.metadata);
  const std::vector<float> current = current_thresholds(meta, s);
  const std::vector<ThresholdChoice> choices =
      select_thresholds(s.scores.data(), s.labels.data(), s.size(), options);
  refuse_missing_heads(o, choices);
  write_choices(o, options, s, choices, current, &meta);
  const std::string text = json_text(meta, 2) + "\n";
  check_loads(o, meta, text);
  write_file_atomic(o.metadata_out, text);
  print_choices(o, s, choices, current);
  std::printf("wrote %s\n", o.metadata_out.c_str());
}

}  // namespace inherent::eval
