// SPDX-License-Identifier: Apache-2.0
//
// Every kernel of every kernel set this CPU runs, against a float64 reference written
// here in plain loops (the XNNPACK way: same tests for all sets). Shapes cover full and
// partial tiles and panels, odd strides and every epilogue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"

namespace inherent::kernels {
namespace {

std::vector<float> randn(size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// What an epilogue with alpha = 0.5 makes of one output: v = acc + bias (acc alone for
// scale), gate = the GLU gate's acc + bias, r = the residual input.
double epilogue_ref(Epilogue ep, double v, double gate, double r) {
  switch (ep) {
    case Epilogue::bias:
      return v;
    case Epilogue::bias_silu:
      return v * sigmoid(v);
    case Epilogue::bias_gelu:
      return 0.5 * v * std::erfc(-v / std::sqrt(2.0));
    case Epilogue::residual:
      return r + 0.5 * v;
    case Epilogue::scale:
      return 0.5 * v;
    case Epilogue::glu:
      return v * sigmoid(gate);
  }
  return 0;
}

std::vector<const Kernels*> sets() {
  std::vector<const Kernels*> out;
  for (const Kernels* const* k = kernels_available(); *k; ++k) out.push_back(*k);
  return out;
}

class KernelsTest : public ::testing::TestWithParam<const Kernels*> {};

TEST(KernelSets, GenericIsAlwaysThere) {
  ASSERT_NE(kernels_by_name("generic"), nullptr);
  EXPECT_EQ(kernels_by_name("nope"), nullptr);
  EXPECT_EQ(kernels_by_name(nullptr), nullptr);
  EXPECT_EQ(&kernels_best(), kernels_available()[0]);
  for (const Kernels* k : sets()) std::printf("kernel set available: %s (nr %d)\n", k->name, k->nr);
}

// Every set this CPU can execute is tested here (the tests below run per available set),
// so a machine without AVX-512 still tests generic and AVX2: the list must hold each
// set whose instructions the CPU reports, whatever the fastest one is.
TEST(KernelSets, EverySetTheCpuRunsIsAvailable) {
  std::vector<std::string> want = {"generic"};
#if defined(__x86_64__) || defined(_M_X64)
  const bool fma = __builtin_cpu_supports("fma");
  if (__builtin_cpu_supports("avx2") && fma) want.push_back("avx2");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && fma;
  if (avx512) want.push_back("avx512");
  if (avx512 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
    want.push_back("avx512vnni");
#endif
  std::vector<std::string> got;
  for (const Kernels* k : sets()) got.push_back(k->name);
  for (const std::string& name : want)
    EXPECT_NE(std::find(got.begin(), got.end(), name), got.end()) << name << " runs here but is not tested";
  EXPECT_EQ(got.size(), want.size());
}

TEST_P(KernelsTest, GemmMatchesFloat64) {
  const Kernels& kn = *GetParam();
  const int ms[] = {1, 2, 5, 6, 7, 13, 14, 15, 25, 29};
  const int ks[] = {1, 3, 17, 128};
  const int ns[] = {1, 7, 16, 33, 130};
  const Epilogue eps[] = {Epilogue::bias,     Epilogue::bias_silu, Epilogue::bias_gelu,
                          Epilogue::residual, Epilogue::scale,     Epilogue::glu};
  unsigned seed = 1;
  for (int m : ms)
    for (int k : ks)
      for (int n : ns)
        for (Epilogue ep : eps) {
          const bool glu = ep == Epilogue::glu;
          const int rows_w = glu ? 2 * n : n;
          const size_t lda = k + 3, ldc = n + 5, ldr = n + 2;
          const auto a = randn(m * lda, seed++), w = randn(size_t(rows_w) * k, seed++),
                     b = randn(rows_w, seed++);
          const auto res = randn(m * ldr, seed++);
          PackedLinear p;
          pack_linear(w.data(), k, n, k, b.data(), kn.nr, glu, &p);
          std::vector<float> c(m * ldc, 12345.0f);
          GemmArgs g = gemm_args(p, m, a.data(), lda, c.data(), ldc, ep);
          g.alpha = 0.5f;
          g.residual = res.data(), g.ldr = ldr;
          if (ep == Epilogue::scale) g.bias = nullptr;
          kn.gemm(g);
          for (int i = 0; i < m; ++i) {
            for (int j = 0; j < n; ++j) {
              double acc = 0, mag = 0, gate = 0;
              for (int q = 0; q < k; ++q) {
                acc += double(a[i * lda + q]) * w[size_t(j) * k + q];
                mag += std::fabs(double(a[i * lda + q]) * w[size_t(j) * k + q]);
                if (glu) gate += double(a[i * lda + q]) * w[size_t(n + j) * k + q];
              }
              const double want = epilogue_ref(ep, ep == Epilogue::scale ? acc : acc + b[j],
                                               glu ? gate + b[n + j] : 0.0, res[i * ldr + j]);
              const double tol = 1e-5 * (mag + std::fabs(want) + 10.0);
              ASSERT_NEAR(c[i * ldc + j], want, tol) << kn.name << " m " << m << " k " << k << " n " << n
                                                     << " epilogue " << int(ep) << " at " << i << "," << j;
            }
            for (size_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], 12345.0f) << "wrote past column n";
          }
        }
}

TEST_P(KernelsTest, GemmPanelRangesSplitTheWork) {
  const Kernels& kn = *GetParam();
  const int m = 9, k = 40, n = 5 * kn.nr + 3;
  const auto a = randn(m * k, 3), w = randn(n * k, 4), b = randn(n, 5);
  PackedLinear p;
  pack_linear(w.data(), k, n, k, b.data(), kn.nr, false, &p);
  std::vector<float> whole(m * n), parts(m * n);
  kn.gemm(gemm_args(p, m, a.data(), k, whole.data(), n, Epilogue::bias));
  for (int q = 0; q < 6; q += 2) {
    GemmArgs g = gemm_args(p, m, a.data(), k, parts.data(), n, Epilogue::bias);
    g.panel_begin = q, g.panel_end = q + 2;
    kn.gemm(g);
  }
  EXPECT_EQ(whole, parts);  // bit-identical: same arithmetic per element
}

TEST_P(KernelsTest, GemmRowsDoNotDependOnTileSize) {
  // A row's result must not depend on how many rows the call had (the stream relies
  // on this to equal the offline forward bit for bit).
  const Kernels& kn = *GetParam();
  const int k = 96, n = 50;
  const auto a = randn(20 * k, 6), w = randn(n * k, 7), b = randn(n, 8);
  PackedLinear p;
  pack_linear(w.data(), k, n, k, b.data(), kn.nr, false, &p);
  std::vector<float> all(20 * n), one(n);
  kn.gemm(gemm_args(p, 20, a.data(), k, all.data(), n, Epilogue::bias_silu));
  for (int i = 0; i < 20; ++i) {
    kn.gemm(gemm_args(p, 1, a.data() + i * k, k, one.data(), n, Epilogue::bias_silu));
    for (int j = 0; j < n; ++j) ASSERT_EQ(one[j], all[i * n + j]) << "row " << i;
  }
}

TEST_P(KernelsTest, RuntimePacking) {
  const Kernels& kn = *GetParam();
  // rows: W[j, p] = src[j * ld + p]; cols: W[j, p] = src[p * ld + j].
  const int n = 19, k = 11;
  const size_t ld = 40;
  const auto src = randn(ld * 40, 9), a = randn(3 * k, 10);
  std::vector<float> pr(packed_size(n, k, kn.nr)), pc(packed_size(n, k, kn.nr));
  pack_rows(src.data(), ld, n, k, kn.nr, pr.data());
  pack_cols(src.data(), ld, n, k, kn.nr, pc.data());
  std::vector<float> cr(3 * n), cc(3 * n);
  GemmArgs g;
  g.m = 3, g.k = k, g.n = n, g.a = a.data(), g.lda = k, g.ldc = n, g.epilogue = Epilogue::scale,
  g.alpha = 1.0f;
  g.panels = pr.data(), g.c = cr.data();
  kn.gemm(g);
  g.panels = pc.data(), g.c = cc.data();
  kn.gemm(g);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < n; ++j) {
      double wr = 0, wc = 0;
      for (int p = 0; p < k; ++p) {
        wr += double(a[i * k + p]) * src[j * ld + p];
        wc += double(a[i * k + p]) * src[p * ld + j];
      }
      ASSERT_NEAR(cr[i * n + j], wr, 1e-4);
      ASSERT_NEAR(cc[i * n + j], wc, 1e-4);
    }
}

TEST_P(KernelsTest, LayerNorm) {
  const Kernels& kn = *GetParam();
  for (int n : {1, 5, 32, 128, 131}) {
    const int m = 4;
    auto x = randn(m * (n + 1), 11, 3.0f);
    for (float& v : x) v += 5.0f;  // a mean far from 0
    const auto g = randn(n, 12), b = randn(n, 13);
    std::vector<float> y(m * n);
    kn.layer_norm(m, n, x.data(), n + 1, g.data(), b.data(), y.data(), n);
    for (int i = 0; i < m; ++i) {
      double mean = 0, var = 0;
      for (int j = 0; j < n; ++j) mean += x[i * (n + 1) + j];
      mean /= n;
      for (int j = 0; j < n; ++j) var += (x[i * (n + 1) + j] - mean) * (x[i * (n + 1) + j] - mean);
      var /= n;
      for (int j = 0; j < n; ++j) {
        const double want = (x[i * (n + 1) + j] - mean) / std::sqrt(var + 1e-5) * g[j] + b[j];
        ASSERT_NEAR(y[i * n + j], want, 2e-5 * (1 + std::fabs(want))) << kn.name << " n " << n;
      }
    }
  }
}

TEST_P(KernelsTest, DepthwiseLayerNormSilu) {
  const Kernels& kn = *GetParam();
  for (int t_len : {1, 2, 13, 40})
    for (int h : {8, 32, 36})
      for (int k : {1, 3, 7, 15}) {
        const auto x = randn(t_len * h, 14), w = randn(k * h, 15), b = randn(h, 16), g = randn(h, 17),
                   be = randn(h, 18);
        std::vector<float> y(t_len * h);
        kn.dwconv_ln_silu(t_len, h, k, x.data(), w.data(), b.data(), g.data(), be.data(), y.data());
        for (int t = 0; t < t_len; ++t) {
          std::vector<double> d(h);
          double mean = 0, var = 0;
          for (int c = 0; c < h; ++c) {
            d[c] = b[c];
            for (int j = 0; j < k; ++j) {
              const int src = t + j - k / 2;
              if (src >= 0 && src < t_len) d[c] += double(w[j * h + c]) * x[src * h + c];
            }
            mean += d[c];
          }
          mean /= h;
          for (int c = 0; c < h; ++c) var += (d[c] - mean) * (d[c] - mean);
          var /= h;
          for (int c = 0; c < h; ++c) {
            const double v = (d[c] - mean) / std::sqrt(var + 1e-5) * g[c] + be[c];
            const double want = v * sigmoid(v);
            ASSERT_NEAR(y[t * h + c], want, 3e-5 * (1 + std::fabs(want)))
                << kn.name << " t " << t << "/" << t_len << " h " << h << " k " << k;
          }
        }
      }
}

TEST_P(KernelsTest, SoftmaxMasked) {
  const Kernels& kn = *GetParam();
  for (int n : {1, 3, 16, 25, 750}) {
    const int m = 3;
    auto s = randn(m * (n + 2), 19, 8.0f);
    std::vector<float> keep(n, 1.0f);
    for (int j = 0; j < n; j += 3) keep[j] = 0.0f;
    if (n == 1) keep[0] = 1.0f;
    if (n > 3) s[1] = 1e30f, s[3] = 1e30f;  // huge kept and masked values must not overflow
    const auto orig = s;
    kn.softmax_masked(m, n, s.data(), n + 2, keep.data());
    for (int i = 0; i < m; ++i) {
      double mx = -1e300, sum = 0;
      std::vector<double> e(n);
      for (int j = 0; j < n; ++j)
        if (keep[j] != 0.0f) mx = std::max(mx, double(orig[i * (n + 2) + j]));
      for (int j = 0; j < n; ++j) {
        const double v = orig[i * (n + 2) + j];
        e[j] = keep[j] != 0.0f ? std::exp(v - mx) : 0.0;
        sum += e[j];
      }
      for (int j = 0; j < n; ++j) ASSERT_NEAR(s[i * (n + 2) + j], e[j] / sum, 2e-6) << kn.name << " n " << n;
      EXPECT_EQ(s[i * (n + 2) + n], orig[i * (n + 2) + n]) << "wrote past n";
    }
  }
}

TEST_P(KernelsTest, ExpAccuracyThroughSigmoid) {
  // silu(x) over the whole useful range, through the GEMM epilogue (k = 1, w = 1).
  const Kernels& kn = *GetParam();
  const int m = 1, n = 2001;
  std::vector<float> w(n, 1.0f), b(n), a(1, 0.0f);
  for (int j = 0; j < n; ++j) b[j] = -100.0f + 0.1f * j;
  PackedLinear p;
  pack_linear(w.data(), 1, n, 1, b.data(), kn.nr, false, &p);
  std::vector<float> c(n);
  kn.gemm(gemm_args(p, m, a.data(), 1, c.data(), n, Epilogue::bias_silu));
  for (int j = 0; j < n; ++j) {
    const double x = b[j], want = x * sigmoid(x);
    ASSERT_NEAR(c[j], want, 5e-7 * std::fabs(want) + 1e-30) << kn.name << " x " << x;
  }
}

TEST_P(KernelsTest, GeluIsTheErfGelu) {
  // gelu(x) = x Phi(x) through the GEMM epilogue (k = 1, w = 1), every 0.005 of [-12, 12]:
  // the whisper family's exact GELU, against std::erfc in float64.
  const Kernels& kn = *GetParam();
  const int n = 4801;
  std::vector<float> w(n, 1.0f), b(n), a(1, 0.0f);
  for (int j = 0; j < n; ++j) b[j] = -12.0f + 0.005f * j;
  PackedLinear p;
  pack_linear(w.data(), 1, n, 1, b.data(), kn.nr, false, &p);
  std::vector<float> c(n);
  kn.gemm(gemm_args(p, 1, a.data(), 1, c.data(), n, Epilogue::bias_gelu));
  double worst = 0;
  for (int j = 0; j < n; ++j) {
    const double x = b[j], want = 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    worst = std::max(worst, std::fabs(c[j] - want) / (std::fabs(x) + 1e-3));
    ASSERT_NEAR(c[j], want, 3e-7 * std::fabs(x) + 1e-30) << kn.name << " x " << x;
  }
  std::printf("%s: max |gelu - float64| / |x| = %.1e\n", kn.name, worst);
}

TEST_P(KernelsTest, Dot) {
  const Kernels& kn = *GetParam();
  for (int n : {0, 1, 7, 64, 129}) {
    const auto a = randn(n + 1, 20), b = randn(n + 1, 21);
    double want = 0;
    for (int i = 0; i < n; ++i) want += double(a[i]) * b[i];
    EXPECT_NEAR(kn.dot(n, a.data(), b.data()), want, 1e-5 * (1 + n)) << kn.name;
  }
}

// ---- the integer GEMM (int8 weights, int16 activations) ----

// W [rows, k] as pack_linear_q defines its int8 values and row scales (float64 here).
void weights_q(const std::vector<float>& w, int rows, int k, std::vector<int>* q,
               std::vector<double>* scale) {
  q->assign(size_t(rows) * k, 0);
  scale->assign(rows, 0.0);
  for (int j = 0; j < rows; ++j) {
    double mx = 0;
    for (int p = 0; p < k; ++p) mx = std::max(mx, std::fabs(double(w[size_t(j) * k + p])));
    (*scale)[j] = mx / 127.0;
    for (int p = 0; p < k && mx > 0; ++p)
      (*q)[size_t(j) * k + p] = int(std::lround(w[size_t(j) * k + p] / (*scale)[j]));
  }
}

TEST_P(KernelsTest, QuantizeRowsRoundsToThirteenBits) {
  const Kernels& kn = *GetParam();
  for (int k : {1, 7, 16, 33, 128, 131}) {
    const int m = 5;
    const size_t ldx = k + 3, ldq = (k + 1) / 2 * 2 + 4;
    auto x = randn(m * ldx, 40 + k, 2.5f);
    for (size_t j = 0; j < ldx; ++j) x[2 * ldx + j] = 0.0f;  // an all-zero row
    std::vector<int16_t> q(m * ldq, 777);
    std::vector<float> scale(m, -1.0f);
    kn.quantize_rows(m, k, x.data(), ldx, q.data(), ldq, scale.data());
    for (int i = 0; i < m; ++i) {
      double mx = 0;
      for (int j = 0; j < k; ++j) mx = std::max(mx, std::fabs(double(x[i * ldx + j])));
      ASSERT_NEAR(scale[i], mx / kActivationMax, 1e-6 * mx) << kn.name << " k " << k;
      int top = 0;
      for (int j = 0; j < k; ++j) {
        const int v = q[i * ldq + j];
        ASSERT_LE(std::abs(v), kActivationMax);
        top = std::max(top, std::abs(v));
        if (mx > 0) {
          ASSERT_LE(std::fabs(v - x[i * ldx + j] / (mx / kActivationMax)), 0.5 + 1e-3) << kn.name;
        } else {
          ASSERT_EQ(v, 0);
        }
      }
      EXPECT_EQ(top, mx > 0 ? kActivationMax : 0) << "the largest |x| maps to the top of the range";
      for (size_t j = k; j < ldq; ++j) ASSERT_EQ(q[i * ldq + j], 0) << "padding columns are zero";
    }
  }
}

TEST_P(KernelsTest, IntegerGemmIsExactInInt32) {
  const Kernels& kn = *GetParam();
  const int ms[] = {1, 5, 6, 13, 14, 15, 29};
  const int ks[] = {1, 3, 18, 128, 511};
  const int ns[] = {1, 7, 33, 130};
  const Epilogue eps[] = {Epilogue::bias, Epilogue::bias_silu, Epilogue::bias_gelu, Epilogue::residual,
                          Epilogue::glu};
  unsigned seed = 100;
  for (int m : ms)
    for (int k : ks)
      for (int n : ns)
        for (Epilogue ep : eps) {
          const bool glu = ep == Epilogue::glu;
          const int rows_w = glu ? 2 * n : n;
          const size_t lda = k + 1, ldc = n + 3, ldq = (k + 1) / 2 * 2;
          const auto a = randn(m * lda, seed++), w = randn(size_t(rows_w) * k, seed++, 0.1f),
                     b = randn(rows_w, seed++), res = randn(m * ldc, seed++);
          PackedLinear p;
          pack_linear_q(w.data(), k, n, k, b.data(), kn.nr, glu, &p);
          ASSERT_TRUE(p.int8);
          std::vector<int16_t> qa(m * ldq);
          std::vector<float> sa(m);
          kn.quantize_rows(m, k, a.data(), lda, qa.data(), ldq, sa.data());
          std::vector<float> c(m * ldc, 12345.0f);
          GemmArgs g = gemm_args(p, m, nullptr, 0, c.data(), ldc, ep);
          g.qa = qa.data(), g.lda = ldq, g.a_scale = sa.data();
          g.alpha = 0.5f, g.residual = res.data(), g.ldr = ldc;
          if (ep == Epilogue::residual)
            std::copy(res.begin(), res.end(), c.begin());  // in place, as the model
          if (ep == Epilogue::residual) g.residual = c.data();
          kn.gemm_q(g);
          std::vector<int> wq;
          std::vector<double> ws;
          weights_q(w, rows_w, k, &wq, &ws);
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
              // The exact integer sum, then the same scaling in float64.
              auto column = [&](int row, double* v) {
                int64_t acc = 0, mag = 0;
                for (int q = 0; q < k; ++q) {
                  acc += int64_t(qa[i * ldq + q]) * wq[size_t(row) * k + q];
                  mag += std::abs(int64_t(qa[i * ldq + q]) * wq[size_t(row) * k + q]);
                }
                *v = double(acc) * sa[i] * ws[row] + b[row];
                return double(mag) * sa[i] * ws[row];
              };
              double v = 0, gate = 0;
              const double mag = column(j, &v) + (glu ? column(n + j, &gate) : 0.0);
              const double want = epilogue_ref(ep, v, gate, res[i * ldc + j]);
              ASSERT_NEAR(c[i * ldc + j], want, 1e-6 * (mag + std::fabs(want) + 1.0))
                  << kn.name << " m " << m << " k " << k << " n " << n << " epilogue " << int(ep) << " at "
                  << i << "," << j;
            }
          for (int i = 0; i < m && ep != Epilogue::residual; ++i)
            for (size_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], 12345.0f) << "wrote past column n";
        }
}

