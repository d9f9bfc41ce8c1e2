// SPDX-License-Identifier: Apache-2.0
// ref: src/engine/arch.h, "The forward pass these tensors feed". Every comment line
// starting with "//=" quotes the contract line the code below it implements.
#include "reference.h"

#include <cmath>

namespace inherent {

namespace {

using Matrix = std::vector<std::vector<double>>;  // [rows][cols]

Matrix zeros(size_t rows, size_t cols) { return Matrix(rows, std::vector<double>(cols, 0.0)); }

struct Weights {
  const ModelPackage& p;
  const std::vector<float>& operator()(const std::string& name) const { return p.tensor(name)->data; }
};

double silu(double x) { return x / (1.0 + std::exp(-x)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// y = x W^T + b, W [out, in] row-major.
Matrix linear(const Matrix& x, const std::vector<float>& w, const std::vector<float>& b) {
  const size_t out = b.size(), in = x.empty() ? 0 : x[0].size();
  Matrix y = zeros(x.size(), out);
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t o = 0; o < out; ++o) {
      double s = b[o];
      for (size_t i = 0; i < in; ++i) s += x[t][i] * w[o * in + i];
      y[t][o] = s;
    }
  return y;
}

Matrix layer_norm(const Matrix& x, const std::vector<float>& gamma, const std::vector<float>& beta) {
  Matrix y = x;
  for (std::vector<double>& row : y) {
    double mean = 0, var = 0;
    for (double v : row) mean += v;
    mean /= static_cast<double>(row.size());
    for (double v : row) var += (v - mean) * (v - mean);
    var /= static_cast<double>(row.size());  // biased, as torch's LayerNorm
    const double rstd = 1.0 / std::sqrt(var + kLayerNormEps);
    for (size_t i = 0; i < row.size(); ++i) row[i] = (row[i] - mean) * rstd * gamma[i] + beta[i];
  }
  return y;
}

// Conv1d(kernel 3, stride 2, padding 1) over time: x [T, in] -> [ceil(T / 2), out].
Matrix conv_stride2(const Matrix& x, const std::vector<float>& w, const std::vector<float>& b) {
  const size_t out = b.size(), in = x[0].size(), t_out = (x.size() + 1) / 2;
  Matrix y = zeros(t_out, out);
  for (size_t t = 0; t < t_out; ++t)
    for (size_t o = 0; o < out; ++o) {
      double s = b[o];
      for (int j = 0; j < kSubsampleKernel; ++j) {
        const long src = 2 * static_cast<long>(t) - 1 + j;  // padding 1
        if (src < 0 || src >= static_cast<long>(x.size())) continue;
        for (size_t c = 0; c < in; ++c) s += w[(o * in + c) * kSubsampleKernel + j] * x[src][c];
      }
      y[t][o] = s;
    }
  return y;
}

Matrix ffn(const Weights& w, const std::string& p, const Matrix& x) {
  //= ffn(x) = down(SiLU(up(LN x)))
  Matrix h = linear(layer_norm(x, w(p + ".norm.weight"), w(p + ".norm.bias")), w(p + ".up.weight"),
                    w(p + ".up.bias"));
  for (auto& row : h)
    for (double& v : row) v = silu(v);
  return linear(h, w(p + ".down.weight"), w(p + ".down.bias"));
}

Matrix attention(const Weights& w, const std::string& p, const Matrix& x, const std::vector<bool>& valid,
                 int n_heads) {
  const size_t steps = x.size(), h = x[0].size(), dh = h / n_heads;
  const Matrix qkv = linear(layer_norm(x, w(p + ".norm.weight"), w(p + ".norm.bias")), w(p + ".qkv.weight"),
                            w(p + ".qkv.bias"));
  //= q|k|v are the three H-row slices of attn.qkv; scale 1 / sqrt(H / n_heads)
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  Matrix ctx = zeros(steps, h);
  for (int head = 0; head < n_heads; ++head) {
    const size_t q0 = head * dh, k0 = h + head * dh, v0 = 2 * h + head * dh;
    for (size_t i = 0; i < steps; ++i) {
      std::vector<double> a(steps, 0.0);
      double mx = -INFINITY;
      for (size_t j = 0; j < steps; ++j) {
        if (!valid[j]) continue;  // keys masked by valid2
        double s = 0;
        for (size_t d = 0; d < dh; ++d) s += qkv[i][q0 + d] * qkv[j][k0 + d];
        a[j] = s * scale;
        mx = std::max(mx, a[j]);
      }
      double sum = 0;
      for (size_t j = 0; j < steps; ++j) {
        a[j] = valid[j] ? std::exp(a[j] - mx) : 0.0;
        sum += a[j];
      }
      for (size_t j = 0; j < steps; ++j)
        for (size_t d = 0; d < dh; ++d) ctx[i][q0 + d] += a[j] / sum * qkv[j][v0 + d];
    }
  }
  return linear(ctx, w(p + ".out.weight"), w(p + ".out.bias"));
}

Matrix conv_module(const Weights& w, const std::string& p, const Matrix& x, const std::vector<bool>& valid,
                   int kernel) {
  const size_t steps = x.size(), h = x[0].size();
  //= conv(x) = pointwise2(SiLU(LN2(depthwise(valid2 * GLU(pointwise1(LN1 x))))))
  const Matrix ag = linear(layer_norm(x, w(p + ".norm1.weight"), w(p + ".norm1.bias")),
                           w(p + ".pointwise1.weight"), w(p + ".pointwise1.bias"));
  //= GLU(a | g) = a * sigmoid(g) (first half of the 2H channels is a)
  Matrix g = zeros(steps, h);
  for (size_t t = 0; t < steps; ++t)
    for (size_t c = 0; c < h; ++c) g[t][c] = valid[t] ? ag[t][c] * sigmoid(ag[t][h + c]) : 0.0;
  //= depthwise: groups = H, padding K/2 both sides
  const std::vector<float>& dw = w(p + ".depthwise.weight");  // [H, 1, K]
  const std::vector<float>& db = w(p + ".depthwise.bias");
  Matrix d = zeros(steps, h);
  for (size_t t = 0; t < steps; ++t)
    for (size_t c = 0; c < h; ++c) {
      double s = db[c];
      for (int j = 0; j < kernel; ++j) {
        const long src = static_cast<long>(t) + j - kernel / 2;
        if (src >= 0 && src < static_cast<long>(steps)) s += dw[c * kernel + j] * g[src][c];
      }
      d[t][c] = s;
    }
  d = layer_norm(d, w(p + ".norm2.weight"), w(p + ".norm2.bias"));
  for (auto& row : d)
    for (double& v : row) v = silu(v);
  return linear(d, w(p + ".pointwise2.weight"), w(p + ".pointwise2.bias"));
}

void add(Matrix& x, const Matrix& y, double alpha) {
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t c = 0; c < x[t].size(); ++c) x[t][c] += alpha * y[t][c];
}

}  // namespace

bool reference_forward(const ModelPackage& package, const float* mel, int n_frames,
                       std::vector<double>* logits, std::string* error) {
  const ModelConfig& c = package.config;
  const Weights w{package};
  const size_t m = c.n_mels;
  //= valid[b, t] = any(x[b, t, :] != 0)   (all-zero frame = padding)
  //= x = valid ? (x - mel_norm.mean) / mel_norm.std : 0
  Matrix x = zeros(n_frames, m);
  std::vector<bool> valid(n_frames);
  for (int t = 0; t < n_frames; ++t) {
    for (size_t i = 0; i < m; ++i) valid[t] = valid[t] || mel[t * m + i] != 0.0f;
    for (size_t i = 0; i < m && valid[t]; ++i)
      x[t][i] = (static_cast<double>(mel[t * m + i]) - w("mel_norm.mean")[i]) / w("mel_norm.std")[i];
  }
  //= x = SiLU(subsample.conv1(x)) * valid1     valid1[t] = valid[2t]
  x = conv_stride2(x, w("subsample.conv1.weight"), w("subsample.conv1.bias"));
  std::vector<bool> valid1(x.size());
  for (size_t t = 0; t < x.size(); ++t) {
    valid1[t] = valid[2 * t];
    for (double& v : x[t]) v = valid1[t] ? silu(v) : 0.0;
  }
  //= x = SiLU(subsample.conv2(x)) * valid2     valid2[t] = valid1[2t]
  x = conv_stride2(x, w("subsample.conv2.weight"), w("subsample.conv2.bias"));
  std::vector<bool> valid2(x.size());
  bool any = false;
  for (size_t t = 0; t < x.size(); ++t) {
    valid2[t] = valid1[2 * t];
    any = any || valid2[t];
    for (double& v : x[t]) v = valid2[t] ? silu(v) : 0.0;
  }
  if (!any) {
    *error = "no encoder step is valid";
    return false;
  }
  //= x += sinusoid(T2, H)   pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same);
  //=                        computed in float64, rounded to float32
  const size_t h = c.n_hidden;
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t i = 0; 2 * i < h; ++i) {
      const double angle = static_cast<double>(t) / std::pow(10000.0, 2.0 * i / h);
      x[t][2 * i] += static_cast<float>(std::sin(angle));
      if (2 * i + 1 < h) x[t][2 * i + 1] += static_cast<float>(std::cos(angle));
    }
  for (int b = 0; b < c.n_blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b);
    //= x += 0.5 * ffn1(x); x += attn.out(MHSA(attn.qkv(LN x))); x += conv(x);
    //= x += 0.5 * ffn2(x); x = LN_block(x)
    add(x, ffn(w, p + ".ffn1", x), 0.5);
    add(x, attention(w, p + ".attn", x, valid2, c.n_heads), 1.0);
    add(x, conv_module(w, p + ".conv", x, valid2, c.conv_kernel), 1.0);
    add(x, ffn(w, p + ".ffn2", x), 0.5);
    x = layer_norm(x, w(p + ".norm.weight"), w(p + ".norm.bias"));
  }
  x = layer_norm(x, w("final_norm.weight"), w("final_norm.bias"));
  //= w = softmax over valid steps of pool.score(x)   [B, T2]  (padded steps weigh 0)
  const Matrix score = linear(x, w("pool.score.weight"), w("pool.score.bias"));
  double mx = -INFINITY, sum = 0;
  for (size_t t = 0; t < x.size(); ++t)
    if (valid2[t]) mx = std::max(mx, score[t][0]);
  std::vector<double> weight(x.size(), 0.0);
  for (size_t t = 0; t < x.size(); ++t) {
    weight[t] = valid2[t] ? std::exp(score[t][0] - mx) : 0.0;
    sum += weight[t];
  }
  //= logits = head(sum_t w[t] x[t])
  Matrix pooled = zeros(1, h);
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t i = 0; i < h; ++i) pooled[0][i] += weight[t] / sum * x[t][i];
  const Matrix out = linear(pooled, w("head.weight"), w("head.bias"));
  *logits = out[0];
  return true;
}

}  // namespace inherent
