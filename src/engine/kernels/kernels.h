// SPDX-License-Identifier: Apache-2.0
//
// The engine's compute kernels, one set per instruction set, picked at run time.
//
// Why own kernels: bench/gemm-choice measured the model's GEMM shapes (13..125 rows,
// 128..1024 wide) on this project's machines: a register-tiled microkernel written with
// GCC/clang vector extensions ran at 105-113 GFLOP/s on one AVX-512 core, Google
// Highway's equivalent at 103-113, Eigen 3.4 at 47-89 and plain loops at 3-4. Highway
// matched but adds a dependency the WebAssembly and mobile builds would have to fetch;
// the vector-extension code needs nothing and compiles to AVX-512, AVX2+FMA, SSE2,
// NEON and WebAssembly SIMD128 from one source (kernels-impl.h).
//
// Sets: "avx512vnni" (AVX-512 F/VL/DQ/BW + VNNI), "avx512" (x86-64 AVX-512 F/VL/DQ),
// "avx2" (x86-64 AVX2 + FMA), "generic"
// (128-bit vectors of the build target: SSE2, NEON, SIMD128; plain code elsewhere).
// Each is compiled from kernels-impl.h with its own flags; tests run every set the
// CPU supports against the reference forward.
//
// GEMM layout. Every Linear and the im2col'd convolutions compute
//   C[m, j] = epilogue(sum_p A[i, p] * W[j, p] + bias[j])      A [m, k], W [n, k]
// with W (torch layout) packed once into panels of `nr` output columns:
//   panels[q][p][c] = W[q * nr + c, p]        [n_panels, k, nr], zero-padded
// so the microkernel streams one panel while MR rows of A stay in registers. A GLU
// weight [2n, k] packs a-column j and gate-column n + j into the two halves of a
// panel, so the epilogue emits a * sigmoid(g) without a second pass.
//
// Integer GEMM (gemm_q, the engine's int8 precision). Weights are int8, symmetric, one
// scale per output column; activations are int16 with one scale per row, quantized
// just before the GEMM (quantize_rows). Products accumulate exactly in int32, then
//   C[m, j] = epilogue(acc * a_scale[i] * w_scale[j] + bias[j])
// reuses the float epilogues. Panels interleave pairs of k for the int16 pair
// multiply-add every target has (VNNI vpdpwssd, pmaddwd, wasm i32x4.dot_i16x8, NEON
// widening multiplies): qpanels[q][p2][c][2] = W[q * nr + c, 2 p2 + {0, 1}], int8.
// Activations use 13 bits (|a| <= kActivationMax), not 8: 8-bit rows, however finely
// grouped, moved the trained small model's scores past the export parity gate's mean
// of 5e-4 (bench/int8-sim.py: per-head means 2.1e-3 per row, 1.2e-3 in blocks of 16),
// while 13 bits moved them 6e-5. 13 bits also keep the int32 sum exact for k up to
// 2^31 / (4095 * 127) = 4129, above every inner size of the architecture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace inherent::kernels {

// 64-byte aligned float storage (owned).
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t n) { resize(n); }
  void resize(size_t n);  // contents are zeroed
  float* data() { return ptr_.get(); }
  const float* data() const { return ptr_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float, Free> ptr_;
  size_t size_ = 0;
};

enum class Epilogue : uint8_t {
  bias,       // C = acc + bias
  bias_silu,  // C = silu(acc + bias)
  bias_gelu,  // C = gelu(acc + bias), the exact (erf) GELU to ~1e-7 relative
  residual,   // C = R + alpha * (acc + bias); R may be C itself
  scale,      // C = alpha * acc (no bias)
  glu,        // C = (acc_a + bias_a) * sigmoid(acc_g + bias_g); packed with glu = true
};

// Largest |activation| of the integer GEMM (13-bit symmetric).
constexpr int kActivationMax = 4095;
// Largest inner size gemm_q accepts (its int32 sums cannot overflow below it).
constexpr int kMaxQuantK = 4128;

struct GemmArgs {
  int m = 0;                 // rows of A and C
  int k = 0;                 // inner size
  int n = 0;                 // output columns of C
  const float* a = nullptr;  // [m, k] rows lda apart
  size_t lda = 0;
  const float* panels = nullptr;  // packed W
  const float* bias = nullptr;    // packed like a panel row: [n_panels, nr]; nullptr = 0
  bool glu = false;
  float* c = nullptr;  // [m, n] rows ldc apart
  size_t ldc = 0;
  Epilogue epilogue = Epilogue::bias;
  float alpha = 1.0f;
  const float* residual = nullptr;  // [m, n] rows ldr apart (Epilogue::residual)
  size_t ldr = 0;
  int panel_begin = 0, panel_end = -1;  // panels to compute (threads split them); -1 = all
  // gemm_q only: A as int16 [m, k rounded up to even] (lda in elements, even), one
  // scale per row; int8 panels and their per-column scales, laid out like bias.
  const int16_t* qa = nullptr;
  const float* a_scale = nullptr;
  const int8_t* qpanels = nullptr;
  const float* w_scale = nullptr;
};

