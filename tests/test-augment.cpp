// SPDX-License-Identifier: Apache-2.0
//
// Augmentation: SNR within 0.5 dB of the target, gain exact, speed changes duration by
// the factor, reverb keeps length and energy, band limits cut what they should, clipping
// and peak limits hold, everything is deterministic in its seed.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <set>

#include "data/augment.h"

namespace {

using namespace inherent::augment;
constexpr double kPi = 3.14159265358979323846;

// A speech-like test signal: a vowel-ish harmonic tone with syllable-rate amplitude
// modulation and pauses.
std::vector<float> fake_speech(double seconds, uint64_t seed = 7) {
  Rng rng(seed);
  const size_t n = static_cast<size_t>(seconds * kRate);
  std::vector<float> x(n);
  const double f0 = rng.uniform(100, 220);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double env = std::max(0.0, std::sin(2 * kPi * 3.0 * t));
    double s = 0;
    for (int h = 1; h <= 10; ++h) s += std::sin(2 * kPi * f0 * h * t) / h;
    x[i] = static_cast<float>(0.2 * env * s);
  }
  return x;
}

double power_db(std::span<const float> x) { return to_db(rms(x)); }

// Energy of x between lo and hi Hz relative to its total, by DFT of a window.
double band_energy_fraction(const std::vector<float>& x, double lo, double hi) {
  const size_t n = 2048, start = x.size() / 2 - n / 2;
  double in = 0, all = 0;
  for (size_t k = 1; k < n / 2; ++k) {
    std::complex<double> acc = 0;
    for (size_t i = 0; i < n; ++i)
      acc += static_cast<double>(x[start + i]) * std::polar(1.0, -2 * kPi * static_cast<double>(k * i) / n);
    const double e = std::norm(acc), f = static_cast<double>(k) * kRate / n;
    all += e;
    if (f >= lo && f <= hi) in += e;
  }
  return in / all;
}

TEST(Augment, RngIsDeterministicAndUniform) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Rng(42).next(), c.next());
  Rng r(1);
  double sum = 0, sq = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double z = r.normal();
    sum += z, sq += z * z;
  }
  EXPECT_NEAR(sum / 1e5, 0.0, 0.02);
  EXPECT_NEAR(sq / 1e5, 1.0, 0.02);
  // fork depends on the seed and tag only, not on draws made before.
  Rng f1(9), f2(9);
  f2.next();
  EXPECT_EQ(f1.fork("noise").next(), f2.fork("noise").next());
  EXPECT_NE(f1.fork("noise").next(), f1.fork("rir").next());
}

TEST(Augment, GainIsExact) {
  std::vector<float> x = fake_speech(1.0);
  const double before = rms(x);
  apply_gain_db(x, -6.0);
  EXPECT_NEAR(to_db(rms(x)) - to_db(before), -6.0, 1e-4);
  set_rms_db(x, -20.0);
  EXPECT_NEAR(power_db(x), -20.0, 1e-4);
}

TEST(Augment, SnrWithinHalfDecibel) {
  for (double snr : {0.0, 5.0, 12.5, 30.0}) {
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<float> clean = fake_speech(2.0, 3 + kind);
      Rng rng(static_cast<uint64_t>(snr * 10) + kind);
      const std::vector<float> noise = kind == 0   ? white_noise(clean.size(), rng)
                                       : kind == 1 ? pink_noise(clean.size(), rng)
                                                   : brown_noise(clean.size(), rng);
      std::vector<float> mixed = clean;
      const double g = add_at_snr(mixed, noise, snr);
      std::vector<float> added(clean.size());
      for (size_t i = 0; i < clean.size(); ++i) added[i] = mixed[i] - clean[i];
      EXPECT_NEAR(power_db(clean) - power_db(added), snr, 0.5) << "kind " << kind << " gain " << g;
    }
  }
}

