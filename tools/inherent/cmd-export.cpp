// SPDX-License-Identifier: Apache-2.0
// `inherent export`: weights or a checkpoint -> DIR/<backend>/ artifacts + metadata.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "commands.h"
#include "export/export-model.h"
#include "export/exporter.h"

namespace inherent::cli {
namespace {

// "PKG:0.5" -> {PKG, 0.5}; a bare PKG gets 1 / (number of members).
std::vector<exporter::EnsembleMember> ensemble_members(const std::vector<std::string>& specs) {
  std::vector<exporter::EnsembleMember> out;
  for (const std::string& spec : specs) {
    exporter::EnsembleMember m{spec, 1.0f / static_cast<float>(specs.size())};
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      const std::string w = spec.substr(colon + 1);
      char* end = nullptr;
      const float v = std::strtof(w.c_str(), &end);
      if (w.empty() || end != w.c_str() + w.size() || !std::isfinite(v) || v == 0.0f)
        throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                        "--ensemble " + spec + ": the weight after ':' must be a finite, non-zero number");
      m = {spec.substr(0, colon), v};
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace

void add_export(CLI::App& app) {
  struct Opts {
    std::string checkpoint, weights, config, output_dir, thresholds, model_version, attributions;
    std::vector<std::string> backends{"all"}, ensemble;
    exporter::ExportRequest request;
    bool quiet = false, trim_to_speech = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd =
      app.add_subcommand("export", "Export a model to ONNX, LiteRT, LiteRT-LM, MLX and the native package");
  cmd->footer(
      "Writes DIR/<backend>/ with the artifact(s) and inherent.metadata.json (head order, thresholds, "
      "frontend,\n"
      "tensor names inside the artifact). Files are written atomically; the metadata last.\n"
      "Example: inherent export --weights model.safetensors --config small --output-dir out/export --backend "
      "onnx");
  auto* source = cmd->add_option_group("source", "Where the weights come from");
  source->add_option("--checkpoint", o->checkpoint,
                     "Trainer checkpoint (folder with model.safetensors, or the file)");
  source->add_option("--weights", o->weights,
                     "Weights .safetensors named per the arch table (src/engine/arch.h)");
  source->add_option("--ensemble", o->ensemble,
                     "PKG[:WEIGHT] (repeatable): an ensemble of these native packages or weights files, "
                     "each member's logits counted WEIGHT times (default: equal weights summing to 1); "
                     "every backend (docs/model-format.md, \"Ensembles\")");
  source->require_option(1);
  cmd->add_option("--config", o->config,
                  "Model config: tiny, small, base, or a YAML file with a `model:` section "
                  "(default: the config stored in the weights file)");
  cmd->add_option("--output-dir,-o", o->request.output_dir, "Output folder (one sub-folder per backend)")
      ->required();
  cmd->add_option("--backend", o->backends, "onnx, litert, litertlm, mlx, native or all (repeatable)")
      ->capture_default_str();
  cmd->add_option(
         "--quantization", o->request.quantization,
         "LiteRT precision: float32, float16, int8 or int16x8 (int16 activations, int8 weights; needs "
         "--calibration-manifest), or a comma-separated list whose first is the primary artifact; float32 "
         "is always written beside")
      ->capture_default_str();
  cmd->add_option(
      "--calibration-manifest", o->request.calibration_manifest,
      "CSV of log-mel .npy files (column mel_path): with int8, also writes the full-integer int8 and 16x8 "
      "(int16 activations) LiteRT models calibrated on them, and bias-corrects the int8 weights");
  cmd->add_option(
         "--delegate", o->request.delegate,
         "Target delegate, recorded in the metadata with a preflight report: cpu, gpu, npu, tpu, qualcomm, "
         "mediatek, intel, google_tensor")
      ->capture_default_str();
  cmd->add_option("--frames", o->request.frames,
                  "dynamic, 3000, or both (default: both; dynamic is the primary artifact)")
      ->capture_default_str();
  cmd->add_option("--thresholds", o->thresholds,
                  "Calibrated thresholds JSON: `inherent thresholds --metadata-out` output, or "
                  "{\"default_thresholds\": {key: value}, \"calibration\": {...}}");
  cmd->add_option("--attributions", o->attributions,
                  "Outside data the training used, recorded in every sidecar as data_attributions: the "
                  "attributions.json `inherent synth` writes beside its labels")
      ->check(CLI::ExistingFile);
  cmd->add_option("--model-version", o->model_version, "Model version (semver) written to the metadata");
  cmd->add_flag(
      "--trim-to-speech", o->trim_to_speech,
      "Record scoring.trim_to_speech: engines score only each input's speech span unless told "
      "otherwise (docs/engine.md, \"Speech span\"); the thresholds must be calibrated the same way");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing on success");
  cmd->callback([o] {
    exporter::ExportModel m =
        o->ensemble.empty()
            ? exporter::load_weights(o->checkpoint.empty() ? o->weights : o->checkpoint, o->config)
            : exporter::ensemble_of(ensemble_members(o->ensemble));
    if (!o->thresholds.empty()) m.thresholds = exporter::load_thresholds(o->thresholds);
    if (!o->model_version.empty()) m.provenance.model_version = o->model_version;
    m.trim_to_speech = o->trim_to_speech;
    if (!o->attributions.empty())
      m.provenance.data_attributions = exporter::load_attributions(o->attributions);
    o->request.backends = o->backends;
    exporter::check_request(o->request);
    std::vector<std::string> messages;
    const auto written = exporter::run_export(m, o->request, &messages);
    if (o->quiet) return;
    std::printf("%s model (%lld parameters) from %s\n", m.config_name.c_str(),
                static_cast<long long>(arch_n_params(m.config)), m.provenance.source.c_str());
    for (const exporter::WrittenFile& f : written) {
      std::printf("  %-9s %-60s %10llu bytes  %s\n", f.backend.c_str(), f.path.c_str(),
                  static_cast<unsigned long long>(f.size_bytes), f.note.c_str());
    }
    for (const std::string& msg : messages) std::printf("%s", msg.c_str());
  });
}

}  // namespace inherent::cli
