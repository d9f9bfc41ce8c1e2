// SPDX-License-Identifier: Apache-2.0
// `inherent synth`: the synthetic training corpus (docs/synth.md). Sentences from the
// template grammar, spoken by every English TTS voice on the machine, augmented, written
// as 16 kHz 16-bit WAVs plus a labels CSV. Deterministic from --seed and resumable.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "commands.h"
#include "common/progress.h"
#include "data/grammar.h"
#include "data/synth.h"
#include "data/tts.h"
#include "inherent/inherent.hpp"

namespace inherent::cli {

namespace {

struct SynthOpts {
  synth::Options o;
  std::string grammar = "data/text", fractions = "0.8,0.1,0.1", voices = "all",
              engines_w = "espeak=0.6,flite=0.25,festival=0.15", shard;
  double gate0 = 0.5, hard = 0.3;
  bool dry_run = false, list_voices = false, no_festival = false;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, ','))
    if (!cur.empty()) out.push_back(cur);
  return out;
}

double parse_double(const std::string& s, const std::string& what) {
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  throw CLI::ValidationError(what, "'" + s + "' is not a number");
}

synth::TextSource grammar_source(std::shared_ptr<const Grammar> g, SampleOptions so) {
  return [g, so](size_t n, Split split, uint64_t seed) {
    std::vector<synth::Text> out;
    for (const Utterance& u : g->sample(n, split, seed, so)) {
      synth::Text t;
      t.text = u.text;
      std::copy(u.heads.begin(), u.heads.end(), t.heads.begin());
      t.template_id = u.template_id;
      t.category = u.category;
      t.kind = template_kind_name(u.kind);
      t.hard = u.hard;
      out.push_back(std::move(t));
    }
    return out;
  };
}

void list_voices(const tts::Synthesizer& tts) {
  std::printf("%-34s %-8s %-3s %-6s %-11s %-11s %s\n", "voice", "engine", "sex", "split", "rate", "pitch", "families");
  std::map<std::string, std::array<size_t, 4>> counts;  // engine -> train, eval, test, unused
  for (const tts::Voice& v : tts.voices()) {
    std::string fam;
    for (const auto& f : v.families) fam += (fam.empty() ? "" : " ") + f;
    char rate[32], pitch[32];
    std::snprintf(rate, sizeof rate, "%.2f-%.2f", v.rate.min, v.rate.max);
    std::snprintf(pitch, sizeof pitch, "%.2f-%.2f", v.pitch.min, v.pitch.max);
    std::printf("%-34s %-8s %-3c %-6s %-11s %-11s %s\n", v.id.c_str(), tts::engine_name(v.engine), v.gender,
                v.split ? split_name(*v.split) : "unused", rate, pitch, fam.c_str());
    counts[tts::engine_name(v.engine)][v.split ? static_cast<int>(*v.split) : 3]++;
  }
  std::printf("\n%-10s %6s %6s %6s %7s\n", "engine", "train", "eval", "test", "unused");
  for (auto& [e, c] : counts) std::printf("%-10s %6zu %6zu %6zu %7zu\n", e.c_str(), c[0], c[1], c[2], c[3]);
  std::printf("(unused: the voice's language voice and variant belong to different splits)\n");
}

}  // namespace

