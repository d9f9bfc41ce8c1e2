// SPDX-License-Identifier: Apache-2.0
#include "baseline/text-classifier.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/random.h"
#include "common/safetensors.h"
#include "host/files.h"
#include "host/workers.h"
#include "inherent/inherent.hpp"

namespace inherent::baseline {
namespace {

constexpr int kHeads = INHERENT_N_HEADS;
constexpr const char* kFormat = "inherent-text-baseline";
constexpr const char* kFormatVersion = "1";
constexpr const char* kHash = "fnv1a64";
constexpr const char* kNormalization = "lower-alnum-v1";
constexpr char kSep = '\x1f';

bool is_ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::vector<std::string_view> split_words(std::string_view normalized) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < normalized.size()) {
    const size_t j = std::min(normalized.find(' ', i), normalized.size());
    if (j > i) words.push_back(normalized.substr(i, j - i));
    i = j + 1;
  }
  return words;
}

void check_spec(const FeatureSpec& spec) {
  const uint32_t n = spec.n_buckets;
  if (n == 0 || (n & (n - 1)) != 0 || n > (1u << 31))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "n_buckets must be a power of two <= 2^31, got " + std::to_string(n));
  if (spec.word_min < 1 || spec.word_max > 2 || spec.word_min > spec.word_max)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "word n-gram orders must lie in 1..2");
  if (spec.char_min < 1 || spec.char_max > 16 || spec.char_min > spec.char_max)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "character n-gram lengths must lie in 1..16");
}

double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// Training rows over the compact feature space (buckets seen in training).
struct Design {
  size_t n_rows = 0, n_cols = 0;
  std::vector<size_t> row_ptr;  // [N + 1]
  std::vector<uint32_t> col;    // [nnz]
  std::vector<double> val;      // [nnz]
};

