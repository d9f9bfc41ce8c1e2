// SPDX-License-Identifier: Apache-2.0
// `inherent spot-checks --index data/spot-checks/spot-checks.json --voices PATTERNS
// --output-dir DIR`: speaks the hand-written spot-check utterances (src/data/
// spot-check-synth.h): one clip per (utterance, voice) and a labels manifest for
// `inherent eval --spot-checks`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "data/spot-check-synth.h"
#include "data/tts.h"
#include "eval/spot-checks.h"
#include "host/csv.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

namespace {

namespace fs = std::filesystem;

struct SpeakOpts {
  std::string index, voices, output_dir, manifest, ids;
  int threads = 0;
  bool quiet = false, no_festival = false;
};

// The index's utterances (those matching --ids), spoken by every voice.
void speak_spot_checks(const SpeakOpts& o) {
  const std::vector<eval::SpotCheck> index = eval::read_spot_checks(o.index);
  const std::vector<std::string> ids = split_commas(o.ids.empty() ? "*" : o.ids);
  std::vector<synth::SpotCheckUtterance> utterances;
  for (const eval::SpotCheck& f : index) {
    if (std::none_of(ids.begin(), ids.end(),
                     [&](const std::string& p) { return synth::voice_matches(p, f.id); }))
      continue;
    synth::SpotCheckUtterance u{f.id, f.text, f.kind, {}};
    std::copy(f.labels.begin(), f.labels.end(), u.heads.begin());
    utterances.push_back(std::move(u));
  }
  if (utterances.empty())
    throw CLI::ValidationError("--ids", "'" + o.ids + "' matches no spot check of " + o.index);
  tts::Synthesizer::Options to;
  to.festival = !o.no_festival;
  tts::Synthesizer tts(to);
  for (const auto& n : tts.notes()) std::fprintf(stderr, "inherent spot-checks: note: %s\n", n.c_str());
  const std::vector<const tts::Voice*> voices = synth::select_voices(tts, split_commas(o.voices));
  const std::string manifest =
      o.manifest.empty() ? (fs::path(o.output_dir) / "labels.csv").string() : o.manifest;
  const synth::SpotCheckStats st =
      synth::render_spot_checks(utterances, voices, tts, o.output_dir, manifest, o.threads, o.quiet);
  std::printf(
      "spot-checks: %zu spot checks x %zu voices = %zu clips (%zu rendered, %zu reused), %.1f s of audio, in "
      "%s\n",
      utterances.size(), voices.size(), st.clips, st.rendered, st.reused, st.audio_s,
      format_duration(st.wall_s).c_str());
  std::printf("manifest: %s\n", manifest.c_str());
}

}  // namespace

void add_spot_checks(CLI::App& app) {
  auto so = std::make_shared<SpeakOpts>();
  CLI::App* cmd =
      app.add_subcommand("spot-checks", "Speak the hand-written spot-check utterances with TTS voices");
  cmd->add_option("--index", so->index, "Spot-check index (data/spot-checks/spot-checks.json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--voices", so->voices, "Voice ids / patterns with *, comma-separated (espeak:en-us)")
      ->required();
  cmd->add_option("--output-dir", so->output_dir, "Folder of the clips (wav/<voice>/<id>-<hash>.wav)")
      ->required();
  cmd->add_option("--output-manifest", so->manifest, "Labels CSV to write (default OUTPUT_DIR/labels.csv)");
  cmd->add_option("--ids", so->ids, "Only spot checks whose id matches one of these patterns (with *)");
  cmd->add_option("-j,--threads", so->threads, "Worker threads (default: all cores)");
  cmd->add_flag("--no-festival", so->no_festival, "Leave festival out (no helper processes)");
  cmd->add_flag("-q,--quiet", so->quiet, "No progress line");
  cmd->footer(
      "One clip per (spot check, voice), unaugmented, and a labels manifest in the format of `inherent "
      "synth`\n"
      "(split test, template_id spot:<id>) for `inherent eval --spot-checks INDEX`.\n"
      "A rerun reuses the clips already written. Exit codes: 0 done, 1 failure, 2 usage error.");
  cmd->callback([so] { speak_spot_checks(*so); });
}

}  // namespace inherent::cli
