// SPDX-License-Identifier: Apache-2.0
#include "export-model.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/heads.h"
#include "common/safetensors.h"
#include "eval/thresholds.h"
#include "export/half.h"
#include "host/files.h"
#include "host/json-text.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {
namespace {

[[noreturn]] void fail(inherent_status status, const std::string& message) {
  throw Exception(status, message);
}

std::string find_meta(const Safetensors& st, const char* key) {
  const std::string* v = st.find_metadata(key);
  return v ? *v : std::string();
}

// Converts one stored tensor to float32.
std::vector<float> to_f32(const TensorView& t, const std::string& source) {
  const size_t n = static_cast<size_t>(t.numel());
  std::vector<float> out(n);
  switch (t.dtype) {
    case DType::F32:
      std::memcpy(out.data(), t.data, n * 4);
      break;
    case DType::F64:
      for (size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, t.data + 8 * i, 8);
        out[i] = static_cast<float>(d);
      }
      break;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      break;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        const uint32_t bits = uint32_t{h} << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      break;
    default:
      fail(INHERENT_STATUS_INVALID_MODEL, source + ": tensor '" + t.name + "' has dtype " +
                                              dtype_name(t.dtype) + "; expected F32 (or F16, BF16, F64)");
  }
  return out;
}

Thresholds thresholds_from_json(const nlohmann::json& j, const std::string& source) {
  Thresholds t;
  try {
    t.values = eval::thresholds_from_json(j, source);
  } catch (const std::invalid_argument& e) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, e.what());
  }
  t.method = "calibrated";
  // "calibration" in a thresholds file; "threshold_calibration" in a metadata sidecar
  // (what `inherent thresholds --metadata-out` writes).
  const char* details = j.contains("calibration") ? "calibration" : "threshold_calibration";
  if (j.contains(details) && j[details].is_object()) {
    const nlohmann::json& c = j[details];
    if (c.contains("method") && c["method"].is_string()) t.method = c["method"].get<std::string>();
    t.details_json = json_text(c);
  }
  return t;
}

// An attributions list (what `inherent synth` writes as attributions.json): a JSON array
// of objects with non-empty "source" and "license" strings. Returns it compact; `where`
// names the file or field in errors.
std::string attributions_from_json(const std::string& text, const std::string& where) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array())
    fail(INHERENT_STATUS_INVALID_ARGUMENT, where + ": expected a JSON array of attributions");
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + ": entry " + std::to_string(i);
    if (!j[i].is_object()) fail(INHERENT_STATUS_INVALID_ARGUMENT, at + ": expected an object");
    for (const char* key : {"source", "license"}) {
      if (!j[i].contains(key) || !j[i][key].is_string() || j[i][key].get<std::string>().empty())
        fail(INHERENT_STATUS_INVALID_ARGUMENT, at + ": '" + key + "' must be a non-empty string");
    }
  }
  return json_text(j);
}

}  // namespace

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

ExportModel::ExportModel() : thresholds(seed_thresholds()) {}

const Tensor& ExportModel::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) fail(INHERENT_STATUS_INVALID_MODEL, "weights have no tensor '" + name + "'");
  return it->second;
}

Thresholds seed_thresholds() {
  Thresholds t;
  for (const HeadInfo& h : kHeadTable) t.values.push_back(h.default_threshold);
  t.method = "seed";
  t.details_json = R"({"note": "heads.inc seed defaults, not calibrated on held-out data"})";
  return t;
}