// One head's objective: mean logloss + l2/2 |w[0..K)|^2; w[K] is the bias.
double objective(const Design& x, const std::vector<double>& y, double l2, const std::vector<double>& w,
                 std::vector<double>* grad) {
  const size_t k = x.n_cols;
  std::vector<double>& g = *grad;
  std::fill(g.begin(), g.end(), 0.0);
  double f = 0.0;
  for (size_t i = 0; i < x.n_rows; ++i) {
    double z = w[k];
    for (size_t p = x.row_ptr[i]; p < x.row_ptr[i + 1]; ++p) z += x.val[p] * w[x.col[p]];
    f += softplus(z) - y[i] * z;
    const double r = sigmoid(z) - y[i];
    for (size_t p = x.row_ptr[i]; p < x.row_ptr[i + 1]; ++p) g[x.col[p]] += r * x.val[p];
    g[k] += r;
  }
  const double inv_n = 1.0 / static_cast<double>(x.n_rows);
  f *= inv_n;
  for (double& v : g) v *= inv_n;
  for (size_t j = 0; j < k; ++j) {
    f += 0.5 * l2 * w[j] * w[j];
    g[j] += l2 * w[j];
  }
  return f;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm_inf(const std::vector<double>& a) {
  double m = 0.0;
  for (double v : a) m = std::max(m, std::fabs(v));
  return m;
}

// L-BFGS (two-loop recursion) with a backtracking Armijo line search; pairs with
// too little curvature are skipped so the implicit Hessian stays positive definite.
HeadFit fit_head(const Design& x, const std::vector<double>& y, const TrainOptions& opt,
                 std::vector<double>* w_out) {
  const size_t d = x.n_cols + 1;
  std::vector<double> w(d, 0.0), g(d), w_new(d), g_new(d), dir(d), alpha(static_cast<size_t>(opt.history));
  double pos = 0.0;
  for (double v : y) pos += v;
  w[x.n_cols] = std::log((pos + 0.5) / (static_cast<double>(x.n_rows) - pos + 0.5));
  std::vector<std::vector<double>> s_hist, y_hist;
  std::vector<double> rho_hist;
  HeadFit fit;
  fit.positives = static_cast<size_t>(pos);
  double f = objective(x, y, opt.l2, w, &g);
  for (fit.iterations = 0; fit.iterations < opt.max_iterations; ++fit.iterations) {
    if (norm_inf(g) <= opt.tolerance) {
      fit.converged = true;
      break;
    }
    // Search direction -H g.
    dir = g;
    const size_t m = s_hist.size();
    for (size_t i = m; i-- > 0;) {
      alpha[i] = rho_hist[i] * dot(s_hist[i], dir);
      for (size_t j = 0; j < d; ++j) dir[j] -= alpha[i] * y_hist[i][j];
    }
    double gamma = 1.0;
    if (m > 0) gamma = 1.0 / (rho_hist[m - 1] * dot(y_hist[m - 1], y_hist[m - 1]));
    for (double& v : dir) v *= gamma;
    for (size_t i = 0; i < m; ++i) {
      const double beta = rho_hist[i] * dot(y_hist[i], dir);
      for (size_t j = 0; j < d; ++j) dir[j] += (alpha[i] - beta) * s_hist[i][j];
    }
    for (double& v : dir) v = -v;
    double slope = dot(g, dir);
    if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      for (size_t j = 0; j < d; ++j) dir[j] = -g[j];
      slope = -dot(g, g);
    }
    double step = 1.0;
    if (m == 0) step = std::min(1.0, 1.0 / std::sqrt(-slope));
    double f_new = f;
    bool accepted = false;
    for (int tries = 0; tries < 60; ++tries) {
      for (size_t j = 0; j < d; ++j) w_new[j] = w[j] + step * dir[j];
      f_new = objective(x, y, opt.l2, w_new, &g_new);
      if (std::isfinite(f_new) && f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;  // no decrease possible at this precision
    std::vector<double> s(d), yy(d);
    for (size_t j = 0; j < d; ++j) {
      s[j] = w_new[j] - w[j];
      yy[j] = g_new[j] - g[j];
    }
    const double sy = dot(s, yy);
    if (sy > 1e-12 * dot(yy, yy)) {
      if (s_hist.size() == static_cast<size_t>(opt.history)) {
        s_hist.erase(s_hist.begin());
        y_hist.erase(y_hist.begin());
        rho_hist.erase(rho_hist.begin());
      }
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(yy));
      rho_hist.push_back(1.0 / sy);
    }
    const double decrease = f - f_new;
    w.swap(w_new);
    g.swap(g_new);
    f = f_new;
    if (decrease <= 1e-14 * std::max(1.0, std::fabs(f))) {
      ++fit.iterations;
      fit.converged = norm_inf(g) <= opt.tolerance;
      break;
    }
  }
  if (!fit.converged && norm_inf(g) <= opt.tolerance) fit.converged = true;
  fit.loss = f;
  fit.grad_inf = norm_inf(g);
  *w_out = std::move(w);
  return fit;
}

std::string head_list() {
  std::string s;
  for (int h = 0; h < kHeads; ++h) s += (h ? "," : "") + std::string(inherent_head_name(h));
  return s;
}

bool is_format_key(std::string_view key) {
  for (const char* k : {"format", "format_version", "heads", "hash", "n_buckets", "word_ngrams",
                        "char_ngrams", "normalization", "feature_values", "l2"})
    if (key == k) return true;
  return false;
}

bool parse_range(std::string_view s, int* lo, int* hi) {
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  const char* b = s.data();
  auto r1 = std::from_chars(b, b + dash, *lo);
  auto r2 = std::from_chars(b + dash + 1, b + s.size(), *hi);
  return r1.ec == std::errc() && r1.ptr == b + dash && r2.ec == std::errc() && r2.ptr == b + s.size();
}

std::string shortest(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

[[noreturn]] void bad_model(const std::string& name, const std::string& what) {
  throw Exception(INHERENT_STATUS_INVALID_MODEL, name + ": " + what);
}

}  // namespace

std::string normalize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (unsigned char c : text) {
    if (c == '\'') continue;
    if (is_ascii_alnum(c) || c >= 0x80) {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    } else {
      pending_space = true;
    }
  }
  return out;
}

