// SPDX-License-Identifier: Apache-2.0
// The synthetic corpus: planning, rendering with worker threads, labels.csv.
#include "data/synth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/heads.h"
#include "common/random.h"
#include "frontend/audio-file.h"
#include "host/csv.h"
#include "host/files.h"
#include "host/progress.h"
#include "host/workers.h"
#include "inherent/inherent.hpp"

namespace inherent::synth {

namespace {

namespace fs = std::filesystem;
using augment::mix_seed;
using augment::Rng;

constexpr const char* kFormat = "inherent-synth-1";  // part of every clip key: bump to re-render all
constexpr double kMaxClipS = 59.5;

const char* head_col(int h) { return kHeadTable[static_cast<size_t>(h)].name; }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string hex8(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(h >> 32));
  return buf;
}

std::string split_str(Split s) { return split_name(s); }

// Everything that shapes a clip's samples, so a changed option never reuses a stale file.
std::string clip_key(const Clip& c) {
  std::string k = std::string(kFormat) + "|" + split_str(c.split) + "|";
  if (c.real) {
    k += "real|" + c.real->source + "|" + c.real->rel;
  } else if (c.speech) {
    k += "speech|" + c.voice->id + "|" + c.text.text + "|" + fmt("%.6f", c.params.rate) + "|" +
         fmt("%.6f", c.params.pitch);
    if (c.real_part)
      k += "|with|" + c.real_part->source + "|" + c.real_part->rel + "|" +
           (c.real_part_first ? "first" : "last") + "|" + fmt("%.2f", c.real_part_gap_s);
  } else {
    k += std::string("non-speech|") + augment::non_speech_name(c.non_speech) + "|" +
         fmt("%.6f", c.non_speech_s);
  }
  k += "|" + c.aug.summary() + "|" + std::to_string(c.aug.seed);
  return hex8(fnv1a64(k) ^ (fnv1a64(k + "#") << 1));
}

// What a clip says: the sentence, with a joined real recording's words where they are heard.
std::string transcript(const Clip& c) {
  if (!c.speech && !c.real) return "";
  if (!c.real_part) return c.text.text;
  return c.real_part_first ? c.real_part->transcript + " " + c.text.text
                           : c.text.text + " " + c.real_part->transcript;
}

// The sentence and a real recording (read, resampled to 16 kHz, peak-matched to the
// sentence so neither drowns the other) with a short silence between them.
std::vector<float> join_real(const std::vector<float>& sentence, const Clip& c) {
  std::vector<float> real = read_audio_file(c.real_part->file).samples;
  float peak_s = 0, peak_r = 0;
  for (float v : sentence) peak_s = std::max(peak_s, std::fabs(v));
  for (float v : real) peak_r = std::max(peak_r, std::fabs(v));
  if (peak_r > 0 && peak_s > 0)
    for (float& v : real) v *= peak_s / peak_r;
  const std::vector<float>& a = c.real_part_first ? real : sentence;
  const std::vector<float>& b = c.real_part_first ? sentence : real;
  std::vector<float> out(a);
  out.resize(a.size() + static_cast<size_t>(std::lround(c.real_part_gap_s * augment::kRate)), 0.0f);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::string augmentation_text(const Clip& c) {
  if (c.speech && c.real_part)
    return c.aug.summary() + " with=" + c.real_part->source + "/" + c.real_part->rel +
           (c.real_part_first ? "@start" : "@end");
  if (c.speech) return c.aug.summary();
  if (c.real) return c.aug.summary() + " file=" + c.real->source + "/" + c.real->rel;
  std::string s = std::string("non-speech=") + augment::non_speech_name(c.non_speech) +
                  " seconds=" + fmt("%.2f", c.non_speech_s);
  if (!c.aug.noise_source.empty()) s += " source=" + c.aug.noise_source;
  if (c.aug.rt60 > 0) s += " reverb=" + fmt("%.2f", c.aug.rt60);
  if (c.aug.band != augment::Band::full) s += std::string(" band=") + augment::band_name(c.aug.band);
  if (c.aug.band == augment::Band::lowpass) s += "@" + fmt("%.0f", c.aug.band_hz);
  if (c.aug.clip > 0) s += " clip=" + fmt("%.4f", c.aug.clip);
  return s;
}

bool is_audio_name(const fs::path& p) {
  std::string e = p.extension().string();
  for (char& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return e == ".wav" || e == ".flac" || e == ".ogg" || e == ".oga" || e == ".aiff" || e == ".aif";
}

}  // namespace

std::array<augment::NoiseBank, n_splits> load_noise(const std::string& dir) {
  std::array<augment::NoiseBank, n_splits> banks;
  if (dir.empty()) return banks;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Exception(INHERENT_STATUS_IO_ERROR, "--noise-dir " + dir + ": not a folder");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && is_audio_name(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw Exception(INHERENT_STATUS_IO_ERROR, "--noise-dir " + dir + ": no audio files (wav, flac, ogg)");
  for (const fs::path& f : files) {
    const AudioData a = read_audio_file(f.string());  // throws naming the file
    const std::string name = fs::relative(f, dir, ec).string();
    for (int s = 0; s < n_splits; ++s) {
      const std::span<const float> part = augment::split_part(a.samples, s);
      banks[s].add_recording(name, std::vector<float>(part.begin(), part.end()));
    }
  }
  return banks;
}

namespace {

// Largest-remainder split of count by fractions.
std::array<size_t, n_splits> split_counts(size_t count, const std::array<double, n_splits>& f) {
  double total = 0;
  for (double x : f) {
    if (!(x >= 0)) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "split fractions must be >= 0");
    total += x;
  }
  if (total <= 0) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "split fractions sum to 0");
  std::array<size_t, n_splits> n{};
  std::array<double, n_splits> rem{};
  size_t used = 0;
  for (int s = 0; s < n_splits; ++s) {
    const double exact = static_cast<double>(count) * f[s] / total;
    n[s] = static_cast<size_t>(std::floor(exact));
    rem[s] = exact - static_cast<double>(n[s]);
    used += n[s];
  }
  while (used < count) {
    int best = 0;
    for (int s = 1; s < n_splits; ++s)
      if (rem[s] > rem[best]) best = s;
    ++n[best];
    rem[best] = -1;
    ++used;
  }
  return n;
}

struct HeadCount {
  std::array<size_t, INHERENT_N_HEADS> pos{};
  size_t n = 0;
};

const char* const kDigits[] = {"zero", "one", "two",   "three", "four",
                               "five", "six", "seven", "eight", "nine"};

}  // namespace

std::vector<RealRecording> real_recordings(const std::vector<std::string>& dirs) {
  std::vector<RealRecording> out;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw Exception(INHERENT_STATUS_IO_ERROR, "--real-dir " + dir + ": not a folder");
    fs::path root = fs::path(dir).lexically_normal();
    std::string source = root.filename().string();
    if (source.empty()) source = root.parent_path().filename().string();
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
      if (e.is_regular_file() && is_audio_name(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw Exception(INHERENT_STATUS_IO_ERROR, "--real-dir " + dir + ": no audio files (wav, flac, ogg)");
    // Transcripts from metadata.csv files ("file name, transcript, ..."; header optional).
    std::map<std::string, std::string> meta;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      if (!e.is_regular_file() || e.path().filename() != "metadata.csv") continue;
      const CsvTable t = read_csv_file(e.path().string());
      auto add = [&](const std::vector<std::string>& f) {
        if (f.size() >= 2) meta[(e.path().parent_path() / f[0]).lexically_normal().string()] = f[1];
      };
      add(t.header);
      for (const CsvRow& r : t.rows) add(r.fields);
    }
    std::vector<RealRecording> part;
    std::map<std::string, uint64_t> speakers;  // speaker -> hash
    for (const fs::path& f : files) {
      RealRecording r;
      r.file = f.string();
      r.rel = fs::relative(f, dir, ec).string();
      r.source = source;
      const std::string stem = f.stem().string();
      const size_t u1 = stem.find('_'), u2 = stem.rfind('_');
      if (u1 == 1 && u2 > u1 + 1 && std::isdigit(static_cast<unsigned char>(stem[0]))) {  // fsdd: 7_theo_12
        r.speaker = stem.substr(u1 + 1, u2 - u1 - 1);
        r.transcript = kDigits[stem[0] - '0'];
      } else {
        r.speaker = fs::relative(f.parent_path(), dir, ec).string();
        if (r.speaker.empty() || r.speaker == ".") r.speaker = source;
      }
      if (auto it = meta.find(f.lexically_normal().string()); it != meta.end()) r.transcript = it->second;
      speakers[r.speaker] = fnv1a64(source + "|" + r.speaker);
      part.push_back(std::move(r));
    }
    std::vector<std::pair<uint64_t, std::string>> order;
    for (auto& [sp, h] : speakers) order.push_back({h, sp});
    std::sort(order.begin(), order.end());
    const size_t k = order.size();
    const size_t n_test =
        k >= 3 ? std::max<size_t>(1, static_cast<size_t>(std::llround(0.15 * static_cast<double>(k)))) : 0;
    const size_t n_eval = n_test;
    std::map<std::string, Split> split_of;
    for (size_t i = 0; i < k; ++i)
      split_of[order[i].second] = i < n_test ? Split::test : i < n_test + n_eval ? Split::eval : Split::train;
    for (RealRecording& r : part) {
      r.split = split_of[r.speaker];
      out.push_back(std::move(r));
    }
  }
  return out;
}

bool voice_matches(std::string_view pattern, std::string_view id) {
  if (pattern == "all" || pattern == "*") return true;
  // Iterative glob with '*' only.
  size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
  while (s < id.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == id[s]) {
      ++p, ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> labels_header() {
  std::vector<std::string> h = label_columns();
  for (const char* extra :
       {"template_id", "category", "kind", "hard", "voice", "engine", "rate", "pitch", "augmentation"})
    h.push_back(extra);
  return h;
}

std::string wav_bytes(std::span<const float> x) {
  const uint32_t data = static_cast<uint32_t>(x.size() * 2);
  std::string b;
  b.reserve(44 + data);
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  auto u16 = [&](uint16_t v) {
    b += static_cast<char>(v & 0xff);
    b += static_cast<char>(v >> 8);
  };
  b += "RIFF";
  u32(36 + data);
  b += "WAVEfmt ";
  u32(16);
  u16(1);  // PCM
  u16(1);  // mono
  u32(16000);
  u32(32000);
  u16(2);
  u16(16);
  b += "data";
  u32(data);
  for (float v : x) {
    const long q = std::lround(std::clamp(static_cast<double>(v), -1.0, 1.0) * 32767.0);
    u16(static_cast<uint16_t>(static_cast<int16_t>(q)));
  }
  return b;
}

namespace {

// The recordings a split may use: alone as gate-0 clips, or joined to a sentence (those
// with a transcript, which the joined clip's transcript can name).
struct RealPools {
  std::array<std::vector<const RealRecording*>, n_splits> alone, joined;
};

void check_options(const Options& o) {
  if (!(o.non_speech_fraction >= 0 && o.non_speech_fraction <= 1))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--non-speech must be in [0, 1]");
  if (o.real_dirs.empty() || (o.real_fraction <= 0 && o.real_mix_fraction <= 0)) return;
  if (!(o.real_fraction <= 1))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--real-share must be in [0, 1]");
  if (!(o.real_mix_fraction >= 0 && o.real_mix_fraction <= 1))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "--real-mix must be in [0, 1]");
}

// The voices of each split that --voices selects.
void pick_voices(const Options& o, const tts::Synthesizer& tts, Corpus* c) {
  for (const std::string& pat : o.voices) {
    bool any = false;
    for (const tts::Voice& v : tts.voices()) any = any || voice_matches(pat, v.id);
    if (!any)
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                      "--voices: '" + pat + "' matches no voice (see --list-voices)");
  }
  for (const tts::Voice& v : tts.voices()) {
    if (!v.split) continue;
    for (const std::string& pat : o.voices)
      if (voice_matches(pat, v.id)) {
        c->voices[static_cast<int>(*v.split)].push_back(&v);
        break;
      }
  }
}

RealPools real_pools(const Options& o, Corpus* c) {
  RealPools pools;
  if (o.real_dirs.empty() || (o.real_fraction <= 0 && o.real_mix_fraction <= 0)) return pools;
  c->real = std::make_shared<const std::vector<RealRecording>>(real_recordings(o.real_dirs));
  for (const RealRecording& r : *c->real) {
    if (o.real_fraction > 0) pools.alone[static_cast<int>(r.split)].push_back(&r);
    if (o.real_mix_fraction > 0 && !r.transcript.empty())
      pools.joined[static_cast<int>(r.split)].push_back(&r);
  }
  return pools;
}

// The engines present in a split's voices, each with its weight, and its voices.
struct EngineDraw {
  std::array<std::vector<const tts::Voice*>, tts::n_engines> by_engine;
  std::vector<std::pair<int, double>> engines;
  double wsum = 0;

  EngineDraw(const std::vector<const tts::Voice*>& voices,
             const std::array<double, tts::n_engines>& weights) {
    for (const tts::Voice* v : voices) by_engine[static_cast<int>(v->engine)].push_back(v);
    for (int e = 0; e < tts::n_engines; ++e)
      if (!by_engine[e].empty() && weights[e] > 0) engines.push_back({e, weights[e]});
    if (engines.empty())
      for (int e = 0; e < tts::n_engines; ++e)
        if (!by_engine[e].empty()) engines.push_back({e, 1.0});
    for (auto& [e, w] : engines) wsum += w;
  }
  const tts::Voice* voice(Rng& r) const {
    double u = r.uniform() * wsum;
    int engine = engines.back().first;
    for (auto& [e, w] : engines) {
      if (u < w) {
        engine = e;
        break;
      }
      u -= w;
    }
    const auto& pool = by_engine[engine];
    return pool[r.below(pool.size())];
  }
};

void draw_speech(const Options& o, const EngineDraw& draw, const std::vector<const RealRecording*>& joinable,
                 uint64_t cs, Rng& r, Clip* clip) {
  clip->speech = true;
  clip->voice = draw.voice(r);
  clip->params.rate = r.uniform(clip->voice->rate.min, clip->voice->rate.max);
  clip->params.pitch = r.uniform(clip->voice->pitch.min, clip->voice->pitch.max);
  // Its own generator, so a corpus without --real-mix keeps every other draw.
  if (o.real_mix_fraction > 0 && !joinable.empty()) {
    Rng m(mix_seed(cs, "real-mix"));
    if (m.uniform() < o.real_mix_fraction) {
      clip->real_part = joinable[m.below(joinable.size())];
      clip->real_part_first = m.uniform() < 0.5;
      clip->real_part_gap_s = std::round(m.uniform(0.15, 0.6) * 100) / 100;
    }
  }
}

// A real recording: gate 0, every head 0.
void draw_real(const std::vector<const RealRecording*>& pool, Rng& r, Clip* clip) {
  clip->speech = false;
  clip->real = pool[r.below(pool.size())];
  clip->text.text = clip->real->transcript;
  clip->text.template_id = "real/" + clip->real->source;
  clip->text.category = "real";
  clip->text.kind = "negative";
}

void draw_non_speech(const augment::NoiseAvailability& noise, const std::vector<augment::NonSpeech>& kinds,
                     Rng& r, Clip* clip) {
  clip->speech = false;
  clip->text.category = "non-speech";
  clip->text.kind = "non_speech";
  clip->non_speech = kinds[r.below(kinds.size())];
  clip->text.template_id = std::string("non-speech/") + augment::non_speech_name(clip->non_speech);
  clip->non_speech_s = std::round(r.uniform(1.0, 6.0) * 100) / 100;
  // Only the channel of the plan applies to non-speech clips.
  augment::Plan& a = clip->aug;
  a.speed = 1, a.lead_s = a.trail_s = 0, a.snr_db = 0;
  a.noise = augment::NoiseKind::none;
  a.noise_source.clear();
  if (clip->non_speech == augment::NonSpeech::recorded)
    a.noise_source = noise.recorded[r.below(noise.recorded.size())];
}

// One split's n clips: sentences, then real recordings, then non-speech, interleaved by
// a seeded shuffle.
void plan_split(const Options& o, const augment::Preset& preset, const TextSource& texts,
                const RealPools& pools, Split split, size_t n, Corpus* c) {
  const int si = static_cast<int>(split);
  const auto& voices = c->voices[si];
  if (voices.empty())
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    std::string("no voice of split ") + split_name(split) +
                        " matches --voices: held-out splits need held-out voices (see --list-voices), or set "
                        "--split-fractions");
  c->noise[si].babble = true;  // built from this split's own voices and sentences at render time
  const size_t n_ns =
      std::min(n, static_cast<size_t>(std::llround(static_cast<double>(n) * o.non_speech_fraction)));
  const size_t n_real =
      pools.alone[si].empty()
          ? 0
          : std::min(n - n_ns, static_cast<size_t>(std::llround(static_cast<double>(n) * o.real_fraction)));
  const size_t n_sp = n - n_ns - n_real;
  std::vector<Text> sentences;
  if (n_sp > 0) {
    sentences = texts(n_sp, split, mix_seed(o.seed, std::string("text:") + split_name(split)));
    if (sentences.size() < n_sp)
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                      std::string("the text source gave ") + std::to_string(sentences.size()) +
                          " sentences for " + split_name(split) + ", " + std::to_string(n_sp) + " needed");
  }
  const EngineDraw draw(voices, o.engine_weights);
  std::vector<Clip> clips;
  const std::vector<augment::NonSpeech> ns_kinds = augment::non_speech_kinds(c->noise[si]);
  for (size_t i = 0; i < n; ++i) {
    Clip clip;
    clip.split = split;
    const uint64_t cs = mix_seed(mix_seed(o.seed, std::string("clip:") + split_name(split)), i);
    Rng r(cs);
    clip.aug = augment::draw_plan(preset, c->noise[si], mix_seed(cs, "augment"));
    if (i < n_sp) {
      clip.text = sentences[i];
      draw_speech(o, draw, pools.joined[si], cs, r, &clip);
    } else if (i < n_sp + n_real) {
      draw_real(pools.alone[si], r, &clip);
    } else {
      draw_non_speech(c->noise[si], ns_kinds, r, &clip);
    }
    clips.push_back(std::move(clip));
  }
  Rng shuf(mix_seed(o.seed, std::string("order:") + split_name(split)));
  for (size_t i = clips.size(); i > 1; --i) std::swap(clips[i - 1], clips[shuf.below(i)]);
  for (Clip& clip : clips) c->clips.push_back(std::move(clip));
}

}  // namespace

