// SPDX-License-Identifier: Apache-2.0
#include "baseline/asr-pocketsphinx.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <vector>

#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"

#ifndef INHERENT_POCKETSPHINX_MODEL_DIR
#define INHERENT_POCKETSPHINX_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
#endif

namespace inherent::baseline {
namespace {

// pocketsphinx logs through one process-wide callback. Informational output is
// dropped; the latest warning/error text of each thread is kept for exceptions.
thread_local std::string t_last_message;

extern "C" void quiet_log(void* /*user*/, err_lvl_t level, const char* fmt, ...) {
  if (level < ERR_WARN || fmt == nullptr) return;
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  std::string msg(buf);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (!msg.empty()) t_last_message = msg;
}

void install_quiet_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    err_set_logfp(nullptr);  // the configuration dump at ps_init writes to this stream
    err_set_callback(quiet_log, nullptr);
  });
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

std::string require_file(const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Exception(INHERENT_STATUS_IO_ERROR, std::string("pocketsphinx ") + what + " not found: " + path +
                                                  " (install the pocketsphinx-en-us package)");
  return path;
}

// Hypothesis words with alternate-pronunciation marks ("read(2)") reduced to the word.
std::string clean_hypothesis(const char* hyp) {
  std::string out;
  if (hyp == nullptr) return out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    const size_t paren = word.find('(');
    if (paren != std::string::npos && paren > 0 && word.back() == ')') word.resize(paren);
    if (!word.empty() && word.front() != '<' && word.front() != '[') {  // fillers: <sil>, [NOISE]
      if (!out.empty()) out += ' ';
      out += word;
    }
    word.clear();
  };
  for (const char* p = hyp; *p; ++p) {
    if (*p == ' ' || *p == '\t' || *p == '\n') {
      flush();
    } else {
      word += *p;
    }
  }
  flush();
  return out;
}

}  // namespace

std::string default_pocketsphinx_model_dir() { return INHERENT_POCKETSPHINX_MODEL_DIR; }

void float_to_int16(const float* in, size_t n, short* out) {
  for (size_t i = 0; i < n; ++i) {
    const float x = std::isnan(in[i]) ? 0.0f : in[i];
    const float v = std::clamp(x, -1.0f, 1.0f) * 32767.0f;
    out[i] = static_cast<short>(std::lrint(v));
  }
}

PocketsphinxAsr::PocketsphinxAsr(const AsrConfig& config) {
  install_quiet_log();
  const std::filesystem::path dir =
      config.model_dir.empty() ? default_pocketsphinx_model_dir() : config.model_dir;
  const std::string hmm =
      require_file(config.hmm.empty() ? (dir / "en-us").string() : config.hmm, "acoustic model");
  const std::string lm =
      require_file(config.lm.empty() ? (dir / "en-us.lm.bin").string() : config.lm, "language model");
  const std::string dict =
      require_file(config.dict.empty() ? (dir / "cmudict-en-us.dict").string() : config.dict, "dictionary");
  t_last_message.clear();
  // feat.params of the en-us model selects batch CMN, so every utterance is decoded
  // from the same state: results do not depend on what the decoder saw before.
  cmd_ln_t* cfg = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-lm", lm.c_str(), "-dict",
                              dict.c_str(), "-samprate", "16000", nullptr);
  if (cfg == nullptr)
    throw Exception(INHERENT_STATUS_INVALID_MODEL, "pocketsphinx configuration failed: " + t_last_message);
  ps_ = ps_init(cfg);
  cmd_ln_free_r(cfg);  // the decoder holds its own reference
  if (ps_ == nullptr)
    throw Exception(INHERENT_STATUS_INVALID_MODEL,
                    "pocketsphinx could not load " + dir.string() + ": " + t_last_message);
}

PocketsphinxAsr::~PocketsphinxAsr() {
  if (ps_ != nullptr) ps_free(ps_);
}

AsrResult PocketsphinxAsr::transcribe(const float* samples, size_t n) {
  if (samples == nullptr && n > 0)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "transcribe: null samples");
  std::vector<int16> pcm(n);
  float_to_int16(samples, n, pcm.data());
  AsrResult r;
  r.audio_s = static_cast<double>(n) / 16000.0;
  t_last_message.clear();
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_ms();
  if (ps_start_utt(ps_) < 0)
    throw Exception(INHERENT_STATUS_INTERNAL, "pocketsphinx: start of utterance failed: " + t_last_message);
  if (n > 0 && ps_process_raw(ps_, pcm.data(), n, FALSE, TRUE) < 0) {
    ps_end_utt(ps_);
    throw Exception(INHERENT_STATUS_INVALID_AUDIO, "pocketsphinx: decoding failed: " + t_last_message);
  }
  if (ps_end_utt(ps_) < 0)
    throw Exception(INHERENT_STATUS_INTERNAL, "pocketsphinx: end of utterance failed: " + t_last_message);
  int32 score = 0;
  r.text = clean_hypothesis(ps_get_hyp(ps_, &score));
  r.decode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_ms = thread_cpu_ms() - cpu0;
  return r;
}

}  // namespace inherent::baseline
