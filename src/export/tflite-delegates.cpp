// SPDX-License-Identifier: Apache-2.0
#include "tflite-delegates.h"

#include <algorithm>
#include <map>
#include <set>

#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {
namespace {

constexpr const char* kCpuFallback = "runs on the built-in CPU kernels";
constexpr const char* kNotApplied = "delegate not applied (the whole model runs on the CPU)";

// What a delegate cannot take, by operator or by model property.
struct Profile {
  const char* name;
  const char* description;
  bool static_shapes;         // refuses dynamic dimensions (shape_signature -1)
  bool float_compute;         // runs float32 / float16 activations
  bool hybrid_weights;        // runs int8 weights with float activations (dynamic range)
  bool bool_tensors;          // runs operators on BOOL tensors (GREATER, CAST from bool)
  bool splits_at_first_miss;  // ops after the first unsupported one stay on the CPU too
  std::set<std::string> refused_ops;
  const char* ops_reason;
};

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> list = {
      {"cpu",
       "XNNPACK (the default CPU delegate)",
       false,
       true,
       true,
       false,
       false,
       {"SHAPE"},
       "XNNPACK has no shape or boolean operators; the interpreter's own kernels run them"},
      {"gpu",
       "LiteRT GPU delegate (OpenCL / OpenGL ES / Metal)",
       true,
       true,
       true,
       false,
       false,
       {"SHAPE", "REDUCE_MAX"},
       "not in the GPU delegate's operator set"},
      {"npu",
       "NNAPI / generic NPU accelerator",
       true,
       true,
       false,
       false,
       false,
       {"SHAPE", "BATCH_MATMUL"},
       "SHAPE is not an NNAPI operation; BATCH_MATMUL needs NNAPI feature level 6"},
      {"tpu",
       "Edge TPU (Coral): full-integer models compiled by edgetpu_compiler",
       true,
       false,
       false,
       false,
       true,
       {"SHAPE", "BATCH_MATMUL", "ABS", "CAST", "GREATER", "DEQUANTIZE"},
       "not in the Edge TPU operator set"},
      {"qualcomm",
       "Qualcomm AI Engine Direct (QNN HTP)",
       true,
       false,
       false,
       true,
       false,
       {"SHAPE"},
       "shape arithmetic is folded before QNN; a SHAPE op is not accepted"},
      {"mediatek",
       "MediaTek NeuroPilot",
       true,
       false,
       false,
       false,
       false,
       {"SHAPE"},
       "not in the NeuroPilot operator set"},
      {"intel",
       "Intel OpenVINO (NPU)",
       true,
       true,
       false,
       true,
       false,
       {"SHAPE"},
       "the NPU plugin compiles static graphs only"},
      {"google_tensor",
       "Google Tensor NPU",
       true,
       false,
       false,
       false,
       true,
       {"SHAPE", "BATCH_MATMUL", "CAST", "GREATER"},
       "not in the Tensor NPU compiler's operator set"},
  };
  return list;
}

const Profile& profile(const std::string& name) {
  for (const Profile& p : profiles()) {
    if (p.name == name) return p;
  }
  throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "unknown delegate '" + name + "'");
}

}  // namespace

const std::vector<std::string>& delegate_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Profile& p : profiles()) n.push_back(p.name);
    return n;
  }();
  return names;
}