Corpus plan(const Options& o, const tts::Synthesizer& tts, const TextSource& texts) {
  Corpus c;
  augment::Preset preset;
  try {
    preset = augment::preset(o.augment);
  } catch (const std::invalid_argument& e) {
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, e.what());
  }
  c.preset = preset.name;
  check_options(o);
  pick_voices(o, tts, &c);
  // Recorded noise availability (the samples are loaded again by render()).
  if (!o.noise_dir.empty()) {
    const auto banks = load_noise(o.noise_dir);
    for (int s = 0; s < n_splits; ++s) c.noise[s] = augment::availability(banks[s]);
  }
  const RealPools pools = real_pools(o, &c);
  const std::array<size_t, n_splits> counts = split_counts(o.count, o.split_fractions);
  for (int si = 0; si < n_splits; ++si) {
    if (counts[si] > 0) plan_split(o, preset, texts, pools, static_cast<Split>(si), counts[si], &c);
  }
  for (size_t i = 0; i < c.clips.size(); ++i) {
    Clip& clip = c.clips[i];
    clip.index = i;
    char num[24];
    std::snprintf(num, sizeof num, "%06zu", i);
    clip.path = std::string("wav/") + split_name(clip.split) + "/" + num + "-" + clip_key(clip) + ".wav";
  }
  return c;
}

