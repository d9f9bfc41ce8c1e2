// SPDX-License-Identifier: Apache-2.0
//
// Training configs: a named preset (tiny, small, base: the model of arch.h with default
// data, training and eval settings) or a YAML file with four optional sections. Every
// key is listed in docs/training.md; an unknown section or key, a wrong type or an
// out-of-range value throws inherent::Exception(INVALID_ARGUMENT) naming file:line:column.
//
//   model:
//     preset: small        # start from a named config (default: small)
//     n_hidden: 144        # any ModelConfig field overrides the preset
//     dropout: 0.1         # training only; not part of the weights
//   data:
//     batch_size: 16
//     ...
//   training:
//     max_steps: 20000
//     ...
//   eval:
//     every: 500
//     ...
#pragma once

#include <cstdint>
#include <string>

#include "engine/arch.h"
#include "train/augment-hook.h"
#include "train/dataset.h"

namespace inherent::train {

struct ModelOptions {
  std::string preset = "small";  // the named config the values started from
  ModelConfig arch;
  double dropout = 0.1;
};

struct TrainingOptions {
  int64_t max_steps = 20000;     // optimizer steps (the schedule spans them)
  double lr = 1e-3;              // peak learning rate
  double min_lr_ratio = 0.05;    // final lr = lr * min_lr_ratio
  int64_t warmup_steps = 500;    // linear warmup from 0
  std::string decay = "cosine";  // cosine | linear | constant, after warmup
  double weight_decay = 0.01;    // AdamW, on weight matrices (not biases, norms)
  double beta1 = 0.9, beta2 = 0.98, eps = 1e-8;
  double grad_clip = 1.0;    // max global gradient norm (0: off)
  double focal_gamma = 2.0;  // focal BCE exponent (0: plain BCE)
  double ctc_weight = 0.0;   // auxiliary character CTC on the encoder (train/ctc.h; 0: off)
  // Distillation: BCE toward the teacher_<head> scores of the train rows that have them
  // (labels.h; 0: off).
  double distill_weight = 0.0;
  // Feature distillation: 1 - cosine between a projection of the encoder's pooled output
  // and the teacher_features vector of the train rows that have one (train/feature-distill.h;
  // 0: off).
  double feature_distill_weight = 0.0;
  // The auxiliary heads' (CTC head, feature projection) lr as a multiple of lr: a fresh
  // head beside a fine-tuned encoder would otherwise learn at the encoder's small rate.
  double aux_lr_scale = 1.0;
  // Weight of the int8 consistency loss: mean |float score - score with 8-bit rounded
  // inputs to every dynamically quantized layer| (model.h FakeInt8Scope), so that a
  // dynamic-range int8 export stays close to the checkpoint. 0: off. Needs dropout 0
  // (two forwards with different dropout masks would differ anyway).
  double int8_consistency = 0.0;
  bool pos_weight = true;  // per-head positive weights (negatives / positives)
  double pos_weight_max = 50.0;
  uint64_t seed = 0;           // weights, dropout, data order and augmentation
  int threads = 1;             // intra-op threads (1 was fastest on 2 cores)
  std::string device = "cpu";  // cpu | cuda
  int64_t save_every = 200;    // steps between checkpoints (`last`)
  int64_t log_every = 10;      // steps between metrics.jsonl train records
  int64_t norm_clips = 2000;   // clips sampled for the mel normalization (0: all)
};

struct EvalOptions {
  int64_t every = 500;  // steps between evaluations (0: only at the end)
  int batch_size = 32;
  bool at_end = true;          // evaluate after the last step
  std::string split = "eval";  // rows of the eval labels file to use
};

struct TrainConfig {
  ModelOptions model;
  DataOptions data;  // data.seed is set from training.seed
  std::string train_split = "train";
  AugmentOptions augment;  // waveform augmentation of training clips
  TrainingOptions training;
  EvalOptions eval;
  std::string source = "small";  // preset name or file path
};

// `name_or_path` is a preset name (tiny, small, base) or a YAML file.
TrainConfig load_train_config(const std::string& name_or_path);
// YAML text; `source` names it in messages.
TrainConfig parse_train_config_yaml(const std::string& text, const std::string& source);
TrainConfig train_config_for_preset(const std::string& name);
// Every key with its value, as YAML that parse_train_config_yaml reads back.
std::string train_config_to_yaml(const TrainConfig& config);

// The model part alone (tests, exporters).
ModelOptions load_model_options(const std::string& name_or_path);
ModelOptions parse_model_options_yaml(const std::string& text, const std::string& source);
ModelOptions model_options_for_preset(const std::string& name);

// "small: H 128, 4 blocks, 4 heads, FFN 512, K 15 -> 1,630,990 parameters"
std::string describe_model(const ModelOptions& options);

}  // namespace inherent::train
