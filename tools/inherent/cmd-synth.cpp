// SPDX-License-Identifier: Apache-2.0
// `inherent synth`: the synthetic training corpus (docs/synth.md). Sentences from the
// template grammar, spoken by every English TTS voice on the machine, augmented, written
// as 16 kHz 16-bit WAVs plus a labels CSV. Deterministic from --seed and resumable.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "data/grammar.h"
#include "data/importers.h"
#include "data/synth.h"
#include "data/tts.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/json-text.h"
#include "host/progress.h"
#include "inherent/inherent.hpp"
#include "labels/labels.h"

namespace inherent::cli {

namespace {

struct SynthOpts {
  synth::Options o;
  std::string grammar = "data/text", fractions = "0.8,0.1,0.1", voices = "all",
              engines_w = "espeak=0.6,flite=0.25,festival=0.15,piper=0", shard, splits;
  double gate0 = 0.5, hard = 0.3;
  bool dry_run = false, list_voices = false, no_festival = false;
  std::vector<std::string> imports, real_dirs;
  double real_share = 0.02, real_mix = 0;
  bool allow_share_alike = false;
};

// One --import FILE[:SHARE]: the sentences of an `inherent text import` file, by split.
struct ImportSpec {
  std::string path;
  double share = 0.1;
  std::array<std::vector<imports::Sentence>, n_splits> by_split;
  std::map<std::string, size_t> sources;  // source -> sentences in the file
};

// Checks that every source may be mixed (licence), else throws naming it.
void check_licence(const std::string& source, const std::string& what, bool allow_share_alike) {
  const imports::SourceInfo* info = imports::find_source(source);
  if (info && info->by_default) return;
  if (allow_share_alike) return;
  throw Exception(
      INHERENT_STATUS_INVALID_ARGUMENT,
      what + ": source '" + source + "' " +
          (info ? std::string("is ") + info->license +
                      " (share-alike: a corpus made from it must be shared "
                      "under the same terms)"
                : std::string("has no known licence")) +
          "; pass --allow-share-alike to mix it anyway (see `inherent text import --list-sources`)");
}

ImportSpec load_import(const std::string& arg, bool allow_share_alike) {
  ImportSpec spec;
  spec.path = arg;
  const size_t colon = arg.rfind(':');
  if (colon != std::string::npos && colon + 1 < arg.size()) {
    try {
      size_t used = 0;
      const double v = std::stod(arg.substr(colon + 1), &used);
      if (used == arg.size() - colon - 1) {
        spec.share = v;
        spec.path = arg.substr(0, colon);
      }
    } catch (...) {
    }
  }
  if (!(spec.share >= 0 && spec.share <= 1))
    throw CLI::ValidationError("--import", "'" + arg + "': share must be in [0, 1]");
  for (imports::Sentence& s : imports::read_import_csv(spec.path)) {
    ++spec.sources[s.source];
    spec.by_split[static_cast<int>(s.split)].push_back(std::move(s));
  }
  for (const auto& [src, n] : spec.sources) check_licence(src, "--import " + spec.path, allow_share_alike);
  return spec;
}

// The grammar's sentences with each import's share of every split replaced by sentences of
// that split from the import (drawn without repeats from a seeded order; a split with too
// few imported sentences takes what it has and the grammar fills the rest).
synth::TextSource mix_imports(synth::TextSource base, std::shared_ptr<const std::vector<ImportSpec>> specs) {
  return [base, specs](size_t n, Split split, uint64_t seed) {
    std::vector<synth::Text> out;
    for (const ImportSpec& spec : *specs) {
      const auto& pool = spec.by_split[static_cast<int>(split)];
      const size_t want =
          std::min(pool.size(), static_cast<size_t>(std::llround(static_cast<double>(n) * spec.share)));
      std::vector<size_t> order(pool.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      // Seeded by the file's name, not its path: the same corpus in another folder draws
      // the same sentences.
      augment::Rng r(
          augment::mix_seed(seed, "import:" + std::filesystem::path(spec.path).filename().string()));
      for (size_t i = 0; i < want && out.size() < n; ++i) {
        std::swap(order[i], order[i + r.below(order.size() - i)]);
        const imports::Sentence& s = pool[order[i]];
        synth::Text t;
        t.text = s.text;
        std::copy(s.heads.begin(), s.heads.end(), t.heads.begin());
        t.template_id =
            "import:" + s.source + "/" + s.origin.substr(s.origin.rfind(':') + 1);  // line in FILE
        t.category = "import:" + s.source + (s.label.empty() ? "" : "/" + s.label);
        t.kind = template_kind_name(s.kind());
        t.hard = s.hard;
        out.push_back(std::move(t));
      }
    }
    if (out.size() < n)
      for (synth::Text& t : base(n - out.size(), split, seed)) out.push_back(std::move(t));
    augment::Rng r(augment::mix_seed(seed, "import-order"));
    for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[r.below(i)]);
    return out;
  };
}

// OUT/attributions.json: every outside source a corpus holds (sentences, recordings, a
// voice trained on outside data), with licence, origin and clips, for the model's metadata
// and README. An empty array when it holds none.
nlohmann::ordered_json attributions(const synth::Corpus& c) {
  std::map<std::string, size_t> clips;
  for (const synth::Clip& clip : c.clips) {
    if (clip.real_part) ++clips[clip.real_part->source];  // a clip may hold an import and a real word
    if (clip.speech && clip.voice && clip.voice->engine == tts::Engine::piper) ++clips["piper-joe"];
    if (clip.real)
      ++clips[clip.real->source];
    else if (clip.text.template_id.rfind("import:", 0) == 0)
      ++clips[clip.text.template_id.substr(7, clip.text.template_id.find('/') - 7)];
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& [src, n] : clips) {
    const imports::SourceInfo* info = imports::find_source(src);
    j.push_back({{"source", src},
                 {"title", info ? info->title : ""},
                 {"license", info ? info->license : "unknown"},
                 {"url", info ? info->url : ""},
                 {"kind", info ? info->kind : ""},
                 {"clips", n}});
  }
  return j;
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
  std::printf("%-34s %-8s %-3s %-6s %-11s %-11s %s\n", "voice", "engine", "sex", "split", "rate", "pitch",
              "families");
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

// Register the options of `inherent synth` into *so.
void register_options(CLI::App* cmd, SynthOpts* so) {
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
  cmd->add_option(
         "--voices", so->voices,
         "all, or comma-separated voice ids / patterns with * (espeak:*, flite:slt, festival:*, piper:joe)")
      ->capture_default_str();
  cmd->add_option("--seed", so->o.seed, "Seed of every random choice")->capture_default_str();
  cmd->add_option("-j,--threads", so->o.threads, "Worker threads (default: all cores)");
  cmd->add_option("--augment", so->o.augment, "Augmentation preset")->capture_default_str();
  cmd->add_option("--noise-dir", so->o.noise_dir,
                  "Folder of recorded noise to mix in (wav/flac/ogg; optional)");
  cmd->add_option("--non-speech", so->o.non_speech_fraction,
                  "Share of non-speech clips (noise, hum, tones, babble, silence; all heads 0)")
      ->capture_default_str();
  cmd->add_option("--engine-weights", so->engines_w,
                  "Share of speech clips per engine (renormalized per split)")
      ->capture_default_str();
  cmd->add_option("--gate0", so->gate0, "Share of sentences not addressed to the assistant")
      ->capture_default_str();
  cmd->add_option("--hard", so->hard, "Share of gate-0 sentences drawn from hard negatives")
      ->capture_default_str();
  cmd->add_option("--babble-pool", so->o.babble_pool,
                  "Utterances per split for babble (default: scaled with size)");
  cmd->add_option("--shard", so->shard,
                  "i/n: render only clips i, i+n, i+2n... into the same --out (no labels.csv); a final run "
                  "without --shard reuses them all and writes labels.csv");
  cmd->add_option(
      "--splits", so->splits,
      "Comma-separated splits to render and list in labels.csv (e.g. test): the plan stays the whole "
      "corpus, so these clips are exactly the full run's; a later run without it renders the rest");
  cmd->add_option(
      "--import", so->imports,
      "FILE[:SHARE]: mix sentences of an `inherent text import` file into every split at SHARE of "
      "the split's speech clips (default 0.1), each split from the file's own split; repeatable");
  cmd->add_option(
      "--real-dir", so->real_dirs,
      "Folder of real recordings (e.g. ../shared/data/fsdd) added as gate-0 clips with every head 0, "
      "split by speaker; repeatable");
  cmd->add_option("--real-share", so->real_share, "Share of each split's clips taken from --real-dir")
      ->capture_default_str();
  cmd->add_option(
         "--real-mix", so->real_mix,
         "Share of speech clips joined with a transcribed real recording from --real-dir (same split, "
         "before or after the sentence, labels unchanged), so real voices are heard in both gate classes")
      ->capture_default_str();
  cmd->add_flag(
      "--allow-share-alike", so->allow_share_alike,
      "Allow sources whose licence is share-alike or unknown (Topical-Chat, Wikipedia sentences, fsdd)");
  cmd->add_flag("--no-festival", so->no_festival, "Leave festival out (no helper processes)");
  cmd->add_flag("--dry-run", so->dry_run, "Print the plan (clips per split, engine and head) and stop");
  cmd->add_flag("--list-voices", so->list_voices,
                "Print the voice inventory with each voice's split and stop");
  cmd->add_flag("-q,--quiet", so->o.quiet, "No progress bar");
}

// The command line's text forms into synth::Options.
void resolve_options(SynthOpts* so) {
  synth::Options& o = so->o;
  if (o.out.empty()) throw CLI::RequiredError("--out");
  if (o.count == 0) throw CLI::ValidationError("--count", "must be at least 1");
  const auto fr = split_commas(so->fractions);
  if (fr.size() != 3) throw CLI::ValidationError("--split-fractions", "three numbers: train,eval,test");
  for (int i = 0; i < 3; ++i) o.split_fractions[i] = parse_double(fr[i], "--split-fractions");
  o.voices = split_commas(so->voices);
  if (o.voices.empty()) throw CLI::ValidationError("--voices", "empty");
  o.engine_weights = {};
  for (const std::string& kv : split_commas(so->engines_w)) {
    const size_t eq = kv.find('=');
    const auto e = tts::parse_engine(kv.substr(0, eq));
    if (eq == std::string::npos || !e)
      throw CLI::ValidationError("--engine-weights",
                                 "'" + kv + "': ENGINE=WEIGHT with espeak, flite, festival or piper");
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

  if (!so->splits.empty()) {
    o.render_splits = {false, false, false};
    for (const std::string& name : split_commas(so->splits)) {
      const std::optional<Split> sp = parse_split(name);
      if (!sp) throw CLI::ValidationError("--splits", "'" + name + "': train, eval or test");
      o.render_splits[static_cast<int>(*sp)] = true;
    }
  }
}

// Grammar sentences, with the imports mixed in.
synth::TextSource text_source(const SynthOpts& so) {
  auto g = std::make_shared<const Grammar>(Grammar::load(so.grammar));
  SampleOptions sample;
  sample.gate0_fraction = so.gate0;
  sample.hard_negative_fraction = so.hard;
  synth::TextSource texts = grammar_source(g, sample);
  if (!so.imports.empty()) {
    auto specs = std::make_shared<std::vector<ImportSpec>>();
    double total = 0;
    for (const std::string& a : so.imports) {
      specs->push_back(load_import(a, so.allow_share_alike));
      total += specs->back().share;
    }
    if (total > 1) throw CLI::ValidationError("--import", "shares add up to more than 1");
    texts = mix_imports(texts, specs);
  }
  return texts;
}

// --real-dir (licences checked), --real-share and --real-mix into synth::Options.
void resolve_real_sources(SynthOpts* so) {
  synth::Options& o = so->o;
  if (!so->real_dirs.empty()) {
    if (!(so->real_share >= 0 && so->real_share <= 1))
      throw CLI::ValidationError("--real-share", "must be in [0, 1]");
    for (const std::string& d : so->real_dirs) {
      std::string name = std::filesystem::path(d).lexically_normal().filename().string();
      if (name.empty()) name = std::filesystem::path(d).lexically_normal().parent_path().filename().string();
      check_licence(name, "--real-dir " + d, so->allow_share_alike);
    }
    o.real_dirs = so->real_dirs;
    o.real_fraction = so->real_share;
    if (!(so->real_mix >= 0 && so->real_mix <= 1))
      throw CLI::ValidationError("--real-mix", "must be in [0, 1]");
    o.real_mix_fraction = so->real_mix;
  } else if (so->real_mix > 0) {
    throw CLI::ValidationError("--real-mix", "needs --real-dir");
  }
}

void print_run(const synth::Options& o, const synth::RunStats& st) {
  if (!o.quiet) {
    const double rtf = st.rendered_audio_s > 0 ? st.wall_s / st.rendered_audio_s : 0;
    std::printf(
        "synth: %zu clips (%zu rendered, %zu reused) in %s: %.1f clips/s, %.1f min of audio rendered, "
        "real-time factor %.4f\n",
        st.clips, st.rendered, st.reused, format_duration(st.wall_s).c_str(),
        st.wall_s > 0 ? static_cast<double>(st.rendered) / st.wall_s : 0.0, st.rendered_audio_s / 60, rtf);
    if (o.shard_count > 1)
      std::printf("shard %zu/%zu done; once every shard is in %s, run without --shard to write labels.csv\n",
                  o.shard_index, o.shard_count, o.out.c_str());
    else
      std::printf("%s/labels.csv:\n%s", o.out.c_str(),
                  synth::summarize_labels(o.out + "/labels.csv").c_str());
  }
  for (const auto& w : st.warnings) std::fprintf(stderr, "inherent synth: warning: %s\n", w.c_str());
}

}  // namespace

void add_synth(CLI::App& app) {
  auto so = std::make_shared<SynthOpts>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Synthesize a labelled training corpus: grammar sentences x TTS voices x augmentation");
  register_options(cmd, so.get());
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
    resolve_options(so.get());
    const synth::TextSource texts = text_source(*so);
    resolve_real_sources(so.get());
    const synth::Corpus corpus = synth::plan(o, tts, texts);
    const nlohmann::ordered_json outside = attributions(corpus);
    if (so->dry_run) {
      std::fputs(synth::describe(corpus).c_str(), stdout);
      if (!outside.empty())
        std::printf("\noutside sources (written to OUT/attributions.json):\n%s\n",
                    json_text(outside, 2).c_str());
      return;
    }
    const synth::RunStats st = synth::render(corpus, o, tts, texts);
    if (!outside.empty() && o.shard_count <= 1)
      write_file_atomic(o.out + "/attributions.json", json_text(outside, 2) + "\n");
    print_run(o, st);
  });
}

}  // namespace inherent::cli
