// SPDX-License-Identifier: Apache-2.0
// Register-tiled microkernels with vector extensions, one per ISA via target attributes.
#include <cstring>

#include "candidates.h"

namespace gemm_choice {
namespace {

template <int NR>
void pack(int k, int n, const float* w, OwnPacked* p) {
  p->k = k, p->n = n, p->nr = NR;
  const int panels = (n + NR - 1) / NR;
  p->panels.assign(static_cast<size_t>(panels) * k * NR, 0.0f);
  for (int j = 0; j < n; ++j)
    for (int q = 0; q < k; ++q) p->panels[(static_cast<size_t>(j / NR) * k + q) * NR + j % NR] = w[j * k + q];
}

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

template <int MR>
AVX512 void tile512(int k, const float* a, int lda, const float* b, float* c, int ldc, int ncols) {
  v16 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = v16{};
  for (int q = 0; q < k; ++q) {
    const v16 b0 = *reinterpret_cast<const v16u*>(b + q * 32);
    const v16 b1 = *reinterpret_cast<const v16u*>(b + q * 32 + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const float x = a[r * lda + q];
      acc0[r] += x * b0;
      acc1[r] += x * b1;
    }
  }
  if (ncols == 32) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      *reinterpret_cast<v16u*>(c + r * ldc) = acc0[r];
      *reinterpret_cast<v16u*>(c + r * ldc + 16) = acc1[r];
    }
  } else {
    for (int r = 0; r < MR; ++r) {
      float tmp[32];
      std::memcpy(tmp, &acc0[r], 64);
      std::memcpy(tmp + 16, &acc1[r], 64);
      std::memcpy(c + r * ldc, tmp, sizeof(float) * ncols);
    }
  }
}

template <int MR>
AVX2 void tile256(int k, const float* a, int lda, const float* b, float* c, int ldc, int ncols) {
  v8 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = v8{};
  for (int q = 0; q < k; ++q) {
    const v8 b0 = *reinterpret_cast<const v8u*>(b + q * 16);
    const v8 b1 = *reinterpret_cast<const v8u*>(b + q * 16 + 8);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const float x = a[r * lda + q];
      acc0[r] += x * b0;
      acc1[r] += x * b1;
    }
  }
  for (int r = 0; r < MR; ++r) {
    float tmp[16];
    std::memcpy(tmp, &acc0[r], 32);
    std::memcpy(tmp + 8, &acc1[r], 32);
    std::memcpy(c + r * ldc, tmp, sizeof(float) * ncols);
  }
}

template <int MR, typename F>
void rows(int m, F&& tile) {
  int i = 0;
  for (; i + MR <= m; i += MR) tile.template operator()<MR>(i);
  // Remainders: one smaller tile.
  // One case per remaining row count, written as a table.
  // clang-format off
  switch (m - i) {
#define CASE(R) \
  case R: tile.template operator()<R>(i); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13)
#undef CASE
    default: break;
  }
  // clang-format on
}

}  // namespace

OwnPacked own_pack(OwnIsa isa, int k, int n, const float* w) {
  OwnPacked p;
  if (isa == OwnIsa::avx512)
    pack<32>(k, n, w, &p);
  else
    pack<16>(k, n, w, &p);
  return p;
}

void own(OwnIsa isa, int m, const OwnPacked& p, const float* a, float* c) {
  const int k = p.k, n = p.n, nr = p.nr;
  for (int j0 = 0; j0 < n; j0 += nr) {
    const float* b = p.panels.data() + static_cast<size_t>(j0 / nr) * k * nr;
    const int ncols = n - j0 < nr ? n - j0 : nr;
    if (isa == OwnIsa::avx512) {
      // 14 rows x 2 zmm = 28 accumulators of 32.
      rows<14>(m, [&]<int R>(int i) { tile512<R>(k, a + i * k, k, b, c + i * n + j0, n, ncols); });
    } else {
      rows<6>(m, [&]<int R>(int i) { tile256<R>(k, a + i * k, k, b, c + i * n + j0, n, ncols); });
    }
  }
}

}  // namespace gemm_choice
