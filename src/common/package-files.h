// SPDX-License-Identifier: Apache-2.0
//
// The names of a model package's files (docs/model-format.md), defined once for the
// engine, the exporters, the trainer's checkpoints and the tools. Header-only.
#pragma once

namespace inherent {

inline constexpr const char* kPackageWeightsFile = "model.safetensors";
inline constexpr const char* kPackageMetadataFile = "inherent.metadata.json";

}  // namespace inherent
