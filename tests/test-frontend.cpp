// SPDX-License-Identifier: Apache-2.0
//
// Golden tests of the log-mel frontend. A float64 reference of docs/frontend.md is
// written out below from the spec alone (a direct DFT, the HTK mel formula, natural
// log) and the C ABI must match it to 1e-4 on every frame of a set of test signals.
// Then one named test per choice the spec makes (window, mel scale, frame count,
// padding, streaming == batch) and the error paths of the C ABI.
//
// Shapes: T frames, M = 128 mel bins, K = 513 one-sided FFT bins.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "frontend/log-mel.h"
#include "inherent/inherent.h"
#include "inherent/inherent.hpp"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kM = 128;
constexpr double kRate = 16000.0;

// ---------------------------------------------------------------------------------
// float64 reference, straight from the spec
// ---------------------------------------------------------------------------------

// ref: docs/frontend.md "mel scale": HTK, 2595 log10(1 + f / 700).
double ref_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double ref_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

// ref: 130 edges evenly spaced in mel from 20 Hz to 8 kHz.
std::vector<double> ref_edges_hz() {
  std::vector<double> e(kM + 2);
  const double lo = ref_mel(20.0), hi = ref_mel(8000.0);
  for (int i = 0; i < kM + 2; ++i) e[i] = ref_hz(lo + (hi - lo) * i / (kM + 1));
  return e;
}

// ref: triangle m at frequency hz (peak 1 at the centre edge, 0 at both outer edges).
double ref_weight(const std::vector<double>& edges, int m, double hz) {
  const double lo = edges[m], c = edges[m + 1], hi = edges[m + 2];
  if (hz <= lo || hz >= hi) return 0.0;
  return hz <= c ? (hz - lo) / (c - lo) : (hi - hz) / (hi - c);
}

// Dense [M, n_fft/2 + 1] filterbank at each bin's exact frequency k * 16000 / n_fft.
std::vector<double> ref_filterbank(int n_fft) {
  const std::vector<double> edges = ref_edges_hz();
  const int k_bins = n_fft / 2 + 1;
  std::vector<double> fb(static_cast<size_t>(kM) * k_bins);
  for (int m = 0; m < kM; ++m)
    for (int k = 0; k < k_bins; ++k) fb[m * k_bins + k] = ref_weight(edges, m, k * kRate / n_fft);
  return fb;
}

// ref: symmetric Hann, 0.5 - 0.5 cos(2 pi i / 399).
double ref_hann(int i) { return 0.5 - 0.5 * std::cos(2.0 * kPi * i / 399.0); }

// One frame: 400 samples (already zero-padded past the clip's end) -> [128] log-mels.
// Direct DFT of the windowed samples zero-padded to 1024 points (the zeros add nothing
// to the sum, so only n < 400 is visited), power |X|^2 / 1024, mel sums, log(E + 1e-8).
class Reference {
 public:
  Reference() : fb_(ref_filterbank(1024)), cos_(1024), sin_(1024) {
    for (int j = 0; j < 1024; ++j) {
      cos_[j] = std::cos(2.0 * kPi * j / 1024.0);
      sin_[j] = std::sin(2.0 * kPi * j / 1024.0);
    }
  }

  void frame(const float* win, double* out) const {
    double x[400];
    for (int n = 0; n < 400; ++n) x[n] = static_cast<double>(win[n]) * ref_hann(n);
    double power[513];
    for (int k = 0; k <= 512; ++k) {
      double re = 0.0, im = 0.0;
      for (int n = 0; n < 400; ++n) {
        const int j = (k * n) & 1023;  // e^{-2 pi i k n / 1024}: the angle mod 2 pi
        re += x[n] * cos_[j];
        im -= x[n] * sin_[j];
      }
      power[k] = (re * re + im * im) / 1024.0;
    }
    for (int m = 0; m < kM; ++m) {
      double e = 0.0;
      for (int k = 0; k <= 512; ++k) e += fb_[m * 513 + k] * power[k];
      out[m] = std::log(e + 1e-8);
    }
  }

  // ref: frame t covers [320 t, 320 t + 400), zeros past the end; T = max(1, ceil(n / 320)).
  std::vector<double> compute(const std::vector<float>& s) const {
    const size_t t_count = std::max<size_t>(1, (s.size() + 319) / 320);
    std::vector<double> out(t_count * kM);
    for (size_t t = 0; t < t_count; ++t) {
      float win[400] = {};
      for (size_t n = 0; n < 400 && 320 * t + n < s.size(); ++n) win[n] = s[320 * t + n];
      frame(win, out.data() + t * kM);
    }
    return out;
  }

