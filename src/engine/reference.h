// SPDX-License-Identifier: Apache-2.0
//
// The reference forward pass: arch.h's contract written out plainly, one loop per
// formula, in float64, straight from the package's tensors. Used only by tests and
// benchmarks, as the answer the fast kernels (model.h) and every other runtime are
// checked against. It computes every step, padding included, and trims nothing.
#pragma once

#include <string>
#include <vector>

#include "engine/model-package.h"

namespace inherent {

// mel [n_frames, M] -> logits [O] (float64). Returns false with *error when no
// encoder step is valid.
bool reference_forward(const ModelPackage& package, const float* mel, int n_frames,
                       std::vector<double>* logits, std::string* error);

}  // namespace inherent
