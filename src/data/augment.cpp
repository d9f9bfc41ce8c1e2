// SPDX-License-Identifier: Apache-2.0
// Audio augmentation (see augment.h): seeded noise sources, SNR mixing, synthetic room
// impulse responses with FFT convolution, Butterworth channel filters, clipping, padding.
#include "data/augment.h"

#include <soxr.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace inherent::augment {

namespace {

constexpr double kPi = 3.14159265358979323846;

void normalize_unit(std::vector<float>& x) {
  const double r = rms(x);
  if (r < 1e-12) return;
  const float g = static_cast<float>(1.0 / r);
  for (float& v : x) v *= g;
}

size_t seconds_to_samples(double s) { return s <= 0 ? 0 : static_cast<size_t>(std::llround(s * kRate)); }

// ---- FFT (iterative radix-2, in place) ----

void fft(std::vector<std::complex<double>>& a, bool inverse) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double ang = 2 * kPi / static_cast<double>(len) * (inverse ? 1 : -1);
    const size_t half = len / 2;
    // Twiddles of this stage computed directly (no accumulated rounding).
    std::vector<std::complex<double>> w(half);
    for (size_t k = 0; k < half; ++k)
      w[k] = {std::cos(ang * static_cast<double>(k)), std::sin(ang * static_cast<double>(k))};
    for (size_t i = 0; i < n; i += len)
      for (size_t k = 0; k < half; ++k) {
        const std::complex<double> u = a[i + k], v = a[i + k + half] * w[k];
        a[i + k] = u + v;
        a[i + k + half] = u - v;
      }
  }
  if (inverse)
    for (auto& v : a) v /= static_cast<double>(n);
}

// ---- biquads (transposed direct form II, double state) ----

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  void run(std::span<float> x) const {
    double z1 = 0, z2 = 0;
    for (float& s : x) {
      const double in = s, out = b0 * in + z1;
      z1 = b1 * in - a1 * out + z2;
      z2 = b2 * in - a2 * out;
      s = static_cast<float>(out);
    }
  }
};

// ref: the RBJ audio-EQ cookbook formulas (low-pass, high-pass, peaking).
Biquad make_biquad(char type, double hz, double q, double gain_db = 0) {
  hz = std::clamp(hz, 1.0, kRate * 0.49);
  const double w0 = 2 * kPi * hz / kRate, c = std::cos(w0), alpha = std::sin(w0) / (2 * q);
  double b0, b1, b2, a0, a1, a2;
  if (type == 'l') {
    b0 = (1 - c) / 2, b1 = 1 - c, b2 = (1 - c) / 2;
    a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
  } else if (type == 'h') {
    b0 = (1 + c) / 2, b1 = -(1 + c), b2 = (1 + c) / 2;
    a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
  } else {  // peaking
    const double a = std::pow(10.0, gain_db / 40);
    b0 = 1 + alpha * a, b1 = -2 * c, b2 = 1 - alpha * a;
    a0 = 1 + alpha / a, a1 = -2 * c, a2 = 1 - alpha / a;
  }
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

// 4th-order Butterworth as two biquads (Q of each pole pair).
constexpr double kButterQ[2] = {0.54119610014619698, 1.3065629648763766};

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

// ---- Rng ----

double Rng::normal() {
  const double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * kPi * u2);
}
Rng Rng::fork(std::string_view tag) const { return Rng(mix_seed(seed_, tag)); }

uint64_t mix_seed(uint64_t seed, std::string_view tag) { return mix_seed(seed, fnv1a64(tag)); }

uint64_t mix_seed(uint64_t seed, uint64_t n) {
  return splitmix64(splitmix64(seed ^ 0x6a09e667f3bcc909ull) ^ n);
}

// ---- levels ----

double rms(std::span<const float> x) {
  if (x.empty()) return 0;
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return std::sqrt(s / static_cast<double>(x.size()));
}

double peak(std::span<const float> x) {
  double p = 0;
  for (float v : x) p = std::max(p, static_cast<double>(std::fabs(v)));
  return p;
}

double to_db(double a) { return a > 1e-10 ? 20 * std::log10(a) : -200; }
double from_db(double db) { return std::pow(10.0, db / 20); }

void apply_gain_db(std::span<float> x, double db) {
  const double g = from_db(db);
  for (float& v : x) v = static_cast<float>(v * g);
}

void set_rms_db(std::span<float> x, double dbfs) {
  const double r = rms(x);
  if (r < 1e-9) return;
  const double g = from_db(dbfs) / r;
  for (float& v : x) v = static_cast<float>(v * g);
}

void limit_peak(std::span<float> x, double max_peak) {
  const double p = peak(x);
  if (p <= max_peak) return;
  const double g = max_peak / p;
  for (float& v : x) v = static_cast<float>(v * g);
}