struct Kernels {
  const char* name;
  int nr;  // panel width in floats
  void (*gemm)(const GemmArgs& args);
  // y[i] = LN(x[i]) * gamma + beta over n columns, eps 1e-5, for m rows. y may be x.
  void (*layer_norm)(int m, int n, const float* x, size_t ldx, const float* gamma, const float* beta,
                     float* y, size_t ldy);
  // The conv module's middle: y[t] = SiLU(LN(b + sum_j w[j] * x[t + j - K/2])) with x
  // zero outside [0, t_len). x, y [t_len, h] (distinct), w [K, h], b/gamma/beta [h].
  void (*dwconv_ln_silu)(int t_len, int h, int k, const float* x, const float* w, const float* b,
                         const float* gamma, const float* beta, float* y);
  // Row-wise softmax of s [m, n] (rows lds apart) over the columns where keep[j] != 0;
  // the others become 0. At least one keep[j] must be non-zero.
  void (*softmax_masked)(int m, int n, float* s, size_t lds, const float* keep);
  // sum_i a[i] * b[i]
  float (*dot)(int n, const float* a, const float* b);
  // The integer GEMM (see the top of this file); same threading contract as gemm.
  void (*gemm_q)(const GemmArgs& args);
  // Row i of x [m, k] -> q[i] = round(x[i] / scale[i]) as int16, scale[i] =
  // max_j |x[i, j]| / kActivationMax (0 for an all-zero row); q's columns k..ldq-1 = 0.
  void (*quantize_rows)(int m, int k, const float* x, size_t ldx, int16_t* q, size_t ldq, float* scale);
};

// 64-byte aligned storage of any trivial type (owned, zeroed on resize).
template <typename T>
class AlignedArray {
 public:
  void resize(size_t n) {
    storage_.resize((n * sizeof(T) + sizeof(float) - 1) / sizeof(float));
    size_ = n;
  }
  T* data() { return reinterpret_cast<T*>(storage_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(storage_.data()); }
  size_t size() const { return size_; }

 private:
  AlignedFloats storage_;
  size_t size_ = 0;
};

// Sets compiled into this build, best first; "generic" is always there.
const Kernels* const* kernels_available();
// The best set this CPU runs.
const Kernels& kernels_best();
// A set by name if compiled in and supported by this CPU, else nullptr.
const Kernels* kernels_by_name(const char* name);

// Packs W [n, k] (row stride ldw) and bias [n] (may be null) for gemm with panel width
// nr. With glu, W is [2n, k] and bias [2n]: a-rows 0..n-1, gate rows n..2n-1.
// With int8 (pack_linear_q), qpanels and w_scale hold the weights and panels is empty.
struct PackedLinear {
  int k = 0, n = 0, nr = 0;
  bool glu = false;
  bool int8 = false;
  AlignedFloats panels;
  AlignedFloats bias;
  AlignedArray<int8_t> qpanels;
  AlignedFloats w_scale;
};
void pack_linear(const float* w, size_t ldw, int n, int k, const float* bias, int nr, bool glu,
                 PackedLinear* out);
// The int8 packing of the same weight: each output row j gets scale max |W[j]| / 127
// and W[j, p] -> round(W[j, p] / scale). k at most kMaxQuantK.
void pack_linear_q(const float* w, size_t ldw, int n, int k, const float* bias, int nr, bool glu,
                   PackedLinear* out);
// Floats of a packed [n, k] weight without GLU (for workspace sizing).
size_t packed_size(int n, int k, int nr);
// Runtime packing into caller storage (attention): W[j, p] = src[j * ld + p] ("rows")
// or W[j, p] = src[p * ld + j] ("cols"); out holds packed_size(n, k, nr) floats.
void pack_rows(const float* src, size_t ld, int n, int k, int nr, float* out);
void pack_cols(const float* src, size_t ld, int n, int k, int nr, float* out);

// Fills args from a PackedLinear.
inline GemmArgs gemm_args(const PackedLinear& w, int m, const float* a, size_t lda, float* c, size_t ldc,
                          Epilogue epilogue) {
  GemmArgs g;
  g.m = m, g.k = w.k, g.n = w.n, g.a = a, g.lda = lda, g.panels = w.panels.data(), g.bias = w.bias.data();
  g.glu = w.glu, g.c = c, g.ldc = ldc, g.epilogue = epilogue;
  g.qpanels = w.qpanels.data(), g.w_scale = w.w_scale.data();
  return g;
}

}  // namespace inherent::kernels
