// SPDX-License-Identifier: Apache-2.0
//
// The ASR half of the two-pass baseline ("transcribe, then classify"): pocketsphinx
// (Debian's 0.8 "5prealpha" C API) with the US English acoustic model, language model
// and dictionary of the pocketsphinx-en-us package.
//
// Thread safety: a pocketsphinx decoder is not thread-safe. Use one PocketsphinxAsr per
// thread; different objects may decode concurrently. pocketsphinx's log goes through
// one process-wide callback, which this module installs once: informational messages
// are dropped, warnings and errors are kept per thread for error messages.
#pragma once

#include <cstddef>
#include <string>

struct ps_decoder_s;

namespace inherent::baseline {

struct AsrConfig {
  // Folder of the en-us model (holds en-us/, en-us.lm.bin, cmudict-en-us.dict). Empty:
  // the pocketsphinx-en-us location found at build time.
  std::string model_dir;
  // Individual overrides (empty: derived from model_dir).
  std::string hmm, lm, dict;
};

// The model folder found at build time (pkg-config variable modeldir + "/en-us").
std::string default_pocketsphinx_model_dir();

struct AsrResult {
  std::string text;       // words separated by single spaces, fillers removed
  double audio_s = 0.0;   // audio duration
  double decode_ms = 0.0; // wall time of the decode (start_utt .. get_hyp)
  double cpu_ms = 0.0;    // CPU time of the decoding thread over the same span
};

class PocketsphinxAsr {
 public:
  // Loads the models; throws inherent::Exception naming the missing file or the
  // pocketsphinx error.
  explicit PocketsphinxAsr(const AsrConfig& config = {});
  ~PocketsphinxAsr();
  PocketsphinxAsr(const PocketsphinxAsr&) = delete;
  PocketsphinxAsr& operator=(const PocketsphinxAsr&) = delete;

  // One utterance of 16 kHz mono float samples in [-1, 1] (clipped, NaN as 0, converted
  // to int16). Decoded as one whole utterance: the model's batch CMN sees all of it, and
  // the result does not depend on earlier calls.
  AsrResult transcribe(const float* samples, size_t n);
  // read_audio_file (any format, mixed down, resampled to 16 kHz), then transcribe.
  AsrResult transcribe_file(const std::string& path);

 private:
  ps_decoder_s* ps_ = nullptr;
};

// Float PCM in [-1, 1] -> int16 with rounding and clipping.
void float_to_int16(const float* in, size_t n, short* out);

}  // namespace inherent::baseline
