// SPDX-License-Identifier: Apache-2.0
#include "model-package.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/heads.h"
#include "common/json.h"
#include "common/safetensors.h"
#include "common/sha256.h"
#include "frontend/log-mel.h"

namespace inherent {

namespace {

// Printable form of a key or value for messages (bounded, control bytes escaped).
// feature_normalization's keys and values: where each family's input normalization
// lives in its weights.
std::vector<std::pair<const char*, const char*>> normalization_fields(ArchFamily family) {
  if (family == ArchFamily::whisper)
    return {{"bridge", "bridge.matrix"}, {"floor", "bridge.floor"}, {"applied_to", "every_frame"}};
  if (family == ArchFamily::ensemble) return {{"applied_to", "each_member"}};
  return {{"mean", "mel_norm.mean"}, {"std", "mel_norm.std"}, {"applied_to", "valid_frames"}};
}

std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 80; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

// The frontend block of every sidecar, written by model_metadata_json (the one writer)
// and checked on load. `checked` fields must equal this engine's frontend; the others
// spell out the same choices for readers of the file. Numbers are compared as doubles,
// strings exactly.
enum class FieldKind { number, text, flag };
struct FrontendField {
  const char* key;
  bool checked;
  FieldKind kind;
  double number;  // number; flag: 0 or 1
  const char* text;
};
const FrontendField kFrontend[] = {
    {"sample_rate", true, FieldKind::number, kSampleRate, nullptr},
    {"n_mels", true, FieldKind::number, kNMels, nullptr},
    {"win_length", true, FieldKind::number, kWinLength, nullptr},
    {"hop_length", true, FieldKind::number, kHopLength, nullptr},
    {"n_fft", true, FieldKind::number, kNFft, nullptr},
    {"window", true, FieldKind::text, 0, "hann_symmetric"},
    {"f_min", true, FieldKind::number, kFMin, nullptr},
    {"f_max", true, FieldKind::number, kFMax, nullptr},
    {"mel_scale", true, FieldKind::text, 0, "htk"},
    {"power_scale", true, FieldKind::text, 0, "1/n_fft"},
    {"log", true, FieldKind::text, 0, "ln"},
    {"log_floor", true, FieldKind::number, 1e-8, nullptr},  // kLogFloor, as the spec writes it
    {"max_frames", true, FieldKind::number, static_cast<double>(kMaxFrames), nullptr},
    {"channels", false, FieldKind::number, 1, nullptr},
    {"samples", false, FieldKind::text, 0,
     "float32 PCM in [-1, 1]; other rates are resampled to 16 kHz first"},
    {"window_formula", false, FieldKind::text, 0,
     "0.5 - 0.5 cos(2 pi i / 399), i = 0..399, zero-padded to n_fft"},
    {"center", false, FieldKind::flag, 0, nullptr},  // written as false
    {"frame_start", false, FieldKind::text, 0,
     "frame t starts at sample 320 t; samples past the end are zeros"},
    {"power", false, FieldKind::text, 0, "|X|^2 / n_fft"},
    {"mel_formula", false, FieldKind::text, 0, "2595 log10(1 + f / 700)"},
    {"filters", false, FieldKind::text, 0,
     "triangular, peak 1, edges evenly spaced on the mel scale, evaluated at each bin's exact frequency"},
    {"log_formula", false, FieldKind::text, 0, "ln(energy + log_floor)"},
    {"n_frames", false, FieldKind::text, 0, "ceil(samples / 320), at least 1, at most max_frames"},
    {"padding_frame", false, FieldKind::text, 0,
     "a frame of 128 exact zeros is padding; real log-mel frames never are"},
    {"output", false, FieldKind::text, 0, "float32 [T, 128]"},
};

class MetadataReader {
 public:
  bool read(std::string_view text, ModelMetadata* out) {
    if (text.size() > kPackageMaxMetadataBytes)
      return fail("", "is " + std::to_string(text.size()) + " bytes, more than the " +
                          std::to_string(kPackageMaxMetadataBytes) + " a metadata file may have");
    json::Value doc;
    std::string json_error;
    if (!json::parse(text, &doc, &json_error)) return fail("", "is not valid JSON: " + json_error);
    if (!doc.is_object())
      return fail("", "must be a JSON object, got " + std::string(json::type_name(doc.type)));

    ModelMetadata m;
    const json::Value* v = nullptr;
    if (!(v = need(doc, "format", json::Type::string))) return false;
    if (v->string != kPackageFormat)
      return fail("format", "is \"" + printable(v->string) + "\", expected \"" + kPackageFormat +
                                "\" (hint: this is not an inherent model package)");
    if (!(v = need(doc, "format_version", json::Type::number))) return false;
    if (!v->is_integer() || v->number < 1) return fail("format_version", "must be a positive integer");
    if (v->number > kPackageFormatVersion)
      return fail("format_version", "is " + json::format_double(v->number) + ", newer than the " +
                                        std::to_string(kPackageFormatVersion) +
                                        " this library reads (hint: upgrade inherent)");
    m.format_version = static_cast<int>(v->number);
    if (!(v = need(doc, "model_version", json::Type::string))) return false;
    if (v->string.empty()) return fail("model_version", "is empty");
    m.model_version = v->string;
    if ((v = doc.find("model_name"))) {
      if (!v->is_string()) return wrong_type("model_name", *v, json::Type::string);
      m.model_name = v->string;
    }
    if (!config(doc, &m.config)) return false;
    if (!names(doc, "head_order", [](const HeadInfo& h) { return h.name; })) return false;
    if (!names(doc, "threshold_keys", [](const HeadInfo& h) { return h.key; })) return false;
    if (!thresholds(doc, m.thresholds)) return false;
    if ((v = doc.find("threshold_calibration")) && !v->is_object())
      return wrong_type("threshold_calibration", *v, json::Type::object);
    if (!frontend(doc)) return false;
    if (!normalization(doc, m.config.family)) return false;
    if (!scoring(doc, &m)) return false;
    if (!(v = need(doc, "training_hash", json::Type::object))) return false;
    const json::Value* commit = need(*v, "code_commit", json::Type::string, "training_hash.");
    if (!commit) return false;
    const json::Value* manifest = need(*v, "data_manifest", json::Type::string, "training_hash.");
    if (!manifest) return false;
    m.code_commit = commit->string;
    m.data_manifest = manifest->string;
    if (!weights_digest(doc, &m)) return false;
    m.text = std::string(text);
    *out = std::move(m);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  // artifacts[i] with file == model.safetensors: its size_bytes and sha256.
  bool weights_digest(const json::Value& doc, ModelMetadata* m) {
    const json::Value* list = doc.find("artifacts");
    if (!list) return true;
    if (!list->is_array()) return wrong_type("artifacts", *list, json::Type::array);
    for (size_t i = 0; i < list->items.size(); ++i) {
      const json::Value& a = list->items[i];
      const json::Value* file = a.find("file");
      if (!file || !file->is_string() || file->string != kPackageWeightsFile) continue;
      const std::string at = "artifacts[" + std::to_string(i) + "].";
      const json::Value* size = need(a, "size_bytes", json::Type::number, at);
      if (!size) return false;
      if (!size->is_integer() || size->number < 0)
        return fail(at + "size_bytes", "must be a non-negative integer");
      const json::Value* digest = need(a, "sha256", json::Type::string, at);
      if (!digest) return false;
      bool hex = digest->string.size() == 64;
      for (const char c : digest->string) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
      if (!hex) return fail(at + "sha256", "must be 64 lower-case hex digits");
      m->weights_size = static_cast<int64_t>(size->number);
      m->weights_sha256 = digest->string;
    }
    return true;
  }

  // Optional "scoring": {"trim_to_speech": bool}; other keys are descriptive.
  bool scoring(const json::Value& doc, ModelMetadata* m) {
    const json::Value* s = doc.find("scoring");
    if (!s) return true;
    if (!s->is_object()) return wrong_type("scoring", *s, json::Type::object);
    const json::Value* t = s->find("trim_to_speech");
    if (!t) return true;
    if (!t->is_bool()) return wrong_type("scoring.trim_to_speech", *t, json::Type::boolean);
    m->trim_to_speech = t->boolean;
    return true;
  }

  bool fail(const std::string& key, const std::string& what) {
    if (error_.empty()) error_ = key.empty() ? what : key + ": " + what;
    return false;
  }
  bool wrong_type(const std::string& key, const json::Value& v, json::Type want) {
    const bool vowel = want == json::Type::object || want == json::Type::array;
    return fail(key, std::string(vowel ? "must be an " : "must be a ") + json::type_name(want) + ", got " +
                         json::type_name(v.type));
  }
  // obj[key] of the given type, or nullptr after failing with the key's path.
  const json::Value* need(const json::Value& obj, const char* key, json::Type type,
                          const std::string& prefix = {}) {
    const json::Value* v = obj.find(key);
    if (!v) {
      fail(prefix + key, "missing (required)");
      return nullptr;
    }
    if (v->type != type) {
      wrong_type(prefix + key, *v, type);
      return nullptr;
    }
    return v;
  }

  bool config(const json::Value& doc, ModelConfig* out) {
    const json::Value* c = need(doc, "config", json::Type::object);
    if (!c) return false;
    ModelConfig cfg;
    if (const json::Value* family = c->find("family")) {
      if (!family->is_string()) return wrong_type("config.family", *family, json::Type::string);
      if (family->string == "whisper") {
        cfg.family = ArchFamily::whisper;
      } else if (family->string == "ensemble") {
        return ensemble_config(*c, out);
      } else if (family->string != "conformer") {
        return fail("config.family", "is \"" + printable(family->string) +
                                         "\"; this engine knows \"conformer\", \"whisper\" and \"ensemble\" "
                                         "(hint: a newer engine may read it)");
      }
    }
    std::vector<std::pair<const char*, int*>> fields = {
        {"n_mels", &cfg.n_mels},      {"n_hidden", &cfg.n_hidden}, {"n_blocks", &cfg.n_blocks},
        {"n_heads", &cfg.n_heads},    {"ffn_mult", &cfg.ffn_mult}, {"conv_kernel", &cfg.conv_kernel},
        {"n_outputs", &cfg.n_outputs}};
    if (cfg.family == ArchFamily::whisper) {
      fields.push_back({"bridge_mels", &cfg.bridge_mels});
      fields.push_back({"head_width", &cfg.head_width});
    }
    for (auto& [key, dst] : fields) {
      const json::Value* v = need(*c, key, json::Type::number, "config.");
      if (!v) return false;
      if (!v->is_integer() || v->number < 1 || v->number > 1e6)
        return fail(std::string("config.") + key,
                    "must be a positive integer, got " + json::format_double(v->number));
      *dst = static_cast<int>(v->number);
    }
    const std::string problem = arch_config_check(cfg);
    if (!problem.empty()) return fail("config", problem);
    return engine_sizes(cfg, out);
  }

  // The frontend's mel count and the head table's size, or a failure naming the key.
  bool engine_sizes(const ModelConfig& cfg, ModelConfig* out) {
    if (cfg.n_mels != kNMels)
      return fail("config.n_mels", "is " + std::to_string(cfg.n_mels) + "; the frontend computes " +
                                       std::to_string(kNMels) + " mel bins");
    if (cfg.n_outputs != INHERENT_N_HEADS)
      return fail("config.n_outputs", "is " + std::to_string(cfg.n_outputs) + "; every inherent model has " +
                                          std::to_string(INHERENT_N_HEADS) + " heads");
    *out = cfg;
    return true;
  }

  template <typename Column>
  bool names(const json::Value& doc, const char* key, Column column) {
    const json::Value* a = need(doc, key, json::Type::array);
    if (!a) return false;
    if (a->items.size() != INHERENT_N_HEADS)
      return fail(key, "has " + std::to_string(a->items.size()) + " entries, expected " +
                           std::to_string(INHERENT_N_HEADS));
    for (size_t i = 0; i < a->items.size(); ++i) {
      const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      const json::Value& v = a->items[i];
      if (!v.is_string()) return wrong_type(at, v, json::Type::string);
      if (v.string != column(kHeadTable[i]))
        return fail(at, "is \"" + printable(v.string) + "\", expected \"" + column(kHeadTable[i]) +
                            "\" (hint: the head order is a contract, see heads.inc)");
    }
    return true;
  }

  bool thresholds(const json::Value& doc, float* out) {
    const json::Value* t = need(doc, "default_thresholds", json::Type::object);
    if (!t) return false;
    for (const auto& [k, v] : t->members) {
      bool known = false;
      for (const HeadInfo& h : kHeadTable) known = known || k == h.key;
      if (!known) return fail("default_thresholds." + printable(k), "is not a threshold key of heads.inc");
    }
    for (int i = 0; i < INHERENT_N_HEADS; ++i) {
      const json::Value* v = need(*t, kHeadTable[i].key, json::Type::number, "default_thresholds.");
      if (!v) return false;
      if (!(v->number >= 0.0 && v->number <= 1.0))
        return fail(std::string("default_thresholds.") + kHeadTable[i].key,
                    "is " + json::format_double(v->number) + ", outside [0, 1]");
      out[i] = static_cast<float>(v->number);
    }
    return true;
  }

  bool frontend(const json::Value& doc) {
    const json::Value* f = need(doc, "frontend", json::Type::object);
    if (!f) return false;
    for (const FrontendField& field : kFrontend) {
      if (!field.checked) continue;
      const std::string key = std::string("frontend.") + field.key;
      const bool is_text = field.kind == FieldKind::text;
      const json::Value* v =
          need(*f, field.key, is_text ? json::Type::string : json::Type::number, "frontend.");
      if (!v) return false;
      // Numbers: integers exactly; log_floor to float precision (kLogFloor is a float).
      const bool same = is_text ? v->string == field.text
                                : std::fabs(v->number - field.number) <= 1e-7 * std::fabs(field.number);
      if (!same) {
        const std::string have =
            is_text ? "\"" + printable(v->string) + "\"" : json::format_double(v->number);
        const std::string want =
            is_text ? "\"" + std::string(field.text) + "\"" : json::format_double(field.number);
        return fail(key, "is " + have + " but this engine's frontend uses " + want +
                             " (hint: the model was trained on other features; retrain or convert it)");
      }
    }
    return true;
  }

  // The ensemble's config: its flat keys (arch.h: "members.<i>.<key>") read as the
  // string pairs of the weights file, so both forms go through one parser.
  bool ensemble_config(const json::Value& c, ModelConfig* out) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [key, v] : c.members) {
      if (v.is_string()) {
        pairs.emplace_back(key, v.string);
      } else if (v.type == json::Type::number) {
        pairs.emplace_back(key, v.is_integer() ? json::format_double(v.number)
                                               : arch_weight_text(static_cast<float>(v.number)));
      } else {
        return wrong_type("config." + key, v, json::Type::number);
      }
    }
    ModelConfig cfg;
    const std::string problem = arch_config_from_pairs(pairs, &cfg);
    if (!problem.empty()) return fail("config", problem);
    return engine_sizes(cfg, out);
  }

