// SPDX-License-Identifier: Apache-2.0
// `inherent labels check FILE`: validate a labels CSV against the contract.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {

void add_labels(CLI::App& app) {
  struct Opts {
    std::vector<std::string> files;
    bool no_audio = false, json = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* labels = app.add_subcommand("labels", "Work with labels CSVs (see docs/labels.md)");
  labels->require_subcommand(1);
  CLI::App* cmd = labels->add_subcommand(
      "check",
      "Validate labels CSVs: header, 0/1 heads, splits, gate consistency, audio, durations.\n"
      "Each problem is printed as FILE:LINE:COLUMN: [rule] message; exit 1 if any.");
  cmd->add_option("files", o->files, "Labels CSV files")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--no-audio", o->no_audio, "Do not open the audio files (schema only)");
  cmd->add_flag("--json", o->json, "Print one JSON object per file instead of text");
  cmd->add_flag("-q,--quiet", o->quiet, "Print problems only, no summary");
  cmd->callback([o] {
    LabelsCheckOptions opts;
    opts.check_audio = !o->no_audio;
    opts.allow_unlabelled = true;  // part of the contract; readers other than training refuse them
    size_t total_issues = 0;
    for (const std::string& path : o->files) {
      const LabelsCheck check = check_labels(path, opts);
      total_issues += check.issues.size();
      // Class balance over valid rows: positives per head and per split.
      std::array<size_t, INHERENT_N_HEADS> pos{};
      std::array<size_t, 3> split_rows{};
      double seconds = 0;
      size_t unlabelled = 0;
      for (const LabelRow& r : check.labels.rows) {
        unlabelled += r.labelled ? 0 : 1;
        for (int h = 0; h < INHERENT_N_HEADS; ++h) pos[h] += r.heads[h];
        split_rows[static_cast<int>(r.split)]++;
        seconds += r.duration_s;
      }
      if (o->json) {
        nlohmann::json j;
        j["path"] = path;
        j["ok"] = check.ok();
        j["rows_valid"] = check.labels.rows.size();
        j["issues"] = nlohmann::json::array();
        for (const LabelIssue& i : check.issues)
          j["issues"].push_back(
              {{"line", i.line}, {"column", i.column}, {"rule", i.rule}, {"message", i.message}});
        j["splits"] = {{"train", split_rows[0]}, {"eval", split_rows[1]}, {"test", split_rows[2]}};
        j["positives"] = nlohmann::json::object();
        for (int h = 0; h < INHERENT_N_HEADS; ++h) j["positives"][head_name(h)] = pos[h];
        j["audio_seconds"] = seconds;
        j["unlabelled"] = unlabelled;
        std::printf("%s\n", json_text(j).c_str());
        continue;
      }
      for (const LabelIssue& i : check.issues) std::printf("%s\n", format_issue(path, i).c_str());
      if (o->quiet) continue;
      std::printf("%s: %zu valid rows (train %zu, eval %zu, test %zu), %.1f min of audio, %zu problem(s)\n",
                  path.c_str(), check.labels.rows.size(), split_rows[0], split_rows[1], split_rows[2],
                  seconds / 60.0, check.issues.size());
      if (unlabelled)
        std::printf(
            "  %zu unlabelled train rows (teacher scores only: distillation reads them, other tools "
            "refuse them)\n",
            unlabelled);
      if (!check.labels.rows.empty()) {
        std::printf("  positives per head:\n");
        for (int h = 0; h < INHERENT_N_HEADS; ++h)
          std::printf("    %-24s %6zu (%5.1f%%)\n", head_name(h).c_str(), pos[h],
                      100.0 * pos[h] / check.labels.rows.size());
      }
    }
    if (total_issues) throw ExitCode{1};
  });
}

}  // namespace inherent::cli
