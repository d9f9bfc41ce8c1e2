// SPDX-License-Identifier: Apache-2.0
#include "log-mel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace inherent {
namespace {

constexpr int kHalf = kNFft / 2;  // 512-point complex FFT behind the 1024-point real FFT
constexpr double kPi = 3.14159265358979323846;

}  // namespace

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }
double mel_edge_hz(int i) {
  const double mel_lo = hz_to_mel(kFMin), mel_hi = hz_to_mel(kFMax);
  return mel_to_hz(mel_lo + (mel_hi - mel_lo) * i / (kNMels + 1));
}

size_t mel_n_frames(size_t n_samples, size_t max_frames) {
  // ceil without n + hop - 1, which wraps for n near SIZE_MAX.
  size_t t = n_samples / kHopLength + (n_samples % kHopLength != 0 ? 1 : 0);
  if (t == 0) t = 1;
  if (max_frames != 0 && t > max_frames) t = max_frames;
  return t;
}

size_t find_non_finite(const float* samples, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(samples[i])) return i;
  return n;
}

const LogMel& LogMel::get() {
  static const LogMel instance;
  return instance;
}

LogMel::LogMel() {
  // Symmetric Hann: 0.5 - 0.5 cos(2 pi i / (N - 1)), N = 400.
  window_.resize(kWinLength);
  for (int i = 0; i < kWinLength; ++i) window_[i] = 0.5 - 0.5 * std::cos(2.0 * kPi * i / (kWinLength - 1));

  twiddle_re_.resize(kHalf / 2);
  twiddle_im_.resize(kHalf / 2);
  for (int k = 0; k < kHalf / 2; ++k) {
    twiddle_re_[k] = (std::cos(2.0 * kPi * k / kHalf));
    twiddle_im_[k] = (-std::sin(2.0 * kPi * k / kHalf));
  }
  split_re_.resize(kHalf + 1);
  split_im_.resize(kHalf + 1);
  for (int k = 0; k <= kHalf; ++k) {
    split_re_[k] = (std::cos(2.0 * kPi * k / kNFft));
    split_im_[k] = (-std::sin(2.0 * kPi * k / kNFft));
  }
  bitrev_.resize(kHalf);
  int bits = 0;
  while ((1 << bits) < kHalf) ++bits;
  for (int i = 0; i < kHalf; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    bitrev_[i] = static_cast<uint16_t>(r);
  }

  // 128 triangles with edges evenly spaced on the HTK mel scale from 20 Hz to 8 kHz,
  // evaluated at each bin's exact frequency k * 16000 / 1024 (peak 1, no rounding).
  std::vector<double> edges(kNMels + 2);
  for (int i = 0; i < kNMels + 2; ++i) edges[i] = mel_edge_hz(i);
  filters_.resize(kNMels);
  for (int m = 0; m < kNMels; ++m) {
    const double lo = edges[m], center = edges[m + 1], hi = edges[m + 2];
    Filter& f = filters_[m];
    f.first_bin = -1;
    for (int k = 0; k < kNBins; ++k) {
      const double hz = static_cast<double>(k) * kSampleRate / kNFft;
      const double w = std::max(0.0, std::min((hz - lo) / (center - lo), (hi - hz) / (hi - center)));
      if (w <= 0.0) {
        if (f.first_bin >= 0) break;  // past the triangle
        continue;
      }
      if (f.first_bin < 0) f.first_bin = k;
      f.weights.push_back(static_cast<float>(w));
    }
  }
}