  bool normalization(const json::Value& doc, ArchFamily family) {
    const json::Value* n = need(doc, "feature_normalization", json::Type::object);
    if (!n) return false;
    for (const auto& [key, want] : normalization_fields(family)) {
      const json::Value* v = need(*n, key, json::Type::string, "feature_normalization.");
      if (!v) return false;
      if (v->string != want)
        return fail(std::string("feature_normalization.") + key,
                    "is \"" + printable(v->string) + "\", expected \"" + want +
                        "\" (the normalization travels in the weights)");
    }
    return true;
  }

  std::string error_;
};

bool ends_with_slash(const std::string& s) { return !s.empty() && (s.back() == '/' || s.back() == '\\'); }

std::string join(const std::string& dir, const char* file) {
  return ends_with_slash(dir) ? dir + file : dir + "/" + file;
}

// xorshift64* + splitmix64 seeding: the same numbers on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    state_ = (z ^ (z >> 31)) | 1;
  }
  // Uniform in [-1, 1).
  float uniform() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const uint64_t r = state_ * 0x2545f4914f6cdd1dull;
    return static_cast<float>(static_cast<double>(r >> 40) / static_cast<double>(1ull << 23) - 1.0);
  }

 private:
  uint64_t state_;
};

bool has_suffix(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

const PackageTensor* ModelPackage::tensor(std::string_view name) const {
  for (const PackageTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

inherent_status model_metadata_parse(std::string_view text, ModelMetadata* out, std::string* error) {
  MetadataReader reader;
  if (!reader.read(text, out)) {
    *error = reader.error();
    return INHERENT_STATUS_INVALID_MODEL;
  }
  return INHERENT_STATUS_OK;
}

inherent_status model_package_load_memory(const void* weights, size_t n_weights, const char* metadata,
                                          size_t n_metadata, ModelPackage* out, std::string* error) {
  *out = ModelPackage{};
  if (!weights) {
    *error = "the weights buffer is NULL";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  const auto bad = [error](const std::string& where, const std::string& what) {
    *error = where + ": " + what;
    return INHERENT_STATUS_INVALID_MODEL;
  };
  // Weights that are not the ones a separate metadata file describes (damaged, cut or
  // swapped) are named as such before their bytes are parsed. A metadata file that does
  // not parse is reported below, with the rest of the validation.
  if (metadata && n_metadata > 0) {
    ModelMetadata given;
    std::string ignored;
    if (model_metadata_parse(std::string_view(metadata, n_metadata), &given, &ignored) ==
            INHERENT_STATUS_OK &&
        given.weights_size >= 0) {
      if (static_cast<uint64_t>(given.weights_size) != n_weights)
        return bad(kPackageWeightsFile, "is " + std::to_string(n_weights) + " bytes but " +
                                            kPackageMetadataFile + " artifacts lists " +
                                            std::to_string(given.weights_size) +
                                            " (hint: the file is truncated, damaged or from another export)");
      const std::string digest = sha256_hex(std::string_view(static_cast<const char*>(weights), n_weights));
      if (digest != given.weights_sha256)
        return bad(kPackageWeightsFile, "SHA-256 is " + digest + " but " + kPackageMetadataFile +
                                            " artifacts lists " + given.weights_sha256 +
                                            " (hint: the file is damaged or from another export)");
    }
  }
  Safetensors st;
  std::string st_error;
  if (safetensors_parse(weights, n_weights, &st, &st_error) != INHERENT_STATUS_OK)
    return bad(kPackageWeightsFile, st_error);

  // The metadata: given, embedded, or (if both) identical.
  const std::string* embedded = st.find_metadata(kPackageMetadataFile);
  std::string_view text;
  if (metadata && n_metadata > 0) {
    text = std::string_view(metadata, n_metadata);
    if (embedded && *embedded != text)
      return bad(kPackageWeightsFile, std::string("__metadata__ embeds an ") + kPackageMetadataFile +
                                          " that differs from the one given (hint: keep one copy)");
  } else if (embedded) {
    text = *embedded;
  } else {
    return bad(kPackageMetadataFile, std::string("missing: no metadata given and none embedded in ") +
                                         kPackageWeightsFile + " __metadata__[\"" + kPackageMetadataFile +
                                         "\"]");
  }
  ModelMetadata meta;
  std::string meta_error;
  if (model_metadata_parse(text, &meta, &meta_error) != INHERENT_STATUS_OK)
    return bad(kPackageMetadataFile, meta_error);
  const ModelConfig& config = meta.config;

  // Config repeated in the safetensors header must agree.
  for (const auto& [key, value] : arch_config_to_pairs(config)) {
    const std::string* have = st.find_metadata(key);
    if (have && *have != value)
      return bad(kPackageWeightsFile, "__metadata__." + key + " is \"" + printable(*have) + "\" but " +
                                          kPackageMetadataFile + " config." + key + " is " + value);
  }

  // Exactly the tensors of the architecture table, F32, exact shapes, finite.
  const std::vector<ArchTensor> arch = arch_tensors(config);
  for (const TensorView& t : st.tensors) {
    bool known = false;
    for (const ArchTensor& a : arch) known = known || a.name == t.name;
    if (!known)
      return bad(kPackageWeightsFile, "tensor '" + printable(t.name) +
                                          "' is not in the architecture table for this config (hint: "
                                          "config.n_blocks or the tensor names do not match arch.h)");
  }
  std::vector<PackageTensor> tensors;
  tensors.reserve(arch.size());
  for (const ArchTensor& a : arch) {
    const TensorView* t = st.find(a.name);
    if (!t)
      return bad(kPackageWeightsFile, "tensor '" + a.name + "' " + arch_shape_string(a.shape) +
                                          " is missing (required by config)");
    PackageTensor pt;
    pt.name = a.name;
    pt.shape = a.shape;
    pt.data.resize(static_cast<size_t>(a.numel()));
    std::string read_error;
    if (safetensors_read_f32(st, a.name, a.shape, pt.data.data(), &read_error) != INHERENT_STATUS_OK)
      return bad(kPackageWeightsFile, read_error);
    const bool is_std = has_suffix(a.name, "mel_norm.std");  // once per tensor, not per element
    const bool is_bridge = has_suffix(a.name, "bridge.matrix");
    for (size_t i = 0; i < pt.data.size(); ++i) {
      if (!std::isfinite(pt.data[i]))
        return bad(kPackageWeightsFile,
                   "tensor '" + a.name + "' element " + std::to_string(i) + " is NaN or infinite");
      if (is_bridge && pt.data[i] < 0.0f)
        return bad(kPackageWeightsFile, "tensor '" + a.name + "' element " + std::to_string(i) + " is " +
                                            json::format_float(pt.data[i]) +
                                            "; the bridge maps powers and must be non-negative");
      if (is_std && !(pt.data[i] > 0.0f))
        return bad(kPackageWeightsFile, "tensor '" + a.name + "' element " + std::to_string(i) + " is " +
                                            json::format_float(pt.data[i]) +
                                            "; a standard deviation must be > 0");
    }
    tensors.push_back(std::move(pt));
  }
  out->config = config;
  out->metadata = std::move(meta);
  out->tensors = std::move(tensors);
  return INHERENT_STATUS_OK;
}

inherent_status read_package_file(const std::string& path, size_t max_bytes, std::string* out,
                                  std::string* error) {
  out->clear();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return INHERENT_STATUS_IO_ERROR;
  }
  if (!S_ISREG(info.st_mode)) {
    *error =
        path + (S_ISDIR(info.st_mode) ? ": is a directory" : ": is not a regular file (a FIFO or device?)");
    return INHERENT_STATUS_IO_ERROR;
  }
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    *error = path + ": is " + std::to_string(info.st_size) + " bytes, more than the " +
             std::to_string(max_bytes) + " a package file may have";
    return INHERENT_STATUS_INVALID_MODEL;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return INHERENT_STATUS_IO_ERROR;
  }
  char buf[1 << 16];
  size_t got = 0;
  // The size can change under us: stop one byte past the limit either way.
  while (out->size() <= max_bytes && (got = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, got);
  if (out->size() > max_bytes) {
    std::fclose(f);
    out->clear();
    *error =
        path + ": grew past the " + std::to_string(max_bytes) + " bytes a package file may have while read";
    return INHERENT_STATUS_INVALID_MODEL;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    *error = path + ": read error (is it a directory?)";
    out->clear();
    return INHERENT_STATUS_IO_ERROR;
  }
  return INHERENT_STATUS_OK;
}

inherent_status model_package_load_path(const std::string& path, ModelPackage* out, std::string* error) {
  *out = ModelPackage{};
  if (path.empty()) {
    *error = "the model path is empty";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  std::string metadata, weights, ignored;
  const std::string metadata_path = join(path, kPackageMetadataFile);
  inherent_status st = INHERENT_STATUS_OK;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    // Directory form.
    if ((st = read_package_file(metadata_path, kPackageMaxMetadataBytes, &metadata, error)) !=
        INHERENT_STATUS_OK) {
      if (st == INHERENT_STATUS_IO_ERROR) *error = path + ": not a model package (" + *error + ")";
      return st;
    }
    const std::string weights_path = join(path, kPackageWeightsFile);
    if ((st = read_package_file(weights_path, kPackageMaxWeightsBytes, &weights, error)) !=
        INHERENT_STATUS_OK)
      return st;
    st = model_package_load_memory(weights.data(), weights.size(), metadata.data(), metadata.size(), out,
                                   error);
  } else {
    // Single-file form.
    if ((st = read_package_file(path, kPackageMaxWeightsBytes, &weights, error)) != INHERENT_STATUS_OK) {
      if (st == INHERENT_STATUS_IO_ERROR)
        *error = path + ": not a model package (no " + kPackageMetadataFile + " inside, and " + *error + ")";
      return st;
    }
    if (ends_with_slash(path) || has_suffix(path, kPackageMetadataFile)) {
      *error = path + ": give the package directory (or a single-file package), not a file inside it";
      return INHERENT_STATUS_INVALID_ARGUMENT;
    }
    st = model_package_load_memory(weights.data(), weights.size(), nullptr, 0, out, error);
  }
  if (st != INHERENT_STATUS_OK) *error = path + ": " + *error;
  return st;
}

// ---- writing ---------------------------------------------------------------------------

PackageInfo package_default_info() {
  PackageInfo info;
  for (int i = 0; i < INHERENT_N_HEADS; ++i) info.thresholds[i] = kHeadTable[i].default_threshold;
  return info;
}

std::string model_metadata_json(const ModelConfig& config, const PackageInfo& info) {
  json::Writer w;
  w.begin_object();
  w.key("format").value(kPackageFormat);
  w.key("format_version").value(kPackageFormatVersion);
  w.key("model_version").value(info.model_version);
  if (!info.model_name.empty()) w.key("model_name").value(info.model_name);
  w.key("config").begin_object();
  for (const auto& [key, value] : arch_config_to_pairs(config)) {
    if (has_suffix(key, "family")) {
      w.key(key).value(value);
    } else {
      w.key(key).raw(value);
    }
  }
  w.end_object();
  std::vector<std::string> names, keys;
  for (const HeadInfo& h : kHeadTable) {
    names.emplace_back(h.name);
    keys.emplace_back(h.key);
  }
  w.key("head_order").inline_array(names);
  w.key("threshold_keys").inline_array(keys);
  w.key("default_thresholds").begin_object();
  for (int i = 0; i < INHERENT_N_HEADS; ++i) w.key(kHeadTable[i].key).value(info.thresholds[i]);
  w.end_object();
  w.key("threshold_calibration").begin_object().key("method").value(info.calibration_method).end_object();
  w.key("frontend").begin_object();
  for (const FrontendField& f : kFrontend) {
    w.key(f.key);
    if (f.kind == FieldKind::flag) {
      w.value(f.number != 0.0);
    } else if (f.kind == FieldKind::text) {
      w.value(f.text);
    } else if (f.number == std::floor(f.number)) {
      w.value(static_cast<int64_t>(f.number));
    } else {
      w.value(f.number);
    }
  }
  w.end_object();
  if (info.trim_to_speech) w.key("scoring").begin_object().key("trim_to_speech").value(true).end_object();
  w.key("feature_normalization").begin_object();
  for (const auto& [key, value] : normalization_fields(config.family)) w.key(key).value(value);
  w.end_object();
  w.key("training_hash")
      .begin_object()
      .key("code_commit")
      .value(info.code_commit)
      .key("data_manifest")
      .value(info.data_manifest)
      .end_object();
  w.key("inputs").begin_array().begin_object();
  w.key("name").value("mel_spectrogram").key("dtype").value("float32");
  w.key("shape").raw("[1, \"T\", " + std::to_string(config.n_mels) + "]");
  w.end_object().end_array();
  w.key("outputs").begin_array().begin_object();
  w.key("name").value("intent_output").key("dtype").value("float32");
  w.key("shape").inline_array(std::vector<int64_t>{1, config.n_outputs});
  w.end_object().end_array();
  w.key("runtime_tensor_contract")
      .begin_object()
      .key("weights")
      .value(kPackageWeightsFile)
      .key("tensor_names")
      .value("src/engine/arch.h")
      .end_object();
  if (info.weights_size >= 0) {
    w.key("artifacts").begin_array().begin_object();
    w.key("file").value(kPackageWeightsFile);
    w.key("size_bytes").value(info.weights_size);
    w.key("sha256").value(info.weights_sha256);
    w.end_object().end_array();
  }
  w.end_object();
  return w.str();
}

inherent_status model_package_encode(const ModelConfig& config, const std::vector<PackageTensor>& tensors,
                                     const std::string& metadata_json, bool embed_metadata,
                                     std::string* weights, std::string* error) {
  const std::vector<ArchTensor> arch = arch_tensors(config);
  if (tensors.size() != arch.size()) {
    *error = "expected " + std::to_string(arch.size()) + " tensors for this config, got " +
             std::to_string(tensors.size());
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  std::vector<TensorData> data;
  for (size_t i = 0; i < arch.size(); ++i) {
    if (tensors[i].name != arch[i].name || tensors[i].shape != arch[i].shape ||
        tensors[i].data.size() != static_cast<size_t>(arch[i].numel())) {
      *error = "tensor " + std::to_string(i) + " must be '" + arch[i].name + "' " +
               arch_shape_string(arch[i].shape) + ", got '" + tensors[i].name + "' " +
               arch_shape_string(tensors[i].shape);
      return INHERENT_STATUS_INVALID_ARGUMENT;
    }
    data.push_back({tensors[i].name, DType::F32, tensors[i].shape, tensors[i].data.data()});
  }
  std::vector<std::pair<std::string, std::string>> meta = arch_config_to_pairs(config);
  if (embed_metadata) meta.emplace_back(kPackageMetadataFile, metadata_json);
  return safetensors_encode(data, meta, weights, error);
}

std::vector<PackageTensor> random_package_tensors(const ModelConfig& config, uint64_t seed) {
  std::vector<PackageTensor> out;
  if (config.family == ArchFamily::ensemble) {  // each member drawn as a model of its own
    for (size_t i = 0; i < config.members.size(); ++i) {
      for (PackageTensor& t : random_package_tensors(config.members[i], seed + 1000 * (i + 1))) {
        t.name = ensemble_prefix(i) + t.name;
        out.push_back(std::move(t));
      }
    }
    return out;
  }
  Rng rng(seed);
  for (const ArchTensor& a : arch_tensors(config)) {
    PackageTensor t;
    t.name = a.name;
    t.shape = a.shape;
    t.data.resize(static_cast<size_t>(a.numel()));
    const bool norm = a.name.find("norm") != std::string::npos && a.name.rfind("mel_norm", 0) != 0;
    if (a.name == "mel_norm.mean") {
      for (float& v : t.data) v = -8.0f + 2.0f * rng.uniform();
    } else if (a.name == "mel_norm.std") {
      for (float& v : t.data) v = 3.0f + rng.uniform();
    } else if (a.name == "bridge.matrix") {  // non-negative, like the fitted map
      for (float& v : t.data) v = 0.05f * (1.0f + rng.uniform());
    } else if (a.name == "bridge.floor") {
      t.data[0] = -7.19f;
    } else if (norm && has_suffix(a.name, ".weight")) {
      for (float& v : t.data) v = 1.0f + 0.2f * rng.uniform();
    } else if (norm) {
      for (float& v : t.data) v = 0.1f * rng.uniform();
    } else {
      // Linear [out, in] / Conv1d [out, in, k]: fan-in = numel / out. Biases share
      // their weight's fan-in (computed from the shape of "<prefix>.weight").
      int64_t fan_in = 1;
      if (a.shape.size() >= 2) {
        fan_in = a.numel() / a.shape[0];
      } else {
        const std::string weight = a.name.substr(0, a.name.size() - 4) + "weight";
        for (const ArchTensor& w : arch_tensors(config))
          if (w.name == weight && w.shape.size() >= 2) fan_in = w.numel() / w.shape[0];
      }
      const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
      for (float& v : t.data) v = bound * rng.uniform();
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string random_package_bytes(const ModelConfig& config, const PackageInfo& info, uint64_t seed) {
  std::string bytes, error;
  if (model_package_encode(config, random_package_tensors(config, seed), model_metadata_json(config, info),
                           true, &bytes, &error) != INHERENT_STATUS_OK)
    return {};
  return bytes;
}

}  // namespace inherent