 private:
  std::vector<double> fb_;  // [128, 513]
  std::vector<double> cos_, sin_;
};

const Reference& reference() {
  static const Reference r;
  return r;
}

// ---------------------------------------------------------------------------------
// Test signals (16 kHz)
// ---------------------------------------------------------------------------------

std::vector<float> sine(double hz, double amp, size_t n, double phase = 0.0) {
  std::vector<float> s(n);
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<float>(amp * std::sin(2.0 * kPi * hz * i / kRate + phase));
  return s;
}

// Linear chirp from f0 to f1 over n samples.
std::vector<float> chirp(double f0, double f1, size_t n, double amp) {
  std::vector<float> s(n);
  const double dur = n / kRate;
  for (size_t i = 0; i < n; ++i) {
    const double t = i / kRate;
    s[i] = static_cast<float>(amp * std::sin(2.0 * kPi * (f0 * t + 0.5 * (f1 - f0) / dur * t * t)));
  }
  return s;
}

std::vector<float> white_noise(size_t n, double amp, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-amp, amp);
  std::vector<float> s(n);
  for (float& v : s) v = static_cast<float>(u(rng));
  return s;
}

// Voiced-speech-like: 12 harmonics of a gliding f0 (110..220 Hz, FM), shaped by two
// formant-ish bumps, amplitude-modulated at a 4 Hz syllable rate.
std::vector<float> speech_like(size_t n) {
  std::vector<float> s(n);
  double phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = i / kRate;
    const double f0 = 165.0 + 55.0 * std::sin(2.0 * kPi * 1.3 * t);
    phase += 2.0 * kPi * f0 / kRate;
    double v = 0.0;
    for (int h = 1; h <= 12; ++h) {
      const double f = h * f0;
      const double formant = std::exp(-std::pow((f - 700.0) / 300.0, 2)) +
                             0.6 * std::exp(-std::pow((f - 1800.0) / 400.0, 2)) + 0.05;
      v += formant * std::sin(h * phase) / h;
    }
    const double env = 0.5 * (1.0 - std::cos(2.0 * kPi * 4.0 * t));
    s[i] = static_cast<float>(0.3 * env * v);
  }
  return s;
}

std::vector<float> square(double hz, size_t n) {
  std::vector<float> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = std::fmod(hz * i / kRate, 1.0) < 0.5 ? 1.0f : -1.0f;
  return s;
}

// Batch log-mel through the C ABI with the given frame cap.
std::vector<float> c_mel(const std::vector<float>& s, size_t max_frames = INHERENT_MAX_FRAMES) {
  inherent_frontend_params p = inherent_frontend_default_params();
  p.max_frames = max_frames;
  size_t t = 0;
  EXPECT_EQ(inherent_mel_n_frames(s.size(), &p, &t), INHERENT_STATUS_OK);
  std::vector<float> out(t * kM, 12345.0f);
  size_t got = 0;
  EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), &p, out.data(), t, &got), INHERENT_STATUS_OK)
      << inherent_last_error();
  EXPECT_EQ(got, t);
  return out;
}

// Max |C ABI - float64 reference| over every frame and bin.
double max_diff_vs_reference(const std::vector<float>& s) {
  const std::vector<float> got = c_mel(s, 0);
  const std::vector<double> want = reference().compute(s);
  EXPECT_EQ(got.size(), want.size());
  double worst = 0.0;
  size_t worst_i = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double d = std::fabs(got[i] - want[i]);
    if (!(d <= worst)) worst = d, worst_i = i;  // NaN counts as worst
  }
  if (worst > 1e-4 && worst_i < got.size())
    ADD_FAILURE() << "frame " << worst_i / kM << " bin " << worst_i % kM << ": got " << got[worst_i]
                  << ", want " << want[worst_i];
  return worst;
}

const float kLogFloor = static_cast<float>(std::log(1e-8));

// ---------------------------------------------------------------------------------
// Golden: the C ABI against the float64 reference
// ---------------------------------------------------------------------------------

struct GoldenCase {
  const char* name;
  std::vector<float> (*make)();
};

