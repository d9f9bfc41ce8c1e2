// SPDX-License-Identifier: Apache-2.0
//
// One kernel set, written once with GCC/clang vector extensions and compiled once per
// instruction set (kernels-avx512.cpp, kernels-avx2.cpp, kernels-generic.cpp), each
// with its own flags. The including file defines:
//   KERNELS_NS      namespace of this set (avx512, avx2, generic)
//   KERNELS_NAME    its name ("avx512")
//   KERNELS_VBYTES  bytes per vector register (64, 32, 16)
//   KERNELS_MR      rows per register tile (accumulators: 2 * MR vectors)
//
// Everything here lives in an anonymous namespace and calls no inline function of a
// shared header (no std::min, no <algorithm>): a header inline compiled with AVX-512
// flags could otherwise be the copy the linker keeps for every caller, and run on a
// CPU without AVX-512.
//
// Shapes: m rows (time steps), k inner, n output columns; L floats per vector; a panel
// is NR = 2 L columns wide.
#include <cstdint>

#include "kernels.h"

// The integer GEMM's pair multiply-add per target (see pmadd below). These headers'
// functions are always inlined, so no out-of-line copy with this set's flags exists.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

#ifndef KERNELS_NS
#error "define KERNELS_NS, KERNELS_NAME, KERNELS_VBYTES and KERNELS_MR before including kernels-impl.h"
#endif

