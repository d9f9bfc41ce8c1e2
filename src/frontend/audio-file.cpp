// SPDX-License-Identifier: Apache-2.0
#include "audio-file.h"

#include <sndfile.h>
#include <soxr.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "inherent/inherent.hpp"
#include "log-mel.h"

namespace inherent {
namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// libsndfile's words for a header it cannot use, in words a user can act on.
std::string open_error(const std::string& path) {
  const std::string what = sf_strerror(nullptr);
  if (what.find("SF_INFO struct incomplete") != std::string::npos)
    return path +
           ": the header's sample rate or channel count is invalid (0 or out of range): a damaged file?";
  return path + ": not a readable audio file (" + what + ")";
}

SndfilePtr open_sound_file(const std::string& path, SF_INFO* info) {
  *info = SF_INFO{};
  // A directory, FIFO or device would be read as a stream that may never end.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Exception(INHERENT_STATUS_IO_ERROR, path + ": cannot open file");
  if (S_ISDIR(st.st_mode))
    throw Exception(INHERENT_STATUS_IO_ERROR, path + ": is a directory, not an audio file");
  if (!S_ISREG(st.st_mode))
    throw Exception(
        INHERENT_STATUS_UNSUPPORTED,
        path + ": is not a regular file (a FIFO or device); for live audio use `inherent listen`");
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, info);
  if (!f) {
    // libsndfile reports a missing file and a non-audio file the same way; tell them apart.
    FILE* probe = std::fopen(path.c_str(), "rb");
    if (!probe) throw Exception(INHERENT_STATUS_IO_ERROR, path + ": cannot open file");
    std::fclose(probe);
    throw Exception(INHERENT_STATUS_UNSUPPORTED, open_error(path));
  }
  if (info->channels <= 0 || info->samplerate <= 0)
    throw Exception(INHERENT_STATUS_UNSUPPORTED, path + ": invalid channel count or sample rate");
  return SndfilePtr(f);
}

std::string format_name(int format) {
  // SFC_GET_FORMAT_INFO looks up a format value; SFC_GET_FORMAT_MAJOR/SUBTYPE take a
  // list index instead and would name the wrong format.
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_TYPEMASK;
  std::string name = sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) == 0 && fi.name
                         ? fi.extension ? fi.extension : fi.name
                         : "unknown";
  fi = SF_FORMAT_INFO{};
  fi.format = format & SF_FORMAT_SUBMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) == 0 && fi.name)
    name += std::string(" ") + fi.name;
  return name;
}

AudioData mix_and_resample(std::vector<float> interleaved, size_t n_frames, int channels, int rate,
                           const std::string& what) {
  if (n_frames == 0) throw Exception(INHERENT_STATUS_INVALID_AUDIO, what + ": contains no audio samples");
  if (rate < 1000 || rate > 768000)
    throw Exception(INHERENT_STATUS_INVALID_AUDIO,
                    what + ": unsupported sample rate " + std::to_string(rate));
  const size_t bad = find_non_finite(interleaved.data(), n_frames * channels);
  if (bad != n_frames * channels)
    throw Exception(INHERENT_STATUS_INVALID_AUDIO,
                    what + ": sample " + std::to_string(bad / channels) + " is NaN or infinite");
  std::vector<float> mono;
  if (channels == 1) {
    mono = std::move(interleaved);
  } else {
    mono.resize(n_frames);
    for (size_t i = 0; i < n_frames; ++i) {
      double s = 0.0;
      for (int c = 0; c < channels; ++c) s += interleaved[i * channels + c];
      mono[i] = static_cast<float>(s / channels);
    }
  }
  AudioData out;
  out.source_rate = rate;
  out.source_channels = channels;
  out.samples = rate == kSampleRate ? std::move(mono) : resample(mono.data(), mono.size(), rate, kSampleRate);
  // Finite samples near FLT_MAX can overflow in the resampler's filter.
  if (find_non_finite(out.samples.data(), out.samples.size()) != out.samples.size())
    throw Exception(INHERENT_STATUS_INVALID_AUDIO,
                    what + ": samples are far outside [-1, 1] and overflow when resampled");
  if (out.samples.empty()) throw Exception(INHERENT_STATUS_INVALID_AUDIO, what + ": too short to resample");
  return out;
}

}  // namespace

AudioInfo probe_audio_file(const std::string& path) {
  SF_INFO info;
  SndfilePtr f = open_sound_file(path, &info);
  AudioInfo out;
  out.rate = info.samplerate;
  out.channels = info.channels;
  out.frames = info.frames;
  out.format = format_name(info.format);
  return out;
}

namespace {

// libsndfile virtual I/O over a byte range.
struct MemoryFile {
  const unsigned char* data;
  sf_count_t size, pos;
};

sf_count_t mem_length(void* user) { return static_cast<MemoryFile*>(user)->size; }
sf_count_t mem_seek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  const sf_count_t to = base + offset;
  if (to < 0 || to > m->size) return -1;
  return m->pos = to;
}
sf_count_t mem_read(void* dst, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, m->size - m->pos));
  if (n > 0) std::memcpy(dst, m->data + m->pos, static_cast<size_t>(n));
  m->pos += n;
  return n;
}
sf_count_t mem_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t mem_tell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

