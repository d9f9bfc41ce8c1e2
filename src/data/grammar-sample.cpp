// SPDX-License-Identifier: Apache-2.0
// Drawing a balanced, labelled, deterministic set of sentences from a grammar.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "data/grammar-ast.h"
#include "inherent/inherent.hpp"

namespace inherent {

namespace {

// Templates of one split grouped by category, for weighted draws: category, then template.
struct Pool {
  std::vector<std::vector<size_t>> templates;  // per category
  std::vector<std::vector<double>> weights;
  std::vector<double> category_weight;
  double total = 0;

  bool empty() const { return total <= 0; }
  size_t category(detail::Rng& rng) const { return rng.pick(category_weight, total); }
  size_t draw_in(size_t c, detail::Rng& rng) const {
    double tw = 0;
    for (double w : weights[c]) tw += w;
    return templates[c][rng.pick(weights[c], tw)];
  }
  size_t draw(detail::Rng& rng) const { return draw_in(category(rng), rng); }
};

template <class Keep>
Pool make_pool(const Grammar::Data& d, Split split, const SampleOptions& o, Keep keep) {
  std::map<std::string, size_t> index;
  Pool p;
  for (size_t t = 0; t < d.templates.size(); ++t) {
    const TemplateInfo& info = d.templates[t];
    if (info.split != split || !keep(info)) continue;
    auto [it, fresh] = index.try_emplace(info.category, p.templates.size());
    if (fresh) {
      p.templates.emplace_back();
      p.weights.emplace_back();
      auto ow = o.category_weights.find(info.category);
      p.category_weight.push_back(ow != o.category_weights.end() ? ow->second
                                                                 : d.category_weight.at(info.category));
    }
    p.templates[it->second].push_back(t);
    p.weights[it->second].push_back(info.weight);
  }
  for (double w : p.category_weight) p.total += std::max(0.0, w);
  return p;
}

}  // namespace

std::vector<Utterance> Grammar::sample(size_t n, Split split, uint64_t seed, const SampleOptions& o) const {
  if (!(o.gate0_fraction >= 0 && o.gate0_fraction <= 1))
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, "gate0_fraction must be in [0, 1]");
  if (o.hard_negative_fraction > 1)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    "hard_negative_fraction must be <= 1 (< 0: by weights)");
  const Data& d = *d_;
  detail::Rng rng(detail::hash64(split_name(split), seed));
  const SplitMask own = split_bit(split);
  const std::string where = std::string("split ") + split_name(split) + ": ";

  const bool by_weights = o.hard_negative_fraction < 0;
  const Pool gate1 = make_pool(d, split, o, [](const TemplateInfo& i) { return i.declared[0] == 1; });
  const Pool hard =
      make_pool(d, split, o, [&](const TemplateInfo& i) { return !i.declared[0] && (i.hard || by_weights); });
  const Pool soft =
      make_pool(d, split, o, [&](const TemplateInfo& i) { return !i.declared[0] && !i.hard && !by_weights; });

  const size_t n0 = static_cast<size_t>(std::llround(static_cast<double>(n) * o.gate0_fraction));
  const size_t n1 = n - n0;
  if (n1 > 0 && gate1.empty())
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + "no gate-1 templates");
  if (n0 > 0 && hard.empty() && soft.empty())
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, where + "no gate-0 templates");

  // Templates whose sentences a held-out split must not repeat: every earlier split's.
  std::vector<size_t> earlier;
  SplitMask earlier_values = 0;
  if (o.new_sentences)
    for (int s = 0; s < static_cast<int>(split); ++s) earlier_values |= split_bit(static_cast<Split>(s));
  for (size_t t = 0; t < d.templates.size(); ++t)
    if (earlier_values & split_bit(d.templates[t].split)) earlier.push_back(t);

  // Times each sentence was taken; a sentence at the limit is rejected, and below it a
  // repeat is only taken when no new sentence comes up (see `tries` and the gate-0 gap).
  std::unordered_map<std::string, size_t> seen;
  const size_t repeat_limit = o.unique ? std::max<size_t>(o.max_repeats, 1) : 0;
  auto times_seen = [&](const std::string& text) -> size_t {
    auto it = seen.find(text);
    return it == seen.end() ? 0 : it->second;
  };
  auto acceptable = [&](const Utterance& u, size_t t) {
    if (repeat_limit && times_seen(u.text) >= repeat_limit) return false;
    if (!earlier.empty()) {
      detail::Matcher m(d, u.text, earlier_values);
      for (size_t e : earlier)
        if (m.matches(e)) return false;
    }
    if (o.reject_conflicts) {
      detail::Matcher m(d, u.text, all_splits);
      const int sig = d.tdata[t].signature;
      for (size_t x = 0; x < d.templates.size(); ++x)
        if (d.tdata[x].signature != sig && m.matches(x)) return false;
    }
    return true;
  };
  constexpr size_t max_failures = 4000;  // consecutive rejected candidates before giving up
  constexpr size_t tries = 24;           // draws in one category before a repeat is taken
  auto ran_out = [&](const char* what, size_t got, size_t want) {
    return Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                     where + "ran out of new " + what + " sentences (" + std::to_string(got) + " of " +
                         std::to_string(want) + "): ask for fewer, or add templates and values");
  };

  // Gate 1: first each head's minimum, then draws by category weight.
  std::vector<Utterance> out1;
  std::array<size_t, INHERENT_N_HEADS> count{};
  auto add1 = [&](Utterance&& u) {
    for (int h = 0; h < INHERENT_N_HEADS; ++h) count[h] += u.heads[h];
    seen[u.text]++;
    out1.push_back(std::move(u));
  };
  for (int h = 1; h < INHERENT_N_HEADS && o.min_per_head > 0; ++h) {
    const Pool ph = make_pool(d, split, o, [h](const TemplateInfo& i) { return i.possible[h] == 1; });
    if (ph.empty()) continue;
    for (size_t fails = 0; count[h] < o.min_per_head && out1.size() < n1 && fails < max_failures;) {
      const size_t t = ph.draw(rng);
      Utterance u = expand(t, rng.next(), own);
      if (u.heads[h] && acceptable(u, t))
        add1(std::move(u)), fails = 0;
      else
        ++fails;
    }
  }
  // A category first, so an exhausted one keeps its share through repeats (when allowed)
  // instead of handing it to the others; within it, new sentences are preferred.
  for (size_t fails = 0; out1.size() < n1;) {
    const size_t c = gate1.category(rng);
    std::optional<Utterance> pick, repeat;
    for (size_t k = 0; k < tries && !pick; ++k) {
      const size_t t = gate1.draw_in(c, rng);
      Utterance u = expand(t, rng.next(), own);
      const bool fresh = times_seen(u.text) == 0;
      if ((fresh || !repeat) && acceptable(u, t)) (fresh ? pick : repeat) = std::move(u);
    }
    if (!pick) pick = std::move(repeat);
    if (pick) {
      add1(std::move(*pick));
      fails = 0;
    } else if (++fails > max_failures / tries) {
      throw ran_out("gate-1", out1.size(), n1);
    }
  }

  // Gate 0: each sentence aims at the word count of a gate-1 sentence, so that length
  // never tells the gate; the closest of a few candidates wins.
  std::vector<int> targets;
  if (o.match_lengths)
    for (const Utterance& u : out1) targets.push_back(word_count(u.text));
  for (size_t i = targets.size(); i > 1; --i) std::swap(targets[i - 1], targets[rng.below(i)]);
  const double p_hard = by_weights ? 1.0 : soft.empty() ? 1.0 : hard.empty() ? 0.0 : o.hard_negative_fraction;
  constexpr int candidates = 16;
  std::vector<Utterance> out0;
  for (size_t i = 0, fails = 0; out0.size() < n0;) {
    const int target = targets.empty() ? -1 : targets[i % targets.size()];
    const Pool& pool = rng.uniform() < p_hard ? hard : soft;  // one pool per sentence keeps the share
    std::optional<Utterance> best;
    int best_gap = 1 << 30;
    for (int k = 0; k < candidates && best_gap > 0; ++k) {
      const size_t t = pool.draw(rng);
      Utterance u = expand(t, rng.next(), own);
      // A repeat counts as far off in length, so it only wins when nothing new comes up.
      const int gap =
          (target < 0 ? 0 : std::abs(word_count(u.text) - target)) + (times_seen(u.text) ? 1000 : 0);
      if (gap >= best_gap || !acceptable(u, t)) continue;
      best_gap = gap;
      best = std::move(u);
    }
    if (!best) {
      if (++fails > max_failures / candidates) throw ran_out("gate-0", out0.size(), n0);
      continue;
    }
    fails = 0;
    ++i;
    seen[best->text]++;
    out0.push_back(std::move(*best));
  }

  // Interleave: a deterministic shuffle of both parts.
  std::vector<Utterance> out;
  out.reserve(n);
  for (Utterance& u : out1) out.push_back(std::move(u));
  for (Utterance& u : out0) out.push_back(std::move(u));
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.below(i)]);
  return out;
}