const GoldenCase kGolden[] = {
    {"chirp_20_8000", [] { return chirp(20.0, 8000.0, 16000, 0.5); }},
    {"chirp_down_loud", [] { return chirp(7900.0, 50.0, 12000, 0.99); }},
    {"white_noise", [] { return white_noise(16000, 1.0, 1); }},
    {"quiet_noise", [] { return white_noise(8000, 1e-4, 2); }},
    {"sine_1k", [] { return sine(1000.0, 0.5, 8000); }},
    {"sine_50", [] { return sine(50.0, 0.8, 8000); }},
    {"sine_7900", [] { return sine(7900.0, 0.3, 8000, 0.7); }},
    {"speech_like", [] { return speech_like(24000); }},
    {"silence", [] { return std::vector<float>(6400, 0.0f); }},
    {"square_full_scale", [] { return square(440.0, 8000); }},
    {"odd_length", [] { return white_noise(16000 + 173, 0.3, 3); }},
};

// Test names print the case name, not the struct's bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, MatchesFloat64Reference) {
  const std::vector<float> s = GetParam().make();
  const double d = max_diff_vs_reference(s);
  RecordProperty("max_abs_diff", std::to_string(d));
  EXPECT_LE(d, 1e-4) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Signals, Golden, ::testing::ValuesIn(kGolden),
                         [](const ::testing::TestParamInfo<GoldenCase>& i) {
                           return std::string(i.param.name);
                         });

// The reference itself must see what it is given: a 1 kHz sine peaks in the filter
// whose centre is nearest 1 kHz, and louder input gives larger log-mels.
TEST(Golden, ReferenceIsNotTrivial) {
  const std::vector<double> r = reference().compute(sine(1000.0, 0.5, 1600));
  const std::vector<double> edges = ref_edges_hz();
  int want = 0;
  for (int m = 0; m < kM; ++m)
    if (std::fabs(edges[m + 1] - 1000.0) < std::fabs(edges[want + 1] - 1000.0)) want = m;
  const double* f2 = r.data() + 2 * kM;
  EXPECT_EQ(std::max_element(f2, f2 + kM) - f2, want);
  EXPECT_GT(f2[want], 0.0);
  EXPECT_LT(r[2 * kM + 127], f2[want] - 10.0);
}

// ---------------------------------------------------------------------------------
// Named tests, one per choice of the spec
// ---------------------------------------------------------------------------------

TEST(Window, SymmetricHann) {
  const std::vector<double>& w = inherent::LogMel::get().window();
  ASSERT_EQ(w.size(), 400u);
  EXPECT_EQ(w[0], 0.0);  // symmetric: both ends are exactly zero
  EXPECT_NEAR(w[399], 0.0, 1e-15);
  EXPECT_NEAR(w[199], w[200], 1e-15);  // centre between 199 and 200 (N even)
  EXPECT_GT(w[199], 0.9999);
  for (int i = 0; i < 400; ++i) {
    EXPECT_NEAR(w[i], ref_hann(i), 1e-15) << i;
    EXPECT_NEAR(w[i], w[399 - i], 1e-15) << i;
  }
}

// An impulse at sample i of frame 0 has a flat spectrum |a w[i]|^2 / 1024, so the
// output shows the window the frontend really applies: zero at 0 and 399 (a periodic
// Hann would leak 6e-5 at 399), w[200]^2 at the centre.
TEST(Window, ImpulseSeesTheWindow) {
  const std::vector<double> fb = ref_filterbank(1024);
  for (int pos : {0, 399, 200, 37}) {
    std::vector<float> s(400, 0.0f);
    s[pos] = 1.0f;
    const std::vector<float> out = c_mel(s);
    const double w = ref_hann(pos);
    for (int m = 0; m < kM; ++m) {
      double wsum = 0.0;
      for (int k = 0; k <= 512; ++k) wsum += fb[m * 513 + k];
      const double want = std::log(w * w / 1024.0 * wsum + 1e-8);
      ASSERT_NEAR(out[m], want, 1e-5) << "impulse at " << pos << ", bin " << m;
    }
  }
}

TEST(MelScale, HtkFormula) {
  EXPECT_NEAR(inherent::hz_to_mel(700.0), 2595.0 * std::log10(2.0), 1e-9);
  EXPECT_NEAR(inherent::hz_to_mel(1000.0), 999.9855, 1e-3);  // HTK puts 1 kHz at ~1000 mel
  EXPECT_NEAR(inherent::hz_to_mel(0.0), 0.0, 1e-12);
  for (double hz : {20.0, 78.0, 440.0, 3999.0, 8000.0}) {
    EXPECT_NEAR(inherent::hz_to_mel(hz), ref_mel(hz), 1e-9);
    EXPECT_NEAR(inherent::mel_to_hz(inherent::hz_to_mel(hz)), hz, 1e-9);
  }
}

