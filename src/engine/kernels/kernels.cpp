// SPDX-License-Identifier: Apache-2.0
// Kernel-set selection and weight packing (layout only; no ISA-specific code here).
#include "kernels.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace inherent::kernels {

namespace generic {
extern const Kernels kKernels;
}
#if INHERENT_KERNELS_X86
namespace avx2 {
extern const Kernels kKernels;
}
namespace avx512 {
extern const Kernels kKernels;
}
namespace avx512vnni {
extern const Kernels kKernels;
}
#endif

namespace {

bool supported(const Kernels* k) {
#if INHERENT_KERNELS_X86
  if (k == &avx512vnni::kKernels)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma");
  if (k == &avx512::kKernels)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
  if (k == &avx2::kKernels) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return k != nullptr;
}

const Kernels* const kCompiled[] = {
#if INHERENT_KERNELS_X86
    &avx512vnni::kKernels, &avx512::kKernels, &avx2::kKernels,
#endif
    &generic::kKernels,    nullptr,
};

}  // namespace

void AlignedFloats::Free::operator()(float* p) const { std::free(p); }

void AlignedFloats::resize(size_t n) {
  ptr_.reset();
  size_ = 0;
  if (n == 0) return;
  // Round up to whole cache lines (aligned_alloc wants a multiple of the alignment).
  const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  ptr_.reset(static_cast<float*>(p));
  size_ = n;
}

const Kernels* const* kernels_available() {
  static const Kernels* list[sizeof(kCompiled) / sizeof(kCompiled[0])] = {};
  static const bool filled = [] {
    size_t n = 0;
    for (const Kernels* const* k = kCompiled; *k; ++k)
      if (supported(*k)) list[n++] = *k;
    return true;
  }();
  (void)filled;
  return list;
}

const Kernels& kernels_best() { return *kernels_available()[0]; }

const Kernels* kernels_by_name(const char* name) {
  if (!name) return nullptr;
  for (const Kernels* const* k = kernels_available(); *k; ++k)
    if (std::strcmp((*k)->name, name) == 0) return *k;
  return nullptr;
}

size_t packed_size(int n, int k, int nr) {
  const size_t panels = (static_cast<size_t>(n) + nr - 1) / nr;
  return panels * static_cast<size_t>(k) * nr;
}

void pack_rows(const float* src, size_t ld, int n, int k, int nr, float* out) {
  const int panels = (n + nr - 1) / nr;
  for (int q = 0; q < panels; ++q) {
    float* panel = out + static_cast<size_t>(q) * k * nr;
    const int cols = n - q * nr < nr ? n - q * nr : nr;
    for (int c = 0; c < cols; ++c) {
      const float* row = src + static_cast<size_t>(q * nr + c) * ld;
      for (int p = 0; p < k; ++p) panel[p * nr + c] = row[p];
    }
    for (int c = cols; c < nr; ++c)
      for (int p = 0; p < k; ++p) panel[p * nr + c] = 0.0f;
  }
}

void pack_cols(const float* src, size_t ld, int n, int k, int nr, float* out) {
  const int panels = (n + nr - 1) / nr;
  for (int q = 0; q < panels; ++q) {
    float* panel = out + static_cast<size_t>(q) * k * nr;
    const int cols = n - q * nr < nr ? n - q * nr : nr;
    for (int p = 0; p < k; ++p) {
      const float* row = src + static_cast<size_t>(p) * ld + q * nr;
      float* dst = panel + p * nr;
      for (int c = 0; c < cols; ++c) dst[c] = row[c];
      for (int c = cols; c < nr; ++c) dst[c] = 0.0f;
    }
  }
}

void pack_linear(const float* w, size_t ldw, int n, int k, const float* bias, int nr, bool glu,
                 PackedLinear* out) {
  out->k = k, out->n = n, out->nr = nr, out->glu = glu;
  if (!glu) {
    const int panels = (n + nr - 1) / nr;
    out->panels.resize(packed_size(n, k, nr));
    pack_rows(w, ldw, n, k, nr, out->panels.data());
    out->bias.resize(static_cast<size_t>(panels) * nr);
    if (bias) std::memcpy(out->bias.data(), bias, sizeof(float) * n);
    return;
  }
  // GLU: panel q holds a-columns [q h, q h + h) and gate columns n + [q h, q h + h),
  // h = nr / 2 each, zero-padded.
  const int half = nr / 2;
  const int panels = (n + half - 1) / half;
  out->panels.resize(static_cast<size_t>(panels) * k * nr);
  out->bias.resize(static_cast<size_t>(panels) * nr);
  for (int q = 0; q < panels; ++q) {
    float* panel = out->panels.data() + static_cast<size_t>(q) * k * nr;
    for (int c = 0; c < half; ++c) {
      const int j = q * half + c;
      if (j >= n) continue;  // zero padding (resize zeroed it)
      const float* wa = w + static_cast<size_t>(j) * ldw;
      const float* wg = w + static_cast<size_t>(n + j) * ldw;
      for (int p = 0; p < k; ++p) {
        panel[p * nr + c] = wa[p];
        panel[p * nr + half + c] = wg[p];
      }
      if (bias) {
        out->bias.data()[q * nr + c] = bias[j];
        out->bias.data()[q * nr + half + c] = bias[n + j];
      }
    }
  }
}

void pack_linear_q(const float* w, size_t ldw, int n, int k, const float* bias, int nr, bool glu,
                   PackedLinear* out) {
  if (k > kMaxQuantK)
    throw std::invalid_argument("int8 GEMM: inner size " + std::to_string(k) + " is over " +
                                std::to_string(kMaxQuantK));
  out->k = k, out->n = n, out->nr = nr, out->glu = glu, out->int8 = true;
  out->panels.resize(0);
  const int half = nr / 2;
  const int cols_per_panel = glu ? half : nr;
  const int panels = (n + cols_per_panel - 1) / cols_per_panel;
  const size_t k2 = (static_cast<size_t>(k) + 1) / 2;
  out->qpanels.resize(static_cast<size_t>(panels) * k2 * nr * 2);
  out->w_scale.resize(static_cast<size_t>(panels) * nr);
  out->bias.resize(static_cast<size_t>(panels) * nr);
  // Panel column c of panel q holds weight row `row` (GLU: a-rows in the first half,
  // gate rows n + j in the second), as in pack_linear.
  for (int q = 0; q < panels; ++q)
    for (int c = 0; c < nr; ++c) {
      int row;
      if (glu) {
        const int j = q * half + (c < half ? c : c - half);
        if (j >= n) continue;
        row = c < half ? j : n + j;
      } else {
        row = q * nr + c;
        if (row >= n) continue;
      }
      const float* src = w + static_cast<size_t>(row) * ldw;
      float mx = 0.0f;
      for (int p = 0; p < k; ++p) mx = std::fmax(mx, std::fabs(src[p]));
      const double scale = mx / 127.0;
      const size_t slot = static_cast<size_t>(q) * nr + c;
      out->w_scale.data()[slot] = static_cast<float>(scale);
      if (bias) out->bias.data()[slot] = bias[row];
      int8_t* panel = out->qpanels.data() + static_cast<size_t>(q) * k2 * nr * 2;
      for (int p = 0; p < k && scale > 0; ++p) {
        const long v = std::lround(src[p] / scale);
        panel[(static_cast<size_t>(p / 2) * nr + c) * 2 + p % 2] = static_cast<int8_t>(v > 127    ? 127
                                                                                       : v < -127 ? -127
                                                                                                  : v);
      }
    }
}

}  // namespace inherent::kernels
