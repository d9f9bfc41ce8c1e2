// SPDX-License-Identifier: Apache-2.0
//
// The baseline's pocketsphinx engine (asr.h): Debian's pocketsphinx 0.8 ("5prealpha" C
// API) with the US English acoustic model, language model and dictionary of the
// pocketsphinx-en-us package.
//
// Thread safety: a pocketsphinx decoder is not thread-safe. Use one PocketsphinxAsr per
// thread; different objects may decode concurrently. pocketsphinx's log goes through
// one process-wide callback, which this module installs once: informational messages
// are dropped, warnings and errors are kept per thread for error messages.
#pragma once

#include <cstddef>
#include <string>

#include "baseline/asr.h"

struct ps_decoder_s;

namespace inherent::baseline {

// The model folder found at build time (pkg-config variable modeldir + "/en-us").
std::string default_pocketsphinx_model_dir();

class PocketsphinxAsr : public Asr {
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
  AsrResult transcribe(const float* samples, size_t n) override;

 private:
  ps_decoder_s* ps_ = nullptr;
};

// Float PCM in [-1, 1] -> int16 with rounding and clipping.
void float_to_int16(const float* in, size_t n, short* out);

}  // namespace inherent::baseline
