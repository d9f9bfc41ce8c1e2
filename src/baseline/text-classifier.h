// SPDX-License-Identifier: Apache-2.0
//
// The text half of the two-pass baseline: 13 independent L2-regularized logistic
// regressions (one per head, heads.inc order) over hashed n-gram features of a
// transcript. No dependencies beyond the project's safetensors code.
//
// Features of a text (docs/baseline.md has the full specification):
//   normalize: ASCII letters lowercased; apostrophes removed ("what's" -> "whats");
//              every other ASCII character that is not a letter or digit becomes a
//              space; bytes >= 0x80 kept; runs of spaces collapsed; trimmed.
//   words:     unigrams "w\x1f<word>" and bigrams "b\x1f<w1> <w2>" over ^ words $
//              (^ and $ mark the start and the end of the text);
//   chars:     3- to 5-byte grams "c\x1f<gram>" of " " + text + " ".
//   each key is hashed with FNV-1a 64 into n_buckets (a power of two) by the low bits;
//   values are the bucket counts scaled to unit L2 norm. An empty text has no features.
//
// Training minimizes, per head h, mean_i logloss(y_ih, b_h + w_h . x_i) + l2/2 |w_h|^2
// (the bias is not penalized) with L-BFGS in double precision, over the buckets seen in
// training (any other bucket's optimal weight is 0). The result does not depend on the
// number of threads. A head whose training rows are all one class gets weights 0 and
// the bias logit((pos + 0.5) / (n + 1)).
//
// File: safetensors with tensors "bucket" I32 [K] (ascending bucket ids), "weight" F32
// [K, 13] and "bias" F32 [13], and __metadata__ describing the features (format,
// format_version, heads, hash, n_buckets, word_ngrams, char_ngrams, normalization, l2,
// ...). Loading validates everything and restores the float weights bit for bit.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inherent/inherent.h"

namespace inherent::baseline {

using HeadScores = std::array<float, INHERENT_N_HEADS>;
using HeadLabels = std::array<uint8_t, INHERENT_N_HEADS>;

// See the file comment.
std::string normalize_text(std::string_view text);

struct FeatureSpec {
  uint32_t n_buckets = 1u << 18;   // power of two, <= 2^31
  int word_min = 1, word_max = 2;  // word n-gram orders (1..2)
  int char_min = 3, char_max = 5;  // character n-gram lengths in bytes
};

struct Feature {
  uint32_t bucket;
  float value;
};

// Hashed features of one text, sorted by bucket, values with unit L2 norm.
std::vector<Feature> text_features(std::string_view text, const FeatureSpec& spec);

// The feature keys of a text before hashing ("w\x1f" "set", ...), in generation order.
std::vector<std::string> feature_keys(std::string_view text, const FeatureSpec& spec);

struct TrainOptions {
  double l2 = 1e-4;          // lambda of the objective above
  int max_iterations = 500;  // L-BFGS iterations per head
  double tolerance = 1e-6;   // stop when |grad|_inf <= tolerance
  int history = 10;          // L-BFGS memory
  unsigned threads = 1;      // heads trained in parallel (same result for any value)
};

struct HeadFit {
  size_t positives = 0;
  int iterations = 0;
  double loss = 0.0;      // final objective
  double grad_inf = 0.0;  // final |gradient|_inf
  bool converged = false;
  bool constant = false;  // single-class head: prior only
};

class TextClassifier {
 public:
  TextClassifier() = default;

  // texts[i] with labels[i]; throws Exception(INVALID_ARGUMENT) on mismatched sizes, no
  // rows, or a bad spec. fits (optional) receives one entry per head.
  static TextClassifier train(const std::vector<std::string>& texts, const std::vector<HeadLabels>& labels,
                              const FeatureSpec& spec = {}, const TrainOptions& options = {},
                              std::vector<HeadFit>* fits = nullptr);

  // Sigmoid scores in head order.
  HeadScores score(std::string_view text) const;

  // Metadata written with the model (kept in order; the format keys are added by
  // serialize and must not be given here).
  void set_metadata(std::vector<std::pair<std::string, std::string>> extra) { extra_ = std::move(extra); }
  const std::vector<std::pair<std::string, std::string>>& metadata() const { return extra_; }

  // The bytes of the model file / a model from them (throws Exception(INVALID_MODEL)
  // naming `name` and what is wrong).
  std::string serialize() const;
  static TextClassifier deserialize(std::string_view bytes, const std::string& name);
  void save(const std::string& path) const;  // atomic
  static TextClassifier load(const std::string& path);

  const FeatureSpec& spec() const { return spec_; }
  size_t n_features() const { return buckets_.size(); }
  const std::vector<uint32_t>& buckets() const { return buckets_; }
  const std::vector<float>& weights() const { return weights_; }  // [K, 13]
  const HeadScores& bias() const { return bias_; }
  bool empty() const { return slot_.empty(); }

 private:
  void build_slots();

  FeatureSpec spec_;
  double l2_ = 0.0;
  std::vector<uint32_t> buckets_;  // [K] ascending
  std::vector<float> weights_;     // [K, 13]
  HeadScores bias_{};
  std::vector<int32_t> slot_;  // [n_buckets] -> row of weights_, or -1
  std::vector<std::pair<std::string, std::string>> extra_;
};

}  // namespace inherent::baseline
