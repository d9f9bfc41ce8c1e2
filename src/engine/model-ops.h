// SPDX-License-Identifier: Apache-2.0
//
// The forward pass's building blocks that both model families use (model.cpp defines
// them; model-whisper.cpp is the second user). Internal to the engine.
#pragma once

#include <string>
#include <vector>

#include "engine/model.h"

namespace inherent::engine {

// A tensor the package loader guaranteed (every arch tensor is present and finite).
const std::vector<float>& tensor_data(const ModelPackage& p, const std::string& name);
// The Linear `prefix` ([out, in] weight and bias) packed for the kernels' panel width.
void pack(const ModelPackage& p, const std::string& prefix, int nr, bool glu, kernels::PackedLinear* out);
// int8 precision: the Linear `prefix` packed as int8, with the LayerNorm (norm_w, norm_b)
// in front of it folded in when given (W diag(gamma), b + W beta); the norm's gamma and
// beta become 1 and 0, so the forward still runs it as the plain normalization.
void pack_q(const ModelPackage& p, const std::string& prefix, int nr, bool glu, kernels::PackedLinear* out,
            std::vector<float>* norm_w = nullptr, std::vector<float>* norm_b = nullptr);
// Conv1d `prefix` ([out, in, taps]) as an im2col Linear [out, taps * in]: column j * in + c = tap j.
void pack_conv(const ModelPackage& p, const std::string& prefix, int nr, kernels::PackedLinear* out);

// One GEMM, its panels split over the workspace's threads when there is enough work.
void gemm(const Workspace& ws, const kernels::Kernels& k, const kernels::GemmArgs& g);
// A packed Linear: the float GEMM, or for int8 weights the input quantized into ws.qa first.
void linear(Workspace& ws, const kernels::Kernels& k, kernels::GemmArgs g, const kernels::PackedLinear& w);
// ws.x [t, h] += out(MHSA(qkv(LN ws.x))), keys masked by ws.valid2; uses ws.h, wide,
// scores, packed and ctx.
void attention(const kernels::Kernels& k, Workspace& ws, int t, int h, int n_heads,
               const std::vector<float>& norm_w, const std::vector<float>& norm_b,
               const kernels::PackedLinear& qkv_w, const kernels::PackedLinear& out_w);

}  // namespace inherent::engine
