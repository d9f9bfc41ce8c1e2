// SPDX-License-Identifier: Apache-2.0
#include "config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <vector>

#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, what); }

std::string where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return source;
  return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, end);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // keep it a float in YAML
  return s;
}

// One key of a section: how to read it from YAML and how to write it back.
struct Key {
  std::string name;
  std::function<void(const YAML::Node&, const std::string&)> set;  // (value, "file:line:col: section.key")
  std::function<std::string()> get;
};

template <typename T>
T scalar(const YAML::Node& node, const std::string& at, const char* what) {
  if (!node.IsScalar()) fail(at + " must be " + what);
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(at + " must be " + what + ", got '" + node.Scalar() + "'");
  }
}

template <typename T>
Key integer_key(const std::string& name, T& v, int64_t lo, int64_t hi) {
  return {name,
          [&v, lo, hi](const YAML::Node& n, const std::string& at) {
            const std::string what = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
            const auto x = scalar<int64_t>(n, at, what.c_str());
            if (x < lo || x > hi) fail(at + " must be " + what + ", got " + std::to_string(x));
            v = static_cast<T>(x);
          },
          [&v] { return std::to_string(v); }};
}

Key real_key(const std::string& name, double& v, double lo, double hi, bool hi_open = false) {
  return {name,
          [&v, lo, hi, hi_open](const YAML::Node& n, const std::string& at) {
            const std::string what = "a number in [" + number(lo) + ", " + number(hi) + (hi_open ? ")" : "]");
            const auto x = scalar<double>(n, at, what.c_str());
            if (!(x >= lo && (hi_open ? x < hi : x <= hi)))
              fail(at + " must be " + what + ", got " + n.Scalar());
            v = x;
          },
          [&v] { return number(v); }};
}

Key bool_key(const std::string& name, bool& v) {
  return {name,
          [&v](const YAML::Node& n, const std::string& at) { v = scalar<bool>(n, at, "true or false"); },
          [&v] { return std::string(v ? "true" : "false"); }};
}

Key choice_key(const std::string& name, std::string& v, std::vector<std::string> allowed) {
  return {name,
          [&v, allowed](const YAML::Node& n, const std::string& at) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : " | ") + a;
            const auto x = scalar<std::string>(n, at, list.c_str());
            if (std::find(allowed.begin(), allowed.end(), x) == allowed.end()) {
              fail(at + " must be " + list + ", got '" + x + "'");
            }
            v = x;
          },
          [&v] { return v; }};
}

Key text_key(const std::string& name, std::string& v) {
  return {name,
          [&v](const YAML::Node& n, const std::string& at) { v = scalar<std::string>(n, at, "a string"); },
          [&v] {
            // YAML double-quoted: escape quotes, backslashes and control bytes (a raw line
            // break inside quotes would read back as a space).
            std::string q = "\"";
            for (const char ch : v) {
              const auto u = static_cast<unsigned char>(ch);
              if (ch == '"' || ch == '\\') {
                q += std::string("\\") + ch;
              } else if (u < 0x20 || u == 0x7f) {
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\x%02x", u);
                q += esc;
              } else {
                q += ch;
              }
            }
            return q + "\"";
          }};
}

struct Section {
  std::string name;
  std::vector<Key> keys;
};