std::pair<size_t, size_t> active_range(std::span<const float> x, double threshold) {
  size_t a = 0, b = x.size();
  while (a < b && std::fabs(x[a]) <= threshold) ++a;
  while (b > a && std::fabs(x[b - 1]) <= threshold) --b;
  if (a == b) return {0, 0};
  return {a, b};
}

// ---- speed ----

std::vector<float> change_speed(std::span<const float> x, double factor) {
  if (!(factor >= 0.5 && factor <= 2.0))
    throw std::invalid_argument("speed factor " + fmt("%g", factor) + " outside [0.5, 2]");
  if (factor == 1.0 || x.empty()) return {x.begin(), x.end()};
  // Played back as if recorded at kRate * factor: length / factor, pitch * factor.
  const size_t olen = static_cast<size_t>(std::llround(static_cast<double>(x.size()) / factor));
  std::vector<float> out(olen + 16);
  size_t idone = 0, odone = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_error_t err = soxr_oneshot(kRate * factor, kRate, 1, x.data(), x.size(), &idone, out.data(),
                                        olen, &odone, &io, &q, nullptr);
  if (err) throw std::runtime_error(std::string("libsoxr: ") + err);
  out.resize(odone);
  out.resize(olen, 0.0f);  // soxr may stop a sample short: pad to the exact length
  return out;
}

// ---- noise sources ----

std::vector<float> white_noise(size_t n, Rng& rng) {
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(rng.normal());
  normalize_unit(x);
  return x;
}

std::vector<float> pink_noise(size_t n, Rng& rng) {
  // Voss-McCartney: row k is redrawn every 2^k samples; their sum falls at ~3 dB/octave.
  constexpr int kRows = 16;
  double rows[kRows];
  double sum = 0;
  for (double& r : rows) sum += (r = rng.uniform(-1, 1));
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = static_cast<uint64_t>(i) + 1;
    const int row = std::countr_zero(k);
    if (row < kRows) {
      sum -= rows[row];
      sum += (rows[row] = rng.uniform(-1, 1));
    }
    x[i] = static_cast<float>(sum + rng.uniform(-1, 1));
  }
  // Remove the slow DC wander of the top rows.
  Biquad hp = make_biquad('h', 20, 0.7071);
  hp.run(x);
  normalize_unit(x);
  return x;
}

std::vector<float> brown_noise(size_t n, Rng& rng) {
  std::vector<float> x(n);
  double y = 0;
  for (float& v : x) {
    y = 0.998 * y + 0.05 * rng.normal();  // leaky integrator: -6 dB/octave above ~5 Hz
    v = static_cast<float>(y);
  }
  Biquad hp = make_biquad('h', 20, 0.7071);
  hp.run(x);
  normalize_unit(x);
  return x;
}

std::vector<float> hum(size_t n, Rng& rng) {
  const double f0 = rng.chance(0.5) ? 50.0 : 60.0;
  const int harmonics = 3 + static_cast<int>(rng.below(6));
  std::vector<double> amp(harmonics), phase(harmonics);
  for (int k = 0; k < harmonics; ++k) {
    amp[k] = rng.uniform(0.1, 1.0) / (k + 1);
    phase[k] = rng.uniform(0, 2 * kPi);
  }
  const double hiss = from_db(rng.uniform(-40, -20)), wobble = rng.uniform(0.1, 0.5);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    double s = 0;
    for (int k = 0; k < harmonics; ++k) s += amp[k] * std::sin(2 * kPi * f0 * (k + 1) * t + phase[k]);
    s *= 1 + 0.05 * std::sin(2 * kPi * wobble * t);
    x[i] = static_cast<float>(s + hiss * rng.normal());
  }
  normalize_unit(x);
  return x;
}

