// SPDX-License-Identifier: Apache-2.0
// `inherent noisy --labels L.csv --snr clean,0,5,10,20 --out DIR`: copies of held-out
// clips with noise at fixed SNRs, so every system under test reads the very same files
// (bench/one-vs-two-pass.sh). Writes, per SNR,
//   DIR/snr-05/wav/<line>-<name>.wav   16 kHz mono 16-bit PCM
//   DIR/snr-05/labels.csv              the source rows (labels, split, transcript kept),
//                                      audio_path pointing at the copy, a `noise` column
// and DIR/noisy.json with the parameters. The mixing is the augmentation library's
// (augment::choose_noise + augment::mix_at_snr); each clip's noise depends on --seed and
// its audio_path only, so a rerun, or a resumed run, gives the same bytes.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "data/augment.h"
#include "data/synth.h"
#include "frontend/audio-file.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {
namespace {

namespace fs = std::filesystem;

struct Level {
  bool clean = false;
  double snr_db = 0;
  std::string dir;  // "clean", "snr-05", "snr-m05", "snr-7.5"
};

Level parse_level(const std::string& text) {
  Level l;
  if (text == "clean") {
    l.clean = true;
    l.dir = "clean";
    return l;
  }
  size_t used = 0;
  try {
    l.snr_db = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(l.snr_db >= -30 && l.snr_db <= 60))
    throw CLI::ValidationError("--snr", "'" + text + "' is not `clean` or a number of dB in [-30, 60]");
  char buf[32];
  if (l.snr_db == std::round(l.snr_db))
    std::snprintf(buf, sizeof buf, "snr-%s%02d", l.snr_db < 0 ? "m" : "",
                  static_cast<int>(std::fabs(l.snr_db)));
  else
    std::snprintf(buf, sizeof buf, "snr-%s%g", l.snr_db < 0 ? "m" : "", std::fabs(l.snr_db));
  l.dir = buf;
  return l;
}

// "wav/000123-name.wav": the CSV line keeps names unique, the stem keeps them readable.
std::string copy_name(const LabelRow& row) {
  char line[16];
  std::snprintf(line, sizeof line, "%06zu", row.line);
  return std::string("wav/") + line + "-" + fs::path(row.audio_path).stem().string() + ".wav";
}

std::string describe(const augment::NoiseChoice& c, const Level& l) {
  if (l.clean) return "none";  // the clip as it is (a corpus clip may carry its own augmentation)
  char snr[32];
  std::snprintf(snr, sizeof snr, " snr=%g", l.snr_db);
  return std::string(augment::noise_kind_name(c.kind)) + (c.source.empty() ? "" : ":" + c.source) + snr;
}

}  // namespace

