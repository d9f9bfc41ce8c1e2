// SPDX-License-Identifier: Apache-2.0
//
// Audio file input through the public API (inherent.hpp and the C ABI). Fixture files
// are written at test time with libsndfile into a temporary folder, so every format,
// rate and broken file is exactly what the test says it is.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "frontend/audio-file.h"
#include "frontend/log-mel.h"
#include "inherent/inherent.h"
#include "inherent/inherent.hpp"

namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;

// One temporary folder for the whole program, removed at exit.
class TempDir : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inherent-test-audio-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

 private:
  static fs::path dir_;
};
fs::path TempDir::dir_;
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new TempDir);

// Writes interleaved float frames with libsndfile; returns the path.
std::string write_sound(const std::string& name, int format, int rate, int channels,
                        const std::vector<float>& interleaved) {
  const std::string path = TempDir::path(name);
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  EXPECT_NE(f, nullptr) << path << ": " << sf_strerror(nullptr);
  if (!f) return path;
  const sf_count_t frames = static_cast<sf_count_t>(interleaved.size() / channels);
  EXPECT_EQ(sf_writef_float(f, interleaved.data(), frames), frames);
  sf_close(f);
  return path;
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  const std::string path = TempDir::path(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<float> sine(double hz, double amp, size_t n, int rate) {
  std::vector<float> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<float>(amp * std::sin(2.0 * kPi * hz * i / rate));
  return s;
}

double rms(const float* s, size_t n) {
  double acc = 0.0;
  for (size_t i = 0; i < n; ++i) acc += static_cast<double>(s[i]) * s[i];
  return std::sqrt(acc / static_cast<double>(n));
}

// Mel bin with the most energy, averaged over the middle frames of a clip.
int peak_mel_bin(const float* samples, size_t n) {
  const inherent::Mel m = inherent::mel(samples, n);
  std::vector<double> mean(INHERENT_N_MELS, 0.0);
  const size_t t0 = m.n_frames / 4, t1 = 3 * m.n_frames / 4;
  for (size_t t = t0; t < t1; ++t)
    for (int b = 0; b < INHERENT_N_MELS; ++b) mean[b] += m.data[t * INHERENT_N_MELS + b];
  return static_cast<int>(std::max_element(mean.begin(), mean.end()) - mean.begin());
}

// Expects read_file to fail with `status` and a message naming the file, through both
// the C++ wrapper and the C ABI.
void expect_read_fails(const std::string& path, inherent_status status, const std::string& words = "") {
  SCOPED_TRACE(path);
  try {
    inherent::Audio::read_file(path);
    ADD_FAILURE() << "read_file succeeded";
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), status) << inherent_status_string(e.status()) << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    if (!words.empty()) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  }
  inherent_audio* a = nullptr;
  EXPECT_EQ(inherent_audio_read_file(path.c_str(), &a), status);
  EXPECT_EQ(a, nullptr);
  EXPECT_NE(std::string(inherent_last_error()).find(path), std::string::npos) << inherent_last_error();
}

// ---------------------------------------------------------------------------------
// Formats that decode
// ---------------------------------------------------------------------------------

struct LosslessCase {
  const char* name;
  int format;
  double tolerance;  // one quantization step of the format, plus libsndfile's scaling
};

void PrintTo(const LosslessCase& c, std::ostream* os) { *os << c.name; }

class Lossless : public ::testing::TestWithParam<LosslessCase> {};