TEST_P(KernelsTest, IntegerGemmTracksTheFloatGemm) {
  // What the quantization costs: int8 weights (one step = max / 127 per row) and 13-bit
  // activations against the float64 product of the unquantized values.
  const Kernels& kn = *GetParam();
  const int m = 25, k = 512, n = 128;
  const auto a = randn(m * k, 7), w = randn(n * k, 8, 0.05f), b = randn(n, 9);
  PackedLinear p;
  pack_linear_q(w.data(), k, n, k, b.data(), kn.nr, false, &p);
  std::vector<int16_t> qa(m * k);
  std::vector<float> sa(m), c(m * n);
  kn.quantize_rows(m, k, a.data(), k, qa.data(), k, sa.data());
  GemmArgs g = gemm_args(p, m, nullptr, 0, c.data(), n, Epilogue::bias);
  g.qa = qa.data(), g.lda = k, g.a_scale = sa.data();
  kn.gemm_q(g);
  double worst = 0, norm = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double want = b[j];
      for (int q = 0; q < k; ++q) want += double(a[i * k + q]) * w[size_t(j) * k + q];
      worst = std::max(worst, std::fabs(c[i * n + j] - want));
      norm = std::max(norm, std::fabs(want - b[j]));
    }
  EXPECT_LT(worst, 0.02 * norm) << kn.name;  // int8 weights of random values: ~0.5% typical
  EXPECT_GT(worst, 0.0) << "quantization should be visible";
}

