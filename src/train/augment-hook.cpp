// SPDX-License-Identifier: Apache-2.0
#include "augment-hook.h"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"
#if INHERENT_HAVE_AUGMENT
#include "data/augment.h"
#endif

namespace inherent::train {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, what); }

#if INHERENT_HAVE_AUGMENT
class ChainAugmenter final : public WaveAugmenter {
 public:
  ChainAugmenter(augment::Preset preset, augment::NoiseBank bank, std::string description)
      : chain_(std::move(preset), std::move(bank)), description_(std::move(description)) {}
  void apply(std::vector<float>& samples, std::mt19937_64& rng, const LabelRow&) const override {
    samples = chain_.run(samples, rng());
  }
  std::string describe() const override { return description_; }

 private:
  augment::Augmenter chain_;
  std::string description_;
};
#endif

}  // namespace

std::vector<std::string> wave_augmenter_names() { return {"none", "light", "default", "heavy"}; }

bool wave_augmentation_available() { return INHERENT_HAVE_AUGMENT != 0; }

std::shared_ptr<const WaveAugmenter> make_wave_augmenter(const AugmentOptions& o, const Dataset& train,
                                                         uint64_t seed) {
  if (o.preset == "none") return no_wave_augmentation();
  const auto names = wave_augmenter_names();
  if (std::find(names.begin(), names.end(), o.preset) == names.end()) {
    fail("data.augment: unknown preset '" + o.preset + "' (none, light, default, heavy)");
  }
#if INHERENT_HAVE_AUGMENT
  augment::NoiseBank bank;
  if (!o.noise_dir.empty()) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(o.noise_dir)) fail("data.noise_dir: " + o.noise_dir + " is not a folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(o.noise_dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".wav" || ext == ".flac" || ext == ".ogg"))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) fail("data.noise_dir: no .wav, .flac or .ogg files in " + o.noise_dir);
    // Only the train part of each recording (augment::split_part), the same cut
    // `inherent synth` makes: noise heard in eval and test corpora stays unheard.
    for (const auto& f : files) {
      const std::span<const float> part = augment::split_part(read_audio_file(f.string()).samples, 0);
      bank.add_recording(f.filename().string(), std::vector<float>(part.begin(), part.end()));
    }
  }
  if (o.babble_clips > 0) {
    std::vector<size_t> pick(train.size());
    std::iota(pick.begin(), pick.end(), size_t{0});
    std::mt19937_64 rng(seed ^ 0x626162626c65ull);
    for (size_t i = pick.size(); i > 1; --i) std::swap(pick[i - 1], pick[rng() % i]);
    pick.resize(std::min(pick.size(), static_cast<size_t>(o.babble_clips)));
    for (size_t i : pick) {
      const Clip& c = train.clip(i);
      if (c.row.resolved_path.empty() || train.uses_mel_cache()) continue;
      bank.add_babble(read_audio_file(c.row.resolved_path).samples);
    }
  }
  std::string description = o.preset;
  if (!bank.recorded.empty())
    description += ", " + std::to_string(bank.recorded.size()) + " noise recordings";
  if (!bank.babble.empty()) description += ", babble from " + std::to_string(bank.babble.size()) + " clips";
  return std::make_shared<ChainAugmenter>(augment::preset(o.preset), std::move(bank), description);
#else
  (void)train, (void)seed;
  fail("data.augment: " + o.preset +
       " needs the data tools' augmentation, which this build lacks "
       "(configure with INHERENT_BUILD_DATA=ON)");
#endif
}

}  // namespace inherent::train
