// SPDX-License-Identifier: Apache-2.0
#include "tflite-eval.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "inherent/inherent.hpp"

namespace inherent::exporter::tfl {
namespace {

using Shape = std::vector<int32_t>;

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

std::vector<int64_t> strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

[[noreturn]] void fail(const Operator& op, const std::string& what) {
  throw Exception(INHERENT_STATUS_INTERNAL, std::string("TFLite evaluator: ") + op_name(op.op) + ": " + what);
}

std::vector<int32_t> ints(const Value& v) {
  std::vector<int32_t> out(v.data.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int32_t>(v.data[i]);
  return out;
}

// The values of an operator's inputs, by position.
struct Inputs {
  const std::vector<Value>* values;
  const Operator* op;
  const Value& operator()(size_t k) const { return values->at(op->inputs.at(k)); }
};

// numpy broadcasting of a and b.
Value binary(const Value& a, const Value& b, float (*f)(float, float)) {
  const size_t rank = std::max(a.shape.size(), b.shape.size());
  Shape sa(rank, 1), sb(rank, 1), so(rank, 1);
  std::copy(a.shape.begin(), a.shape.end(), sa.begin() + (rank - a.shape.size()));
  std::copy(b.shape.begin(), b.shape.end(), sb.begin() + (rank - b.shape.size()));
  for (size_t i = 0; i < rank; ++i) so[i] = std::max(sa[i], sb[i]);
  const auto ta = strides(sa), tb = strides(sb), to = strides(so);
  Value out{so, std::vector<float>(static_cast<size_t>(count(so)))};
  for (int64_t i = 0; i < static_cast<int64_t>(out.data.size()); ++i) {
    int64_t ia = 0, ib = 0, rest = i;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t k = rest / to[d];
      rest %= to[d];
      if (sa[d] != 1) ia += k * ta[d];
      if (sb[d] != 1) ib += k * tb[d];
    }
    out.data[i] = f(a.data[ia], b.data[ib]);
  }
  return out;
}

Value reduce(const Value& x, int32_t axis, bool is_max) {
  Shape so = x.shape;
  so[axis] = 1;
  const int64_t outer = count(Shape(x.shape.begin(), x.shape.begin() + axis));
  const int64_t n = x.shape[axis];
  const int64_t inner = count(Shape(x.shape.begin() + axis + 1, x.shape.end()));
  Value out{so, std::vector<float>(static_cast<size_t>(outer * inner))};
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
      for (int64_t k = 0; k < n; ++k) {
        const double v = x.data[(o * n + k) * inner + i];
        acc = is_max ? std::max(acc, v) : acc + v;
      }
      out.data[o * inner + i] = static_cast<float>(is_max ? acc : acc / static_cast<double>(n));
    }
  }
  return out;
}

Value transpose(const Value& x, const std::vector<int32_t>& perm) {
  Shape so(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) so[i] = x.shape[perm[i]];
  const auto ti = strides(x.shape), to = strides(so);
  Value out{so, std::vector<float>(x.data.size())};
  for (int64_t i = 0; i < static_cast<int64_t>(out.data.size()); ++i) {
    int64_t src = 0, rest = i;
    for (size_t d = 0; d < perm.size(); ++d) {
      src += (rest / to[d]) * ti[perm[d]];
      rest %= to[d];
    }
    out.data[i] = x.data[src];
  }
  return out;
}

Value eval_strided_slice(const Operator& op, const Inputs& in) {
  Value out;
  const Value& x = in(0);
  const std::vector<int32_t> st = ints(in(3));
  if (op.options.begin_mask != (1 << x.shape.size()) - 1) fail(op, "only full ranges with strides");
  Shape so = x.shape;
  for (size_t d = 0; d < so.size(); ++d) so[d] = (x.shape[d] + st[d] - 1) / st[d];
  const auto ti = strides(x.shape), to = strides(so);
  out = {so, std::vector<float>(static_cast<size_t>(count(so)))};
  for (int64_t i = 0; i < static_cast<int64_t>(out.data.size()); ++i) {
    int64_t src = 0, rest = i;
    for (size_t d = 0; d < so.size(); ++d) {
      src += (rest / to[d]) * st[d] * ti[d];
      rest %= to[d];
    }
    out.data[i] = x.data[src];
  }
  return out;
}