std::string describe(const Corpus& c) {
  std::string out;
  char line[512];
  std::array<size_t, n_splits> n{}, ns{}, gate0{}, hard{}, real{}, mixed{}, mixed_gate1{};
  std::array<std::array<size_t, tts::n_engines>, n_splits> per_engine{};
  std::array<std::array<size_t, INHERENT_N_HEADS>, n_splits> pos{};
  std::array<std::map<std::string, size_t>, n_splits> voices_used;
  for (const Clip& clip : c.clips) {
    const int s = static_cast<int>(clip.split);
    ++n[s];
    if (clip.real) {
      ++real[s];
      ++gate0[s];
      continue;
    }
    if (!clip.speech) {
      ++ns[s];
      ++gate0[s];
      continue;
    }
    ++per_engine[s][static_cast<int>(clip.voice->engine)];
    ++voices_used[s][clip.voice->id];
    if (!clip.text.heads[0]) ++gate0[s];
    if (clip.text.hard) ++hard[s];
    if (clip.real_part) {
      ++mixed[s];
      mixed_gate1[s] += clip.text.heads[0];
    }
    for (int h = 0; h < INHERENT_N_HEADS; ++h) pos[s][h] += clip.text.heads[h];
  }
  std::snprintf(line, sizeof line, "plan: %zu clips, augmentation preset '%s'\n\n", c.clips.size(),
                c.preset.c_str());
  out += line;
  std::snprintf(line, sizeof line, "%-26s %8s %8s %8s\n", "", "train", "eval", "test");
  out += line;
  auto row = [&](const std::string& name, const std::array<size_t, n_splits>& v) {
    std::snprintf(line, sizeof line, "%-26s %8zu %8zu %8zu\n", name.c_str(), v[0], v[1], v[2]);
    out += line;
  };
  row("clips", n);
  row("non-speech clips", ns);
  if (c.real) row("real recordings", real);
  if (c.real && (mixed[0] || mixed[1] || mixed[2])) {
    row("joined with a real word", mixed);
    row("  of them addressed", mixed_gate1);
  }
  row("gate 0 (incl. non-speech)", gate0);
  row("hard negatives", hard);
  std::array<size_t, n_splits> avail{}, used{};
  for (int s = 0; s < n_splits; ++s) avail[s] = c.voices[s].size(), used[s] = voices_used[s].size();
  row("voices eligible", avail);
  row("voices used", used);
  for (int e = 0; e < tts::n_engines; ++e) {
    std::array<size_t, n_splits> v{};
    for (int s = 0; s < n_splits; ++s) v[s] = per_engine[s][e];
    row(std::string("clips by ") + tts::engine_name(static_cast<tts::Engine>(e)), v);
  }
  out += "\npositives per head:\n";
  for (int h = 0; h < INHERENT_N_HEADS; ++h) {
    std::array<size_t, n_splits> v{};
    for (int s = 0; s < n_splits; ++s) v[s] = pos[s][h];
    row(head_col(h), v);
  }
  return out;
}

