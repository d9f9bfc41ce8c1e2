// SPDX-License-Identifier: Apache-2.0
//
// The trainer's waveform augmentation: the data tools' chain (src/data/augment.h: speed,
// level, lead/trail room tone, reverb, noise at an SNR incl. babble and recordings,
// band limits, clipping) behind the pipeline's WaveAugmenter hook. Each training clip
// is augmented afresh every epoch with a seed drawn from the pipeline's per
// (seed, epoch, clip) generator, so runs stay reproducible and resumable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/dataset.h"

namespace inherent::train {

struct AugmentOptions {
  std::string preset = "none";  // none (off) | light | default | heavy
  std::string noise_dir;        // audio files mixed in as recorded noise (empty: none)
  int babble_clips = 0;         // training clips decoded at start to build babble from
};

// The names data.augment accepts.
std::vector<std::string> wave_augmenter_names();
// Whether this build has the augmentation chain (INHERENT_BUILD_DATA).
bool wave_augmentation_available();

// "none": no_wave_augmentation(). Otherwise the chain with the preset, noise bank
// loaded from noise_dir and babble from babble_clips clips of `train` (picked with seed).
// Throws naming the option at fault (unknown preset, unreadable noise, missing library).
std::shared_ptr<const WaveAugmenter> make_wave_augmenter(const AugmentOptions& options, const Dataset& train,
                                                         uint64_t seed);

}  // namespace inherent::train
