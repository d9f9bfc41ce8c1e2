// SPDX-License-Identifier: Apache-2.0
// Augmentation's signal processing (see augment.h): the seeded generator, levels, speed,
// noise sources, SNR mixing, synthetic room impulse responses with FFT convolution,
// Butterworth channel filters, clipping. What to apply to a clip is augment-plan.cpp's.
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

}  // namespace

size_t seconds_to_samples(double s) { return s <= 0 ? 0 : static_cast<size_t>(std::llround(s * kRate)); }

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
  if (!(factor >= 0.5 && factor <= 2.0)) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", factor);
    throw std::invalid_argument(std::string("speed factor ") + text + " outside [0.5, 2]");
  }
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

}  // namespace inherent::augment