namespace {

// Leftovers of a killed run: temporaries that never got their final name.
void remove_temporaries(const fs::path& out_dir) {
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(out_dir / "wav", ec))
    if (e.is_regular_file() && e.path().filename().string().find(".tmp-") != std::string::npos)
      fs::remove(e.path(), ec);
}

// Recorded noise only (immutable), and the same plus babble: this split's voices speaking
// this split's sentences, built on first use.
class NoiseBanks {
 public:
  NoiseBanks(const Corpus& c, const Options& o, const tts::Synthesizer& tts, const TextSource& texts)
      : c_(c), o_(o), tts_(tts), texts_(texts), recorded_(load_noise(o.noise_dir)), with_babble_(recorded_) {
    for (const Clip& clip : c.clips) ++split_n_[static_cast<int>(clip.split)];
  }
  const augment::NoiseBank& for_clip(const Clip& clip) {
    const bool babble = clip.aug.noise == augment::NoiseKind::babble ||
                        (!clip.speech && clip.non_speech == augment::NonSpeech::babble);
    return babble ? with_babble(clip.split) : recorded_[static_cast<int>(clip.split)];
  }

 private:
  const augment::NoiseBank& with_babble(Split split) {
    const int s = static_cast<int>(split);
    std::lock_guard<std::mutex> lock(mu_[s]);
    if (!ready_[s]) {
      const size_t n = o_.babble_pool ? o_.babble_pool : std::clamp<size_t>(split_n_[s] / 20, 4, 32);
      const std::vector<Text> t =
          texts_(n, split, mix_seed(o_.seed, std::string("babble:") + split_name(split)));
      Rng r(mix_seed(o_.seed, std::string("babble-voices:") + split_name(split)));
      for (const Text& x : t) {
        const tts::Voice* v = c_.voices[s][r.below(c_.voices[s].size())];
        tts::SynthParams p{r.uniform(v->rate.min, v->rate.max), r.uniform(v->pitch.min, v->pitch.max)};
        with_babble_[s].add_babble(tts_.synthesize(*v, x.text, p));
      }
      ready_[s] = true;
    }
    return with_babble_[s];
  }