Value eval_pad(const Inputs& in) {
  Value out;
  const Value& x = in(0);
  const std::vector<int32_t> p = ints(in(1));
  Shape so = x.shape;
  for (size_t d = 0; d < so.size(); ++d) so[d] += p[2 * d] + p[2 * d + 1];
  const auto ti = strides(x.shape), to = strides(so);
  out = {so, std::vector<float>(static_cast<size_t>(count(so)), 0.0f)};
  for (int64_t i = 0; i < static_cast<int64_t>(x.data.size()); ++i) {
    int64_t dst = 0, rest = i;
    for (size_t d = 0; d < so.size(); ++d) {
      dst += (rest / ti[d] + p[2 * d]) * to[d];
      rest %= ti[d];
    }
    out.data[dst] = x.data[i];
  }
  return out;
}

Value eval_conv(const Operator& op, const Inputs& in) {
  Value out;
  // NHWC input [1, 1, W, C]; CONV_2D filter [O, 1, K, C] VALID stride_w;
  // DEPTHWISE filter [1, 1, K, C] SAME stride 1.
  const Value &x = in(0), &f = in(1), &b = in(2);
  const bool dw = op.op == TOp::depthwise_conv_2d;
  if (x.shape[0] != 1 || x.shape[1] != 1 || f.shape[1] != 1) fail(op, "only [1, 1, W, C] inputs");
  const int32_t w = x.shape[2], c = x.shape[3], k = f.shape[2], s = op.options.stride_w;
  const int32_t o = dw ? c : f.shape[0];
  const int32_t pad = dw ? k / 2 : 0;
  const int32_t wo = dw ? w : (w - k) / s + 1;
  out = {{1, 1, wo, o}, std::vector<float>(static_cast<size_t>(wo) * o)};
  for (int32_t t = 0; t < wo; ++t) {
    for (int32_t oc = 0; oc < o; ++oc) {
      double acc = b.data[oc];
      for (int32_t kk = 0; kk < k; ++kk) {
        const int32_t src = t * s + kk - pad;
        if (src < 0 || src >= w) continue;
        if (dw) {
          acc += static_cast<double>(x.data[static_cast<size_t>(src) * c + oc]) *
                 f.data[static_cast<size_t>(kk) * c + oc];
        } else {
          const float* xr = &x.data[static_cast<size_t>(src) * c];
          const float* fr = &f.data[(static_cast<size_t>(oc) * k + kk) * c];
          for (int32_t ic = 0; ic < c; ++ic) acc += static_cast<double>(xr[ic]) * fr[ic];
        }
      }
      out.data[static_cast<size_t>(t) * o + oc] = static_cast<float>(acc);
    }
  }
  return out;
}

Value eval_fully_connected(const Operator& op, const Inputs& in) {
  Value out;
  const Value &x = in(0), &w = in(1), &b = in(2);
  const int32_t n_out = w.shape[0], n_in = w.shape[1];
  const int64_t rows = count(x.shape) / n_in;
  Shape so = op.options.keep_num_dims ? x.shape : Shape{static_cast<int32_t>(rows), n_out};
  so.back() = n_out;
  out = {so, std::vector<float>(static_cast<size_t>(rows * n_out))};
  for (int64_t r = 0; r < rows; ++r) {
    for (int32_t oc = 0; oc < n_out; ++oc) {
      double acc = b.data[oc];
      for (int32_t ic = 0; ic < n_in; ++ic) {
        acc += static_cast<double>(x.data[r * n_in + ic]) * w.data[static_cast<size_t>(oc) * n_in + ic];
      }
      out.data[r * n_out + oc] = static_cast<float>(acc);
    }
  }
  return out;
}