TEST_P(KernelsTest, IntegerGemmPanelsAndRowsAreIndependent) {
  // Bit-identical whatever the panel split (threads) or the rows per call (stream).
  const Kernels& kn = *GetParam();
  const int m = 20, k = 96, n = 5 * kn.nr + 3;
  const auto a = randn(m * k, 21), w = randn(size_t(n) * k, 22), b = randn(n, 23);
  PackedLinear p;
  pack_linear_q(w.data(), k, n, k, b.data(), kn.nr, false, &p);
  std::vector<int16_t> qa(m * k);
  std::vector<float> sa(m), whole(m * n), parts(m * n), one(n);
  kn.quantize_rows(m, k, a.data(), k, qa.data(), k, sa.data());
  GemmArgs g = gemm_args(p, m, nullptr, 0, whole.data(), n, Epilogue::bias_silu);
  g.qa = qa.data(), g.lda = k, g.a_scale = sa.data();
  kn.gemm_q(g);
  for (int q = 0; q < 6; q += 2) {
    GemmArgs part = g;
    part.c = parts.data(), part.panel_begin = q, part.panel_end = q + 2;
    kn.gemm_q(part);
  }
  EXPECT_EQ(whole, parts);
  for (int i = 0; i < m; ++i) {
    GemmArgs row = g;
    row.m = 1, row.qa = qa.data() + i * k, row.a_scale = sa.data() + i, row.c = one.data();
    kn.gemm_q(row);
    for (int j = 0; j < n; ++j) ASSERT_EQ(one[j], whole[i * n + j]) << "row " << i;
  }
}