  const Corpus& c_;
  const Options& o_;
  const tts::Synthesizer& tts_;
  const TextSource& texts_;
  const std::array<augment::NoiseBank, n_splits> recorded_;
  std::array<augment::NoiseBank, n_splits> with_babble_;
  std::array<size_t, n_splits> split_n_{};
  std::array<std::mutex, n_splits> mu_;
  std::array<bool, n_splits> ready_{};
};

// One clip's audio: a real recording, a synthesized sentence (a real word joined), or
// non-speech, through its augmentation plan.
std::vector<float> clip_audio(const Clip& clip, const tts::Synthesizer& tts, const augment::NoiseBank& bank) {
  std::vector<float> audio;
  if (clip.real) {
    const AudioData a = read_audio_file(clip.real->file);
    audio = augment::apply(clip.aug, a.samples, bank);
  } else if (clip.speech) {
    std::vector<float> pcm = tts.synthesize(*clip.voice, clip.text.text, clip.params);
    if (clip.real_part) pcm = join_real(pcm, clip);
    audio = augment::apply(clip.aug, pcm, bank);
  } else {
    audio = augment::non_speech(clip.non_speech, clip.non_speech_s, clip.aug, bank, clip.aug.seed);
  }
  const double seconds = static_cast<double>(audio.size()) / augment::kRate;
  if (seconds > kMaxClipS)
    throw Exception(INHERENT_STATUS_INVALID_AUDIO,
                    "clip is " + fmt("%.1f", seconds) + " s long (at most 59.5 s)");
  return audio;
}

