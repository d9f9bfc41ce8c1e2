// SPDX-License-Identifier: Apache-2.0
//
// The MLX runtime module (src/export/mlx/inherent_mlx.py), compiled into the exporter so
// `inherent export --backend mlx` can write it beside the weights from anywhere.
#pragma once

namespace inherent::exporter {

constexpr const char* kMlxModuleFile = "inherent_mlx.py";
constexpr const char* kMlxFunctionFile = "model-3000.mlxfn";

// The module's Python source text.
const char* mlx_module_source();

}  // namespace inherent::exporter