Preflight preflight(const Graph& g, const std::string& delegate) {
  const Profile& p = profile(delegate);
  Preflight r;
  r.delegate = delegate;

  bool dynamic = false, float_acts = false, hybrid = false, bools = false;
  for (const Tensor& t : g.tensors) {
    if (t.constant) continue;
    for (bool d : t.dynamic) dynamic = dynamic || (d && g.dynamic_frames);
    float_acts = float_acts || t.type == TType::f32;
    bools = bools || t.type == TType::boolean;
  }
  std::map<std::string, int> refused;
  size_t first_miss = g.ops.size();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    const std::string name = op_name(op.op);
    const bool weight_i8 =
        op.inputs.size() > 1 && op.inputs[1] >= 0 && g.tensors[op.inputs[1]].type == TType::i8;
    const bool act_f32 = g.tensors[op.inputs[0]].type == TType::f32;
    if (weight_i8 && act_f32) hybrid = true;
    bool miss = p.refused_ops.count(name) > 0;
    if (!p.bool_tensors) {
      for (int32_t t : op.inputs) miss = miss || (t >= 0 && g.tensors[t].type == TType::boolean);
      for (int32_t t : op.outputs) miss = miss || g.tensors[t].type == TType::boolean;
    }
    if (!p.hybrid_weights && weight_i8 && act_f32) miss = true;
    if (!p.float_compute) {
      for (int32_t t : op.outputs) miss = miss || g.tensors[t].type == TType::f32;
    }
    if (miss) {
      ++refused[name];
      first_miss = std::min(first_miss, i);
    }
  }

  if (p.static_shapes && g.data_dependent_shapes) {
    dynamic = true;
    r.issues.push_back({"data-dependent shapes", 0, kNotApplied,
                        std::string(p.description) +
                            " needs static shapes; this graph cuts the input's padding, so the shapes after "
                            "the cut depend on the input"});
  } else if (p.static_shapes && dynamic) {
    r.issues.push_back(
        {"dynamic shapes", 0, kNotApplied,
         std::string(p.description) + " needs static shapes; this artifact declares [1, -1, 128]"});
    r.advice.push_back("export with --frames 3000 for a static [1, 3000, 128] model");
  }
  if (!p.float_compute && float_acts) {
    r.issues.push_back({"float32 activations", 0, kCpuFallback,
                        std::string(p.description) + " computes in integers (or float16) only"});
    r.advice.push_back(
        "export a full-integer model: --quantization int8 --calibration-manifest CSV --frames 3000");
  }
  if (!p.hybrid_weights && hybrid) {
    r.issues.push_back({"int8 weights with float activations (dynamic range)", 0, kCpuFallback,
                        "hybrid kernels exist only on the CPU"});
  }
  if (!p.bool_tensors && bools) {
    r.issues.push_back(
        {"BOOL tensors", 0, kCpuFallback, "the padding mask or cut (GREATER, CAST) makes bools"});
  }
  int n_refused = 0;
  for (const auto& [op, count] : refused) {
    n_refused += count;
    r.issues.push_back(
        {op, count, kCpuFallback, p.refused_ops.count(op) ? p.ops_reason : "see the properties above"});
  }
  int after = 0;
  if (p.splits_at_first_miss && first_miss < g.ops.size()) {
    after = static_cast<int>(g.ops.size() - first_miss) - n_refused;
    if (after > 0) {
      r.issues.push_back({"operators after the first refused one", after, kCpuFallback,
                          "this delegate runs one leading segment; the rest of the graph stays on the CPU"});
    }
  }
  const bool not_applied = p.static_shapes && dynamic;
  const int on_cpu = not_applied ? static_cast<int>(g.ops.size()) : n_refused + std::max(after, 0);
  r.fully_delegated = on_cpu == 0;
  r.summary = std::string(p.name) + " (" + p.description + "): " +
              (r.fully_delegated
                   ? "all " + std::to_string(g.ops.size()) + " operators delegated"
                   : std::to_string(on_cpu) + " of " + std::to_string(g.ops.size()) +
                         " operators fall back to the CPU" + (not_applied ? " (delegate not applied)" : ""));
  return r;
}

Json preflight_json(const Preflight& p) {
  Json issues = Json::array();
  for (const PreflightIssue& i : p.issues) {
    Json j = {{"what", i.what}, {"effect", i.effect}, {"reason", i.reason}};
    if (i.count > 0) j["operators"] = i.count;
    issues.push_back(j);
  }
  return {{"delegate", p.delegate},
          {"summary", p.summary},
          {"fully_delegated", p.fully_delegated},
          {"issues", issues},
          {"advice", p.advice},
          {"basis",
           "published operator and type support of each delegate; only cpu (XNNPACK) is checked by "
           "inherent's tests"}};
}

std::string preflight_text(const Preflight& p) {
  std::string s = "delegate preflight: " + p.summary + "\n";
  for (const PreflightIssue& i : p.issues) {
    s += "  - " + i.what + (i.count > 0 ? " x" + std::to_string(i.count) : "") + ": " + i.effect + " (" +
         i.reason + ")\n";
  }
  for (const std::string& a : p.advice) s += "  hint: " + a + "\n";
  return s;
}

}  // namespace inherent::exporter::tfl