// One labels.csv row (labels_header() order); counts the clip's positives into *h.
std::vector<std::string> labels_row(const Clip& clip, const Options& o, double duration, HeadCount* h) {
  std::vector<std::string> f;
  f.push_back(clip.path);
  f.push_back(transcript(clip));
  f.push_back(clip.real     ? "real:" + clip.real->source + ":" + clip.real->speaker
              : clip.speech ? clip.voice->id
                            : "none");
  f.push_back("synth-" + std::to_string(o.seed) + "-" + std::to_string(clip.index));
  f.push_back(clip.aug.device());
  f.push_back(clip.speech || clip.real
                  ? clip.aug.environment()
                  : std::string("non-speech:") + augment::non_speech_name(clip.non_speech));
  f.push_back(clip.real
                  ? "real:" + clip.real->source
                  : std::string("synth:") + (clip.speech ? tts::engine_name(clip.voice->engine) : "noise"));
  f.push_back(fmt("%.3f", duration));
  f.push_back(split_name(clip.split));
  ++h->n;
  for (int k = 0; k < INHERENT_N_HEADS; ++k) {
    const uint8_t v = clip.speech ? clip.text.heads[k] : 0;
    f.push_back(v ? "1" : "0");
    h->pos[k] += v;
  }
  f.push_back(clip.text.template_id);
  f.push_back(clip.text.category);
  f.push_back(clip.text.kind);
  f.push_back(clip.text.hard ? "1" : "0");
  f.push_back(clip.speech ? clip.voice->id : "");
  f.push_back(clip.speech ? tts::engine_name(clip.voice->engine) : clip.real ? "real" : "");
  f.push_back(clip.speech ? fmt("%.3f", clip.params.rate) : "");
  f.push_back(clip.speech ? fmt("%.3f", clip.params.pitch) : "");
  f.push_back(augmentation_text(clip));
  return f;
}