// Every filter matches the reference triangle at every bin, so the edges run from
// 20 Hz to 8 kHz on the HTK scale and are not rounded to bins.
TEST(MelScale, FilterbankMatchesReference) {
  const auto& filters = inherent::LogMel::get().filters();
  ASSERT_EQ(filters.size(), static_cast<size_t>(kM));
  const std::vector<double> fb = ref_filterbank(1024);
  for (int m = 0; m < kM; ++m) {
    std::vector<double> dense(513, 0.0);
    const auto& f = filters[m];
    ASSERT_GE(f.first_bin, 0) << m;
    ASSERT_LE(f.first_bin + f.weights.size(), 513u) << m;
    for (size_t i = 0; i < f.weights.size(); ++i) dense[f.first_bin + i] = f.weights[i];
    for (int k = 0; k <= 512; ++k)
      ASSERT_NEAR(dense[k], fb[m * 513 + k], 1e-6) << "filter " << m << " bin " << k;
  }
}

TEST(MelScale, EveryFilterHasWeightAndPeakAtMostOne) {
  const auto& filters = inherent::LogMel::get().filters();
  const std::vector<double> edges = ref_edges_hz();
  EXPECT_NEAR(edges.front(), 20.0, 1e-9);
  EXPECT_NEAR(edges.back(), 8000.0, 1e-9);
  for (int m = 0; m < kM; ++m) {
    const auto& w = filters[m].weights;
    ASSERT_FALSE(w.empty()) << "filter " << m << " has no weight";
    const float peak = *std::max_element(w.begin(), w.end());
    EXPECT_GT(peak, 0.0f) << m;
    EXPECT_LE(peak, 1.0f) << m;
    // Bins with weight lie strictly inside the triangle's outer edges.
    const double first_hz = filters[m].first_bin * kRate / 1024;
    const double last_hz = (filters[m].first_bin + w.size() - 1) * kRate / 1024;
    EXPECT_GT(first_hz, edges[m]) << m;
    EXPECT_LT(last_hz, edges[m + 2]) << m;
  }
  // The first edge is 20 Hz: bin 1 (15.6 Hz) is outside every filter, bin 2 (31.25 Hz) inside filter 0.
  EXPECT_EQ(filters[0].first_bin, 2);
}

// The reason for 1024 points: with 512 the narrow low filter near 78 Hz has no bin.
TEST(MelScale, FilterNear78HzIsNotEmpty) {
  const std::vector<double> edges = ref_edges_hz();
  int m78 = 0;
  for (int m = 0; m < kM; ++m)
    if (std::fabs(edges[m + 1] - 78.0) < std::fabs(edges[m78 + 1] - 78.0)) m78 = m;
  EXPECT_NEAR(edges[m78 + 1], 78.0, 8.0);
  EXPECT_FALSE(inherent::LogMel::get().filters()[m78].weights.empty());

  const std::vector<double> fb512 = ref_filterbank(512);
  int empty_at_512 = -1;
  for (int m = 0; m < kM && empty_at_512 < 0; ++m) {
    double sum = 0.0;
    for (int k = 0; k <= 256; ++k) sum += fb512[m * 257 + k];
    if (sum == 0.0) empty_at_512 = m;
  }
  ASSERT_GE(empty_at_512, 0) << "every filter has weight at 512 points: the spec's reason changed";
  EXPECT_NEAR(edges[empty_at_512 + 1], 78.0, 8.0);
  EXPECT_FALSE(inherent::LogMel::get().filters()[empty_at_512].weights.empty());
}

TEST(FrameCount, Formula) {
  struct Case {
    size_t samples, max_frames, frames;
  };
  const Case cases[] = {
      {0, 3000, 1},   {1, 3000, 1},         {320, 3000, 1},       {321, 3000, 2},       {640, 3000, 2},
      {641, 3000, 3}, {16000, 3000, 50},    {960000, 3000, 3000}, {976000, 3000, 3000}, {976000, 0, 3050},
      {0, 0, 1},      {960001, 3000, 3000}, {960001, 0, 3001},    {10000, 7, 7},
  };
  for (const Case& c : cases) {
    inherent_frontend_params p = inherent_frontend_default_params();
    p.max_frames = c.max_frames;
    size_t t = 0;
    ASSERT_EQ(inherent_mel_n_frames(c.samples, &p, &t), INHERENT_STATUS_OK);
    EXPECT_EQ(t, c.frames) << c.samples << " samples, max " << c.max_frames;
  }
  EXPECT_EQ(inherent_frontend_default_params().max_frames, 3000u);
  size_t t = 0;
  ASSERT_EQ(inherent_mel_n_frames(976000, nullptr, &t), INHERENT_STATUS_OK);  // NULL = defaults
  EXPECT_EQ(t, 3000u);
}

