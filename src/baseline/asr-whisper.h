// SPDX-License-Identifier: Apache-2.0
//
// The baseline's Whisper engine (asr.h): Whisper tiny.en decoded by CTranslate2 in a
// helper process (whisper-asr.py, run by the project's .venv Python). The wheels carry
// no C++ headers, so the recognizer runs beside the CLI rather than inside it; audio is
// read and resampled here and sent as float samples over a pipe, one process per
// object (so per decoding thread), each with one CTranslate2 thread.
//
// Where things are (each overridable by the environment):
//   INHERENT_PYTHON          the interpreter (default: the source tree's .venv/bin/python)
//   INHERENT_WHISPER_HELPER  the helper script (default: src/baseline/whisper-asr.py)
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "baseline/asr.h"

namespace inherent::baseline {

class WhisperAsr : public Asr {
 public:
  // Starts the helper and waits until its model is loaded; throws inherent::Exception
  // with the helper's own message when it cannot (for example "ctranslate2 is not
  // installed in ...: scripts/bootstrap.sh whisper").
  explicit WhisperAsr(const AsrConfig& config = {});
  ~WhisperAsr() override;
  WhisperAsr(const WhisperAsr&) = delete;
  WhisperAsr& operator=(const WhisperAsr&) = delete;

  AsrResult transcribe(const float* samples, size_t n) override;

  // What the helper said it loaded: model folder and CTranslate2 version.
  const std::string& model_dir() const { return model_dir_; }
  const std::string& runtime_version() const { return runtime_version_; }

 private:
  std::string read_line();  // one JSON line from the helper ("" at end of output)
  void stop();              // close the pipes and reap the helper

  pid_t pid_ = -1;
  int to_helper_ = -1, from_helper_ = -1;
  std::string pending_;  // bytes read past the last line
  std::string model_dir_, runtime_version_;
};

}  // namespace inherent::baseline