void add_noisy(CLI::App& app) {
  struct Opts {
    std::string labels, out, noise_dir;
    std::vector<std::string> splits = {"eval", "test"}, snrs = {"clean", "0", "5", "10", "20"};
    size_t limit = 0;
    uint64_t seed = 1;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd =
      app.add_subcommand("noisy", "Copies of labelled clips with noise at fixed SNRs (one set per SNR)");
  cmd->add_option("--labels", o->labels, "Labels CSV whose clips to copy")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--split", o->splits, "Only rows of these splits")
      ->delimiter(',')
      ->check(CLI::IsMember({"train", "eval", "test"}))
      ->capture_default_str();
  cmd->add_option("--snr", o->snrs, "SNRs in dB, and `clean` for an unmixed copy (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option(
      "--noise-dir", o->noise_dir,
      "Recorded noise (wav/flac/ogg; a clip of split S hears only the S part of each recording, as in "
      "`inherent synth`). Default: the augmentation library's synthetic noises");
  cmd->add_option("--out", o->out, "Output folder: one subfolder per SNR")->required();
  cmd->add_option("--limit", o->limit, "Only the first N rows (after --split; 0: all)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the noise choices and samples")->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No progress line");
  cmd->footer(
      "SNR: 10 log10(P_speech / P_noise), both over the clip's active part (leading and trailing silence "
      "excluded).\n"
      "Resumable: clips already written are kept (a different --seed, --noise-dir or --labels is refused).\n"
      "Exit code: 0 done, 1 error (bad labels row, unreadable clip or noise), 2 usage.");
  cmd->callback([o] {
    std::vector<Level> levels;
    for (const std::string& s : o->snrs) levels.push_back(parse_level(s));
    LabelsCheckOptions check;
    check.check_audio = false;  // a clip that cannot be read fails below, naming its line
    const Labels labels = read_labels(o->labels, check);
    std::vector<const LabelRow*> rows;
    for (const LabelRow& r : labels.rows) {
      if (o->limit && rows.size() >= o->limit) break;
      for (const std::string& s : o->splits)
        if (s == split_name(r.split)) rows.push_back(&r);
    }
    if (rows.empty())
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, o->labels + ": no rows of the chosen splits");
    const auto banks = synth::load_noise(o->noise_dir);

    // The parameters, so a resumed run cannot mix two recipes in one folder.
    nlohmann::ordered_json params = {
        {"command", "noisy"},
        {"labels", fs::absolute(o->labels).lexically_normal().string()},
        {"splits", o->splits},
        {"limit", o->limit},
        {"seed", o->seed},
        {"noise_dir",
         o->noise_dir.empty() ? std::string("") : fs::absolute(o->noise_dir).lexically_normal().string()},
        {"noise", o->noise_dir.empty() ? "synthetic (white, pink, brown, hum, tones)" : "recorded"}};
    const fs::path out(o->out), params_file = out / "noisy.json";
    if (fs::exists(params_file)) {
      nlohmann::ordered_json old =
          nlohmann::ordered_json::parse(read_file(params_file.string()), nullptr, false);
      if (!old.is_discarded()) old.erase("snr");
      if (old != params)
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                        params_file.string() + ": made with other parameters; use another --out folder");
    }
    for (const Level& l : levels) fs::create_directories(out / l.dir / "wav");
    params["snr"] = o->snrs;
    write_file_atomic(params_file.string(), json_text(params, 2) + "\n");

    // Output columns: the source's, less the mel cache (it holds the clean clip), plus `noise`.
    std::vector<std::string> header;
    std::vector<int> keep;
    int audio_col = -1;
    for (size_t c = 0; c < labels.header.size(); ++c) {
      const std::string& name = labels.header[c];
      if (name == "mel_path" || name == "n_frames" || name == "noise") continue;
      if (name == "audio_path") audio_col = static_cast<int>(header.size());
      header.push_back(name);
      keep.push_back(static_cast<int>(c));
    }
    header.push_back("noise");
    std::vector<std::vector<LabelRow>> sets(levels.size());

    Progress progress("noisy", rows.size(), !o->quiet);
    for (const LabelRow* row : rows) {
      const uint64_t clip_seed = augment::mix_seed(o->seed, row->audio_path);
      const augment::NoiseBank& bank = banks[static_cast<size_t>(row->split)];
      const augment::NoiseChoice choice = augment::choose_noise(bank, clip_seed);
      const std::string name = copy_name(*row);
      std::vector<float> clip;  // read once, only when a copy is missing
      for (size_t k = 0; k < levels.size(); ++k) {
        const Level& l = levels[k];
        const fs::path file = out / l.dir / name;
        if (!fs::exists(file)) {
          if (clip.empty()) {
            try {
              clip = read_audio_file(row->resolved_path).samples;
            } catch (const std::exception& e) {
              throw Exception(INHERENT_STATUS_IO_ERROR,
                              o->labels + ":" + std::to_string(row->line) + ": " + e.what());
            }
          }
          const std::vector<float> x = l.clean ? clip : augment::mix_at_snr(clip, l.snr_db, choice, bank);
          write_file_atomic(file.string(), synth::wav_bytes(x));
        }
        LabelRow copy = *row;
        copy.fields.clear();
        for (int c : keep)
          copy.fields.push_back(
              static_cast<size_t>(c) < row->fields.size() ? row->fields[static_cast<size_t>(c)] : "");
        copy.fields[static_cast<size_t>(audio_col)] = name;
        copy.fields.push_back(describe(choice, l));
        sets[k].push_back(std::move(copy));
      }
      progress.add();
    }
    progress.finish();
    for (size_t k = 0; k < levels.size(); ++k) {
      const fs::path csv = out / levels[k].dir / "labels.csv";
      write_file_atomic(csv.string(), labels_to_csv(header, sets[k]));
      if (!o->quiet) std::printf("noisy: %s (%zu clips)\n", csv.string().c_str(), sets[k].size());
    }
  });
}

}  // namespace inherent::cli