Value eval_batch_matmul(const Operator& op, const Inputs& in) {
  Value out;
  const Value &a = in(0), &b = in(1);
  const size_t r = a.shape.size();
  const int32_t m = a.shape[r - 2], k = a.shape[r - 1];
  const int32_t n = op.options.adj_y ? b.shape[r - 2] : b.shape[r - 1];
  const int64_t batch = count(Shape(a.shape.begin(), a.shape.end() - 2));
  Shape so = a.shape;
  so[r - 1] = n;
  out = {so, std::vector<float>(static_cast<size_t>(batch * m * n))};
  for (int64_t q = 0; q < batch; ++q) {
    const float* pa = &a.data[q * m * k];
    const float* pb = &b.data[q * k * n];
    for (int32_t i = 0; i < m; ++i) {
      for (int32_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int32_t l = 0; l < k; ++l)
          acc += static_cast<double>(pa[i * k + l]) * (op.options.adj_y ? pb[j * k + l] : pb[l * n + j]);
        out.data[(q * m + i) * n + j] = static_cast<float>(acc);
      }
    }
  }
  return out;
}

Value eval_softmax(const Operator& op, const Inputs& in) {
  Value out;
  out = in(0);
  const int32_t n = out.shape.back();
  for (size_t row = 0; row < out.data.size(); row += n) {
    double hi = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int32_t j = 0; j < n; ++j) hi = std::max(hi, static_cast<double>(out.data[row + j]));
    for (int32_t j = 0; j < n; ++j) sum += std::exp((out.data[row + j] - hi) * op.options.beta);
    for (int32_t j = 0; j < n; ++j) {
      out.data[row + j] = static_cast<float>(std::exp((out.data[row + j] - hi) * op.options.beta) / sum);
    }
  }
  return out;
}

Value eval_slice(const Inputs& in) {
  Value out;
  const Value& x = in(0);
  const std::vector<int32_t> begin = ints(in(1)), size = ints(in(2));
  Shape so(size.begin(), size.end());
  for (size_t d = 0; d < so.size(); ++d) {
    if (so[d] < 0) so[d] = x.shape[d] - begin[d];
  }
  const auto ti = strides(x.shape), to = strides(so);
  out = {so, std::vector<float>(static_cast<size_t>(count(so)))};
  for (int64_t i = 0; i < static_cast<int64_t>(out.data.size()); ++i) {
    int64_t src = 0, rest = i;
    for (size_t d = 0; d < so.size(); ++d) {
      src += (rest / to[d] + begin[d]) * ti[d];
      rest %= to[d];
    }
    out.data[i] = x.data[src];
  }
  return out;
}

Value eval_reshape(const Inputs& in) {
  Value out;
  out = in(0);
  Shape s = ints(in(1));
  int64_t known = 1;
  for (int32_t d : s) known *= d < 0 ? 1 : d;
  for (int32_t& d : s) {
    if (d < 0) d = static_cast<int32_t>(count(out.shape) / known);
  }
  out.shape = s;
  return out;
}

}  // namespace

