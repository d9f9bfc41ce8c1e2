// SPDX-License-Identifier: Apache-2.0
// The same register-tiled microkernel written with Google Highway, compiled for every
// x86 target by foreach_target and picked at run time by HWY_DYNAMIC_DISPATCH.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstring>

#include "candidates.h"

HWY_BEFORE_NAMESPACE();
namespace gemm_choice {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr int kMR = 14;  // 32 registers
#else
constexpr int kMR = 6;  // 16 registers
#endif

size_t Lanes() { return hn::Lanes(hn::ScalableTag<float>()); }
const char* Name() { return hwy::TargetName(HWY_TARGET); }

template <int MR>
HWY_INLINE void Tile(int k, const float* HWY_RESTRICT a, int lda, const float* HWY_RESTRICT b, float* c,
                     int ldc, int ncols) {
  const hn::ScalableTag<float> d;
  const int L = static_cast<int>(hn::Lanes(d));
  using V = hn::Vec<decltype(d)>;
  V acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = hn::Zero(d);
  for (int q = 0; q < k; ++q) {
    const V b0 = hn::LoadU(d, b + q * 2 * L);
    const V b1 = hn::LoadU(d, b + q * 2 * L + L);
    for (int r = 0; r < MR; ++r) {
      const V x = hn::Set(d, a[r * lda + q]);
      acc0[r] = hn::MulAdd(x, b0, acc0[r]);
      acc1[r] = hn::MulAdd(x, b1, acc1[r]);
    }
  }
  HWY_ALIGN float tmp[2 * 16];
  for (int r = 0; r < MR; ++r) {
    hn::Store(acc0[r], d, tmp);
    hn::Store(acc1[r], d, tmp + L);
    std::memcpy(c + r * ldc, tmp, sizeof(float) * ncols);
  }
}

void Gemm(int m, int k, int n, int nr, const float* panels, const float* a, float* c) {
  for (int j0 = 0; j0 < n; j0 += nr) {
    const float* b = panels + static_cast<size_t>(j0 / nr) * k * nr;
    const int ncols = n - j0 < nr ? n - j0 : nr;
    int i = 0;
    for (; i + kMR <= m; i += kMR) Tile<kMR>(k, a + i * k, k, b, c + i * n + j0, n, ncols);
    // One case per remaining row count, written as a table.
    // clang-format off
    switch (m - i) {
#define CASE(R) \
  case R: if constexpr (R < kMR) Tile<R>(k, a + i * k, k, b, c + i * n + j0, n, ncols); break;
      CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13)
#undef CASE
      default: break;
    }
    // clang-format on
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace gemm_choice
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace gemm_choice {
HWY_EXPORT(Lanes);
HWY_EXPORT(Gemm);
HWY_EXPORT(Name);

const char* hwy_target_name() { return HWY_DYNAMIC_DISPATCH(Name)(); }

HwyPacked hwy_pack(int k, int n, const float* w) {
  HwyPacked p;
  const int nr = 2 * static_cast<int>(HWY_DYNAMIC_DISPATCH(Lanes)());
  p.k = k, p.n = n, p.nr = nr;
  const int panels = (n + nr - 1) / nr;
  p.panels.assign(static_cast<size_t>(panels) * k * nr, 0.0f);
  for (int j = 0; j < n; ++j)
    for (int q = 0; q < k; ++q) p.panels[(static_cast<size_t>(j / nr) * k + q) * nr + j % nr] = w[j * k + q];
  return p;
}

void hwy(int m, const HwyPacked& p, const float* a, float* c) {
  HWY_DYNAMIC_DISPATCH(Gemm)(m, p.k, p.n, p.nr, p.panels.data(), a, c);
}
}  // namespace gemm_choice
#endif