// The count the C ABI writes equals the count it announces, capped or not.
TEST(FrameCount, ComputeWritesThatMany) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{320}, size_t{321}, size_t{16000 * 61}}) {
    const std::vector<float> s = white_noise(n, 0.1, 7);
    for (size_t cap : {size_t{3000}, size_t{0}}) {
      inherent_frontend_params p = inherent_frontend_default_params();
      p.max_frames = cap;
      size_t want = 0;
      ASSERT_EQ(inherent_mel_n_frames(n, &p, &want), INHERENT_STATUS_OK);
      std::vector<float> out((want + 1) * kM, 777.0f);  // one spare frame must stay untouched
      size_t got = 0;
      ASSERT_EQ(inherent_mel_compute(s.data(), n, &p, out.data(), want + 1, &got), INHERENT_STATUS_OK);
      EXPECT_EQ(got, want);
      EXPECT_EQ(out[want * kM], 777.0f);
      EXPECT_NE(out[(want - 1) * kM], 777.0f);
    }
  }
  // 61 s through the C++ API: the default keeps the first 60 s.
  const std::vector<float> s(16000 * 61, 0.25f);
  EXPECT_EQ(inherent::mel(s.data(), s.size()).n_frames, 3000u);
}

TEST(Padding, LastFrameIsZeroPaddedWindow) {
  const std::vector<float> s = white_noise(1000, 0.5, 11);  // 4 frames; frame 3 has 40 samples
  const std::vector<float> out = c_mel(s);
  ASSERT_EQ(out.size(), 4u * kM);
  float win[400] = {};
  std::memcpy(win, s.data() + 960, 40 * sizeof(float));
  float want[kM];
  inherent::LogMel::get().frame(win, want);
  EXPECT_EQ(std::memcmp(out.data() + 3 * kM, want, sizeof(want)), 0);
  // Frame 1 ([320, 720)) is complete and must not equal a padded version of itself.
  float win1[400] = {};
  std::memcpy(win1, s.data() + 320, 300 * sizeof(float));
  inherent::LogMel::get().frame(win1, want);
  EXPECT_NE(std::memcmp(out.data() + 1 * kM, want, sizeof(want)), 0);
}

// Appending zeros changes nothing in the frames the shorter clip has: the frontend
// treats samples past the end exactly as zeros, and does not centre the first frame.
TEST(Padding, PastTheEndIsZeros) {
  const std::vector<float> s = speech_like(5000);  // ceil(5000 / 320) = 16 frames
  std::vector<float> padded = s;
  padded.resize(s.size() + 3000, 0.0f);  // 25 frames
  const std::vector<float> a = c_mel(s);
  const std::vector<float> b = c_mel(padded);
  ASSERT_EQ(a.size(), 16u * kM);
  ASSERT_EQ(b.size(), 25u * kM);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  // No centring: an impulse at sample 200 lands in the middle of frame 0, not frame 1.
  std::vector<float> imp(640, 0.0f);
  imp[200] = 1.0f;
  const std::vector<float> c = c_mel(imp);
  EXPECT_GT(c[0], kLogFloor + 5.0f);
  EXPECT_FLOAT_EQ(c[kM], kLogFloor);  // frame 1 starts at 320
}

TEST(Padding, SilenceIsLogFloorEverywhere) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{400}, size_t{16000}}) {
    const std::vector<float> s(n, 0.0f);
    const std::vector<float> out = c_mel(s);
    ASSERT_FALSE(out.empty());
    for (float v : out) ASSERT_NEAR(v, std::log(1e-8), 1e-6) << n;
    for (float v : out) ASSERT_NE(v, 0.0f);  // a real frame is never the padding marker
  }
}