ModelConfig resolve_config(const std::string& value, std::string* name) {
  ModelConfig c;
  if (arch_config_by_name(value, &c)) {
    if (name) *name = value;
    return c;
  }
  if (!std::filesystem::is_regular_file(value)) {
    std::string names;
    for (const char* const* n = arch_config_names(); *n; ++n)
      names += std::string(names.empty() ? "" : ", ") + *n;
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         "config '" + value + "' is neither a preset (" + names + ") nor a file");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(value);
  } catch (const YAML::Exception& e) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, value + ": " + e.what());
  }
  const YAML::Node model = root["model"];
  if (!model || !model.IsMap()) fail(INHERENT_STATUS_INVALID_ARGUMENT, value + ": no `model:` section");
  std::string preset = model["preset"] ? model["preset"].as<std::string>() : "small";
  if (!arch_config_by_name(preset, &c)) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT, value + ": model.preset '" + preset + "' is not a preset");
  }
  bool custom = false;
  std::pair<const char*, int*> fields[] = {{"n_mels", &c.n_mels},      {"n_hidden", &c.n_hidden},
                                           {"n_blocks", &c.n_blocks},  {"n_heads", &c.n_heads},
                                           {"ffn_mult", &c.ffn_mult},  {"conv_kernel", &c.conv_kernel},
                                           {"n_outputs", &c.n_outputs}};
  for (auto& [key, dst] : fields) {
    if (!model[key]) continue;
    try {
      const int v = model[key].as<int>();
      custom = custom || v != *dst;
      *dst = v;
    } catch (const YAML::Exception&) {
      fail(INHERENT_STATUS_INVALID_ARGUMENT, value + ": model." + key + " must be an integer (line " +
                                                 std::to_string(model[key].Mark().line + 1) + ")");
    }
  }
  const std::string error = arch_config_check(c);
  if (!error.empty()) fail(INHERENT_STATUS_INVALID_ARGUMENT, value + ": " + error);
  if (name) *name = custom ? "custom" : preset;
  return c;
}

void validate(const ExportModel& m) {
  const std::string error = arch_config_check(m.config);
  if (!error.empty()) fail(INHERENT_STATUS_INVALID_MODEL, "model config: " + error);
  if (m.config.n_hidden % 2 != 0) {
    fail(INHERENT_STATUS_INVALID_MODEL, "model config: n_hidden = " + std::to_string(m.config.n_hidden) +
                                            " must be even (positions fill sin/cos pairs)");
  }
  if (m.config.n_mels != INHERENT_N_MELS) {
    fail(INHERENT_STATUS_INVALID_MODEL, "model config: n_mels = " + std::to_string(m.config.n_mels) +
                                            " but the frontend makes " + std::to_string(INHERENT_N_MELS));
  }
  if (m.config.n_outputs != INHERENT_N_HEADS) {
    fail(INHERENT_STATUS_INVALID_MODEL, "model config: n_outputs = " + std::to_string(m.config.n_outputs) +
                                            " but heads.inc has " + std::to_string(INHERENT_N_HEADS) +
                                            " heads");
  }
  const std::vector<ArchTensor> arch = arch_tensors(m.config);
  for (const ArchTensor& a : arch) {
    const Tensor& t = m.at(a.name);
    if (t.shape != a.shape) {
      fail(INHERENT_STATUS_INVALID_MODEL, "tensor '" + a.name + "' has shape " + arch_shape_string(t.shape) +
                                              "; the config needs " + arch_shape_string(a.shape));
    }
    if (static_cast<int64_t>(t.data.size()) != a.numel()) {
      fail(INHERENT_STATUS_INVALID_MODEL, "tensor '" + a.name + "' holds " + std::to_string(t.data.size()) +
                                              " values for shape " + arch_shape_string(a.shape));
    }
    for (size_t i = 0; i < t.data.size(); ++i) {
      if (!std::isfinite(t.data[i])) {
        fail(INHERENT_STATUS_INVALID_MODEL,
             "tensor '" + a.name + "' has a non-finite value at index " + std::to_string(i));
      }
    }
  }
  if (m.tensors.size() != arch.size()) {
    for (const auto& [name, t] : m.tensors) {
      bool known = false;
      for (const ArchTensor& a : arch) known = known || a.name == name;
      if (!known) fail(INHERENT_STATUS_INVALID_MODEL, "tensor '" + name + "' is not in the arch table");
    }
  }
  for (const auto& [name, t] : m.tensors) {  // an ensemble holds its members' under a prefix
    const auto ends = [&name = name](const std::string& s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends("mel_norm.std")) {
      for (float v : t.data)
        if (!(v > 0)) fail(INHERENT_STATUS_INVALID_MODEL, name + " has a value <= 0");
    } else if (ends("bridge.matrix")) {
      for (float v : t.data)
        if (v < 0) fail(INHERENT_STATUS_INVALID_MODEL, name + " has a negative value (it maps powers)");
    }
  }
  if (m.thresholds.values.size() != static_cast<size_t>(INHERENT_N_HEADS)) {
    fail(INHERENT_STATUS_INVALID_MODEL,
         "thresholds: expected " + std::to_string(INHERENT_N_HEADS) + " values");
  }
  const nlohmann::json details = nlohmann::json::parse(m.thresholds.details_json, nullptr, false);
  if (details.is_object() && details.contains("trim_to_speech") && details["trim_to_speech"].is_boolean() &&
      details["trim_to_speech"].get<bool>() != m.trim_to_speech) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         std::string("the thresholds were calibrated on ") +
             (m.trim_to_speech ? "every frame" : "speech spans") +
             " (threshold_calibration.trim_to_speech) but the export records " +
             (m.trim_to_speech ? "speech-span" : "every-frame") + " scoring: " +
             (m.trim_to_speech ? "calibrate with --trim-to-speech, or export without it"
                               : "export with --trim-to-speech, or calibrate with --every-frame"));
  }
}

