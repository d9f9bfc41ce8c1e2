// SPDX-License-Identifier: Apache-2.0
#include <Eigen/Core>

#include "candidates.h"

namespace gemm_choice {

void naive(int m, int k, int n, const float* a, const float* w, float* c) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float s = 0.0f;
      for (int p = 0; p < k; ++p) s += a[i * k + p] * w[j * k + p];
      c[i * n + j] = s;
    }
}

void eigen(int m, int k, int n, const float* a, const float* w, float* c) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> A(a, m, k), W(w, n, k);
  Eigen::Map<Mat> C(c, m, n);
  C.noalias() = A * W.transpose();
}

}  // namespace gemm_choice
