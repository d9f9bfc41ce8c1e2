// SPDX-License-Identifier: Apache-2.0
// `inherent snap`: a checkpoint whose weights sit on the int8 grid of the integer exports
// (src/export/int8-grid.h), so those exports carry no weight rounding.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "engine/model-package.h"
#include "export/int8-grid.h"
#include "host/json-text.h"

namespace inherent::cli {
namespace fs = std::filesystem;

void add_snap(CLI::App& app) {
  struct Opts {
    std::string checkpoint, output_dir;
    bool json = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "snap",
      "Round a checkpoint's weights onto the int8 grid of the integer exports (no weight error in them)");
  cmd->footer(
      "Integer LiteRT models keep each Linear/convolution weight as int8 with one scale per output channel,\n"
      "after folding the preceding LayerNorm's gamma in. This writes a copy of the checkpoint whose weights "
      "are\n"
      "already on that grid: its integer exports store the same weights as its float exports, so their "
      "parity\n"
      "with it measures activation rounding only. Check the snapped checkpoint's quality with `inherent "
      "eval`.\n"
      "The other files of a checkpoint folder (trainer.json, ...) are copied; the weights file keeps its\n"
      "metadata plus `int8_grid`.\n"
      "Example: inherent snap --checkpoint run/train/best --output-dir run/snapped");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "Checkpoint folder (model.safetensors inside) or weights file")
      ->required();
  cmd->add_option("--output-dir,-o", o->output_dir,
                  "Folder for the snapped checkpoint (model.safetensors + copies)")
      ->required();
  cmd->add_flag("--json", o->json, "Print the report as one JSON object");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing on success");
  cmd->callback([o] {
    std::vector<std::string> copied;
    std::string file;
    const exporter::GridReport r = exporter::snap_checkpoint(o->checkpoint, o->output_dir, &copied, &file);
    const std::string dest = (fs::path(o->output_dir) / kPackageWeightsFile).string();
    if (o->quiet) return;
    if (o->json) {
      nlohmann::ordered_json j = {{"input", file},
                                  {"output", dest},
                                  {"tensors", r.tensors},
                                  {"channels", r.channels},
                                  {"max_abs_change", r.max_abs_change},
                                  {"max_rel_change", r.max_rel_change},
                                  {"rms_rel_change", r.rms_rel_change},
                                  {"copied", copied}};
      std::printf("%s\n", json_text(j).c_str());
      return;
    }
    std::printf("snapped %zu weights (%zu output channels) of %s\n", r.tensors, r.channels, file.c_str());
    std::printf(
        "  change per weight, relative to its channel's largest: max %.3g, rms %.3g (max absolute %.3g)\n",
        r.max_rel_change, r.rms_rel_change, r.max_abs_change);
    std::printf("  wrote %s", dest.c_str());
    for (const std::string& c : copied) std::printf(", %s", c.c_str());
    std::printf("\n");
  });
}

}  // namespace inherent::cli
