// SPDX-License-Identifier: Apache-2.0
//
// The engines behind inherent::tts::Synthesizer (internal to src/data).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/tts.h"

namespace inherent::tts::detail {

class EngineImpl {
 public:
  virtual ~EngineImpl() = default;
  virtual const std::vector<Voice>& voices() const = 0;
  // 16 kHz mono float; thread-safe. Throws std::exception with a plain message.
  virtual std::vector<float> synthesize(const Voice& voice, std::string_view text,
                                        const SynthParams& params) = 0;
  virtual void prepare(int /*workers*/) {}
};

// Each returns nullptr and sets *why when the engine is not usable here; *why may also be
// set next to a working engine (e.g. a voice that failed to load).
std::unique_ptr<EngineImpl> make_espeak(std::string* why);
std::unique_ptr<EngineImpl> make_flite(std::string* why);
std::unique_ptr<EngineImpl> make_festival(const std::string& program, std::string* why);
std::unique_ptr<EngineImpl> make_piper(std::string* why);

// Fills families and split of a voice from its engine, base and variant.
void assign_families(Voice& v, std::string_view speaker);

// 16-bit PCM at `rate` -> 16 kHz float.
std::vector<float> pcm16_to_16k(const int16_t* samples, size_t n, int rate);

}  // namespace inherent::tts::detail