std::vector<std::string> feature_keys(std::string_view text, const FeatureSpec& spec) {
  check_spec(spec);
  const std::string norm = normalize_text(text);
  std::vector<std::string> keys;
  if (norm.empty()) return keys;
  const std::vector<std::string_view> words = split_words(norm);
  if (spec.word_min <= 1)
    for (std::string_view w : words) keys.push_back(std::string{'w', kSep}.append(w));
  if (spec.word_max >= 2) {
    std::vector<std::string_view> seq;
    seq.push_back("^");
    seq.insert(seq.end(), words.begin(), words.end());
    seq.push_back("$");
    for (size_t i = 0; i + 1 < seq.size(); ++i)
      keys.push_back(std::string{'b', kSep}.append(seq[i]).append(" ").append(seq[i + 1]));
  }
  const std::string padded = " " + norm + " ";
  for (int n = spec.char_min; n <= spec.char_max; ++n) {
    const size_t len = static_cast<size_t>(n);
    for (size_t i = 0; i + len <= padded.size(); ++i)
      keys.push_back(std::string{'c', kSep}.append(padded, i, len));
  }
  return keys;
}

std::vector<Feature> text_features(std::string_view text, const FeatureSpec& spec) {
  const std::vector<std::string> keys = feature_keys(text, spec);
  std::vector<uint32_t> ids;
  ids.reserve(keys.size());
  const uint64_t mask = spec.n_buckets - 1;
  for (const std::string& k : keys)
    ids.push_back(static_cast<uint32_t>(fnv1a64(k, kFnv64OffsetBasis) & mask));
  std::sort(ids.begin(), ids.end());
  std::vector<Feature> out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    out.push_back({ids[i], static_cast<float>(j - i)});
    i = j;
  }
  double sq = 0.0;
  for (const Feature& f : out) sq += static_cast<double>(f.value) * f.value;
  if (sq > 0) {
    const double inv = 1.0 / std::sqrt(sq);
    for (Feature& f : out) f.value = static_cast<float>(f.value * inv);
  }
  return out;
}

TextClassifier TextClassifier::train(const std::vector<std::string>& texts,
                                     const std::vector<HeadLabels>& labels, const FeatureSpec& spec,
                                     const TrainOptions& options, std::vector<HeadFit>* fits) {
  check_spec(spec);
  if (texts.size() != labels.size())
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "train: " + std::to_string(texts.size()) +
                                                          " texts but " + std::to_string(labels.size()) +
                                                          " label rows");
  if (texts.empty()) throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "train: no training rows");
  if (!(options.l2 > 0.0) || options.max_iterations < 0 || options.history < 1)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "train: l2 must be > 0, history >= 1");

  // Features of every row, then the compact column space (ascending bucket order).
  const size_t n = texts.size();
  std::vector<std::vector<Feature>> feats(n);
  for (size_t i = 0; i < n; ++i) feats[i] = text_features(texts[i], spec);
  std::vector<uint32_t> buckets;
  for (const auto& fs : feats)
    for (const Feature& f : fs) buckets.push_back(f.bucket);
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());

  Design x;
  x.n_rows = n;
  x.n_cols = buckets.size();
  x.row_ptr.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    for (const Feature& f : feats[i]) {
      x.col.push_back(static_cast<uint32_t>(std::lower_bound(buckets.begin(), buckets.end(), f.bucket) -
                                            buckets.begin()));
      x.val.push_back(f.value);
    }
    x.row_ptr[i + 1] = x.col.size();
  }
  feats.clear();

  const size_t k = buckets.size();
  std::vector<double> weights(k * kHeads, 0.0);
  std::array<double, kHeads> bias{};
  std::vector<HeadFit> head_fits(kHeads);
  std::atomic<int> next{0};
  auto work = [&] {
    for (int h = next++; h < kHeads; h = next++) {
      std::vector<double> y(n);
      size_t pos = 0;
      for (size_t i = 0; i < n; ++i) {
        y[i] = labels[i][static_cast<size_t>(h)] ? 1.0 : 0.0;
        pos += labels[i][static_cast<size_t>(h)] ? 1 : 0;
      }
      HeadFit fit;
      fit.positives = pos;
      if (pos == 0 || pos == n) {
        fit.constant = true;
        fit.converged = true;
        const double p = (static_cast<double>(pos) + 0.5) / (static_cast<double>(n) + 1.0);
        bias[static_cast<size_t>(h)] = std::log(p / (1.0 - p));
      } else {
        std::vector<double> w;
        fit = fit_head(x, y, options, &w);
        for (size_t j = 0; j < k; ++j) weights[j * kHeads + static_cast<size_t>(h)] = w[j];
        bias[static_cast<size_t>(h)] = w[k];
      }
      head_fits[static_cast<size_t>(h)] = fit;
    }
  };
  const unsigned threads = std::clamp(options.threads, 1u, static_cast<unsigned>(kHeads));
  run_on_threads(static_cast<int>(threads), work);

  TextClassifier model;
  model.spec_ = spec;
  model.l2_ = options.l2;
  model.buckets_ = std::move(buckets);
  model.weights_.resize(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) model.weights_[i] = static_cast<float>(weights[i]);
  for (int h = 0; h < kHeads; ++h)
    model.bias_[static_cast<size_t>(h)] = static_cast<float>(bias[static_cast<size_t>(h)]);
  model.build_slots();
  if (fits) *fits = std::move(head_fits);
  return model;
}