// The sections and keys of a config, bound to c's fields (model.preset is handled apart).
std::vector<Section> sections(TrainConfig& c) {
  ModelConfig& a = c.model.arch;
  DataOptions& d = c.data;
  TrainingOptions& t = c.training;
  EvalOptions& e = c.eval;
  return {
      {"model",
       {integer_key("n_mels", a.n_mels, 128, 128), integer_key("n_hidden", a.n_hidden, 8, 4096),
        integer_key("n_blocks", a.n_blocks, 1, 64), integer_key("n_heads", a.n_heads, 1, 64),
        integer_key("ffn_mult", a.ffn_mult, 1, 16), integer_key("conv_kernel", a.conv_kernel, 1, 255),
        integer_key("n_outputs", a.n_outputs, INHERENT_N_HEADS, INHERENT_N_HEADS),
        real_key("dropout", c.model.dropout, 0.0, 1.0, true)}},
      {"data",
       {integer_key("batch_size", d.batch_size, 1, 4096), integer_key("workers", d.workers, 1, 256),
        integer_key("prefetch", d.prefetch, 1, 256),
        integer_key("bucket_batches", d.bucket_batches, 1, 100000), bool_key("mel_cache", d.mel_cache),
        bool_key("check_audio", d.check_audio), integer_key("max_frames", d.max_frames, 1, 3000),
        bool_key("trim_to_speech", d.trim_to_speech), bool_key("spec_augment", d.spec_augment),
        integer_key("time_masks", d.spec.time_masks, 0, 100),
        integer_key("time_width", d.spec.time_width, 0, 3000),
        real_key("time_fraction", d.spec.time_fraction, 0.0, 1.0),
        integer_key("freq_masks", d.spec.freq_masks, 0, 100),
        integer_key("freq_width", d.spec.freq_width, 0, 128),
        real_key("freq_warp", d.spec.freq_warp, 0.0, 0.5),
        choice_key("train_split", c.train_split, {"train", "eval", "test"}),
        choice_key("augment", c.augment.preset, wave_augmenter_names()),
        text_key("noise_dir", c.augment.noise_dir),
        integer_key("babble_clips", c.augment.babble_clips, 0, 100000)}},
      {"training",
       {integer_key("max_steps", t.max_steps, 1, int64_t{1} << 40),
        real_key("lr", t.lr, 0.0, 10.0),
        real_key("min_lr_ratio", t.min_lr_ratio, 0.0, 1.0),
        integer_key("warmup_steps", t.warmup_steps, 0, int64_t{1} << 40),
        choice_key("decay", t.decay, {"cosine", "linear", "constant"}),
        real_key("weight_decay", t.weight_decay, 0.0, 10.0),
        real_key("beta1", t.beta1, 0.0, 1.0, true),
        real_key("beta2", t.beta2, 0.0, 1.0, true),
        real_key("eps", t.eps, 0.0, 1.0),
        real_key("grad_clip", t.grad_clip, 0.0, 1e6),
        real_key("focal_gamma", t.focal_gamma, 0.0, 10.0),
        real_key("ctc_weight", t.ctc_weight, 0.0, 100.0),
        real_key("distill_weight", t.distill_weight, 0.0, 100.0),
        real_key("feature_distill_weight", t.feature_distill_weight, 0.0, 100.0),
        real_key("aux_lr_scale", t.aux_lr_scale, 0.0, 1e4),
        real_key("int8_consistency", t.int8_consistency, 0.0, 1e6),
        bool_key("pos_weight", t.pos_weight),
        real_key("pos_weight_max", t.pos_weight_max, 1.0, 1e6),
        integer_key("seed", t.seed, 0, std::numeric_limits<int64_t>::max()),
        integer_key("threads", t.threads, 1, 1024),
        choice_key("device", t.device, {"cpu", "cuda"}),
        integer_key("save_every", t.save_every, 1, int64_t{1} << 40),
        integer_key("log_every", t.log_every, 1, int64_t{1} << 40),
        integer_key("norm_clips", t.norm_clips, 0, int64_t{1} << 40)}},
      {"eval",
       {integer_key("every", e.every, 0, int64_t{1} << 40), integer_key("batch_size", e.batch_size, 1, 4096),
        bool_key("at_end", e.at_end), choice_key("split", e.split, {"train", "eval", "test"})}},
  };
}

// A mapping key: sections and keys are plain names (YAML also allows lists and maps).
std::string key_name(const YAML::Node& key, const std::string& source) {
  if (!key.IsScalar()) fail(where(source, key) + ": a key must be a plain name");
  return key.Scalar();
}

void finish(TrainConfig& c, const std::string& source) {
  if (const std::string e = arch_config_check(c.model.arch); !e.empty()) fail(source + ": model." + e);
  if (c.training.int8_consistency > 0 && c.model.dropout > 0)
    fail(source +
         ": training.int8_consistency needs model.dropout: 0 (its two forward passes would see different "
         "dropout masks)");
  c.data.seed = c.training.seed;
  c.source = source;
}

}  // namespace

ModelOptions model_options_for_preset(const std::string& name) {
  ModelOptions o;
  if (!arch_config_by_name(name, &o.arch)) {
    std::string names;
    for (const char* const* n = arch_config_names(); *n; ++n)
      names += std::string(names.empty() ? "" : ", ") + *n;
    fail("unknown model config '" + name + "' (named configs: " + names + "; or give a YAML file)");
  }
  if (o.arch.family != ArchFamily::conformer)
    fail("model config '" + name + "' is of the " + arch_family_name(o.arch.family) +
         " family, which the trainer does not build: src/backbone/package.py and inherent export "
         "--ensemble make it (docs/backbone.md)");
  o.preset = name;
  return o;
}

