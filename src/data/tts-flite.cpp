// SPDX-License-Identifier: Apache-2.0
// flite through its C API: the US English voices linked into this program, one synthesis
// at a time (voices carry their settings as shared features, and clustergen voices draw
// noise from the C library's rand(), which is reseeded before every call). flite reports internal
// errors through cst_errjmp; we catch them instead of letting the library exit.
#include <flite/flite.h>

#include <csetjmp>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "data/tts-engine.h"

extern "C" {
cst_voice* register_cmu_us_kal(const char* voxdir);
cst_voice* register_cmu_us_kal16(const char* voxdir);
cst_voice* register_cmu_us_awb(const char* voxdir);
cst_voice* register_cmu_us_rms(const char* voxdir);
cst_voice* register_cmu_us_slt(const char* voxdir);
}

namespace inherent::tts::detail {

namespace {

std::mutex g_mu;  // every flite call

struct FliteVoice {
  std::string name;
  cst_voice* voice = nullptr;
  float f0_mean = 100;  // the voice's own int_f0_target_mean
};

cst_wave* guarded_text_to_wave(const char* text, cst_voice* voice) {
  jmp_buf jb;
  jmp_buf* const prev = cst_errjmp;
  cst_errjmp = &jb;
  cst_wave* volatile w = nullptr;
  if (setjmp(jb) == 0) w = flite_text_to_wave(text, voice);
  cst_errjmp = prev;
  return w;
}

class Flite : public EngineImpl {
 public:
  explicit Flite(std::vector<FliteVoice> fv) : fv_(std::move(fv)) {
    for (const FliteVoice& f : fv_) {
      Voice v;
      v.engine = Engine::flite;
      v.id = "flite:" + f.name;
      v.native = f.name;
      v.base = f.name;
      v.gender = f.name == "slt" ? 'f' : 'm';
      v.rate = {0.8, 1.3};
      v.pitch = {0.85, 1.2};
      assign_families(v, f.name == "kal16" ? "kal" : f.name);
      voices_.push_back(std::move(v));
    }
  }

  const std::vector<Voice>& voices() const override { return voices_; }

  std::vector<float> synthesize(const Voice& v, std::string_view text, const SynthParams& p) override {
    const FliteVoice* f = nullptr;
    for (const auto& x : fv_)
      if (x.name == v.native) f = &x;
    if (!f) throw std::runtime_error("flite voice " + v.native + " is not registered");
    const std::string t(text);
    std::vector<float> out;
    std::lock_guard<std::mutex> lock(g_mu);
    feat_set_float(f->voice->features, "duration_stretch", static_cast<float>(1.0 / p.rate));
    feat_set_float(f->voice->features, "int_f0_target_mean",
                   static_cast<float>(f->f0_mean * p.pitch));                     // diphone
    feat_set_float(f->voice->features, "f0_shift", static_cast<float>(p.pitch));  // clustergen
    std::srand(1);  // clustergen voices draw excitation noise from rand(): same request, same samples
    cst_wave* w = guarded_text_to_wave(t.c_str(), f->voice);
    if (!w) throw std::runtime_error("flite failed on \"" + t + "\"");
    out = pcm16_to_16k(w->samples, static_cast<size_t>(w->num_samples), w->sample_rate);
    delete_wave(w);
    return out;
  }

 private:
  std::vector<FliteVoice> fv_;
  std::vector<Voice> voices_;
};

}  // namespace

std::unique_ptr<EngineImpl> make_flite(std::string* why) {
  static std::vector<FliteVoice> registered;  // voices live for the whole program
  std::lock_guard<std::mutex> lock(g_mu);
  if (registered.empty()) {
    flite_init();
    const std::pair<const char*, cst_voice* (*)(const char*)> all[] = {{"awb", register_cmu_us_awb},
                                                                       {"kal", register_cmu_us_kal},
                                                                       {"kal16", register_cmu_us_kal16},
                                                                       {"rms", register_cmu_us_rms},
                                                                       {"slt", register_cmu_us_slt}};
    std::string failed;
    for (const auto& [name, reg] : all) {
      cst_voice* v = reg(nullptr);
      if (!v) {
        failed += std::string(failed.empty() ? "" : ", ") + name;
        continue;
      }
      registered.push_back({name, v, get_param_float(v->features, "int_f0_target_mean", 100.0f)});
    }
    if (!failed.empty() && why) *why = "voices failed to register: " + failed;
  }
  if (registered.empty()) return nullptr;
  return std::make_unique<Flite>(registered);
}

}  // namespace inherent::tts::detail