std::vector<float> music_tones(size_t n, Rng& rng) {
  // Notes of a major scale in a random key, 1-3 at a time, with decaying harmonics.
  static constexpr int kScale[7] = {0, 2, 4, 5, 7, 9, 11};
  const int key = 45 + static_cast<int>(rng.below(12));  // MIDI note of the tonic
  const double beat = rng.uniform(0.15, 0.5);            // seconds per step
  const int n_harm = 2 + static_cast<int>(rng.below(5));
  const double bright = rng.uniform(0.3, 0.8);  // harmonic roll-off
  std::vector<double> y(n, 0.0);
  const size_t step = std::max<size_t>(1, seconds_to_samples(beat));
  for (size_t start = 0; start < n; start += step) {
    if (rng.chance(0.15)) continue;  // a rest
    const int voices = 1 + static_cast<int>(rng.below(3));
    const double tau = rng.uniform(0.08, 0.6);  // decay time constant
    const size_t len = std::min(n - start, seconds_to_samples(std::min(4 * tau, 2.0)));
    for (int v = 0; v < voices; ++v) {
      const int degree = static_cast<int>(rng.below(15));
      const int midi = key + 12 * (degree / 7) + kScale[degree % 7];
      const double f = 440.0 * std::pow(2.0, (midi - 69) / 12.0), gain = rng.uniform(0.4, 1.0);
      for (size_t i = 0; i < len; ++i) {
        const double t = static_cast<double>(i) / kRate;
        const double env = std::min(1.0, t / 0.01) * std::exp(-t / tau);
        double s = 0, a = 1;
        for (int h = 1; h <= n_harm && f * h < kRate / 2.0; ++h, a *= bright)
          s += a * std::sin(2 * kPi * f * h * t);
        y[start + i] += gain * env * s;
      }
    }
  }
  std::vector<float> x(y.begin(), y.end());
  if (rms(x) < 1e-9) {  // all rests (tiny n): one plain tone
    for (size_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(std::sin(2 * kPi * 440.0 * static_cast<double>(i) / kRate));
  }
  normalize_unit(x);
  return x;
}

std::vector<float> babble(size_t n, std::span<const std::vector<float>> utterances, int talkers, Rng& rng) {
  std::vector<const std::vector<float>*> usable;
  for (const auto& u : utterances)
    if (!u.empty() && rms(u) > 1e-6) usable.push_back(&u);
  if (usable.empty()) throw std::invalid_argument("babble needs at least one non-silent utterance");
  talkers = std::max(2, talkers);
  std::vector<double> mix(n, 0.0);
  for (int t = 0; t < talkers; ++t) {
    // One talker: utterances back to back with short pauses, starting mid-stream.
    std::vector<float> stream;
    const size_t want = n + seconds_to_samples(3.0);
    while (stream.size() < want) {
      const std::vector<float>& u = *usable[rng.below(usable.size())];
      const double g = 1.0 / std::max(1e-6, rms(u));
      for (float v : u) stream.push_back(static_cast<float>(v * g));
      stream.resize(stream.size() + seconds_to_samples(rng.uniform(0.05, 0.4)), 0.0f);
    }
    const size_t off = rng.below(stream.size() - n + 1);
    const double gain = from_db(rng.uniform(-6, 0));
    for (size_t i = 0; i < n; ++i) mix[i] += gain * stream[off + i];
  }
  std::vector<float> x(mix.begin(), mix.end());
  normalize_unit(x);
  return x;
}

std::vector<float> excerpt(std::span<const float> recording, size_t n, Rng& rng) {
  if (recording.empty()) throw std::invalid_argument("excerpt of an empty recording");
  std::vector<float> x(n);
  if (recording.size() >= n) {
    const size_t off = rng.below(recording.size() - n + 1);
    std::copy(recording.begin() + static_cast<std::ptrdiff_t>(off),
              recording.begin() + static_cast<std::ptrdiff_t>(off + n), x.begin());
  } else {
    // Loop from a random start; each seam is a linear crossfade (up to 50 ms).
    const size_t m = recording.size(), fade = std::min<size_t>(seconds_to_samples(0.05), m / 4);
    size_t pos = rng.below(m);
    for (size_t i = 0; i < n; ++i) {
      double v = recording[pos];
      const size_t left = m - pos;
      if (fade > 0 && left <= fade) {  // approaching the end: blend in the start
        const double w = static_cast<double>(fade - left + 1) / static_cast<double>(fade + 1);
        v = (1 - w) * v + w * recording[fade - left];
      }
      x[i] = static_cast<float>(v);
      pos = pos + 1 < m ? pos + 1 : fade;  // the first `fade` samples were already blended in
    }
  }
  normalize_unit(x);
  return x;
}

double add_at_snr(std::span<float> signal, std::span<const float> noise, double snr_db, size_t ref_begin,
                  size_t ref_end) {
  if (noise.size() != signal.size())
    throw std::invalid_argument("add_at_snr: noise and signal lengths differ");
  if (ref_end == 0 || ref_end > signal.size()) ref_end = signal.size();
  if (ref_begin >= ref_end) return 0;
  const double ps = rms(signal.subspan(ref_begin, ref_end - ref_begin));
  const double pn = rms(noise.subspan(ref_begin, ref_end - ref_begin));
  if (pn < 1e-12 || ps < 1e-12) return 0;
  const double g = ps / pn * from_db(-snr_db);
  for (size_t i = 0; i < signal.size(); ++i) signal[i] = static_cast<float>(signal[i] + g * noise[i]);
  return g;
}

// ---- reverb ----

std::vector<float> synthetic_rir(double rt60_s, double drr_db, Rng& rng) {
  rt60_s = std::clamp(rt60_s, 0.05, 3.0);
  const size_t predelay = seconds_to_samples(rng.uniform(0.002, 0.012));
  const size_t tail_len = seconds_to_samples(std::min(rt60_s, 2.0));
  std::vector<float> h(predelay + tail_len, 0.0f);
  h[0] = 1.0f;
  // Two bands: highs decay about twice as fast as lows (air and wall absorption).
  const double tau_lo = rt60_s / 6.9078, tau_hi = tau_lo * rng.uniform(0.4, 0.7);
  const double a = std::exp(-2 * kPi * 2000.0 / kRate);  // one-pole split at ~2 kHz
  double lp = 0, energy = 0;
  std::vector<double> tail(tail_len);
  for (size_t i = 0; i < tail_len; ++i) {
    const double t = static_cast<double>(i) / kRate, w = rng.normal();
    lp = (1 - a) * w + a * lp;
    const double early = 1.0 + 2.0 * std::exp(-t / 0.02);  // denser early reflections
    tail[i] = early * (lp * std::exp(-t / tau_lo) + (w - lp) * std::exp(-t / tau_hi));
    energy += tail[i] * tail[i];
  }
  // Direct energy is 1, so the tail's energy must be 10^(-drr/10) = from_db(-drr)^2.
  const double g = energy > 0 ? from_db(-drr_db) / std::sqrt(energy) : 0;
  for (size_t i = 0; i < tail_len; ++i) h[predelay + i] = static_cast<float>(g * tail[i]);
  return h;
}

std::vector<float> convolve_same(std::span<const float> x, std::span<const float> h) {
  if (x.empty() || h.empty()) return std::vector<float>(x.size(), 0.0f);
  const size_t full = x.size() + h.size() - 1;
  size_t n = 1;
  while (n < full) n <<= 1;
  // Both real inputs in one complex FFT: z = x + i h.
  std::vector<std::complex<double>> z(n);
  for (size_t i = 0; i < x.size(); ++i) z[i].real(x[i]);
  for (size_t i = 0; i < h.size(); ++i) z[i].imag(h[i]);
  fft(z, false);
  std::vector<std::complex<double>> y(n);
  for (size_t k = 0; k < n; ++k) {
    const std::complex<double> zk = z[k], zc = std::conj(z[(n - k) & (n - 1)]);
    const std::complex<double> xk = (zk + zc) * 0.5, hk = (zk - zc) * std::complex<double>(0, -0.5);
    y[k] = xk * hk;
  }
  fft(y, true);
  std::vector<float> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<float>(y[i].real());
  return out;
}

void apply_reverb(std::vector<float>& x, std::span<const float> rir) {
  const double dry = rms(x);
  std::vector<float> wet = convolve_same(x, rir);
  const double r = rms(wet);
  const double g = r > 1e-12 ? dry / r : 0;
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(wet[i] * g);
}

// ---- channel ----

void highpass(std::span<float> x, double hz) {
  for (double q : kButterQ) make_biquad('h', hz, q).run(x);
}

void lowpass(std::span<float> x, double hz) {
  for (double q : kButterQ) make_biquad('l', hz, q).run(x);
}

void telephone(std::span<float> x) {
  highpass(x, 300);
  lowpass(x, 3400);
}

void laptop_mic(std::span<float> x) {
  highpass(x, 150);
  make_biquad('p', 2500, 1.0, 4.0).run(x);
  lowpass(x, 7000);
}

double clip_fraction(std::span<float> x, double fraction) {
  if (x.empty() || fraction <= 0) return peak(x);
  std::vector<float> mag(x.size());
  for (size_t i = 0; i < x.size(); ++i) mag[i] = std::fabs(x[i]);
  const size_t k =
      std::min(mag.size() - 1, static_cast<size_t>(static_cast<double>(mag.size()) * (1 - fraction)));
  std::nth_element(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(k), mag.end());
  const float level = mag[k];
  if (level <= 0) return 0;
  for (float& v : x) v = std::clamp(v, -level, level);
  return level;
}

std::span<const float> split_part(std::span<const float> recording, int split) {
  const size_t n = recording.size(), cut1 = n * 7 / 10, cut2 = n * 8 / 10;
  if (split <= 0) return recording.first(cut1);
  if (split == 1) return recording.subspan(cut1, cut2 - cut1);
  return recording.subspan(cut2);
}

// ---- noise bank ----

void NoiseBank::add_recording(std::string name, std::vector<float> samples) {
  if (samples.empty() || rms(samples) < 1e-6) return;  // nothing to mix
  recorded.push_back({std::move(name), std::move(samples)});
}

void NoiseBank::add_babble(std::vector<float> utterance) {
  if (utterance.empty() || rms(utterance) < 1e-6) return;
  babble.push_back(std::move(utterance));
}

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