void TextClassifier::build_slots() {
  slot_.assign(spec_.n_buckets, -1);
  for (size_t i = 0; i < buckets_.size(); ++i) slot_[buckets_[i]] = static_cast<int32_t>(i);
}

HeadScores TextClassifier::score(std::string_view text) const {
  if (slot_.empty()) throw Exception(INHERENT_STATUS_INVALID_STATE, "text classifier: no model loaded");
  std::array<double, kHeads> z;
  for (int h = 0; h < kHeads; ++h) z[static_cast<size_t>(h)] = bias_[static_cast<size_t>(h)];
  for (const Feature& f : text_features(text, spec_)) {
    const int32_t row = slot_[f.bucket];
    if (row < 0) continue;
    const float* w = weights_.data() + static_cast<size_t>(row) * kHeads;
    for (int h = 0; h < kHeads; ++h) z[static_cast<size_t>(h)] += static_cast<double>(f.value) * w[h];
  }
  HeadScores out;
  for (int h = 0; h < kHeads; ++h)
    out[static_cast<size_t>(h)] = static_cast<float>(sigmoid(z[static_cast<size_t>(h)]));
  return out;
}

std::string TextClassifier::serialize() const {
  if (slot_.empty()) throw Exception(INHERENT_STATUS_INVALID_STATE, "text classifier: nothing to save");
  std::vector<std::pair<std::string, std::string>> meta = {
      {"format", kFormat},
      {"format_version", kFormatVersion},
      {"heads", head_list()},
      {"hash", kHash},
      {"n_buckets", std::to_string(spec_.n_buckets)},
      {"word_ngrams", std::to_string(spec_.word_min) + "-" + std::to_string(spec_.word_max)},
      {"char_ngrams", std::to_string(spec_.char_min) + "-" + std::to_string(spec_.char_max)},
      {"normalization", kNormalization},
      {"feature_values", "l2-normalized-counts"},
      {"l2", l2_ > 0 ? shortest(l2_) : ""},
  };
  for (const auto& kv : extra_) {
    if (is_format_key(kv.first))
      throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "metadata key '" + kv.first + "' is reserved");
    meta.push_back(kv);
  }
  // Bucket ids as little-endian int32 (they are < 2^31).
  std::vector<uint8_t> ids(buckets_.size() * 4);
  for (size_t i = 0; i < buckets_.size(); ++i)
    for (int b = 0; b < 4; ++b)
      ids[i * 4 + static_cast<size_t>(b)] = static_cast<uint8_t>(buckets_[i] >> (8 * b));
  const int64_t k = static_cast<int64_t>(buckets_.size());
  std::vector<TensorData> tensors = {
      {"bucket", DType::I32, {k}, ids.data()},
      {"weight", DType::F32, {k, kHeads}, weights_.data()},
      {"bias", DType::F32, {kHeads}, bias_.data()},
  };
  std::string out, error;
  if (safetensors_encode(tensors, meta, &out, &error) != INHERENT_STATUS_OK)
    throw Exception(INHERENT_STATUS_INTERNAL, "text classifier: " + error);
  return out;
}