// Streaming: three ways of feeding the same clip, each bit-identical to batch.
std::vector<float> stream_frames(const std::vector<float>& s, const std::vector<size_t>& chunks,
                                 inherent_frontend* fe) {
  std::vector<float> out;
  size_t pos = 0;
  float frame[kM];
  for (size_t c : chunks) {
    EXPECT_EQ(inherent_frontend_accept(fe, s.data() + pos, c), INHERENT_STATUS_OK) << inherent_last_error();
    pos += c;
    // A frame is ready as soon as its 400 samples have arrived, and not before.
    const size_t complete = pos >= 400 ? (pos - 400) / 320 + 1 : 0;
    EXPECT_EQ(inherent_frontend_frames_emitted(fe), complete) << "after " << pos << " samples";
    size_t got = 1;
    while (got == 1) {
      EXPECT_EQ(inherent_frontend_pop_frames(fe, frame, 1, &got), INHERENT_STATUS_OK);
      out.insert(out.end(), frame, frame + got * kM);
    }
  }
  EXPECT_EQ(pos, s.size());
  EXPECT_EQ(inherent_frontend_input_finished(fe), INHERENT_STATUS_OK);
  std::vector<float> rest(inherent_frontend_frames_ready(fe) * kM);
  size_t got = 0;
  EXPECT_EQ(inherent_frontend_pop_frames(fe, rest.data(), rest.size() / kM, &got), INHERENT_STATUS_OK);
  EXPECT_EQ(got * kM, rest.size());
  out.insert(out.end(), rest.begin(), rest.end());
  EXPECT_EQ(inherent_frontend_frames_ready(fe), 0u);
  return out;
}

TEST(StreamingEqualsBatch, OneSampleRandomChunksAndOneChunk) {
  const std::vector<float> s = speech_like(16000 + 77);  // 51 frames, last one padded
  const std::vector<float> batch = c_mel(s, 0);
  ASSERT_EQ(batch.size(), 51u * kM);

  inherent_frontend* fe = nullptr;
  ASSERT_EQ(inherent_frontend_init(nullptr, &fe), INHERENT_STATUS_OK);
  ASSERT_NE(fe, nullptr);

  std::vector<size_t> ones(s.size(), 1);
  std::mt19937 rng(5);
  std::vector<size_t> random;
  for (size_t left = s.size(); left > 0;) {
    size_t c = std::uniform_int_distribution<size_t>(0, 900)(rng);
    if (c % 7 == 0) c = 0;  // zero-length accepts are legal and change nothing
    c = std::min(c, left);
    random.push_back(c);
    left -= c;
  }
  random.insert(random.begin() + random.size() / 2, 0);
  const std::vector<std::vector<size_t>> feeds = {ones, random, {s.size()}};
  for (size_t f = 0; f < feeds.size(); ++f) {
    ASSERT_EQ(inherent_frontend_reset(fe), INHERENT_STATUS_OK);
    EXPECT_EQ(inherent_frontend_frames_emitted(fe), 0u);
    const std::vector<float> streamed = stream_frames(s, feeds[f], fe);
    ASSERT_EQ(streamed.size(), batch.size()) << "feed " << f;
    EXPECT_EQ(std::memcmp(streamed.data(), batch.data(), batch.size() * sizeof(float)), 0) << "feed " << f;
    EXPECT_EQ(inherent_frontend_frames_emitted(fe), 51u);

    // After input_finished, accept is refused until reset (also with zero samples).
    EXPECT_EQ(inherent_frontend_accept(fe, s.data(), 10), INHERENT_STATUS_INVALID_STATE);
    EXPECT_NE(std::string(inherent_last_error()).find("reset"), std::string::npos);
    EXPECT_EQ(inherent_frontend_accept(fe, s.data(), 0), INHERENT_STATUS_INVALID_STATE);
    EXPECT_EQ(inherent_frontend_input_finished(fe), INHERENT_STATUS_OK);  // idempotent
    EXPECT_EQ(inherent_frontend_frames_emitted(fe), 51u);
  }
  inherent_frontend_free(fe);
}

// reset forgets everything: the same handle then gives a fresh clip's frames, and an
// empty stream gives the one floor frame of an empty batch.
TEST(StreamingEqualsBatch, ResetAndEdgeLengths) {
  inherent::Frontend fe;
  const std::vector<float> junk = white_noise(5000, 0.9, 9);
  fe.accept(junk.data(), junk.size());  // popped or not, reset must drop it
  fe.reset();
  EXPECT_EQ(fe.frames_ready(), 0u);
  EXPECT_EQ(fe.frames_emitted(), 0u);
  for (size_t n : {size_t{0}, size_t{1}, size_t{399}, size_t{400}, size_t{401}, size_t{720}, size_t{721}}) {
    const std::vector<float> s = white_noise(n, 0.4, static_cast<unsigned>(n));
    fe.reset();
    fe.accept(s.data(), s.size());
    fe.input_finished();
    const std::vector<float> got = fe.pop_frames();
    const std::vector<float> want = c_mel(s, 0);
    ASSERT_EQ(got.size(), want.size()) << n;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0) << n;
    EXPECT_EQ(fe.frames_emitted(), want.size() / kM);
  }
  // Streams ignore max_frames: 61 s streamed gives all 3050 frames.
  const std::vector<float> long_clip(16000 * 61, 0.1f);
  fe.reset();
  fe.accept(long_clip.data(), long_clip.size());
  fe.input_finished();
  EXPECT_EQ(fe.frames_emitted(), 3050u);
}