// The full chain with only noise: the SNR is measured on the speech part of the clip
// (silence padding does not count), so (speech + noise) - speech gives the target.
TEST(Augment, PlanSnrMeasuredOnSpeech) {
  const std::vector<float> speech = fake_speech(1.5);
  Plan p;
  p.level_db = -30;
  p.lead_s = 0.4;
  p.trail_s = 0.7;
  p.seed = 5;
  std::pair<size_t, size_t> r;
  const std::vector<float> dry = apply(p, speech, {}, &r);
  for (NoiseKind k : {NoiseKind::white, NoiseKind::pink, NoiseKind::hum, NoiseKind::tones}) {
    p.noise = k;
    p.snr_db = 10;
    const std::vector<float> wet = apply(p, speech, {});
    ASSERT_EQ(wet.size(), dry.size());
    std::vector<float> noise(wet.size());
    for (size_t i = 0; i < wet.size(); ++i) noise[i] = wet[i] - dry[i];
    const auto sp = std::span<const float>(dry).subspan(r.first, r.second - r.first);
    const auto np = std::span<const float>(noise).subspan(r.first, r.second - r.first);
    EXPECT_NEAR(power_db(sp) - power_db(np), 10.0, 0.5) << noise_kind_name(k);
  }
}

TEST(Augment, SpeedChangesDurationByFactor) {
  const std::vector<float> x = fake_speech(2.0);
  for (double f : {0.8, 0.9, 1.1, 1.25}) {
    const std::vector<float> y = change_speed(x, f);
    EXPECT_NEAR(static_cast<double>(y.size()), static_cast<double>(x.size()) / f, 1.0) << f;
    EXPECT_NEAR(rms(y) / rms(x), 1.0, 0.05) << f;  // level kept
  }
  EXPECT_EQ(change_speed(x, 1.0), x);
  EXPECT_THROW(change_speed(x, 3.0), std::invalid_argument);
}

