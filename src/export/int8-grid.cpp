// SPDX-License-Identifier: Apache-2.0
#include "export/int8-grid.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/safetensors.h"
#include "engine/model-package.h"
#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent::exporter {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string folded_norm(const std::string& module) {
  for (const char* ffn : {".ffn1", ".ffn2"}) {
    if (ends_with(module, std::string(ffn) + ".up")) return module.substr(0, module.size() - 3) + ".norm";
  }
  if (ends_with(module, ".attn.qkv")) return module.substr(0, module.size() - 4) + ".norm";
  if (ends_with(module, ".conv.pointwise1")) return module.substr(0, module.size() - 11) + ".norm1";
  return "";
}

bool on_int8_grid(const std::string& name, size_t rank) { return rank >= 2 && ends_with(name, ".weight"); }

GridReport snap_to_int8_grid(ExportModel& m) {
  GridReport r;
  double sum_sq = 0;
  size_t n_all = 0;
  for (auto& [name, t] : m.tensors) {
    if (!on_int8_grid(name, t.shape.size())) continue;
    const std::string module = name.substr(0, name.size() - 7);
    const std::string norm = folded_norm(module);
    const std::vector<float>* gamma = norm.empty() ? nullptr : &m.at(norm + ".weight").data;
    const size_t rows = static_cast<size_t>(t.shape[0]);
    const size_t cols = t.data.size() / rows;
    if (gamma && gamma->size() != cols) continue;  // validate() rejects such a model first
    ++r.tensors;
    std::vector<double> v(cols);
    for (size_t o = 0; o < rows; ++o) {
      float* w = &t.data[o * cols];
      double top = 0, old_top = 0;
      for (size_t i = 0; i < cols; ++i) {
        v[i] = static_cast<double>(w[i]) * (gamma ? (*gamma)[i] : 1.0f);
        top = std::max(top, std::fabs(v[i]));
        old_top = std::max(old_top, std::fabs(static_cast<double>(w[i])));
      }
      if (top == 0) continue;
      ++r.channels;
      const double scale = top / 127.0;
      for (size_t i = 0; i < cols; ++i) {
        const double g = gamma ? (*gamma)[i] : 1.0;
        if (g == 0) continue;
        const auto snapped = static_cast<float>(std::nearbyint(v[i] / scale) * scale / g);
        const double change = std::fabs(static_cast<double>(snapped) - w[i]);
        r.max_abs_change = std::max(r.max_abs_change, change);
        r.max_rel_change = std::max(r.max_rel_change, change / old_top);
        sum_sq += (change / old_top) * (change / old_top);
        ++n_all;
        w[i] = snapped;
      }
    }
  }
  r.rms_rel_change = n_all ? std::sqrt(sum_sq / static_cast<double>(n_all)) : 0;
  return r;
}

GridReport snap_checkpoint(const std::string& checkpoint, const std::string& out_dir,
                           std::vector<std::string>* copied, std::string* weights_read) {
  namespace fs = std::filesystem;
  ExportModel m = load_weights(checkpoint);
  const std::string file = m.provenance.source;
  if (weights_read) *weights_read = file;
  const GridReport r = snap_to_int8_grid(m);

  const std::string bytes = read_file(file);
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK)
    throw Exception(INHERENT_STATUS_INVALID_MODEL, file + ": " + error);
  std::vector<TensorData> tensors;
  for (const TensorView& v : st.tensors) {
    const auto it = m.tensors.find(v.name);
    if (it != m.tensors.end() && on_int8_grid(v.name, v.shape.size()))
      tensors.push_back({v.name, DType::F32, v.shape, it->second.data.data()});
    else
      tensors.push_back({v.name, v.dtype, v.shape, v.data});  // e.g. a CTC head: as it was
  }
  auto meta = st.metadata;
  std::erase_if(meta, [](const auto& kv) { return kv.first == "int8_grid"; });
  meta.emplace_back("int8_grid", "int8 symmetric per output channel, LayerNorm gamma folded (inherent snap)");
  std::string out;
  if (safetensors_encode(tensors, meta, &out, &error) != INHERENT_STATUS_OK)
    throw Exception(INHERENT_STATUS_INTERNAL, error);

  std::error_code ec;
  if (fs::equivalent(fs::path(file).parent_path(), out_dir, ec))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    out_dir + ": is the input's own folder; choose another");
  fs::create_directories(out_dir);
  const fs::path dest = fs::path(out_dir) / kPackageWeightsFile;
  for (const auto& e : fs::directory_iterator(fs::path(file).parent_path())) {
    if (!e.is_regular_file() || e.path().extension() == ".safetensors" || e.path().extension() == ".tmp")
      continue;
    write_file_atomic((fs::path(out_dir) / e.path().filename()).string(), read_file(e.path().string()));
    if (copied) copied->push_back(e.path().filename().string());
  }
  write_file_atomic(dest.string(), out);
  return r;
}

}  // namespace inherent::exporter
