// SPDX-License-Identifier: Apache-2.0
//
// The GEMM candidates the engine's kernel approach was chosen from (bench-gemm-choice).
// All compute C[M, N] = A[M, K] * W[N, K]^T, the shape of every Linear and of the
// im2col'd convolutions in the model: A rows are time steps (M = 13 for a 1 s window
// of `small`), W is a torch-layout weight [out, in]. Candidates that want a packed
// weight get it once, outside the timed loop, as the engine does at load time.
#pragma once

#include <cstddef>
#include <vector>

namespace gemm_choice {

// Scalar loops the compiler may auto-vectorize for the baseline ISA.
void naive(int m, int k, int n, const float* a, const float* w, float* c);

// Eigen 3.4 (Map + noalias product); compiled with AVX-512 flags (no runtime dispatch).
void eigen(int m, int k, int n, const float* a, const float* w, float* c);

// Own kernels with GCC/clang vector extensions: weight packed in panels of NR columns.
struct OwnPacked {
  int k = 0, n = 0, nr = 0;
  std::vector<float> panels;  // [ceil(n / nr), k, nr]
};
enum class OwnIsa { avx512, avx2 };
OwnPacked own_pack(OwnIsa isa, int k, int n, const float* w);
void own(OwnIsa isa, int m, const OwnPacked& p, const float* a, float* c);

// Google Highway (dynamic dispatch to the best target the CPU has).
struct HwyPacked {
  int k = 0, n = 0, nr = 0;
  std::vector<float> panels;
};
const char* hwy_target_name();
HwyPacked hwy_pack(int k, int n, const float* w);
void hwy(int m, const HwyPacked& p, const float* a, float* c);

}  // namespace gemm_choice