namespace inherent::kernels::KERNELS_NS {
namespace {

constexpr int L = KERNELS_VBYTES / 4;  // floats per vector
constexpr int NR = 2 * L;              // panel width
constexpr int MR = KERNELS_MR;         // rows per tile
constexpr int kPrefetch = 16;          // panel rows (k steps) to prefetch ahead

typedef float VF __attribute__((vector_size(KERNELS_VBYTES)));
typedef int VI __attribute__((vector_size(KERNELS_VBYTES)));
typedef float VFu __attribute__((vector_size(KERNELS_VBYTES), aligned(4)));
typedef int16_t VS __attribute__((vector_size(KERNELS_VBYTES)));                   // 2 L int16
typedef int16_t VHu __attribute__((vector_size(KERNELS_VBYTES / 2), aligned(2)));  // L int16
typedef int8_t VBu __attribute__((vector_size(KERNELS_VBYTES / 2), aligned(1)));   // 2 L int8

inline VF load(const float* p) { return *reinterpret_cast<const VFu*>(p); }
inline void store(float* p, VF v) { *reinterpret_cast<VFu*>(p) = v; }
inline VF splat(float x) { return VF{} + x; }
inline VF select(VI mask, VF a, VF b) {
  return reinterpret_cast<VF>((mask & reinterpret_cast<VI>(a)) | (~mask & reinterpret_cast<VI>(b)));
}
inline VF vmax(VF a, VF b) { return select(a > b, a, b); }
inline VF vmin(VF a, VF b) { return select(a < b, a, b); }
inline int imin(int a, int b) { return a < b ? a : b; }
inline float hsum(VF v) {
  float s = 0.0f;
  for (int i = 0; i < L; ++i) s += v[i];
  return s;
}

// e^x to about 1 ulp for x in [-87, 88] (clamped outside): x = n ln2 + r with
// |r| <= ln2 / 2, e^r by its degree-7 Taylor polynomial (truncation error < 6e-9
// relative), 2^n put into the exponent bits.
inline VF vexp(VF x) {
  x = vmin(vmax(x, splat(-87.0f)), splat(88.0f));
  const VF magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const VF t = x * splat(1.44269504088896341f) + magic;
  const VF n = t - magic;
  const VI ni = reinterpret_cast<VI>(t) - reinterpret_cast<VI>(magic);
  // ln 2 = 0.693359375 - 2.12194440e-4 (the first part exact in 9 bits).
  VF r = x - n * splat(0.693359375f);
  r = r + n * splat(2.12194440e-4f);
  VF p = splat(1.0f / 5040.0f);
  p = p * r + splat(1.0f / 720.0f);
  p = p * r + splat(1.0f / 120.0f);
  p = p * r + splat(1.0f / 24.0f);
  p = p * r + splat(1.0f / 6.0f);
  p = p * r + splat(0.5f);
  p = p * r + splat(1.0f);
  p = p * r + splat(1.0f);
  const VF scale = reinterpret_cast<VF>((ni + 127) << 23);
  return p * scale;
}

inline VF vsigmoid(VF x) { return splat(1.0f) / (splat(1.0f) + vexp(-x)); }
inline VF vsilu(VF x) { return x * vsigmoid(x); }

// Exact GELU x Phi(x) = x erfc(-x / sqrt 2) / 2 through erfc(z), z = |x| / sqrt 2 >= 0,
// as t exp(-z^2 + P(t)), t = 1 / (1 + z / 2): Chebyshev-fitted, relative error below
// 1.2e-7 for every z (Numerical Recipes' erfcc). erfc(-z) = 2 - erfc(z).
inline VF vgelu(VF x) {
  const VF z = select(x < 0.0f, -x, x) * splat(0.70710678118654752f);
  const VF t = splat(1.0f) / (splat(1.0f) + splat(0.5f) * z);
  VF p = splat(0.17087277f);
  p = p * t + splat(-0.82215223f);
  p = p * t + splat(1.48851587f);
  p = p * t + splat(-1.13520398f);
  p = p * t + splat(0.27886807f);
  p = p * t + splat(-0.18628806f);
  p = p * t + splat(0.09678418f);
  p = p * t + splat(0.37409196f);
  p = p * t + splat(1.00002368f);
  p = p * t + splat(-1.26551223f);
  const VF half_erfc = splat(0.5f) * t * vexp(p - z * z);  // Phi(-|x|)
  return x * select(x < 0.0f, half_erfc, splat(1.0f) - half_erfc);
}

// ---- GEMM -----------------------------------------------------------------------------

// Applies the epilogue to one row's two accumulators and stores ncols columns.
// Inlined into the tile: measured against a call per row or per tile, inlining kept
// `small` within 2% and made `base` 10-20% faster.
__attribute__((always_inline)) inline void finish_row(const GemmArgs& g, VF acc0, VF acc1, const float* bias,
                                                      float* c, const float* res, int ncols) {
  VF out0, out1;
  int width = NR;
  switch (g.epilogue) {
    case Epilogue::bias:
      out0 = acc0 + load(bias), out1 = acc1 + load(bias + L);
      break;
    case Epilogue::bias_silu:
      out0 = vsilu(acc0 + load(bias)), out1 = vsilu(acc1 + load(bias + L));
      break;
    case Epilogue::bias_gelu:
      out0 = vgelu(acc0 + load(bias)), out1 = vgelu(acc1 + load(bias + L));
      break;
    case Epilogue::scale:
      out0 = acc0 * splat(g.alpha), out1 = acc1 * splat(g.alpha);
      break;
    case Epilogue::glu:
      out0 = (acc0 + load(bias)) * vsigmoid(acc1 + load(bias + L));
      out1 = VF{};
      width = L;
      break;
    case Epilogue::residual:
    default: {
      out0 = acc0 + load(bias), out1 = acc1 + load(bias + L);
      const VF alpha = splat(g.alpha);
      if (ncols == NR) {
        out0 = load(res) + alpha * out0;
        out1 = load(res + L) + alpha * out1;
      } else {
        float r[NR] = {};
        for (int j = 0; j < ncols; ++j) r[j] = res[j];
        out0 = load(r) + alpha * out0;
        out1 = load(r + L) + alpha * out1;
      }
      break;
    }
  }
  if (ncols == width) {
    store(c, out0);
    if (width == NR) store(c + L, out1);
  } else {
    float tmp[NR];
    store(tmp, out0);
    store(tmp + L, out1);
    for (int j = 0; j < ncols; ++j) c[j] = tmp[j];
  }
}

// R rows of A times one panel: R x NR accumulators in registers for the whole k loop.
template <int R>
void tile(const GemmArgs& g, const float* a, const float* panel, const float* bias, float* c,
          const float* res, int ncols) {
  VF acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = VF{};
  const size_t lda = g.lda;
  for (int p = 0; p < g.k; ++p) {
    // The panel streams from L2 or memory once per row tile, each value used by only
    // R rows: ask for it kPrefetch steps ahead (5-10% on `base`, whose weights do not
    // fit in the caches). Prefetching past the end is harmless.
    // (Integer arithmetic: a pointer past the end of the panel would be undefined.)
    const uintptr_t ahead = reinterpret_cast<uintptr_t>(panel) + sizeof(float) * (p + kPrefetch) * NR;
    for (int line = 0; line < NR * 4; line += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(ahead + line));
    const VF b0 = load(panel + p * NR);
    const VF b1 = load(panel + p * NR + L);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const float x = a[r * lda + p];
      acc0[r] += x * b0;
      acc1[r] += x * b1;
    }
  }
  // The epilogue runs out of line, once per tile: inlined, it crowded the k loop's
  // registers; called per row, it cost ~8% at long windows.
  for (int r = 0; r < R; ++r)
    finish_row(g, acc0[r], acc1[r], bias, c + r * g.ldc, res ? res + r * g.ldr : nullptr, ncols);
}

template <int R>
void tile_rows(int rows, const GemmArgs& g, const float* a, const float* panel, const float* bias, float* c,
               const float* res, int ncols) {
  if constexpr (R >= 1) {
    if (rows == R) return tile<R>(g, a, panel, bias, c, res, ncols);
    tile_rows<R - 1>(rows, g, a, panel, bias, c, res, ncols);
  }
}

const float kZeroBias[NR] = {};

// Walks g's row tiles (MR rows) and its panels panel_begin..panel_end (threads split
// them), calling tile(rows, i0, q, col0, ncols, bias, res) for each pair: one driver
// for the float and the integer GEMM.
template <typename Tile>
__attribute__((always_inline)) inline void for_each_tile(const GemmArgs& g, Tile tile) {
  const int cols_per_panel = g.glu ? L : NR;
  const int n_panels = (g.n + cols_per_panel - 1) / cols_per_panel;
  const int pb = g.panel_begin, pe = g.panel_end < 0 ? n_panels : imin(g.panel_end, n_panels);
  for (int i0 = 0; i0 < g.m; i0 += MR) {
    const int rows = imin(MR, g.m - i0);
    for (int q = pb; q < pe; ++q) {
      const int col0 = q * cols_per_panel;
      const int ncols = imin(cols_per_panel, g.n - col0);
      const float* bias = g.bias ? g.bias + q * NR : kZeroBias;
      const float* res = g.epilogue == Epilogue::residual ? g.residual + i0 * g.ldr + col0 : nullptr;
      tile(rows, i0, q, col0, ncols, bias, res);
    }
  }
}

void gemm(const GemmArgs& g) {
  const size_t panel_floats = static_cast<size_t>(g.k) * NR;
  for_each_tile(g, [&](int rows, int i0, int q, int col0, int ncols, const float* bias, const float* res) {
    tile_rows<MR>(rows, g, g.a + i0 * g.lda, g.panels + q * panel_floats, bias, g.c + i0 * g.ldc + col0, res,
                  ncols);
  });
}

// ---- integer GEMM (kernels.h: int8 weights, int16 activations) -----------------------

// acc[i] += a[2 i] * b[2 i] + a[2 i + 1] * b[2 i + 1], int16 products summed in int32.
inline VI pmadd(VI acc, VS a, VS b) {
#if KERNELS_VBYTES == 64 && defined(__AVX512VNNI__)
  return reinterpret_cast<VI>(_mm512_dpwssd_epi32(
      reinterpret_cast<__m512i>(acc), reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
#elif KERNELS_VBYTES == 64 && defined(__AVX512BW__)
  return acc +
         reinterpret_cast<VI>(_mm512_madd_epi16(reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
#elif KERNELS_VBYTES == 32 && defined(__AVX2__)
  return acc +
         reinterpret_cast<VI>(_mm256_madd_epi16(reinterpret_cast<__m256i>(a), reinterpret_cast<__m256i>(b)));
#elif KERNELS_VBYTES == 16 && defined(__SSE2__)
  return acc +
         reinterpret_cast<VI>(_mm_madd_epi16(reinterpret_cast<__m128i>(a), reinterpret_cast<__m128i>(b)));
#elif KERNELS_VBYTES == 16 && defined(__wasm_simd128__)
  return acc +
         reinterpret_cast<VI>(wasm_i32x4_dot_i16x8(reinterpret_cast<v128_t>(a), reinterpret_cast<v128_t>(b)));
#elif KERNELS_VBYTES == 16 && defined(__ARM_NEON) && defined(__aarch64__)
  const int16x8_t x = reinterpret_cast<int16x8_t>(a), y = reinterpret_cast<int16x8_t>(b);
  const int32x4_t lo = vmull_s16(vget_low_s16(x), vget_low_s16(y)), hi = vmull_high_s16(x, y);
  return acc + reinterpret_cast<VI>(vpaddq_s32(lo, hi));
#else
  for (int i = 0; i < L; ++i) acc[i] += int32_t(a[2 * i]) * b[2 * i] + int32_t(a[2 * i + 1]) * b[2 * i + 1];
  return acc;
#endif
}

// Every lane = the int16 pair at p (as one 32-bit value).
inline VS broadcast_pair(const int16_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, sizeof(v));
  return reinterpret_cast<VS>(VI{} + v);
}

template <int R>
void tile_q(const GemmArgs& g, const int16_t* a, const int8_t* panel, const float* bias, const float* w_scale,
            const float* a_scale, float* c, const float* res, int ncols) {
  VI acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = VI{};
  const size_t lda = g.lda;
  const int k2 = (g.k + 1) / 2;
  for (int p = 0; p < k2; ++p) {
    const int8_t* wp = panel + static_cast<size_t>(p) * 2 * NR;
    const uintptr_t ahead = reinterpret_cast<uintptr_t>(wp) + static_cast<size_t>(kPrefetch) * 2 * NR;
    for (int line = 0; line < 2 * NR; line += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(ahead + line));
    const VS w0 = __builtin_convertvector(*reinterpret_cast<const VBu*>(wp), VS);
    const VS w1 = __builtin_convertvector(*reinterpret_cast<const VBu*>(wp + 2 * L), VS);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const VS x = broadcast_pair(a + r * lda + 2 * p);
      acc0[r] = pmadd(acc0[r], w0, x);
      acc1[r] = pmadd(acc1[r], w1, x);
    }
  }
  const VF s0 = load(w_scale), s1 = load(w_scale + L);
  for (int r = 0; r < R; ++r) {
    const VF sa = splat(a_scale[r]);
    const VF f0 = __builtin_convertvector(acc0[r], VF) * (sa * s0);
    const VF f1 = __builtin_convertvector(acc1[r], VF) * (sa * s1);
    finish_row(g, f0, f1, bias, c + r * g.ldc, res ? res + r * g.ldr : nullptr, ncols);
  }
}

template <int R>
void tile_q_rows(int rows, const GemmArgs& g, const int16_t* a, const int8_t* panel, const float* bias,
                 const float* w_scale, const float* a_scale, float* c, const float* res, int ncols) {
  if constexpr (R >= 1) {
    if (rows == R) return tile_q<R>(g, a, panel, bias, w_scale, a_scale, c, res, ncols);
    tile_q_rows<R - 1>(rows, g, a, panel, bias, w_scale, a_scale, c, res, ncols);
  }
}

void gemm_q(const GemmArgs& g) {
  const size_t panel_bytes = static_cast<size_t>((g.k + 1) / 2) * 2 * NR;
  for_each_tile(g, [&](int rows, int i0, int q, int col0, int ncols, const float* bias, const float* res) {
    tile_q_rows<MR>(rows, g, g.qa + i0 * g.lda, g.qpanels + q * panel_bytes, bias, g.w_scale + q * NR,
                    g.a_scale + i0, g.c + i0 * g.ldc + col0, res, ncols);
  });
}

void quantize_rows(int m, int k, const float* x, size_t ldx, int16_t* q, size_t ldq, float* scale) {
  const VF magic = splat(12582912.0f);  // adding 1.5 * 2^23 rounds to the nearest integer
  const VF top = splat(static_cast<float>(kActivationMax));
  for (int i = 0; i < m; ++i) {
    const float* row = x + i * ldx;
    int16_t* out = q + i * ldq;
    // max |x|: four independent chains; |x| by clearing the sign bit.
    const VI no_sign = VI{} + 0x7fffffff;
    VF m0 = VF{}, m1 = VF{}, m2 = VF{}, m3 = VF{};
    int j = 0;
    for (; j + 4 * L <= k; j += 4 * L) {
      m0 = vmax(m0, reinterpret_cast<VF>(reinterpret_cast<VI>(load(row + j)) & no_sign));
      m1 = vmax(m1, reinterpret_cast<VF>(reinterpret_cast<VI>(load(row + j + L)) & no_sign));
      m2 = vmax(m2, reinterpret_cast<VF>(reinterpret_cast<VI>(load(row + j + 2 * L)) & no_sign));
      m3 = vmax(m3, reinterpret_cast<VF>(reinterpret_cast<VI>(load(row + j + 3 * L)) & no_sign));
    }
    for (; j + L <= k; j += L)
      m0 = vmax(m0, reinterpret_cast<VF>(reinterpret_cast<VI>(load(row + j)) & no_sign));
    const VF vm = vmax(vmax(m0, m1), vmax(m2, m3));
    float mx = 0.0f;
    for (int l = 0; l < L; ++l) mx = vm[l] > mx ? vm[l] : mx;
    for (; j < k; ++j) mx = __builtin_fabsf(row[j]) > mx ? __builtin_fabsf(row[j]) : mx;
    if (mx == 0.0f) {
      scale[i] = 0.0f;
      for (j = 0; j < static_cast<int>(ldq); ++j) out[j] = 0;
      continue;
    }
    scale[i] = mx / static_cast<float>(kActivationMax);
    const VF inv = splat(static_cast<float>(kActivationMax) / mx);
    for (j = 0; j + L <= k; j += L) {
      VF v = load(row + j) * inv;
      v = vmin(vmax(v, -top), top);
      const VF r = (v + magic) - magic;
      *reinterpret_cast<VHu*>(out + j) = __builtin_convertvector(__builtin_convertvector(r, VI), VHu);
    }
    for (; j < k; ++j) {
      float v = row[j] * inv[0];
      v = v > kActivationMax ? kActivationMax : v < -kActivationMax ? -kActivationMax : v;
      out[j] = static_cast<int16_t>(__builtin_rintf(v));
    }
    for (; j < static_cast<int>(ldq); ++j) out[j] = 0;
  }
}

// ---- row kernels ----------------------------------------------------------------------

// In place: y = (y - mean) * rstd * gamma + beta, then SiLU if asked. One row of n.
inline void normalize_row(int n, const float* x, const float* gamma, const float* beta, float* y, bool silu) {
  VF s = VF{};
  int j = 0;
  for (; j + L <= n; j += L) s += load(x + j);
  float sum = hsum(s);
  for (; j < n; ++j) sum += x[j];
  const float mean = sum / static_cast<float>(n);
  VF s2 = VF{};
  const VF vmean = splat(mean);
  for (j = 0; j + L <= n; j += L) {
    const VF d = load(x + j) - vmean;
    s2 += d * d;
  }
  float sq = hsum(s2);
  for (; j < n; ++j) sq += (x[j] - mean) * (x[j] - mean);
  const float rstd = 1.0f / __builtin_sqrtf(sq / static_cast<float>(n) + 1e-5f);
  const VF vrstd = splat(rstd);
  for (j = 0; j + L <= n; j += L) {
    VF v = (load(x + j) - vmean) * vrstd * load(gamma + j) + load(beta + j);
    if (silu) v = vsilu(v);
    store(y + j, v);
  }
  for (; j < n; ++j) {
    float v = (x[j] - mean) * rstd * gamma[j] + beta[j];
    if (silu) v = v / (1.0f + __builtin_expf(-v));
    y[j] = v;
  }
}

void layer_norm(int m, int n, const float* x, size_t ldx, const float* gamma, const float* beta, float* y,
                size_t ldy) {
  for (int i = 0; i < m; ++i) normalize_row(n, x + i * ldx, gamma, beta, y + i * ldy, false);
}

void dwconv_ln_silu(int t_len, int h, int k, const float* x, const float* w, const float* b,
                    const float* gamma, const float* beta, float* y) {
  const int half = k / 2;
  for (int t = 0; t < t_len; ++t) {
    float* out = y + static_cast<size_t>(t) * h;
    const int j0 = t - half < 0 ? half - t : 0;  // taps inside [0, t_len)
    const int j1 = t + (k - 1 - half) >= t_len ? t_len - 1 - t + half : k - 1;
    int c = 0;
    for (; c + L <= h; c += L) {
      VF acc = load(b + c);
      for (int j = j0; j <= j1; ++j) acc += load(w + j * h + c) * load(x + (t + j - half) * h + c);
      store(out + c, acc);
    }
    for (; c < h; ++c) {
      float acc = b[c];
      for (int j = j0; j <= j1; ++j) acc += w[j * h + c] * x[(t + j - half) * h + c];
      out[c] = acc;
    }
    normalize_row(h, out, gamma, beta, out, true);
  }
}

void softmax_masked(int m, int n, float* s, size_t lds, const float* keep) {
  for (int i = 0; i < m; ++i) {
    float* row = s + i * lds;
    // Max over the kept columns (masked ones count as -3e38).
    VF vmax_row = splat(-3.0e38f);
    int j0 = 0;
    for (; j0 + L <= n; j0 += L)
      vmax_row = vmax(vmax_row, select(load(keep + j0) != VF{}, load(row + j0), splat(-3.0e38f)));
    float mx = -3.0e38f;
    for (int l = 0; l < L; ++l) mx = vmax_row[l] > mx ? vmax_row[l] : mx;
    for (; j0 < n; ++j0)
      if (keep[j0] != 0.0f && row[j0] > mx) mx = row[j0];
    const VF vmx = splat(mx);
    VF vsum = VF{};
    int j = 0;
    for (; j + L <= n; j += L) {
      const VF e = vexp(load(row + j) - vmx) * load(keep + j);
      store(row + j, e);
      vsum += e;
    }
    float sum = hsum(vsum);
    for (; j < n; ++j) {
      row[j] = keep[j] != 0.0f ? __builtin_expf(row[j] - mx) : 0.0f;
      sum += row[j];
    }
    const VF inv = splat(1.0f / sum);
    for (j = 0; j + L <= n; j += L) store(row + j, load(row + j) * inv);
    for (; j < n; ++j) row[j] *= 1.0f / sum;
  }
}

float dot(int n, const float* a, const float* b) {
  VF acc = VF{};
  int i = 0;
  for (; i + L <= n; i += L) acc += load(a + i) * load(b + i);
  float s = hsum(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

extern const Kernels kKernels;
const Kernels kKernels = {KERNELS_NAME,   NR,  gemm,   layer_norm,   dwconv_ln_silu,
                          softmax_masked, dot, gemm_q, quantize_rows};

}  // namespace inherent::kernels::KERNELS_NS