TEST(StreamingEqualsBatch, CppWrapperThrowsWithStatus) {
  inherent::Frontend fe;
  fe.input_finished();
  const float x = 0.0f;
  try {
    fe.accept(&x, 1);
    FAIL() << "accept after input_finished must throw";
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_STATE);
  }
}

TEST(NonFinite, BatchNamesTheSample) {
  const float bad_values[] = {std::nanf(""), INFINITY, -INFINITY};
  for (float bad : bad_values) {
    std::vector<float> s = sine(300.0, 0.5, 4000);
    s[1234] = bad;
    std::vector<float> out(13 * kM);
    size_t got = 99;
    EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), nullptr, out.data(), 13, &got),
              INHERENT_STATUS_INVALID_AUDIO);
    const std::string msg = inherent_last_error();
    EXPECT_NE(msg.find("sample 1234"), std::string::npos) << msg;
    EXPECT_NE(msg.find("inherent_mel_compute"), std::string::npos) << msg;
  }
  // The first bad sample is the one named.
  std::vector<float> s(1000, 0.0f);
  s[999] = NAN;
  s[3] = INFINITY;
  std::vector<float> out(4 * kM);
  size_t got = 0;
  EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), nullptr, out.data(), 4, &got),
            INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_NE(std::string(inherent_last_error()).find("sample 3 "), std::string::npos) << inherent_last_error();
}

TEST(NonFinite, StreamNamesTheAbsoluteSample) {
  inherent_frontend* fe = nullptr;
  ASSERT_EQ(inherent_frontend_init(nullptr, &fe), INHERENT_STATUS_OK);
  const std::vector<float> good = sine(200.0, 0.5, 1000);
  ASSERT_EQ(inherent_frontend_accept(fe, good.data(), good.size()), INHERENT_STATUS_OK);
  std::vector<float> chunk(100, 0.1f);
  chunk[42] = NAN;
  EXPECT_EQ(inherent_frontend_accept(fe, chunk.data(), chunk.size()), INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_NE(std::string(inherent_last_error()).find("sample 1042"), std::string::npos)
      << inherent_last_error();
  // The rejected chunk is not consumed: the stream still equals batch on the good samples.
  EXPECT_EQ(inherent_frontend_input_finished(fe), INHERENT_STATUS_OK);
  std::vector<float> got(inherent_frontend_frames_ready(fe) * kM);
  size_t n = 0;
  ASSERT_EQ(inherent_frontend_pop_frames(fe, got.data(), got.size() / kM, &n), INHERENT_STATUS_OK);
  const std::vector<float> want = c_mel(good, 0);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0);
  inherent_frontend_free(fe);
}

TEST(BufferTooSmall, BatchRefusesShortOutput) {
  const std::vector<float> s = white_noise(3200, 0.5, 4);  // 10 frames
  std::vector<float> out(10 * kM, 5.0f);
  size_t got = 77;
  EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), nullptr, out.data(), 9, &got),
            INHERENT_STATUS_BUFFER_TOO_SMALL);
  const std::string msg = inherent_last_error();
  EXPECT_NE(msg.find("9"), std::string::npos) << msg;
  EXPECT_NE(msg.find("10"), std::string::npos) << msg;
  EXPECT_EQ(got, 77u);                     // nothing reported written
  for (float v : out) ASSERT_EQ(v, 5.0f);  // and nothing written
  EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), nullptr, out.data(), 0, &got),
            INHERENT_STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(inherent_mel_compute(s.data(), s.size(), nullptr, out.data(), 10, &got), INHERENT_STATUS_OK);
  EXPECT_EQ(got, 10u);
}