SampleStats summarize(const std::vector<Utterance>& sentences) {
  SampleStats s;
  s.n = sentences.size();
  std::unordered_set<std::string> texts;
  double w0 = 0, w1 = 0;
  for (const Utterance& u : sentences) {
    texts.insert(u.text);
    for (int h = 0; h < INHERENT_N_HEADS; ++h) s.positives[h] += u.heads[h];
    const int w = word_count(u.text);
    if (u.heads[0]) {
      s.words_gate1[w]++;
      w1 += w;
      s.out_of_scope += u.kind == TemplateKind::out_of_scope;
    } else {
      s.words_gate0[w]++;
      w0 += w;
      s.gate0++;
      s.hard += u.hard;
    }
    s.per_category[u.category]++;
  }
  s.distinct_texts = texts.size();
  const size_t n1 = s.n - s.gate0;
  if (s.gate0) s.mean_words_gate0 = w0 / static_cast<double>(s.gate0);
  if (n1) s.mean_words_gate1 = w1 / static_cast<double>(n1);
  if (s.gate0 && n1) {  // Kolmogorov-Smirnov distance of the two word-count distributions
    std::map<int, std::pair<size_t, size_t>> both;
    for (auto [w, c] : s.words_gate0) both[w].first = c;
    for (auto [w, c] : s.words_gate1) both[w].second = c;
    double c0 = 0, c1 = 0;
    for (auto& [w, c] : both) {
      c0 += static_cast<double>(c.first) / static_cast<double>(s.gate0);
      c1 += static_cast<double>(c.second) / static_cast<double>(n1);
      s.length_ks = std::max(s.length_ks, std::abs(c0 - c1));
    }
  }
  return s;
}

}  // namespace inherent