ExportModel load_weights_bytes(const std::string& bytes, const std::string& source,
                               const std::string& config) {
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK) {
    fail(INHERENT_STATUS_INVALID_MODEL, source + ": " + error);
  }
  ExportModel m;
  if (!config.empty()) {
    m.config = resolve_config(config, &m.config_name);
  } else {
    error = arch_config_from_pairs(st.metadata, &m.config);
    if (!error.empty()) {
      fail(INHERENT_STATUS_INVALID_MODEL,
           source + ": " + error + " (the file carries no model config; pass --config NAME|YAML)");
    }
    m.config_name = arch_config_name(m.config, "custom");
    for (const char* key : {"config_name", "preset"}) {  // ours, the trainer's
      const std::string* name = st.find_metadata(key);
      ModelConfig preset;
      if (name && arch_config_by_name(*name, &preset) && preset == m.config) m.config_name = *name;
    }
  }
  for (const ArchTensor& a : arch_tensors(m.config)) {
    const TensorView* t = st.find(a.name);
    if (!t) fail(INHERENT_STATUS_INVALID_MODEL, source + ": missing tensor '" + a.name + "'");
    if (t->shape != a.shape) {
      fail(INHERENT_STATUS_INVALID_MODEL, source + ": tensor '" + a.name + "' has shape " +
                                              arch_shape_string(t->shape) + "; the config needs " +
                                              arch_shape_string(a.shape));
    }
    m.tensors[a.name] = Tensor{a.shape, to_f32(*t, source)};
  }
  for (const TensorView& t : st.tensors) {
    if (!m.tensors.count(t.name)) {
      fail(INHERENT_STATUS_INVALID_MODEL,
           source + ": tensor '" + t.name + "' is not in the arch table of this config");
    }
  }
  m.provenance.source = source;
  if (std::string v = find_meta(st, "model_version"); !v.empty()) m.provenance.model_version = v;
  m.provenance.code_commit = find_meta(st, "code_commit");
  m.provenance.data_manifest_hash = find_meta(st, "data_manifest_hash");
  if (m.provenance.data_manifest_hash.empty() && !find_meta(st, "train_labels_hash").empty()) {
    // A trainer checkpoint: the data are its train and eval labels files.
    m.provenance.data_manifest_hash = "train_labels:" + find_meta(st, "train_labels_hash") +
                                      ",eval_labels:" + find_meta(st, "eval_labels_hash");
  }
  m.provenance.training_hash = find_meta(st, "training_hash");
  if (std::string a = find_meta(st, "data_attributions"); !a.empty()) {
    m.provenance.data_attributions = attributions_from_json(a, source + ": metadata 'data_attributions'");
  }
  if (std::string th = find_meta(st, "thresholds"); !th.empty()) {
    nlohmann::json j = nlohmann::json::parse(th, nullptr, false);
    if (j.is_discarded()) fail(INHERENT_STATUS_INVALID_MODEL, source + ": metadata 'thresholds' is not JSON");
    nlohmann::json wrapped = {{"default_thresholds", j}};
    if (std::string method = find_meta(st, "threshold_method"); !method.empty()) {
      wrapped["calibration"] = {{"method", method}};
      if (std::string d = find_meta(st, "threshold_details"); !d.empty()) {
        nlohmann::json details = nlohmann::json::parse(d, nullptr, false);
        if (!details.is_discarded() && details.is_object()) {
          details["method"] = method;
          wrapped["calibration"] = details;
        }
      }
    }
    m.thresholds = thresholds_from_json(wrapped, source);
  }
  validate(m);
  return m;
}

