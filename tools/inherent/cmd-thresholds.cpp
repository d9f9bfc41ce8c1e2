// SPDX-License-Identifier: Apache-2.0
// `inherent thresholds --artifact PKG | --checkpoint CKPT --manifest CSV --metadata-out F`:
// per-head decision thresholds from a held-out split (eval::select_threshold), written
// into the metadata's `default_thresholds` with how they were chosen in
// `threshold_calibration`. The output is what the engine loads and what
// `inherent export --thresholds` reads, so every backend's sidecar carries them.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "common/files.h"
#include "common/json-text.h"
#include "engine/model-package.h"
#include "eval/thresholds.h"
#include "inherent/inherent.hpp"
#include "split-scores.h"

namespace inherent::cli {
namespace {

constexpr int kHeads = INHERENT_N_HEADS;

}  // namespace

void add_thresholds(CLI::App& app) {
  struct Opts {
    ScoreSource source;
    std::string manifest, split = "eval", rule = "gated-f1", metadata_in, metadata_out;
    double min_recall = -1, target_fpr = -1;
    bool allow_missing = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd =
      app.add_subcommand("thresholds", "Calibrate per-head thresholds on a held-out split into the metadata");
  add_source_options(cmd, &o->source);
  cmd->add_option("--manifest", o->manifest, "Labels CSV with the held-out rows")->required();
  cmd->add_option("--split", o->split, "Rows to calibrate on: train, eval or test")
      ->check(CLI::IsMember({"train", "eval", "test"}))
      ->capture_default_str();
  cmd->add_option(
         "--rule", o->rule,
         "gated-f1: the gate as f1-at-recall, then each intent at its highest F1 on the clips the gate "
         "lets through (decisions that mean something: few intents per request, none on side talk); "
         "f1-at-recall: every head alone, the highest F1 with recall >= --min-recall (ties: lower FPR; "
         "many intents fire at once); target-fpr: the lowest threshold with FPR <= --target-fpr")
      ->check(CLI::IsMember({"gated-f1", "f1-at-recall", "target-fpr"}))
      ->capture_default_str();
  cmd->add_option("--min-recall", o->min_recall,
                  "Recall floor of f1-at-recall (default 0.95), and of the gate in gated-f1 (default 0.92)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--target-fpr", o->target_fpr, "False-positive-rate budget of target-fpr (needed with it)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--allow-missing-heads", o->allow_missing,
                "Heads without a positive or a negative clip keep their current threshold and are listed "
                "as uncalibrated (default: an error)");
  cmd->add_option("--metadata-in", o->metadata_in,
                  "Metadata to update (default: the artifact's own; with --checkpoint, none: the output then "
                  "holds only default_thresholds and threshold_calibration)");
  cmd->add_option(
         "--metadata-out", o->metadata_out,
         "Where to write it (atomically; may equal --metadata-in). Feed it to `inherent export --thresholds`")
      ->required();
  cmd->footer(
      "Example: inherent thresholds --checkpoint runs/small --manifest labels.csv --metadata-out "
      "thresholds.json\n"
      "         inherent export --checkpoint runs/small --thresholds thresholds.json -o out/export --backend "
      "all");
  cmd->callback([o] {
    eval::ThresholdOptions options;
    options.rule = *eval::parse_threshold_rule(o->rule);
    options.min_recall = o->min_recall >= 0                              ? o->min_recall
                         : options.rule == eval::ThresholdRule::gated_f1 ? 0.92
                                                                         : 0.95;
    if (options.rule == eval::ThresholdRule::target_fpr) {
      if (o->target_fpr < 0) throw CLI::ValidationError("--target-fpr", "is needed with --rule target-fpr");
      options.target_fpr = o->target_fpr;
    }
    // The metadata to update: read before scoring, so a bad file fails fast.
    ojson meta = ojson::object();
    if (!o->metadata_in.empty()) {
      meta = ojson::parse(read_file(o->metadata_in), nullptr, false);
      if (meta.is_discarded() || !meta.is_object())
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, o->metadata_in + ": not a JSON object");
    }
    const SplitScores s = score_split(o->source, o->manifest, o->split);
    if (o->metadata_in.empty() && !s.metadata.empty()) meta = ojson::parse(s.metadata);
    // Current thresholds: the metadata's, else the scorer's (seed defaults for a checkpoint).
    std::vector<float> current = s.thresholds;
    if (meta.contains("default_thresholds") && meta["default_thresholds"].is_object()) {
      for (int h = 0; h < kHeads; ++h) {
        const auto it = meta["default_thresholds"].find(head_threshold_key(h));
        if (it != meta["default_thresholds"].end() && it->is_number())
          current[static_cast<size_t>(h)] = it->get<float>();
      }
    }
    const std::vector<eval::ThresholdChoice> choices =
        eval::select_thresholds(s.scores.data(), s.labels.data(), s.size(), options);
    std::vector<std::string> missing;
    for (int h = 0; h < kHeads; ++h)
      if (!choices[static_cast<size_t>(h)].calibrated)
        missing.push_back(head_name(h) + " (" + choices[static_cast<size_t>(h)].reason + ")");
    if (!missing.empty() && !o->allow_missing) {
      std::string msg = o->manifest + " (split " + o->split + "): " + std::to_string(missing.size()) +
                        " head(s) cannot be calibrated:";
      for (const std::string& m : missing) msg += "\n  " + m;
      msg += "\n(--allow-missing-heads keeps their current thresholds and marks them uncalibrated)";
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, msg);
    }

    ojson thresholds = ojson::object(), heads = ojson::object(), uncalibrated = ojson::array();
    for (int h = 0; h < kHeads; ++h) {
      const eval::ThresholdChoice& c = choices[static_cast<size_t>(h)];
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
    ojson calibration = {{"method", o->rule}};
    if (options.rule == eval::ThresholdRule::f1_at_recall) {
      calibration["min_recall"] = options.min_recall;
    } else if (options.rule == eval::ThresholdRule::gated_f1) {
      calibration["min_recall"] = options.min_recall;
      calibration["intents"] = "highest F1 on the clips whose gate score reaches the gate's threshold";
    } else {
      calibration["target_fpr"] = options.target_fpr;
    }
    calibration["decision"] = "score >= threshold";
    calibration["manifest"] = o->manifest;
    calibration["split"] = o->split;
    calibration["n_clips"] = s.size();
    calibration["model"] = s.model;
    calibration["scorer"] = s.scorer;
    calibration["uncalibrated"] = uncalibrated;
    calibration["heads"] = heads;
    meta["default_thresholds"] = thresholds;
    meta["threshold_calibration"] = calibration;
    const std::string text = json_text(meta, 2) + "\n";
    // A package's metadata must still load in the engine with the package's weights.
    if (!o->source.artifact.empty() && std::filesystem::is_directory(o->source.artifact) &&
        meta.contains("format")) {
      const std::string weights = read_file(resolve_path(o->source.artifact, kPackageWeightsFile));
      try {
        (void)Model::from_memory(weights.data(), weights.size(), text);
      } catch (const Exception& e) {
        throw Exception(e.status(), "the new metadata would not load: " + std::string(e.what()));
      }
    }
    write_file_atomic(o->metadata_out, text);

    std::printf("thresholds: %s on %zu clips (split %s of %s), %s\n", o->rule.c_str(), s.size(),
                o->split.c_str(), o->manifest.c_str(), s.scorer.c_str());
    std::printf("%-24s %6s %6s %10s %6s %6s %6s %6s\n", "head", "pos", "neg", "threshold", "prec", "recall",
                "F1", "FPR");
    for (int h = 0; h < kHeads; ++h) {
      const eval::ThresholdChoice& c = choices[static_cast<size_t>(h)];
      if (c.calibrated) {
        std::printf("%-24s %6lld %6lld %10.6f %s %s %s %s\n", head_name(h).c_str(),
                    static_cast<long long>(c.positives), static_cast<long long>(c.negatives),
                    static_cast<double>(c.threshold), fmt(c.at.precision()).c_str(),
                    fmt(c.at.recall()).c_str(), fmt(c.at.f1()).c_str(), fmt(c.at.fpr()).c_str());
      } else {
        std::printf("%-24s %6lld %6lld %10.6f uncalibrated: %s\n", head_name(h).c_str(),
                    static_cast<long long>(c.positives), static_cast<long long>(c.negatives),
                    static_cast<double>(current[static_cast<size_t>(h)]), c.reason.c_str());
      }
    }
    std::printf("wrote %s\n", o->metadata_out.c_str());
  });
}

}  // namespace inherent::cli