// Every head should have both classes in every split.
std::vector<std::string> one_class_warnings(const std::array<HeadCount, n_splits>& hc) {
  std::vector<std::string> warnings;
  for (int s = 0; s < n_splits; ++s) {
    if (hc[s].n == 0) continue;
    std::string one_class;
    for (int k = 0; k < INHERENT_N_HEADS; ++k)
      if (hc[s].pos[k] == 0 || hc[s].pos[k] == hc[s].n)
        one_class += std::string(one_class.empty() ? "" : ", ") + head_col(k) +
                     (hc[s].pos[k] ? " (all 1)" : " (all 0)");
    if (!one_class.empty())
      warnings.push_back(std::string(split_name(static_cast<Split>(s))) + " (" + std::to_string(hc[s].n) +
                         " clips) has one class only for: " + one_class);
  }
  return warnings;
}

}  // namespace

RunStats render(const Corpus& c, const Options& o, const tts::Synthesizer& tts, const TextSource& texts) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out_dir = o.out;
  for (int s = 0; s < n_splits; ++s)
    fs::create_directories(out_dir / "wav" / split_name(static_cast<Split>(s)));
  remove_temporaries(out_dir);
  NoiseBanks banks(c, o, tts, texts);

  const size_t n = c.clips.size();
  const size_t shards = std::max<size_t>(1, o.shard_count);
  if (o.shard_index >= shards) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "shard index out of range");
  auto mine = [&](size_t i) {
    return i % shards == o.shard_index && o.render_splits[static_cast<int>(c.clips[i].split)];
  };
  size_t n_mine = 0;
  for (size_t i = 0; i < n; ++i) n_mine += mine(i);
  std::vector<double> durations(n, 0.0);
  std::vector<std::string> errors;
  std::mutex errors_mu;
  std::atomic<size_t> next{0}, reused{0};
  std::atomic<int64_t> rendered_samples{0};
  const int threads =
      o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tts.prepare(threads);
  Progress progress("synth", n_mine, !o.quiet);
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      if (!mine(i)) continue;
      const Clip& clip = c.clips[i];
      const fs::path path = out_dir / clip.path;
      bool was_done = false;
      try {
        if (fs::exists(path)) {
          was_done = true;
          durations[i] = probe_audio_file(path.string()).duration_s();
          ++reused;
        } else {
          const std::vector<float> audio = clip_audio(clip, tts, banks.for_clip(clip));
          AtomicFile f(path.string());
          f.write(wav_bytes(audio));
          f.commit();
          durations[i] = static_cast<double>(audio.size()) / augment::kRate;
          rendered_samples += static_cast<int64_t>(audio.size());
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(errors_mu);
        errors.push_back(clip.path + ": " + e.what());
      }
      if (was_done) {
        progress.skip();
      } else {
        progress.add();
      }
    }
  };
  run_on_threads(threads, work);
  progress.finish();
  throw_item_errors(std::move(errors), "labels.csv");

  RunStats st;
  st.clips = n_mine;
  st.reused = reused.load();
  st.rendered = n_mine - st.reused;
  st.rendered_audio_s = static_cast<double>(rendered_samples.load()) / augment::kRate;
  if (shards == 1) {  // the labels need every clip: a final run without --shard writes them
    std::string csv = csv_join(labels_header()) + "\n";
    std::array<HeadCount, n_splits> hc;
    for (size_t i = 0; i < n; ++i) {
      const Clip& clip = c.clips[i];
      if (!o.render_splits[static_cast<int>(clip.split)]) continue;
      csv += csv_join(labels_row(clip, o, durations[i], &hc[static_cast<int>(clip.split)])) + "\n";
      st.total_audio_s += durations[i];
    }
    write_file_atomic((out_dir / "labels.csv").string(), csv);  // in plan order
    st.warnings = one_class_warnings(hc);
  } else {
    for (size_t i = 0; i < n; ++i) st.total_audio_s += durations[i];
  }
  st.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

