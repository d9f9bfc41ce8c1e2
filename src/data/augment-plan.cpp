// SPDX-License-Identifier: Apache-2.0
// Augmentation plans (see augment.h): presets, the seeded draw of a plan, and applying
// one to a clip with the DSP of augment.cpp; non-speech clips.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "data/augment.h"

namespace inherent::augment {

namespace {

template <class T>
T pick_weighted(const std::vector<std::pair<T, double>>& items, Rng& rng) {
  double total = 0;
  for (auto& [v, w] : items) total += w;
  double u = rng.uniform() * total;
  for (auto& [v, w] : items) {
    if (u < w) return v;
    u -= w;
  }
  return items.back().first;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

// ---- presets and plans ----

const char* noise_kind_name(NoiseKind k) {
  switch (k) {
    case NoiseKind::none:
      return "none";
    case NoiseKind::white:
      return "white";
    case NoiseKind::pink:
      return "pink";
    case NoiseKind::brown:
      return "brown";
    case NoiseKind::hum:
      return "hum";
    case NoiseKind::tones:
      return "tones";
    case NoiseKind::babble:
      return "babble";
    case NoiseKind::recorded:
      return "recorded";
  }
  return "?";
}

const char* band_name(Band b) {
  switch (b) {
    case Band::full:
      return "full-band";
    case Band::telephone:
      return "telephone";
    case Band::lowpass:
      return "lowpass";
    case Band::laptop:
      return "laptop";
  }
  return "?";
}

std::vector<std::string> preset_names() { return {"none", "light", "default", "heavy"}; }

Preset preset(std::string_view name) {
  Preset p;
  p.name = std::string(name);
  if (name == "none") {
    p.level_min_db = p.level_max_db = -23;
    return p;
  }
  // Shared by light/default/heavy: padding with room tone, level spread.
  p.level_min_db = -32, p.level_max_db = -16;
  p.lead_min_s = 0.05, p.lead_max_s = 0.6, p.trail_min_s = 0.05, p.trail_max_s = 0.6;
  p.room_tone_min_db = -75, p.room_tone_max_db = -55;
  if (name == "light") {
    p.p_speed = 0.3, p.speed_min = 0.95, p.speed_max = 1.05;
    p.p_reverb = 0.2, p.rt60_min = 0.15, p.rt60_max = 0.5, p.drr_min_db = 3, p.drr_max_db = 12;
    p.p_noise = 0.4, p.snr_min_db = 15, p.snr_max_db = 35;
    p.p_band = 0.1;
    return p;
  }
  if (name == "default") {
    p.p_speed = 0.5, p.speed_min = 0.9, p.speed_max = 1.1;
    p.p_reverb = 0.4, p.rt60_min = 0.15, p.rt60_max = 0.9, p.drr_min_db = -2, p.drr_max_db = 10;
    p.p_noise = 0.7, p.snr_min_db = 5, p.snr_max_db = 30;
    p.p_band = 0.3;
    p.p_clip = 0.05;
    return p;
  }
  if (name == "heavy") {
    p.level_min_db = -38, p.level_max_db = -12;
    p.lead_max_s = 1.0, p.trail_max_s = 1.0;
    p.p_speed = 0.7, p.speed_min = 0.85, p.speed_max = 1.15;
    p.p_reverb = 0.6, p.rt60_min = 0.2, p.rt60_max = 1.4, p.drr_min_db = -5, p.drr_max_db = 8;
    p.p_noise = 0.9, p.snr_min_db = 0, p.snr_max_db = 25;
    p.p_band = 0.5;
    p.p_clip = 0.15, p.clip_max = 0.02;
    return p;
  }
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown augmentation preset '" + std::string(name) + "' (known: " + known +
                              ")");
}

std::string Plan::summary() const {
  std::string s = "speed=" + fmt("%.3f", speed) + " level=" + fmt("%.1f", level_db) +
                  " lead=" + fmt("%.2f", lead_s) + " trail=" + fmt("%.2f", trail_s);
  if (room_tone_db != 0) s += " room=" + fmt("%.1f", room_tone_db);
  if (rt60 > 0) s += " reverb=" + fmt("%.2f", rt60) + " drr=" + fmt("%.1f", drr_db);
  if (noise != NoiseKind::none) {
    s += std::string(" noise=") + noise_kind_name(noise);
    if (!noise_source.empty()) s += ":" + noise_source;
    s += " snr=" + fmt("%.1f", snr_db);
  }
  if (band != Band::full)
    s += std::string(" band=") + band_name(band) + (band == Band::lowpass ? fmt("@%.0f", band_hz) : "");
  if (clip > 0) s += " clip=" + fmt("%.4f", clip);
  return s;
}

std::string Plan::environment() const {
  std::string s;
  if (noise != NoiseKind::none)
    s = std::string(noise_kind_name(noise)) + (noise == NoiseKind::babble ? "" : "-noise");
  if (rt60 > 0) s += s.empty() ? "reverb" : "+reverb";
  return s.empty() ? "clean" : s;
}

std::string Plan::device() const {
  switch (band) {
    case Band::full:
      return clip > 0 ? "full-band-clipped" : "full-band";
    case Band::telephone:
      return clip > 0 ? "telephone-clipped" : "telephone";
    case Band::laptop:
      return clip > 0 ? "laptop-clipped" : "laptop";
    case Band::lowpass:
      return "lowpass-" + fmt("%.0f", band_hz / 1000) + "k" + (clip > 0 ? "-clipped" : "");
  }
  return "?";
}

NoiseAvailability availability(const NoiseBank& bank) {
  NoiseAvailability a;
  a.babble = !bank.babble.empty();
  for (const auto& r : bank.recorded) a.recorded.push_back(r.name);
  return a;
}

Plan draw_plan(const Preset& p, const NoiseAvailability& bank, uint64_t seed) {
  Rng r(mix_seed(seed, "plan"));
  Plan plan;
  plan.seed = mix_seed(seed, "signal");
  if (r.chance(p.p_speed)) plan.speed = r.uniform(p.speed_min, p.speed_max);
  plan.level_db = r.uniform(p.level_min_db, p.level_max_db);
  plan.lead_s = r.uniform(p.lead_min_s, p.lead_max_s);
  plan.trail_s = r.uniform(p.trail_min_s, p.trail_max_s);
  if (p.room_tone_min_db != 0 || p.room_tone_max_db != 0)
    plan.room_tone_db = r.uniform(p.room_tone_min_db, p.room_tone_max_db);
  if (r.chance(p.p_reverb)) {
    plan.rt60 = r.uniform(p.rt60_min, p.rt60_max);
    plan.drr_db = r.uniform(p.drr_min_db, p.drr_max_db);
  }
  if (r.chance(p.p_noise)) {
    std::vector<std::pair<NoiseKind, double>> kinds = {{NoiseKind::white, p.w_white},
                                                       {NoiseKind::pink, p.w_pink},
                                                       {NoiseKind::brown, p.w_brown},
                                                       {NoiseKind::hum, p.w_hum},
                                                       {NoiseKind::tones, p.w_tones}};
    if (bank.babble) kinds.push_back({NoiseKind::babble, p.w_babble});
    if (!bank.recorded.empty()) kinds.push_back({NoiseKind::recorded, p.w_recorded});
    std::erase_if(kinds, [](const auto& k) { return k.second <= 0; });
    if (!kinds.empty()) {
      plan.noise = pick_weighted(kinds, r);
      plan.snr_db = r.uniform(p.snr_min_db, p.snr_max_db);
      if (plan.noise == NoiseKind::recorded) plan.noise_source = bank.recorded[r.below(bank.recorded.size())];
    }
  }
  if (r.chance(p.p_band)) {
    plan.band = pick_weighted<Band>(
        {{Band::telephone, p.w_telephone}, {Band::lowpass, p.w_lowpass}, {Band::laptop, p.w_laptop}}, r);
    if (plan.band == Band::lowpass)
      plan.band_hz = std::round(r.uniform(p.lowpass_min_hz, p.lowpass_max_hz) / 100) * 100;
  }
  if (r.chance(p.p_clip)) plan.clip = r.uniform(p.clip_min, p.clip_max);
  return plan;
}

namespace {

const NoiseBank::Recording* find_recording(const NoiseBank& bank, const std::string& name) {
  for (const auto& r : bank.recorded)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<float> make_noise(NoiseKind kind, const std::string& source, size_t n, const NoiseBank& bank,
                              Rng& rng) {
  switch (kind) {
    case NoiseKind::none:
      return std::vector<float>(n, 0.0f);
    case NoiseKind::white:
      return white_noise(n, rng);
    case NoiseKind::pink:
      return pink_noise(n, rng);
    case NoiseKind::brown:
      return brown_noise(n, rng);
    case NoiseKind::hum:
      return hum(n, rng);
    case NoiseKind::tones:
      return music_tones(n, rng);
    case NoiseKind::babble: {
      const int talkers = 2 + static_cast<int>(rng.below(6));
      return babble(n, bank.babble, talkers, rng);
    }
    case NoiseKind::recorded: {
      const NoiseBank::Recording* r = find_recording(bank, source);
      if (!r) throw std::invalid_argument("recorded noise '" + source + "' is not in the noise bank");
      return excerpt(r->samples, n, rng);
    }
  }
  return std::vector<float>(n, 0.0f);
}

void apply_channel(const Plan& plan, std::span<float> x) {
  switch (plan.band) {
    case Band::full:
      break;
    case Band::telephone:
      telephone(x);
      break;
    case Band::lowpass:
      lowpass(x, plan.band_hz > 0 ? plan.band_hz : 4000);
      break;
    case Band::laptop:
      laptop_mic(x);
      break;
  }
  if (plan.clip > 0) clip_fraction(x, plan.clip);
}

void add_room_tone(const Plan& plan, std::span<float> x, Rng& rng) {
  if (plan.room_tone_db == 0 || x.empty()) return;
  std::vector<float> tone = pink_noise(x.size(), rng);
  const double g = from_db(plan.room_tone_db);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(x[i] + g * tone[i]);
}

}  // namespace

std::vector<float> apply(const Plan& plan, std::span<const float> speech, const NoiseBank& bank,
                         std::pair<size_t, size_t>* speech_range) {
  const Rng base(plan.seed);
  std::vector<float> s =
      plan.speed != 1.0 ? change_speed(speech, plan.speed) : std::vector<float>(speech.begin(), speech.end());

  // Level from the voiced part (TTS engines add their own silence at the edges).
  const auto [a, b] = active_range(s);
  const double r = b > a ? rms(std::span<const float>(s).subspan(a, b - a)) : 0;
  if (r > 1e-9) {
    const double g = from_db(plan.level_db) / r;
    for (float& v : s) v = static_cast<float>(v * g);
  }

  const size_t lead = seconds_to_samples(plan.lead_s), trail = seconds_to_samples(plan.trail_s);
  std::vector<float> out(lead + s.size() + trail, 0.0f);
  std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(lead));
  const size_t sb = lead, se = lead + s.size();
  if (speech_range) *speech_range = {sb, se};

  if (plan.rt60 > 0) {
    Rng rr = base.fork("rir");
    apply_reverb(out, synthetic_rir(plan.rt60, plan.drr_db, rr));
  }
  if (plan.noise != NoiseKind::none && !out.empty()) {
    Rng nr = base.fork("noise");
    const std::vector<float> noise = make_noise(plan.noise, plan.noise_source, out.size(), bank, nr);
    add_at_snr(out, noise, plan.snr_db, sb, se);
  }
  Rng tr = base.fork("room");
  add_room_tone(plan, out, tr);
  apply_channel(plan, out);
  limit_peak(out, 0.99);
  return out;
}

NoiseChoice choose_noise(const NoiseBank& bank, uint64_t seed) {
  Rng r(mix_seed(seed, "noise-choice"));
  NoiseChoice c;
  c.seed = mix_seed(seed, "noise-samples");
  if (!bank.recorded.empty()) {
    c.kind = NoiseKind::recorded;
    c.source = bank.recorded[r.below(bank.recorded.size())].name;
  } else {
    static constexpr NoiseKind kSynthetic[] = {NoiseKind::white, NoiseKind::pink, NoiseKind::brown,
                                               NoiseKind::hum, NoiseKind::tones};
    c.kind = kSynthetic[r.below(std::size(kSynthetic))];
  }
  return c;
}

std::vector<float> mix_at_snr(std::span<const float> clip, double snr_db, const NoiseChoice& noise,
                              const NoiseBank& bank) {
  std::vector<float> out(clip.begin(), clip.end());
  if (out.empty() || noise.kind == NoiseKind::none) return out;
  auto [a, b] = active_range(out);
  if (b <= a) a = 0, b = out.size();  // silent clip: the whole clip is the reference (adds nothing)
  Rng nr(noise.seed);
  const std::vector<float> n = make_noise(noise.kind, noise.source, out.size(), bank, nr);
  add_at_snr(out, n, snr_db, a, b);
  limit_peak(out, 0.99);
  return out;
}

std::vector<float> Augmenter::run(std::span<const float> speech, uint64_t seed, Plan* plan_out) const {
  const Plan plan = draw_plan(preset_, bank_, seed);
  if (plan_out) *plan_out = plan;
  return apply(plan, speech, bank_);
}

// ---- non-speech clips ----

const char* non_speech_name(NonSpeech k) {
  switch (k) {
    case NonSpeech::silence:
      return "silence";
    case NonSpeech::white:
      return "white-noise";
    case NonSpeech::pink:
      return "pink-noise";
    case NonSpeech::brown:
      return "brown-noise";
    case NonSpeech::hum:
      return "hum";
    case NonSpeech::tones:
      return "tones";
    case NonSpeech::babble:
      return "babble";
    case NonSpeech::recorded:
      return "recorded-noise";
  }
  return "?";
}

std::vector<NonSpeech> non_speech_kinds(const NoiseAvailability& bank) {
  std::vector<NonSpeech> k = {NonSpeech::silence, NonSpeech::white, NonSpeech::pink,
                              NonSpeech::brown,   NonSpeech::hum,   NonSpeech::tones};
  if (bank.babble) k.push_back(NonSpeech::babble);
  if (!bank.recorded.empty()) k.push_back(NonSpeech::recorded);
  return k;
}

std::vector<float> non_speech(NonSpeech kind, double seconds, const Plan& channel, const NoiseBank& bank,
                              uint64_t seed, std::string* source) {
  Rng rng(mix_seed(seed, "non-speech"));
  const size_t n = std::max<size_t>(1, seconds_to_samples(seconds));
  std::vector<float> x;
  std::string src;
  switch (kind) {
    case NonSpeech::silence:
      x.assign(n, 0.0f);
      break;
    case NonSpeech::white:
      x = white_noise(n, rng);
      break;
    case NonSpeech::pink:
      x = pink_noise(n, rng);
      break;
    case NonSpeech::brown:
      x = brown_noise(n, rng);
      break;
    case NonSpeech::hum:
      x = hum(n, rng);
      break;
    case NonSpeech::tones:
      x = music_tones(n, rng);
      break;
    case NonSpeech::babble:
      x = babble(n, bank.babble, 2 + static_cast<int>(rng.below(6)), rng);
      break;
    case NonSpeech::recorded: {
      if (bank.recorded.empty()) throw std::invalid_argument("no recorded noise in the noise bank");
      const NoiseBank::Recording* r = nullptr;
      if (!channel.noise_source.empty()) {
        r = find_recording(bank, channel.noise_source);
        if (!r)
          throw std::invalid_argument("recorded noise '" + channel.noise_source +
                                      "' is not in the noise bank");
      } else {
        r = &bank.recorded[rng.below(bank.recorded.size())];
      }
      src = r->name;
      x = excerpt(r->samples, n, rng);
      break;
    }
  }
  if (kind != NonSpeech::silence) set_rms_db(x, rng.uniform(-45, -18));
  if (channel.rt60 > 0 && (kind == NonSpeech::tones || kind == NonSpeech::babble)) {
    Rng rr = rng.fork("rir");
    apply_reverb(x, synthetic_rir(channel.rt60, channel.drr_db, rr));
  }
  // Room tone: always present, so "silence" is never digital zeros.
  Plan room = channel;
  if (room.room_tone_db == 0) room.room_tone_db = rng.uniform(-80, -60);
  Rng tr = rng.fork("room");
  add_room_tone(room, x, tr);
  apply_channel(channel, x);
  limit_peak(x, 0.99);
  if (source) *source = src;
  return x;
}

}  // namespace inherent::augment