TEST_P(Lossless, RoundTripsAt16k) {
  const LosslessCase& c = GetParam();
  const std::vector<float> src = sine(523.0, 0.7, 8000, 16000);
  const std::string path = write_sound(std::string(c.name), c.format, 16000, 1, src);
  const inherent::Audio a = inherent::Audio::read_file(path);
  ASSERT_EQ(a.n_samples(), src.size());
  EXPECT_EQ(a.source_rate(), 16000);
  EXPECT_EQ(a.source_channels(), 1);
  EXPECT_DOUBLE_EQ(a.duration_s(), 0.5);
  double worst = 0.0;
  for (size_t i = 0; i < src.size(); ++i) worst = std::max(worst, std::fabs(double{a.samples()[i]} - src[i]));
  EXPECT_LE(worst, c.tolerance);

  // The C ABI gives the same samples.
  inherent_audio* ca = nullptr;
  ASSERT_EQ(inherent_audio_read_file(path.c_str(), &ca), INHERENT_STATUS_OK) << inherent_last_error();
  ASSERT_EQ(inherent_audio_n_samples(ca), src.size());
  EXPECT_EQ(std::memcmp(inherent_audio_samples(ca), a.samples(), src.size() * sizeof(float)), 0);
  inherent_audio_free(ca);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Lossless,
    ::testing::Values(LosslessCase{"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2.0 / 32768},
                      LosslessCase{"pcm8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 2.0 / 128},
                      LosslessCase{"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 2.0 / 8388608},
                      LosslessCase{"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0.0},
                      LosslessCase{"pcm16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2.0 / 32768}),
    [](const ::testing::TestParamInfo<LosslessCase>& i) {
      std::string n = i.param.name;
      std::replace(n.begin(), n.end(), '.', '_');
      return n;
    });

TEST(AudioFile, IntegerPcmIsScaledToUnitRange) {
  // Full-scale 16-bit square wave reads back within [-1, 1] and reaches both ends.
  std::vector<float> sq(1600);
  for (size_t i = 0; i < sq.size(); ++i) sq[i] = (i / 20) % 2 ? 1.0f : -1.0f;
  const inherent::Audio a =
      inherent::Audio::read_file(write_sound("square16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sq));
  const auto [lo, hi] = std::minmax_element(a.samples(), a.samples() + a.n_samples());
  EXPECT_GE(*lo, -1.0f);
  EXPECT_LE(*hi, 1.0f);
  EXPECT_LT(*lo, -0.999f);
  EXPECT_GT(*hi, 0.999f);
}

TEST(AudioFile, OggVorbis) {
  SF_INFO probe{};
  probe.format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  probe.channels = 1;
  probe.samplerate = 16000;
  if (!sf_format_check(&probe)) GTEST_SKIP() << "this libsndfile has no Ogg Vorbis";
  const std::vector<float> src = sine(1000.0, 0.5, 16000, 16000);
  const inherent::Audio a =
      inherent::Audio::read_file(write_sound("sine.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 16000, 1, src));
  EXPECT_NEAR(static_cast<double>(a.n_samples()), 16000.0, 64.0);  // lossy codec: length may differ slightly
  EXPECT_NEAR(rms(a.samples() + 2000, 12000), 0.5 / std::sqrt(2.0), 0.02);
  EXPECT_EQ(peak_mel_bin(a.samples(), a.n_samples()), peak_mel_bin(src.data(), src.size()));
}

// 48 kHz stereo: channels are averaged, the rate becomes 16 kHz, and a 1 kHz tone
// stays at 1 kHz.
TEST(AudioFile, Stereo48kMixesDownAndResamples) {
  const size_t n = 48000;
  std::vector<float> st(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(std::sin(2.0 * kPi * 1000.0 * i / 48000.0));
    st[2 * i] = 0.6f * v;
    st[2 * i + 1] = 0.2f * v;
  }
  const inherent::Audio a =
      inherent::Audio::read_file(write_sound("stereo48k.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, st));
  EXPECT_EQ(a.source_rate(), 48000);
  EXPECT_EQ(a.source_channels(), 2);
  EXPECT_NEAR(static_cast<double>(a.n_samples()), 16000.0, 2.0);
  EXPECT_NEAR(a.duration_s(), 1.0, 2e-4);
  EXPECT_NEAR(rms(a.samples() + 1000, 14000), 0.4 / std::sqrt(2.0), 0.004);  // mean of 0.6 and 0.2

  const std::vector<float> ref = sine(1000.0, 0.4, 16000, 16000);
  const int want = peak_mel_bin(ref.data(), ref.size());
  EXPECT_EQ(peak_mel_bin(a.samples(), a.n_samples()), want);
  // That bin's triangle really is around 1 kHz.
  const auto& f = inherent::LogMel::get().filters()[want];
  const double lo_hz = f.first_bin * 16000.0 / 1024,
               hi_hz = (f.first_bin + f.weights.size() - 1) * 16000.0 / 1024;
  EXPECT_LE(lo_hz, 1000.0);
  EXPECT_GE(hi_hz, 1000.0);

  // Opposite channels cancel: the mixdown is an average, not a pick of one channel.
  for (size_t i = 0; i < n; ++i) st[2 * i + 1] = -st[2 * i];
  const inherent::Audio z =
      inherent::Audio::read_file(write_sound("cancel48k.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, st));
  EXPECT_LT(rms(z.samples(), z.n_samples()), 1e-6);
}

TEST(AudioFile, Mono8kIsUpsampled) {
  const std::vector<float> src = sine(440.0, 0.5, 8000, 8000);
  const inherent::Audio a =
      inherent::Audio::read_file(write_sound("mono8k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, src));
  EXPECT_EQ(a.source_rate(), 8000);
  EXPECT_EQ(a.source_channels(), 1);
  EXPECT_NEAR(static_cast<double>(a.n_samples()), 16000.0, 2.0);
  EXPECT_NEAR(rms(a.samples() + 1000, 14000), 0.5 / std::sqrt(2.0), 0.005);
  const std::vector<float> ref = sine(440.0, 0.5, 16000, 16000);
  EXPECT_EQ(peak_mel_bin(a.samples(), a.n_samples()), peak_mel_bin(ref.data(), ref.size()));
}

// Clips longer than 60 s decode whole; the default batch mel keeps the first 3000
// frames (60 s) and max_frames = 0 keeps all. `inherent labels check` rejects such clips.
TEST(AudioFile, LongerThan60sTruncatesOnlyInMel) {
  const std::vector<float> src = sine(300.0, 0.3, 16000 * 61, 16000);
  const inherent::Audio a =
      inherent::Audio::read_file(write_sound("long61.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, src));
  EXPECT_EQ(a.n_samples(), 976000u);
  EXPECT_EQ(inherent::mel(a.samples(), a.n_samples()).n_frames, 3000u);
  inherent_frontend_params all = inherent_frontend_default_params();
  all.max_frames = 0;
  const inherent::Mel m = inherent::mel(a.samples(), a.n_samples(), all);
  EXPECT_EQ(m.n_frames, 3050u);
  // The capped result is the prefix of the full one.
  const inherent::Mel capped = inherent::mel(a.samples(), a.n_samples());
  EXPECT_EQ(std::memcmp(capped.data.data(), m.data.data(), capped.data.size() * sizeof(float)), 0);
}

TEST(AudioFile, ExampleClipsDecode) {
  const fs::path dir = fs::path(INHERENT_SOURCE_DIR) / "data/examples/audio";
  size_t count = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".wav") continue;
    const inherent::Audio a = inherent::Audio::read_file(e.path().string());
    EXPECT_GT(a.duration_s(), 1.0) << e.path();
    EXPECT_LT(a.duration_s(), 10.0) << e.path();
    EXPECT_GT(rms(a.samples(), a.n_samples()), 1e-3) << e.path();  // not silence
    ++count;
  }
  EXPECT_EQ(count, 8u);
}

TEST(AudioFile, ProbeReadsTheHeaderOnly) {
  const std::string path = write_sound("probe.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 22050, 2,
                                       std::vector<float>(2 * 22050 / 2, 0.25f));
  const inherent::AudioInfo info = inherent::probe_audio_file(path);
  EXPECT_EQ(info.rate, 22050);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 11025);
  EXPECT_DOUBLE_EQ(info.duration_s(), 0.5);
  EXPECT_NE(info.format.find("flac"), std::string::npos) << info.format;
  EXPECT_NE(info.format.find("24"), std::string::npos) << info.format;
}

// ---------------------------------------------------------------------------------
// Files that must fail, each with the right status and a message naming the file
// ---------------------------------------------------------------------------------

TEST(AudioFileErrors, MissingFile) {
  expect_read_fails(TempDir::path("does-not-exist.wav"), INHERENT_STATUS_IO_ERROR, "cannot open");
}

TEST(AudioFileErrors, EmptyFile) {
  expect_read_fails(write_bytes("empty.wav", ""), INHERENT_STATUS_UNSUPPORTED);
}

TEST(AudioFileErrors, TruncatedHeader) {
  const std::string good = read_bytes(
      write_sound("whole.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440.0, 0.5, 1600, 16000)));
  ASSERT_GT(good.size(), 44u);
  expect_read_fails(write_bytes("cut-header.wav", good.substr(0, 30)), INHERENT_STATUS_UNSUPPORTED);
}

// A header that promises more data than the file has: the samples present are read.
TEST(AudioFileErrors, TruncatedDataIsAnErrorNamingBothLengths) {
  // 1600 samples promised (0.10 s), 1100 there (0.07 s): a cut file is not scored as if whole.
  const std::string good = read_bytes(
      write_sound("whole2.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440.0, 0.5, 1600, 16000)));
  const std::string path = write_bytes("cut-data.wav", good.substr(0, good.size() - 1000));
  expect_read_fails(path, INHERENT_STATUS_INVALID_AUDIO,
                    "truncated: the header says 0.10 s of audio but the data ends after 0.07 s");
  // Reading only the part that exists is fine.
  const inherent::Audio head = inherent::Audio::read_file(path, 0.05);
  EXPECT_EQ(head.n_samples(), 800u);
  EXPECT_NEAR(head.source_seconds(), 0.07, 0.005);
}

TEST(AudioFileErrors, ReadsOnlyTheFirstSecondsAskedFor) {
  const std::string path =
      write_sound("long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440.0, 0.5, 48000, 16000));
  const inherent::Audio a = inherent::Audio::read_file(path, 1.0);
  EXPECT_EQ(a.n_samples(), 16000u);
  EXPECT_DOUBLE_EQ(a.source_seconds(), 3.0);  // the whole file's length is still known
  EXPECT_EQ(inherent::Audio::read_file(path).n_samples(), 48000u);
}

TEST(AudioFileErrors, DirectoriesAndDevicesAreRefusedByName) {
  expect_read_fails(::testing::TempDir(), INHERENT_STATUS_IO_ERROR, "is a directory");
  expect_read_fails("/dev/zero", INHERENT_STATUS_UNSUPPORTED, "not a regular file");
}

TEST(AudioFileErrors, InvalidRateInHeaderSaysSo) {
  std::string bytes = read_bytes(
      write_sound("rate.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440.0, 0.5, 1600, 16000)));
  for (const uint32_t rate : {0u, 0xffffffffu}) {
    for (int i = 0; i < 4; ++i)
      bytes[24 + i] = static_cast<char>((rate >> (8 * i)) & 0xff);  // fmt sample rate
    expect_read_fails(write_bytes("rate-bad.wav", bytes), INHERENT_STATUS_UNSUPPORTED,
                      "header's sample rate or channel count is invalid");
  }
}

TEST(AudioFileErrors, HeaderWithZeroSamples) {
  expect_read_fails(write_sound("zero.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, {}),
                    INHERENT_STATUS_INVALID_AUDIO, "no audio samples");
}

TEST(AudioFileErrors, TextFileNamedWav) {
  expect_read_fails(write_bytes("notes.wav", "this is not audio, just some text\n"),
                    INHERENT_STATUS_UNSUPPORTED, "not a readable audio file");
}

TEST(AudioFileErrors, NaNInFloatWav) {
  std::vector<float> s = sine(440.0, 0.5, 2000, 16000);
  s[777] = NAN;
  expect_read_fails(write_sound("nan.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, s),
                    INHERENT_STATUS_INVALID_AUDIO, "sample 777 ");
  // Stereo: the index is the frame (time) index, not the interleaved one.
  std::vector<float> st(4000, 0.1f);
  st[2 * 500 + 1] = INFINITY;
  expect_read_fails(write_sound("inf-stereo.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 2, st),
                    INHERENT_STATUS_INVALID_AUDIO, "sample 500 ");
}

TEST(AudioFileErrors, HugeFiniteSamplesOverflowingTheResampler) {
  // Found by fuzz-audio: finite values near FLT_MAX at 8 kHz overflow when upsampled.
  std::vector<float> s(400, 2.8e38f);
  for (size_t i = 1; i < s.size(); i += 2) s[i] = -2.8e38f;
  expect_read_fails(write_sound("huge.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 1, s),
                    INHERENT_STATUS_INVALID_AUDIO, "outside [-1, 1]");
}

TEST(AudioMemory, EqualsTheFileReader) {
  const std::vector<float> s = sine(300.0, 0.4, 11025, 22050);
  const std::string path = write_sound("mem.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 1, s);
  const std::string bytes = read_bytes(path);
  const inherent::AudioData from_file = inherent::read_audio_file(path);
  const inherent::AudioData from_memory = inherent::read_audio_memory(bytes.data(), bytes.size(), "clip");
  EXPECT_EQ(from_memory.source_rate, 22050);
  ASSERT_EQ(from_memory.samples.size(), from_file.samples.size());
  EXPECT_EQ(0, std::memcmp(from_memory.samples.data(), from_file.samples.data(),
                           bytes.size() ? from_file.samples.size() * 4 : 0));
  try {
    (void)inherent::read_audio_memory("RIFF....WAVE", 12, "clip.wav");
    FAIL() << "garbage accepted";
  } catch (const inherent::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("clip.wav"), std::string::npos) << e.what();
  }
}

TEST(AudioFileErrors, DirectoryIsNotAudio) {
  fs::create_directories(TempDir::path("folder.wav"));
  inherent_audio* a = nullptr;
  const inherent_status st = inherent_audio_read_file(TempDir::path("folder.wav").c_str(), &a);
  EXPECT_NE(st, INHERENT_STATUS_OK);
  EXPECT_EQ(a, nullptr);
  EXPECT_NE(std::string(inherent_last_error()).find("folder.wav"), std::string::npos)
      << inherent_last_error();
}

// ---------------------------------------------------------------------------------
// PCM from memory
// ---------------------------------------------------------------------------------

TEST(AudioPcm, FromPcmResamplesAndMixes) {
  std::vector<float> st(2 * 44100);
  for (size_t i = 0; i < 44100; ++i)
    st[2 * i] = st[2 * i + 1] = static_cast<float>(0.5 * std::sin(2 * kPi * 700.0 * i / 44100));
  const inherent::Audio a = inherent::Audio::from_pcm(st.data(), 44100, 2, 44100);
  EXPECT_EQ(a.source_rate(), 44100);
  EXPECT_EQ(a.source_channels(), 2);
  EXPECT_NEAR(static_cast<double>(a.n_samples()), 16000.0, 2.0);
  EXPECT_NEAR(rms(a.samples() + 1000, 14000), 0.5 / std::sqrt(2.0), 0.005);
  // 16 kHz mono is passed through untouched.
  const std::vector<float> m = sine(300.0, 0.5, 1000, 16000);
  const inherent::Audio b = inherent::Audio::from_pcm(m.data(), m.size(), 1, 16000);
  ASSERT_EQ(b.n_samples(), m.size());
  EXPECT_EQ(std::memcmp(b.samples(), m.data(), m.size() * sizeof(float)), 0);
}

TEST(AudioPcm, BadArguments) {
  const std::vector<float> s(100, 0.1f);
  inherent_audio* a = nullptr;
  EXPECT_EQ(inherent_audio_from_pcm(s.data(), 100, 0, 16000, &a), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(inherent_audio_from_pcm(s.data(), 1, 65, 16000, &a), INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(inherent_audio_from_pcm(s.data(), 100, 1, 999, &a), INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_NE(std::string(inherent_last_error()).find("999"), std::string::npos);
  EXPECT_EQ(inherent_audio_from_pcm(s.data(), 100, 1, 0, &a), INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_EQ(inherent_audio_from_pcm(s.data(), 0, 1, 16000, &a), INHERENT_STATUS_INVALID_AUDIO);
  std::vector<float> bad = s;
  bad[10] = NAN;
  EXPECT_EQ(inherent_audio_from_pcm(bad.data(), 100, 1, 16000, &a), INHERENT_STATUS_INVALID_AUDIO);
  EXPECT_NE(std::string(inherent_last_error()).find("sample 10 "), std::string::npos)
      << inherent_last_error();
  EXPECT_EQ(a, nullptr);
}

}  // namespace