// The data chunk size a WAV/AIFF header promised when the file holds less: libsndfile
// logs "data : 66240 (should be 1000)". 0 when the log says nothing of the kind.
uint64_t promised_data_bytes(SNDFILE* file) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof log - 1);
  for (const char* line = log; *line;) {
    const char* end = std::strchr(line, '\n');
    const std::string text(line, end ? static_cast<size_t>(end - line) : std::strlen(line));
    unsigned long long said = 0, real = 0;
    if ((text.rfind("data :", 0) == 0 || text.rfind("SSND :", 0) == 0) &&
        std::sscanf(text.c_str() + 6, " %llu (should be %llu)", &said, &real) == 2 && said > real)
      return said;
    if (!end) break;
    line = end + 1;
  }
  return 0;
}

double bytes_per_sample(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW:
      return 1;
    case SF_FORMAT_PCM_16:
      return 2;
    case SF_FORMAT_PCM_24:
      return 3;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT:
      return 4;
    case SF_FORMAT_DOUBLE:
      return 8;
    default:
      return 0;  // compressed: no fixed size, no check
  }
}

AudioData decode_all(SNDFILE* file, const SF_INFO& info, const std::string& path, double max_seconds) {
  // Some containers (OGG) report no frame count: read in blocks, and only as far as
  // the caller uses (a 5 h recording scored on its first 60 s reads 60 s).
  const sf_count_t limit = max_seconds > 0.0
                               ? static_cast<sf_count_t>(std::ceil(max_seconds * info.samplerate))
                               : std::numeric_limits<sf_count_t>::max();
  std::vector<float> interleaved;
  const sf_count_t block = 16384;
  std::vector<float> buf(static_cast<size_t>(block) * info.channels);
  sf_count_t read = 0;
  while (read < limit) {
    const sf_count_t got = sf_readf_float(file, buf.data(), std::min(block, limit - read));
    if (got <= 0) break;
    read += got;
    interleaved.insert(interleaved.end(), buf.begin(), buf.begin() + got * info.channels);
  }
  if (sf_error(file) != SF_ERR_NO_ERROR)
    throw Exception(INHERENT_STATUS_IO_ERROR, path + ": read error (" + sf_strerror(file) + ")");
  // A header that promises more than the data holds: the file was cut short. libsndfile
  // shrinks info.frames to what is there and only says so in its log.
  const uint64_t promised = promised_data_bytes(file);
  if (promised > 0 && promised != 0xffffffffu && read < limit) {
    const double frame_bytes = static_cast<double>(info.channels) * bytes_per_sample(info.format);
    const double promised_s =
        frame_bytes > 0 ? static_cast<double>(promised) / frame_bytes / info.samplerate : 0.0;
    const double actual_s = static_cast<double>(read) / info.samplerate;
    if (promised_s > actual_s + 0.001)
      throw Exception(INHERENT_STATUS_INVALID_AUDIO,
                      path + ": truncated: the header says " + seconds_text(promised_s) +
                          " of audio but the data ends after " + seconds_text(actual_s));
  }
  const size_t n_frames = interleaved.size() / info.channels;
  AudioData out = mix_and_resample(std::move(interleaved), n_frames, info.channels, info.samplerate, path);
  out.source_seconds =
      static_cast<double>(std::max(read, info.frames > 0 && read == limit ? info.frames : read)) /
      info.samplerate;
  return out;
}

}  // namespace

AudioData read_audio_file(const std::string& path, double max_seconds) {
  SF_INFO info;
  SndfilePtr f = open_sound_file(path, &info);
  return decode_all(f.get(), info, path, max_seconds);
}

AudioData read_audio_memory(const void* bytes, size_t n, const std::string& name) {
  if (!bytes && n) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, name + ": bytes is NULL");
  MemoryFile mem{static_cast<const unsigned char*>(bytes), static_cast<sf_count_t>(n), 0};
  SF_VIRTUAL_IO io{mem_length, mem_seek, mem_read, mem_write, mem_tell};
  SF_INFO info{};
  SndfilePtr f(sf_open_virtual(&io, SFM_READ, &info, &mem));
  if (!f)
    throw Exception(INHERENT_STATUS_UNSUPPORTED,
                    name + ": not a readable audio file (" + sf_strerror(nullptr) + ")");
  if (info.channels <= 0 || info.channels > 1024 || info.samplerate <= 0)
    throw Exception(INHERENT_STATUS_UNSUPPORTED, name + ": invalid channel count or sample rate");
  return decode_all(f.get(), info, name, 0.0);
}

AudioData audio_from_pcm(const float* samples, size_t n_frames, int channels, int rate) {
  if (channels <= 0 || channels > 64)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "pcm: channel count " + std::to_string(channels) + " out of range 1..64");
  if (n_frames > 0 && !samples) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "pcm: samples is NULL");
  std::vector<float> interleaved(samples, samples + n_frames * channels);
  return mix_and_resample(std::move(interleaved), n_frames, channels, rate, "pcm");
}

std::vector<float> resample(const float* samples, size_t n, int from_rate, int to_rate) {
  if (from_rate == to_rate) return std::vector<float>(samples, samples + n);
  const double ratio = static_cast<double>(to_rate) / from_rate;
  std::vector<float> out(static_cast<size_t>(std::ceil(n * ratio)) + 16);
  size_t done_in = 0, done_out = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, samples, n, &done_in, out.data(), out.size(),
                                        &done_out, &io, &q, nullptr);
  if (err) throw Exception(INHERENT_STATUS_INTERNAL, std::string("resampling failed: ") + err);
  out.resize(done_out);
  return out;
}

}  // namespace inherent