TEST(BufferTooSmall, PopTakesWhatFits) {
  inherent::Frontend fe;
  const std::vector<float> s = white_noise(2000, 0.5, 6);  // ceil(2000 / 320) = 7 frames
  fe.accept(s.data(), s.size());
  fe.input_finished();
  ASSERT_EQ(fe.frames_ready(), 7u);
  std::vector<float> out(2 * kM);
  size_t n = 0;
  ASSERT_EQ(inherent_frontend_pop_frames(fe.get(), out.data(), 2, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(fe.frames_ready(), 5u);
  ASSERT_EQ(inherent_frontend_pop_frames(fe.get(), nullptr, 0, &n), INHERENT_STATUS_OK);  // max 0: nothing
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(fe.pop_frames().size(), 5u * kM);
}

TEST(NullArgs, EveryPointerIsChecked) {
  const float s[400] = {};
  float out[kM];
  size_t n = 0;
  inherent_frontend* fe = nullptr;
  auto expect_invalid = [](inherent_status st, const char* what) {
    EXPECT_EQ(st, INHERENT_STATUS_INVALID_ARGUMENT) << what;
    EXPECT_NE(std::string(inherent_last_error()).find("NULL"), std::string::npos)
        << what << ": " << inherent_last_error();
  };
  expect_invalid(inherent_mel_n_frames(10, nullptr, nullptr), "mel_n_frames n_frames");
  expect_invalid(inherent_mel_compute(nullptr, 10, nullptr, out, 1, &n), "mel_compute samples");
  expect_invalid(inherent_mel_compute(s, 10, nullptr, nullptr, 1, &n), "mel_compute out");
  expect_invalid(inherent_mel_compute(s, 10, nullptr, out, 1, nullptr), "mel_compute n_frames");
  // samples may be NULL when there are none: one floor frame.
  EXPECT_EQ(inherent_mel_compute(nullptr, 0, nullptr, out, 1, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(n, 1u);
  expect_invalid(inherent_frontend_init(nullptr, nullptr), "frontend_init out");
  expect_invalid(inherent_frontend_accept(nullptr, s, 1), "accept fe");
  expect_invalid(inherent_frontend_input_finished(nullptr), "input_finished fe");
  expect_invalid(inherent_frontend_pop_frames(nullptr, out, 1, &n), "pop fe");
  expect_invalid(inherent_frontend_reset(nullptr), "reset fe");
  EXPECT_EQ(inherent_frontend_frames_ready(nullptr), 0u);
  EXPECT_EQ(inherent_frontend_frames_emitted(nullptr), 0u);
  inherent_frontend_free(nullptr);

  ASSERT_EQ(inherent_frontend_init(nullptr, &fe), INHERENT_STATUS_OK);
  expect_invalid(inherent_frontend_accept(fe, nullptr, 5), "accept samples");
  EXPECT_EQ(inherent_frontend_accept(fe, nullptr, 0), INHERENT_STATUS_OK);
  expect_invalid(inherent_frontend_pop_frames(fe, nullptr, 1, &n), "pop out");
  expect_invalid(inherent_frontend_pop_frames(fe, out, 1, nullptr), "pop n_popped");
  inherent_frontend_free(fe);

  inherent_audio* a = reinterpret_cast<inherent_audio*>(0x1);
  expect_invalid(inherent_audio_read_file(nullptr, &a), "audio_read_file path");
  EXPECT_EQ(a, nullptr);
  expect_invalid(inherent_audio_read_file("x.wav", nullptr), "audio_read_file out");
  expect_invalid(inherent_audio_from_pcm(s, 10, 1, 16000, nullptr), "from_pcm out");
  EXPECT_EQ(inherent_audio_from_pcm(nullptr, 10, 1, 16000, &a), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(a, nullptr);
  EXPECT_EQ(inherent_audio_samples(nullptr), nullptr);
  EXPECT_EQ(inherent_audio_n_samples(nullptr), 0u);
  EXPECT_EQ(inherent_audio_source_rate(nullptr), 0);
  EXPECT_EQ(inherent_audio_source_channels(nullptr), 0);
  inherent_audio_free(nullptr);
}

// last_error is per thread and survives successful calls.
TEST(NullArgs, LastErrorIsKeptUntilTheNextFailure) {
  size_t n = 0;
  ASSERT_EQ(inherent_mel_n_frames(1, nullptr, nullptr), INHERENT_STATUS_INVALID_ARGUMENT);
  const std::string first = inherent_last_error();
  EXPECT_NE(first.find("inherent_mel_n_frames"), std::string::npos);
  ASSERT_EQ(inherent_mel_n_frames(1, nullptr, &n), INHERENT_STATUS_OK);
  EXPECT_EQ(first, inherent_last_error());
}

}  // namespace