std::vector<Value> evaluate(const Graph& g, const float* mel, int32_t frames) {
  std::vector<Value> v(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    if (!t.constant) continue;
    v[i].shape = t.shape;
    if (!t.values.empty()) {
      v[i].data = t.values;
    } else if (t.type == TType::i32) {
      v[i].data.resize(t.bytes.size() / 4);
      for (size_t k = 0; k < v[i].data.size(); ++k) {
        int32_t x;
        std::memcpy(&x, &t.bytes[4 * k], 4);
        v[i].data[k] = static_cast<float>(x);
      }
    }
  }
  const int32_t in = g.inputs.at(0);
  v[in].shape = {1, frames, g.tensors[in].shape[2]};
  v[in].data.assign(mel, mel + static_cast<size_t>(frames) * g.tensors[in].shape[2]);

  for (const Operator& op : g.ops) {
    const Inputs input{&v, &op};
    Value out;
    switch (op.op) {
      case TOp::abs:
      case TOp::logistic:
      case TOp::rsqrt:
      case TOp::cast: {
        out = input(0);
        for (float& x : out.data) {
          if (op.op == TOp::abs) x = std::abs(x);
          if (op.op == TOp::logistic) x = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
          if (op.op == TOp::rsqrt) x = static_cast<float>(1.0 / std::sqrt(static_cast<double>(x)));
        }
        break;
      }
      case TOp::add:
        out = binary(input(0), input(1), [](float a, float b) { return a + b; });
        break;
      case TOp::sub:
        out = binary(input(0), input(1), [](float a, float b) { return a - b; });
        break;
      case TOp::mul:
        out = binary(input(0), input(1), [](float a, float b) { return a * b; });
        break;
      case TOp::squared_difference:
        out = binary(input(0), input(1), [](float a, float b) { return (a - b) * (a - b); });
        break;
      case TOp::greater:
        out = binary(input(0), input(1), [](float a, float b) { return a > b ? 1.0f : 0.0f; });
        break;
      case TOp::reduce_max:
      case TOp::mean: {
        const std::vector<int32_t> axes = ints(input(1));
        if (axes.size() != 1 || !op.options.keep_dims) fail(op, "one axis with keep_dims only");
        const int32_t axis = axes[0] < 0 ? axes[0] + static_cast<int32_t>(input(0).shape.size()) : axes[0];
        out = reduce(input(0), axis, op.op == TOp::reduce_max);
        break;
      }
      case TOp::reshape:
        out = eval_reshape(input);
        break;
      case TOp::transpose:
        out = transpose(input(0), ints(input(1)));
        break;
      case TOp::strided_slice:
        out = eval_strided_slice(op, input);
        break;
      case TOp::pad:
        out = eval_pad(input);
        break;
      case TOp::conv_2d:
      case TOp::depthwise_conv_2d:
        out = eval_conv(op, input);
        break;
      case TOp::fully_connected:
        out = eval_fully_connected(op, input);
        break;
      case TOp::batch_matmul:
        out = eval_batch_matmul(op, input);
        break;
      case TOp::softmax:
        out = eval_softmax(op, input);
        break;
      case TOp::shape: {
        const Shape& s = input(0).shape;
        out = {{static_cast<int32_t>(s.size())}, std::vector<float>(s.begin(), s.end())};
        break;
      }
      case TOp::slice:
        out = eval_slice(input);
        break;
      default:
        fail(op, "not supported by the evaluator");
    }
    v.at(op.outputs.at(0)) = std::move(out);
  }
  return v;
}

void Ranges::observe(const std::vector<Value>& values) {
  if (lo.size() < values.size()) {
    lo.resize(values.size(), 0.0f), hi.resize(values.size(), 0.0f), seen.resize(values.size(), false);
    channel_sum.resize(values.size()), rows.resize(values.size(), 0);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& v = values[i];
    for (float x : v.data) {
      if (!seen[i]) {
        lo[i] = hi[i] = x;
        seen[i] = true;
      } else {
        lo[i] = std::min(lo[i], x), hi[i] = std::max(hi[i], x);
      }
    }
    const size_t channels = v.shape.empty() ? 1 : static_cast<size_t>(std::max(v.shape.back(), 1));
    if (v.data.empty() || v.data.size() % channels != 0) continue;
    std::vector<double>& sum = channel_sum[i];
    if (rows[i] < 0) continue;
    if (rows[i] == 0) {
      sum.assign(channels, 0.0);
    } else if (sum.size() != channels) {  // the last axis follows the input's length: no means
      rows[i] = -1;
      sum.clear();
      continue;
    }
    for (size_t k = 0; k < v.data.size(); ++k) sum[k % channels] += v.data[k];
    rows[i] += static_cast<int64_t>(v.data.size() / channels);
  }
}

std::vector<double> Ranges::channel_mean(size_t i) const {
  if (i >= rows.size() || rows[i] <= 0) return {};
  std::vector<double> mean = channel_sum[i];
  for (double& m : mean) m /= static_cast<double>(rows[i]);
  return mean;
}

}  // namespace inherent::exporter::tfl
