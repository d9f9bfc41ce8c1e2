// SPDX-License-Identifier: Apache-2.0
#include "config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "common/files.h"
#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, what); }

std::string where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return source;
  return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

template <typename T>
T scalar(const std::string& source, const std::string& key, const YAML::Node& node) {
  if (!node.IsScalar()) fail(where(source, node) + ": model." + key + " must be a scalar");
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(where(source, node) + ": model." + key + " has a bad value '" + node.Scalar() + "'");
  }
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
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
  o.preset = name;
  return o;
}

ModelOptions parse_model_options_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
         e.msg);
  }
  if (!root.IsMap())
    fail(source + ": a config file is a YAML mapping with sections model, data, training, eval");
  static const std::set<std::string> sections = {"model", "data", "training", "eval"};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!sections.count(key)) {
      fail(where(source, kv.first) + ": unknown section '" + key +
           "' (sections: model, data, training, eval)");
    }
  }
  const YAML::Node model = root["model"];
  if (!model) return model_options_for_preset("small");
  if (!model.IsMap()) fail(where(source, model) + ": section 'model' must be a mapping");

  ModelOptions o = model_options_for_preset(
      model["preset"] ? scalar<std::string>(source, "preset", model["preset"]) : std::string("small"));
  struct Field {
    const char* key;
    int* value;
  };
  const Field fields[] = {{"n_mels", &o.arch.n_mels},      {"n_hidden", &o.arch.n_hidden},
                          {"n_blocks", &o.arch.n_blocks},  {"n_heads", &o.arch.n_heads},
                          {"ffn_mult", &o.arch.ffn_mult},  {"conv_kernel", &o.arch.conv_kernel},
                          {"n_outputs", &o.arch.n_outputs}};
  for (const auto& kv : model) {
    const std::string key = kv.first.as<std::string>();
    if (key == "preset") continue;
    if (key == "dropout") {
      o.dropout = scalar<double>(source, key, kv.second);
      if (!(o.dropout >= 0 && o.dropout < 1))
        fail(where(source, kv.second) + ": model.dropout must be in [0, 1)");
      continue;
    }
    bool known = false;
    for (const Field& f : fields) {
      if (key == f.key) {
        *f.value = scalar<int>(source, key, kv.second);
        known = true;
      }
    }
    if (!known) {
      fail(
          where(source, kv.first) + ": unknown key 'model." + key +
          "' (keys: preset, n_mels, n_hidden, n_blocks, n_heads, ffn_mult, conv_kernel, n_outputs, dropout)");
    }
  }
  if (const std::string e = arch_config_check(o.arch); !e.empty()) fail(source + ": model." + e);
  if (o.arch.n_mels != 128) fail(source + ": model.n_mels must be 128 (the frontend's mel bins)");
  if (o.arch.n_outputs != inherent_n_heads()) {
    fail(source + ": model.n_outputs must be " + std::to_string(inherent_n_heads()) + " (heads.inc)");
  }
  return o;
}

ModelOptions load_model_options(const std::string& name_or_path) {
  ModelOptions probe;
  if (arch_config_by_name(name_or_path, &probe.arch)) return model_options_for_preset(name_or_path);
  const bool looks_like_file = name_or_path.find('/') != std::string::npos ||
                               name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  if (!looks_like_file && !std::filesystem::exists(name_or_path))
    return model_options_for_preset(name_or_path);
  return parse_model_options_yaml(read_file(name_or_path), name_or_path);
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
