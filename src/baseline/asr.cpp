// SPDX-License-Identifier: Apache-2.0
#include "baseline/asr.h"

#include "baseline/asr-pocketsphinx.h"
#include "baseline/asr-whisper.h"
#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"

namespace inherent::baseline {

AsrResult Asr::transcribe_file(const std::string& path) {
  const AudioData audio = read_audio_file(path);
  return transcribe(audio.samples.data(), audio.samples.size());
}

std::unique_ptr<Asr> make_asr(const AsrConfig& config) {
  if (config.engine == "pocketsphinx") return std::make_unique<PocketsphinxAsr>(config);
  if (config.engine == "whisper") return std::make_unique<WhisperAsr>(config);
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                  "unknown ASR '" + config.engine + "' (known: pocketsphinx, whisper)");
}

}  // namespace inherent::baseline