TextClassifier TextClassifier::deserialize(std::string_view bytes, const std::string& name) {
  Safetensors st;
  std::string error;
  if (safetensors_parse(bytes.data(), bytes.size(), &st, &error) != INHERENT_STATUS_OK)
    bad_model(name, error);
  auto meta = [&](const char* key) -> const std::string& {
    const std::string* v = st.find_metadata(key);
    if (!v) bad_model(name, std::string("metadata '") + key + "' missing (not a text baseline model?)");
    return *v;
  };
  if (meta("format") != kFormat) bad_model(name, "format is '" + meta("format") + "', expected " + kFormat);
  if (meta("format_version") != kFormatVersion)
    bad_model(name, "format_version " + meta("format_version") + " is not supported (this build reads " +
                        kFormatVersion + ")");
  if (meta("heads") != head_list()) bad_model(name, "head order differs from this build's: " + meta("heads"));
  if (meta("hash") != kHash) bad_model(name, "unknown hash " + meta("hash"));
  if (meta("normalization") != kNormalization)
    bad_model(name, "unknown normalization " + meta("normalization"));
  if (meta("feature_values") != "l2-normalized-counts")
    bad_model(name, "unknown feature_values " + meta("feature_values"));

  TextClassifier model;
  const std::string& nb = meta("n_buckets");
  unsigned long long buckets_n = 0;
  auto r = std::from_chars(nb.data(), nb.data() + nb.size(), buckets_n);
  if (r.ec != std::errc() || r.ptr != nb.data() + nb.size() || buckets_n == 0 || buckets_n > (1ull << 31) ||
      (buckets_n & (buckets_n - 1)) != 0)
    bad_model(name, "n_buckets '" + nb + "' is not a power of two <= 2^31");
  model.spec_.n_buckets = static_cast<uint32_t>(buckets_n);
  if (!parse_range(meta("word_ngrams"), &model.spec_.word_min, &model.spec_.word_max) ||
      !parse_range(meta("char_ngrams"), &model.spec_.char_min, &model.spec_.char_max))
    bad_model(name, "bad word_ngrams/char_ngrams");
  try {
    check_spec(model.spec_);
  } catch (const Exception& e) {
    bad_model(name, e.what());
  }
  if (const std::string* l2 = st.find_metadata("l2"); l2 && !l2->empty()) {
    auto rr = std::from_chars(l2->data(), l2->data() + l2->size(), model.l2_);
    if (rr.ec != std::errc()) model.l2_ = 0.0;
  }
  for (const auto& kv : st.metadata)
    if (!is_format_key(kv.first)) model.extra_.push_back(kv);

  const TensorView* ids = st.find("bucket");
  if (!ids) bad_model(name, "missing tensor 'bucket'");
  if (ids->dtype != DType::I32 || ids->shape.size() != 1)
    bad_model(name, "tensor 'bucket' must be I32 of rank 1");
  const int64_t k = ids->shape[0];
  model.buckets_.resize(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) {
    const uint8_t* p = ids->data + i * 4;
    const uint32_t v = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                       static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    if (v >= model.spec_.n_buckets) bad_model(name, "bucket " + std::to_string(v) + " out of range");
    if (i > 0 && v <= model.buckets_[static_cast<size_t>(i - 1)])
      bad_model(name, "buckets not strictly ascending at index " + std::to_string(i));
    model.buckets_[static_cast<size_t>(i)] = v;
  }
  model.weights_.resize(static_cast<size_t>(k) * kHeads);
  if (safetensors_read_f32(st, "weight", {k, kHeads}, model.weights_.data(), &error) != INHERENT_STATUS_OK ||
      safetensors_read_f32(st, "bias", {kHeads}, model.bias_.data(), &error) != INHERENT_STATUS_OK)
    bad_model(name, error);
  for (float v : model.weights_)
    if (!std::isfinite(v)) bad_model(name, "non-finite weight");
  for (float v : model.bias_)
    if (!std::isfinite(v)) bad_model(name, "non-finite bias");
  model.build_slots();
  return model;
}

void TextClassifier::save(const std::string& path) const { write_file_atomic(path, serialize()); }

TextClassifier TextClassifier::load(const std::string& path) { return deserialize(read_file(path), path); }

}  // namespace inherent::baseline
