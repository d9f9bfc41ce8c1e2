// SPDX-License-Identifier: Apache-2.0
//
// The Python runner of `inherent parity` (parity_runtime.py beside this file), compiled
// in as text so the command works from anywhere: it scores log-mels with an ONNX,
// LiteRT or MLX artifact in that format's official Python runtime.
#pragma once

namespace inherent::eval {

constexpr const char* kParityRuntimeFile = "parity_runtime.py";

// The runner's Python source text.
const char* parity_runtime_source();

}  // namespace inherent::eval
