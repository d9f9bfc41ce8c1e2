// SPDX-License-Identifier: Apache-2.0
//
// Model configs for training: a named preset (tiny, small, base from arch.h) or a
// YAML file. The YAML file is the trainer's whole config; this part reads its `model`
// section and checks that no unknown section is present (data, training and eval are
// read by the trainer).
//
//   model:
//     preset: small        # start from a named config (default: small)
//     n_hidden: 144        # any ModelConfig field overrides the preset
//     n_blocks: 4
//     n_heads: 4
//     ffn_mult: 4
//     conv_kernel: 15
//     n_mels: 128          # must stay 128 (frontend contract)
//     n_outputs: 13        # must stay 13 (heads.inc)
//     dropout: 0.1         # training only; not part of the weights
//
// Errors throw inherent::Exception(INVALID_ARGUMENT) naming the file, line and key.
#pragma once

#include <string>

#include "engine/arch.h"

namespace inherent::train {

struct ModelOptions {
  std::string preset = "small";  // the named config the values started from
  ModelConfig arch;
  double dropout = 0.1;
};

// `name_or_path` is a preset name (tiny, small, base) or a YAML file.
ModelOptions load_model_options(const std::string& name_or_path);

// The `model` section of YAML text; `source` names the text in messages.
ModelOptions parse_model_options_yaml(const std::string& text, const std::string& source);

// Preset by name, or throws listing the names.
ModelOptions model_options_for_preset(const std::string& name);

// "small: H 128, 4 blocks, 4 heads, FFN 512, K 15 -> 1,630,990 parameters"
std::string describe_model(const ModelOptions& options);

}  // namespace inherent::train