TEST(Augment, ReverbKeepsLengthAndEnergy) {
  Rng rng(11);
  for (double rt60 : {0.2, 0.6, 1.2}) {
    const std::vector<float> rir = synthetic_rir(rt60, 3.0, rng);
    EXPECT_EQ(rir[0], 1.0f);
    // Energy decays: the last tenth holds far less than the first tenth of the tail.
    const size_t t = rir.size() / 10;
    EXPECT_LT(rms(std::span<const float>(rir).subspan(rir.size() - t)),
              0.1 * rms(std::span<const float>(rir).subspan(1, t)));
    std::vector<float> x = fake_speech(2.0);
    const double before = rms(x);
    apply_reverb(x, rir);
    EXPECT_EQ(x.size(), static_cast<size_t>(2.0 * kRate));
    EXPECT_NEAR(rms(x) / before, 1.0, 1e-3);
    for (float v : x) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(Augment, ConvolutionMatchesDirectSum) {
  Rng rng(3);
  const std::vector<float> x = white_noise(300, rng), h = white_noise(37, rng);
  const std::vector<float> y = convolve_same(x, h);
  ASSERT_EQ(y.size(), x.size());
  for (size_t n = 0; n < x.size(); n += 13) {
    double s = 0;
    for (size_t k = 0; k < h.size() && k <= n; ++k) s += static_cast<double>(h[k]) * x[n - k];
    EXPECT_NEAR(y[n], s, 1e-4) << n;
  }
}

TEST(Augment, BandLimitsCutOutsideTheBand) {
  Rng rng(4);
  std::vector<float> x = white_noise(kRate, rng);
  std::vector<float> phone = x;
  telephone(phone);
  EXPECT_GT(band_energy_fraction(phone, 300, 3400), 0.9);
  std::vector<float> low = x;
  lowpass(low, 2000);
  EXPECT_GT(band_energy_fraction(low, 0, 2400), 0.97);
}

TEST(Augment, ClippingAndPeakLimit) {
  std::vector<float> x = fake_speech(1.0);
  apply_gain_db(x, 20);  // way above full scale
  const double level = clip_fraction(x, 0.01);
  EXPECT_LE(peak(x), level + 1e-7);
  size_t at = 0;
  for (float v : x) at += std::fabs(v) >= level - 1e-7;
  EXPECT_NEAR(static_cast<double>(at) / static_cast<double>(x.size()), 0.01, 0.005);
  limit_peak(x, 0.99);
  EXPECT_LE(peak(x), 0.99 + 1e-6);
}

TEST(Augment, NoiseSourcesAreUnitRmsAndDistinct) {
  Rng rng(8);
  const size_t n = kRate;
  std::vector<std::vector<float>> utts = {fake_speech(1.0, 1), fake_speech(1.3, 2), fake_speech(0.7, 3)};
  const std::vector<std::vector<float>> all = {
      white_noise(n, rng), pink_noise(n, rng),      brown_noise(n, rng),     hum(n, rng),
      music_tones(n, rng), babble(n, utts, 4, rng), excerpt(utts[1], n, rng)};
  for (const auto& x : all) {
    ASSERT_EQ(x.size(), n);
    EXPECT_NEAR(rms(x), 1.0, 1e-3);
  }
  // Pink and brown tilt toward low frequencies; white does not.
  EXPECT_LT(band_energy_fraction(all[0], 0, 1000), 0.2);
  EXPECT_GT(band_energy_fraction(all[1], 0, 1000), 0.3);
  EXPECT_GT(band_energy_fraction(all[2], 0, 1000), 0.8);
}

TEST(Augment, DeterministicBySeed) {
  NoiseBank bank;
  bank.add_babble(fake_speech(1.0, 1));
  bank.add_babble(fake_speech(1.2, 2));
  bank.add_recording("tap.wav", fake_speech(3.0, 9));
  const Augmenter aug(preset("heavy"), bank);
  const std::vector<float> speech = fake_speech(1.5);
  std::set<std::string> summaries;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    Plan p1, p2;
    const std::vector<float> a = aug.run(speech, seed, &p1);
    const std::vector<float> b = aug.run(speech, seed, &p2);
    EXPECT_EQ(a, b) << seed;
    EXPECT_EQ(p1.summary(), p2.summary());
    EXPECT_LE(peak(a), 0.99 + 1e-6);
    summaries.insert(p1.summary());
  }
  EXPECT_EQ(summaries.size(), 12u);  // different seeds, different draws
}

TEST(Augment, PresetsDrawWithinRanges) {
  for (const std::string& name : preset_names()) {
    const Preset pr = preset(name);
    NoiseAvailability none;
    for (uint64_t s = 0; s < 200; ++s) {
      const Plan p = draw_plan(pr, none, s);
      EXPECT_GE(p.speed, std::min(1.0, pr.speed_min));
      EXPECT_LE(p.speed, std::max(1.0, pr.speed_max));
      EXPECT_GE(p.level_db, pr.level_min_db);
      EXPECT_LE(p.level_db, pr.level_max_db);
      EXPECT_NE(p.noise, NoiseKind::babble);  // nothing to make it from
      EXPECT_NE(p.noise, NoiseKind::recorded);
      if (p.noise != NoiseKind::none) {
        EXPECT_GE(p.snr_db, pr.snr_min_db);
        EXPECT_LE(p.snr_db, pr.snr_max_db);
      }
    }
  }
  EXPECT_THROW(preset("loud"), std::invalid_argument);
}

TEST(Augment, RecordingSplitPartsAreDisjointAndCoverAll) {
  std::vector<float> rec(1000);
  for (size_t i = 0; i < rec.size(); ++i) rec[i] = static_cast<float>(i);
  const auto a = split_part(rec, 0), b = split_part(rec, 1), c = split_part(rec, 2);
  EXPECT_EQ(a.size(), 700u);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_EQ(c.size(), 200u);
  EXPECT_EQ(a.back() + 1, b.front());
  EXPECT_EQ(b.back() + 1, c.front());
  EXPECT_EQ(c.back(), 999.0f);
}

TEST(Augment, NonSpeechClips) {
  NoiseBank bank;
  bank.add_babble(fake_speech(1.0, 1));
  bank.add_recording("dishes.wav", fake_speech(2.0, 4));
  for (NonSpeech k : non_speech_kinds(availability(bank))) {
    Plan channel;
    channel.band = Band::telephone;
    std::string src;
    const std::vector<float> x = non_speech(k, 1.5, channel, bank, 3, &src);
    EXPECT_EQ(x.size(), static_cast<size_t>(1.5 * kRate)) << non_speech_name(k);
    EXPECT_GT(rms(x), 0.0) << non_speech_name(k);  // room tone at least
    EXPECT_LE(peak(x), 0.99 + 1e-6);
    if (k == NonSpeech::recorded) {
      EXPECT_EQ(src, "dishes.wav");
    }
    EXPECT_EQ(x, non_speech(k, 1.5, channel, bank, 3)) << non_speech_name(k);
  }
}

}  // namespace