ExportModel load_weights(const std::string& path, const std::string& config) {
  const std::string file = checkpoint_weights_file(path);
  return load_weights_bytes(read_file(file), file, config);
}

ExportModel ensemble_of(const std::vector<EnsembleMember>& members) {
  if (members.empty() || members.size() > static_cast<size_t>(kMaxEnsembleMembers))
    fail(INHERENT_STATUS_INVALID_ARGUMENT, "an ensemble has 1 to " + std::to_string(kMaxEnsembleMembers) +
                                               " members, got " + std::to_string(members.size()));
  ExportModel e;
  std::vector<ModelConfig> configs;
  std::vector<float> weights;
  nlohmann::json attributions = nlohmann::json::array();
  std::vector<std::string> sources;
  for (size_t i = 0; i < members.size(); ++i) {
    ExportModel m = load_weights(members[i].path, "");
    if (m.config.family == ArchFamily::ensemble)
      fail(INHERENT_STATUS_INVALID_ARGUMENT, members[i].path + ": is an ensemble; members are single models");
    configs.push_back(m.config);
    weights.push_back(members[i].weight);
    for (auto& [name, t] : m.tensors) e.tensors[ensemble_prefix(i) + name] = std::move(t);
    for (const nlohmann::json& a : nlohmann::json::parse(m.provenance.data_attributions)) {
      if (std::find(attributions.begin(), attributions.end(), a) == attributions.end())
        attributions.push_back(a);
    }
    sources.push_back(m.provenance.source + " (" + m.config_name + " " + m.provenance.model_version +
                      ", weight " + arch_weight_text(members[i].weight) + ")");
  }
  e.config = arch_ensemble_config(std::move(configs), std::move(weights));
  e.config_name = arch_config_name(e.config, "ensemble");  // "backbone": the shipped pair's shape
  e.provenance.data_attributions = json_text(attributions);
  e.provenance.source.clear();
  for (const std::string& s : sources) e.provenance.source += (e.provenance.source.empty() ? "" : " + ") + s;
  validate(e);
  return e;
}

std::string encode_weights(const ExportModel& m) {
  std::vector<TensorData> list;
  for (const ArchTensor& a : arch_tensors(m.config)) {
    const Tensor& t = m.at(a.name);
    list.push_back({a.name, DType::F32, t.shape, t.data.data()});
  }
  std::vector<std::pair<std::string, std::string>> meta = arch_config_to_pairs(m.config);
  meta.emplace_back("config_name", m.config_name);
  meta.emplace_back("model_version", m.provenance.model_version);
  if (!m.provenance.code_commit.empty()) meta.emplace_back("code_commit", m.provenance.code_commit);
  if (!m.provenance.data_manifest_hash.empty())
    meta.emplace_back("data_manifest_hash", m.provenance.data_manifest_hash);
  if (!m.provenance.training_hash.empty()) meta.emplace_back("training_hash", m.provenance.training_hash);
  if (m.provenance.data_attributions != "[]")
    meta.emplace_back("data_attributions", m.provenance.data_attributions);
  std::string out, error;
  if (safetensors_encode(list, meta, &out, &error) != INHERENT_STATUS_OK)
    fail(INHERENT_STATUS_INTERNAL, error);
  return out;
}

std::string load_attributions(const std::string& path) {
  return attributions_from_json(read_file(path), path);
}

Thresholds load_thresholds(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (j.is_discarded()) fail(INHERENT_STATUS_INVALID_ARGUMENT, path + ": not valid JSON");
  return thresholds_from_json(j, path);
}

}  // namespace inherent::exporter