std::string summarize_labels(const std::string& labels_csv) {
  LabelsCheckOptions opt;
  opt.check_audio = false;
  const Labels l = read_labels(labels_csv, opt);
  std::array<HeadCount, n_splits> hc;
  std::array<double, n_splits> secs{}, mn{}, mx{};
  mn.fill(1e9);
  for (const LabelRow& r : l.rows) {
    const int s = static_cast<int>(r.split);
    ++hc[s].n;
    for (int k = 0; k < INHERENT_N_HEADS; ++k) hc[s].pos[k] += r.heads[k];
    secs[s] += r.duration_s;
    mn[s] = std::min(mn[s], r.duration_s);
    mx[s] = std::max(mx[s], r.duration_s);
  }
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %10s %10s %10s\n", "", "train", "eval", "test");
  out += line;
  std::snprintf(line, sizeof line, "%-24s %10zu %10zu %10zu\n", "clips", hc[0].n, hc[1].n, hc[2].n);
  out += line;
  std::snprintf(line, sizeof line, "%-24s %10.2f %10.2f %10.2f\n", "hours", secs[0] / 3600, secs[1] / 3600,
                secs[2] / 3600);
  out += line;
  auto mean = [&](int s) { return hc[s].n ? secs[s] / static_cast<double>(hc[s].n) : 0.0; };
  std::snprintf(line, sizeof line, "%-24s %10.2f %10.2f %10.2f\n", "mean clip s", mean(0), mean(1), mean(2));
  out += line;
  auto lo = [&](int s) { return hc[s].n ? mn[s] : 0.0; };
  std::snprintf(line, sizeof line, "%-24s %4.1f-%-5.1f %4.1f-%-5.1f %4.1f-%-5.1f\n", "clip s (min-max)",
                lo(0), mx[0], lo(1), mx[1], lo(2), mx[2]);
  out += line;
  for (int k = 0; k < INHERENT_N_HEADS; ++k) {
    std::snprintf(line, sizeof line, "%-24s %10zu %10zu %10zu\n", head_col(k), hc[0].pos[k], hc[1].pos[k],
                  hc[2].pos[k]);
    out += line;
  }
  return out;
}

}  // namespace inherent::synth