TEST(KernelSets, IntegerGemmAgreesAcrossSets) {
  // Integer sums are exact, so every set computes the same accumulators; only the
  // float epilogue may differ in its last bits.
  const int m = 17, k = 130, n = 70;
  const auto a = randn(m * k, 31), w = randn(size_t(n) * k, 32), b = randn(n, 33);
  std::vector<float> first;
  for (const Kernels* kn : sets()) {
    PackedLinear p;
    pack_linear_q(w.data(), k, n, k, b.data(), kn->nr, false, &p);
    std::vector<int16_t> qa(m * k);
    std::vector<float> sa(m), c(m * n);
    kn->quantize_rows(m, k, a.data(), k, qa.data(), k, sa.data());
    GemmArgs g = gemm_args(p, m, nullptr, 0, c.data(), n, Epilogue::bias);
    g.qa = qa.data(), g.lda = k, g.a_scale = sa.data();
    kn->gemm_q(g);
    if (first.empty()) first = c;
    for (size_t i = 0; i < c.size(); ++i)
      ASSERT_NEAR(c[i], first[i], 1e-5 * (1 + std::fabs(first[i]))) << kn->name;
  }
}

TEST(KernelSets, IntegerPackingRefusesInnerSizesThatCouldOverflow) {
  std::vector<float> w(size_t(kMaxQuantK + 2), 1.0f);
  PackedLinear p;
  EXPECT_THROW(pack_linear_q(w.data(), kMaxQuantK + 2, 1, kMaxQuantK + 2, nullptr, 32, false, &p),
               std::invalid_argument);
  EXPECT_NO_THROW(pack_linear_q(w.data(), kMaxQuantK, 1, kMaxQuantK, nullptr, 32, false, &p));
  // The bound holds: kActivationMax * 127 * kMaxQuantK fits in int32.
  EXPECT_LE(double(kActivationMax) * 127 * kMaxQuantK, 2147483647.0);
}

INSTANTIATE_TEST_SUITE_P(AllSets, KernelsTest, ::testing::ValuesIn(sets()),
                         [](const ::testing::TestParamInfo<const Kernels*>& p) {
                           return std::string(p.param->name);
                         });

}  // namespace
}  // namespace inherent::kernels