void LogMel::power_spectrum(const float* window, double* power) const {
  // Pack the windowed, zero-padded 1024 real samples as 512 complex values
  // z[n] = x[2n] + i x[2n + 1] in bit-reversed order. Only x[0, 400) is non-zero.
  // double: the spec is pinned against a float64 reference to 1e-4 in log space, and
  // float round-off of loud bins leaks into quiet bins near the 1e-8 floor.
  double re[kHalf], im[kHalf];
  std::memset(re, 0, sizeof(re));
  std::memset(im, 0, sizeof(im));
  for (int n = 0; n < kWinLength / 2; ++n) {
    const int r = bitrev_[n];
    re[r] = static_cast<double>(window[2 * n]) * window_[2 * n];
    im[r] = static_cast<double>(window[2 * n + 1]) * window_[2 * n + 1];
  }
  // Iterative radix-2 decimation-in-time FFT of size 512.
  for (int half = 1, stride = kHalf / 2; half < kHalf; half *= 2, stride /= 2) {
    for (int start = 0; start < kHalf; start += 2 * half) {
      for (int j = 0; j < half; ++j) {
        const double wr = twiddle_re_[j * stride], wi = twiddle_im_[j * stride];
        const int a = start + j, b = a + half;
        const double tr = re[b] * wr - im[b] * wi;
        const double ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  // Split into the spectrum of the real signal:
  // X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[512-k]) / 2, O = (Z[k] - conj Z[512-k]) / 2i.
  constexpr double kScale = 1.0 / kNFft;
  power[0] = (re[0] + im[0]) * (re[0] + im[0]) * kScale;
  power[kHalf] = (re[0] - im[0]) * (re[0] - im[0]) * kScale;
  for (int k = 1; k < kHalf; ++k) {
    const double ar = re[k], ai = im[k];
    const double br = re[kHalf - k], bi = -im[kHalf - k];
    const double er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
    const double orr = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
    const double xr = er + split_re_[k] * orr - split_im_[k] * oi;
    const double xi = ei + split_re_[k] * oi + split_im_[k] * orr;
    power[k] = (xr * xr + xi * xi) * kScale;
  }
}

void LogMel::frame(const float* window, float* out) const {
  double power[kNBins];
  power_spectrum(window, power);
  for (int m = 0; m < kNMels; ++m) {
    const Filter& f = filters_[m];
    const double* p = power + f.first_bin;
    double e = 0.0;
    for (size_t i = 0; i < f.weights.size(); ++i) e += f.weights[i] * p[i];
    out[m] = static_cast<float>(std::log(e + static_cast<double>(kLogFloor)));
  }
}

void LogMel::compute(const float* samples, size_t n, size_t n_frames, float* out) const {
  float padded[kWinLength];
  for (size_t t = 0; t < n_frames; ++t) {
    const size_t start = t * kHopLength;
    const float* w = samples + start;
    if (start + kWinLength > n) {  // the window runs past the end: zero-pad a copy
      const size_t have = start < n ? n - start : 0;
      std::memset(padded, 0, sizeof(padded));
      if (have) std::memcpy(padded, samples + start, have * sizeof(float));
      w = padded;
    }
    frame(w, out + t * kNMels);
  }
}

void MelStream::emit_frame(const float* window) {
  const size_t old = frames_.size();
  frames_.resize(old + kNMels);
  LogMel::get().frame(window, frames_.data() + old);
  ++next_frame_;
}

void MelStream::accept(const float* samples, size_t n) {
  if (n == 0) return;
  pending_.insert(pending_.end(), samples, samples + n);
  received_ += n;
  // Frame t needs samples [320 t, 320 t + 400).
  while (next_frame_ * kHopLength + kWinLength <= received_) {
    emit_frame(pending_.data() + (next_frame_ * kHopLength - pending_start_));
  }
  // Drop samples no future frame reads.
  const size_t keep_from = std::min(next_frame_ * kHopLength, received_);
  if (keep_from > pending_start_) {
    pending_.erase(pending_.begin(), pending_.begin() + (keep_from - pending_start_));
    pending_start_ = keep_from;
  }
}

void MelStream::finish() {
  if (finished_) return;
  finished_ = true;
  const size_t total = mel_n_frames(received_, 0);
  float padded[kWinLength];
  while (next_frame_ < total) {
    const size_t start = next_frame_ * kHopLength;
    std::memset(padded, 0, sizeof(padded));
    if (start < received_) {
      const size_t have = std::min<size_t>(received_ - start, kWinLength);
      std::memcpy(padded, pending_.data() + (start - pending_start_), have * sizeof(float));
    }
    emit_frame(padded);
  }
  pending_.clear();
  pending_start_ = received_;
}

size_t MelStream::pop(float* out, size_t max_frames) {
  const size_t n = std::min(max_frames, frames_ready());
  if (n == 0) return 0;
  std::memcpy(out, frames_.data() + read_frame_ * kNMels, n * kNMels * sizeof(float));
  read_frame_ += n;
  if (read_frame_ * kNMels == frames_.size()) {  // everything popped: reuse the buffer
    frames_.clear();
    read_frame_ = 0;
  } else if (read_frame_ > 256) {  // bound memory when the reader lags a little
    frames_.erase(frames_.begin(), frames_.begin() + read_frame_ * kNMels);
    read_frame_ = 0;
  }
  return n;
}

void MelStream::reset() { *this = MelStream(); }

}  // namespace inherent