void add_synth(CLI::App& app) {
  auto so = std::make_shared<SynthOpts>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Synthesize a labelled training corpus: grammar sentences x TTS voices x augmentation");
  cmd->footer(
      "Writes OUT/wav/<split>/*.wav (16 kHz mono 16-bit) and OUT/labels.csv (the labels contract plus\n"
      "template_id, category, kind, hard, voice, engine, rate, pitch, augmentation). Splits are disjoint by\n"
      "voice (docs/synth.md) and by template (the grammar). Same options and seed: same files; a rerun\n"
      "skips finished clips, so a killed run resumes; --shard splits the work across machines.\n"
      "Exit codes: 0 done, 1 failure, 2 usage error.\n"
      "Augmentation presets: none, light, default, heavy.");
  cmd->add_option("--grammar", so->grammar, "Template grammar folder")->capture_default_str();
  cmd->add_option("--out", so->o.out, "Output folder");
  cmd->add_option("-n,--count,--clips", so->o.count, "Number of clips (all splits together)");
  cmd->add_option("--split-fractions", so->fractions, "train,eval,test shares")->capture_default_str();
  cmd->add_option("--voices", so->voices,
                  "all, or comma-separated voice ids / patterns with * (espeak:*, flite:slt, festival:*)")
      ->capture_default_str();
  cmd->add_option("--seed", so->o.seed, "Seed of every random choice")->capture_default_str();
  cmd->add_option("-j,--threads", so->o.threads, "Worker threads (default: all cores)");
  cmd->add_option("--augment", so->o.augment, "Augmentation preset")->capture_default_str();
  cmd->add_option("--noise-dir", so->o.noise_dir, "Folder of recorded noise to mix in (wav/flac/ogg; optional)");
  cmd->add_option("--non-speech", so->o.non_speech_fraction,
                  "Share of non-speech clips (noise, hum, tones, babble, silence; all heads 0)")
      ->capture_default_str();
  cmd->add_option("--engine-weights", so->engines_w, "Share of speech clips per engine (renormalized per split)")
      ->capture_default_str();
  cmd->add_option("--gate0", so->gate0, "Share of sentences not addressed to the assistant")->capture_default_str();
  cmd->add_option("--hard", so->hard, "Share of gate-0 sentences drawn from hard negatives")->capture_default_str();
  cmd->add_option("--babble-pool", so->o.babble_pool, "Utterances per split for babble (default: scaled with size)");
  cmd->add_option("--shard", so->shard,
                  "i/n: render only clips i, i+n, i+2n... into the same --out (no labels.csv); a final run "
                  "without --shard reuses them all and writes labels.csv");
  cmd->add_flag("--no-festival", so->no_festival, "Leave festival out (no helper processes)");
  cmd->add_flag("--dry-run", so->dry_run, "Print the plan (clips per split, engine and head) and stop");
  cmd->add_flag("--list-voices", so->list_voices, "Print the voice inventory with each voice's split and stop");
  cmd->add_flag("-q,--quiet", so->o.quiet, "No progress bar");
  cmd->callback([so] {
    synth::Options& o = so->o;
    tts::Synthesizer::Options to;
    to.festival = !so->no_festival;
    tts::Synthesizer tts(to);
    for (const auto& n : tts.notes()) std::fprintf(stderr, "inherent synth: note: %s\n", n.c_str());
    if (so->list_voices) {
      list_voices(tts);
      return;
    }
    if (o.out.empty()) throw CLI::RequiredError("--out");
    if (o.count == 0) throw CLI::ValidationError("--count", "must be at least 1");
    const auto fr = split_commas(so->fractions);
    if (fr.size() != 3) throw CLI::ValidationError("--split-fractions", "three numbers: train,eval,test");
    for (int i = 0; i < 3; ++i) o.split_fractions[i] = parse_double(fr[i], "--split-fractions");
    o.voices = split_commas(so->voices);
    if (o.voices.empty()) throw CLI::ValidationError("--voices", "empty");
    o.engine_weights = {0, 0, 0};
    for (const std::string& kv : split_commas(so->engines_w)) {
      const size_t eq = kv.find('=');
      const auto e = tts::parse_engine(kv.substr(0, eq));
      if (eq == std::string::npos || !e)
        throw CLI::ValidationError("--engine-weights", "'" + kv + "': ENGINE=WEIGHT with espeak, flite or festival");
      o.engine_weights[static_cast<int>(*e)] = parse_double(kv.substr(eq + 1), "--engine-weights");
    }

    if (!so->shard.empty()) {
      const size_t slash = so->shard.find('/');
      try {
        if (slash == std::string::npos) throw std::invalid_argument("no /");
        o.shard_index = std::stoul(so->shard.substr(0, slash));
        o.shard_count = std::stoul(so->shard.substr(slash + 1));
      } catch (const std::exception&) {
        throw CLI::ValidationError("--shard", "'" + so->shard + "': i/n, e.g. 0/4");
      }
      if (o.shard_count == 0 || o.shard_index >= o.shard_count)
        throw CLI::ValidationError("--shard", "'" + so->shard + "': need 0 <= i < n");
    }

    auto g = std::make_shared<const Grammar>(Grammar::load(so->grammar));
    SampleOptions sample;
    sample.gate0_fraction = so->gate0;
    sample.hard_negative_fraction = so->hard;
    const synth::TextSource texts = grammar_source(g, sample);

    const synth::Corpus corpus = synth::plan(o, tts, texts);
    if (so->dry_run) {
      std::fputs(synth::describe(corpus).c_str(), stdout);
      return;
    }
    const synth::RunStats st = synth::render(corpus, o, tts, texts);
    if (!o.quiet) {
      const double rtf = st.rendered_audio_s > 0 ? st.wall_s / st.rendered_audio_s : 0;
      std::printf("synth: %zu clips (%zu rendered, %zu reused) in %s: %.1f clips/s, %.1f min of audio rendered, "
                  "real-time factor %.4f\n",
                  st.clips, st.rendered, st.reused, format_duration(st.wall_s).c_str(),
                  st.wall_s > 0 ? static_cast<double>(st.rendered) / st.wall_s : 0.0, st.rendered_audio_s / 60, rtf);
      if (o.shard_count > 1)
        std::printf("shard %zu/%zu done; once every shard is in %s, run without --shard to write labels.csv\n",
                    o.shard_index, o.shard_count, o.out.c_str());
      else
        std::printf("%s/labels.csv:\n%s", o.out.c_str(), synth::summarize_labels(o.out + "/labels.csv").c_str());
    }
    for (const auto& w : st.warnings) std::fprintf(stderr, "inherent synth: warning: %s\n", w.c_str());
  });
}

}  // namespace inherent::cli
