// SPDX-License-Identifier: Apache-2.0
// festival through its own program in --pipe mode: one long-running process per
// concurrent caller (PipePool), driven with Scheme, each clip saved to a temporary RIFF file
// and read back. (Festival's C++ API is a single global interpreter; separate processes run in
// parallel and a crash costs one clip, not the job.)
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "data/tts-engine.h"
#include "data/tts-process.h"
#include "frontend/audio-file.h"

namespace inherent::tts::detail {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDone = "inherent-done";

// English voices we know how to drive. Others festival lists are skipped with a note.
struct Known {
  const char* festival;  // name in (voice.list)
  const char* id;        // our id after "festival:"
  const char* speaker;   // family: the recorded speaker
  char gender;
  double f0;  // diphone voices: default target_f0_mean (Hz); 0: HTS (pitch in semitones)
};
constexpr Known kKnown[] = {
    {"kal_diphone", "kal", "kal", 'm', 105},
    {"ked_diphone", "ked", "ked", 'm', 105},
    {"rab_diphone", "rab", "rab", 'm', 105},
    {"don_diphone", "don", "don", 'm', 105},
    {"cmu_us_slt_arctic_hts", "slt-hts", "slt", 'f', 0},
    {"cmu_us_awb_arctic_hts", "awb-hts", "awb", 'm', 0},
    {"cmu_us_bdl_arctic_hts", "bdl-hts", "bdl", 'm', 0},
    {"cmu_us_jmk_arctic_hts", "jmk-hts", "jmk", 'm', 0},
};

// Defined once per process: switch voice only when it changes, then apply rate and pitch
// the way each voice type understands them. (Utterance does not evaluate its arguments,
// hence the eval.)
constexpr const char* kPrelude = R"scheme(
(set! inherent_voice "")
(set! inherent_hts nil)
(define (inherent_say vname text rate f0 semitones path)
  (if (not (string-equal vname inherent_voice))
      (begin
        (eval (list (intern (string-append "voice_" vname))))
        (set! inherent_voice vname)
        (set! inherent_hts (if (symbol-bound? 'hts_engine_params) hts_engine_params nil))))
  (Parameter.set 'Duration_Stretch (/ 1.0 rate))
  (if (> f0 0)
      (set! int_lr_params
            (list (list 'target_f0_mean f0) (list 'target_f0_std (* 0.14 f0))
                  (list 'model_f0_mean 170) (list 'model_f0_std 34))))
  (if (equal? (Parameter.get 'Synth_Method) 'HTS)
      (set! hts_engine_params (append inherent_hts (list (list "-r" rate) (list "-fm" semitones)))))
  (utt.save.wave (utt.synth (eval (list 'Utterance 'Text text))) path 'riff)
  t)
)scheme";

std::string scheme_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out + "\"";
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::unique_ptr<Pipe> start(const std::string& program) {
  auto p = std::make_unique<Pipe>(std::vector<std::string>{program, "--pipe"});
  p->write(std::string(kPrelude) + "\n(format stderr \"" + kDone + "\\n\")\n");
  p->read_until(kDone, 60);
  return p;
}

class Festival : public EngineImpl {
 public:
  Festival(std::unique_ptr<PipePool> pool, std::vector<Voice> voices, std::vector<double> f0)
      : pool_(std::move(pool)), voices_(std::move(voices)), f0_(std::move(f0)) {}

  const std::vector<Voice>& voices() const override { return voices_; }

  void prepare(int workers) override { pool_->prepare(workers); }

  std::vector<float> synthesize(const Voice& v, std::string_view text, const SynthParams& p) override {
    double f0 = 0;
    for (size_t i = 0; i < voices_.size(); ++i)
      if (voices_[i].id == v.id) f0 = f0_[i];
    PipePool::Lease proc = pool_->acquire();
    std::error_code ec;
    fs::remove(proc->out_file, ec);
    const std::string cmd = "(inherent_say " + scheme_string(v.native) + " " + scheme_string(text) + " " +
                            num(p.rate) + " " + num(f0 * p.pitch) + " " + num(12.0 * std::log2(p.pitch)) +
                            " " + scheme_string(proc->out_file) + ")\n(format stderr \"" + kDone + "\\n\")\n";
    std::string said;
    try {
      proc->pipe->write(cmd);
      said = proc->pipe->read_until(kDone, 60);
    } catch (...) {
      proc.drop();  // the process is gone or stuck: forget it
      throw;
    }
    try {
      if (!fs::exists(proc->out_file)) throw std::runtime_error("no audio written");
      std::vector<float> out = read_audio_file(proc->out_file).samples;
      fs::remove(proc->out_file, ec);
      return out;
    } catch (const std::exception& e) {
      throw std::runtime_error("festival: " + std::string(e.what()) +
                               (said.empty() ? "" : " (" + said + ")"));
    }
  }

 private:
  std::unique_ptr<PipePool> pool_;
  std::vector<Voice> voices_;
  std::vector<double> f0_;
};

}  // namespace

std::unique_ptr<EngineImpl> make_festival(const std::string& program, std::string* why) {
  if (!find_in_path(program)) {
    if (why) *why = "'" + program + "' not found in PATH (Debian package festival)";
    return nullptr;
  }
  std::unique_ptr<PipePool> pool;
  std::string listed;
  try {
    pool = std::make_unique<PipePool>("festival", [program] { return start(program); });
    PipePool::Lease first = pool->acquire();
    first->pipe->write(std::string("(format stderr \"%l\\n\" (voice.list))\n(format stderr \"") + kDone +
                       "\\n\")\n");
    listed = first->pipe->read_until(kDone, 30);
  } catch (const std::exception& e) {
    if (why) *why = std::string("festival did not start: ") + e.what();
    return nullptr;
  }
  // "(cmu_us_slt_arctic_hts ked_diphone kal_diphone)"
  std::vector<std::string> names;
  std::string cur;
  for (char c : listed) {
    if (c == '(' || c == ')' || c == ' ' || c == '\n') {
      if (!cur.empty()) names.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) names.push_back(cur);
  std::vector<Voice> voices;
  std::vector<double> f0;
  std::string skipped;
  for (const std::string& n : names) {
    const Known* k = nullptr;
    for (const Known& x : kKnown)
      if (n == x.festival) k = &x;
    if (!k) {
      skipped += (skipped.empty() ? "" : ", ") + n;
      continue;
    }
    Voice v;
    v.engine = Engine::festival;
    v.id = std::string("festival:") + k->id;
    v.native = k->festival;
    v.base = k->id;
    v.gender = k->gender;
    v.rate = {0.8, 1.25};
    v.pitch = k->f0 > 0 ? Range{0.8, 1.25} : Range{0.85, 1.2};
    assign_families(v, k->speaker);
    voices.push_back(std::move(v));
    f0.push_back(k->f0);
  }
  if (why && !skipped.empty()) *why = "voices skipped (not known English voices): " + skipped;
  if (voices.empty()) {
    if (why)
      *why =
          "no known English voice installed (Debian packages festvox-kallpc16k, festvox-kdlpc16k, "
          "festvox-us-slt-hts)";
    return nullptr;
  }
  return std::make_unique<Festival>(std::move(pool), std::move(voices), std::move(f0));
}

}  // namespace inherent::tts::detail