TrainConfig train_config_for_preset(const std::string& name) {
  TrainConfig c;
  c.model = model_options_for_preset(name);
  finish(c, name);
  return c;
}

TrainConfig parse_train_config_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
         e.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap())
    fail(source + ": a config file is a YAML mapping with sections model, data, training, eval");

  TrainConfig c;
  // The preset first: the other model keys override it.
  const YAML::Node model = root["model"];
  std::string preset = "small";
  if (model && model.IsMap() && model["preset"]) {
    const YAML::Node p = model["preset"];
    preset = scalar<std::string>(p, where(source, p) + ": model.preset", "a config name");
    try {
      c.model = model_options_for_preset(preset);
    } catch (const Exception& e) {
      fail(where(source, p) + ": " + e.what());
    }
  } else {
    c.model = model_options_for_preset(preset);
  }

  std::vector<Section> known = sections(c);
  std::set<std::string> seen_sections;
  for (const auto& kv : root) {
    const std::string name = key_name(kv.first, source);
    if (!seen_sections.insert(name).second)
      fail(where(source, kv.first) + ": section '" + name + "' appears twice");
    auto section = std::find_if(known.begin(), known.end(), [&](const Section& s) { return s.name == name; });
    if (section == known.end()) {
      fail(where(source, kv.first) + ": unknown section '" + name +
           "' (sections: model, data, training, eval)");
    }
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsMap()) fail(where(source, kv.second) + ": section '" + name + "' must be a mapping");
    std::set<std::string> seen_keys;
    for (const auto& entry : kv.second) {
      const std::string key = key_name(entry.first, source);
      if (!seen_keys.insert(key).second) {
        fail(where(source, entry.first) + ": key '" + name + "." + key + "' appears twice");
      }
      if (name == "model" && key == "preset") continue;
      auto k = std::find_if(section->keys.begin(), section->keys.end(),
                            [&](const Key& x) { return x.name == key; });
      if (k == section->keys.end()) {
        std::string list = name == "model" ? "preset" : "";
        for (const Key& x : section->keys) list += (list.empty() ? "" : ", ") + x.name;
        fail(where(source, entry.first) + ": unknown key '" + name + "." + key + "' (keys: " + list + ")");
      }
      k->set(entry.second, where(source, entry.second) + ": " + name + "." + key);
    }
  }
  finish(c, source);
  return c;
}

TrainConfig load_train_config(const std::string& name_or_path) {
  ModelConfig probe;
  if (arch_config_by_name(name_or_path, &probe)) return train_config_for_preset(name_or_path);
  const bool looks_like_file = name_or_path.find('/') != std::string::npos ||
                               name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  if (!looks_like_file && !std::filesystem::exists(name_or_path))
    return train_config_for_preset(name_or_path);
  return parse_train_config_yaml(read_file(name_or_path), name_or_path);
}

std::string train_config_to_yaml(const TrainConfig& config) {
  TrainConfig c = config;  // sections() binds to mutable fields
  std::string out;
  for (const Section& s : sections(c)) {
    out += s.name + ":\n";
    if (s.name == "model") out += "  preset: " + c.model.preset + "\n";
    for (const Key& k : s.keys) out += "  " + k.name + ": " + k.get() + "\n";
  }
  return out;
}

ModelOptions load_model_options(const std::string& name_or_path) {
  return load_train_config(name_or_path).model;
}

ModelOptions parse_model_options_yaml(const std::string& text, const std::string& source) {
  return parse_train_config_yaml(text, source).model;
}

std::string describe_model(const ModelOptions& o) {
  const ModelConfig& c = o.arch;
  ModelConfig preset;
  const bool custom = !arch_config_by_name(o.preset, &preset) || !(preset == c);
  return (custom ? "custom (from " + o.preset + ")" : o.preset) + ": H " + std::to_string(c.n_hidden) + ", " +
         std::to_string(c.n_blocks) + " blocks, " + std::to_string(c.n_heads) + " heads, FFN " +
         std::to_string(c.ffn_mult * c.n_hidden) + ", K " + std::to_string(c.conv_kernel) + " -> " +
         with_commas(arch_n_params(c)) + " parameters";
}

}  // namespace inherent::train
