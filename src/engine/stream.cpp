// SPDX-License-Identifier: Apache-2.0
#include "stream.h"

#include <algorithm>
#include <cstring>

#include "engine/evidence.h"
#include "inherent/inherent.hpp"

namespace inherent::engine {

namespace {
using kernels::Epilogue;
}

uint32_t decide(const float* scores, const float* thresholds) {
  if (!(scores[0] >= thresholds[0])) return 0;  // the gate decides first
  uint32_t fired = 1;
  for (int i = 1; i < INHERENT_N_HEADS; ++i)
    if (scores[i] >= thresholds[i]) fired |= 1u << i;
  return fired;
}

Stream::Stream(const Model& model, const StreamConfig& config)
    : model_(model),
      config_(config),
      m_(model.config().n_mels),
      // The whisper and ensemble families cache no subsampling: their windows run whole
      // (stream.h).
      h_(model.config().family == ArchFamily::conformer ? model.config().n_hidden : 0) {
  frame_.resize(m_);
  im2col_.resize(3 * static_cast<size_t>(std::max(m_, h_)));
  row1_.resize(3 * static_cast<size_t>(h_));
  logits_.resize(model.config().n_outputs);
  if (config_.n_threads > 1) {
    pool_ = std::make_unique<ThreadPool>(config_.n_threads);
    ws_.threads = pool_.get();
  }
  ws_.reserve(model_, config_.window_frames);
  reset();
}

void Stream::reset() {
  frontend_.reset();
  base_ = 0;
  n_frames_ = 0;
  mel_.clear();
  valid_.clear();
  voiced_.clear();
  sub1_.clear();
  sub2_.clear();
  sub1_done_ = 0;
  sub2_done_ = 2;  // conv2 at frames 0 and 1 reaches before the stream: never cached
  // Without partial windows the first result is the first full one.
  k_first_ = config_.partial ? 0 : (config_.window_frames + config_.hop_frames - 1) / config_.hop_frames - 1;
  next_k_ = k_first_;
  final_done_ = false;
  skipped_ = 0;
  history_.clear();
  on_ = 0;
}

int64_t Stream::window_end(int64_t k) const { return (k + 1) * config_.hop_frames; }

void Stream::pull_frames() {
  const size_t n = frontend_.frames_ready();
  if (n == 0) return;
  const size_t rows = static_cast<size_t>(n_frames_ - base_) + n;
  mel_.resize(rows * m_);
  valid_.resize(rows);
  voiced_.resize(rows);
  sub1_.resize(rows * h_);
  sub2_.resize(rows * h_);
  for (size_t i = 0; i < n; ++i) {
    frontend_.pop(frame_.data(), 1);
    const int64_t f = n_frames_++;
    valid_[static_cast<size_t>(f - base_)] = normalize_frame(model_, frame_.data(), mel_row(f));
    voiced_[static_cast<size_t>(f - base_)] = frame_is_voiced(frame_.data(), m_) ? 1 : 0;
  }
}

size_t Stream::ready() const {
  // Regular results whose window end has arrived.
  const int64_t avail = n_frames_;
  int64_t k_end = avail / config_.hop_frames;  // results k < k_end are ready
  size_t n = k_end > next_k_ ? static_cast<size_t>(k_end - next_k_) : 0;
  // The flush result after finish(): the frames past the last boundary, or the whole
  // clip when it ended before the first regular result.
  if (frontend_.finished() && !final_done_ && avail > 0 && frontend_.samples_received() > 0 &&
      (avail % config_.hop_frames != 0 || avail < window_end(k_first_)))
    ++n;
  return n;
}

void Stream::drop_backlog() {
  const int64_t k_end = n_frames_ / config_.hop_frames;
  while (k_end - next_k_ > config_.max_pending) {
    ++next_k_;
    ++skipped_;
  }
}

void Stream::compact() {
  // The next window starts at s; conv1 at s reads frame s - 1.
  const int64_t e = window_end(next_k_);
  const int64_t keep = std::max<int64_t>(0, std::min(e, n_frames_) - config_.window_frames - 1);
  if (keep - base_ < std::max<int64_t>(64, n_frames_ - keep)) return;  // not worth moving yet
  const size_t drop = static_cast<size_t>(keep - base_), rows = static_cast<size_t>(n_frames_ - keep);
  std::memmove(mel_.data(), mel_.data() + drop * m_, rows * m_ * sizeof(float));
  std::memmove(valid_.data(), valid_.data() + drop, rows * sizeof(float));
  std::memmove(voiced_.data(), voiced_.data() + drop, rows);
  if (h_ > 0) {
    std::memmove(sub1_.data(), sub1_.data() + drop * h_, rows * h_ * sizeof(float));
    std::memmove(sub2_.data(), sub2_.data() + drop * h_, rows * h_ * sizeof(float));
  }
  mel_.resize(rows * m_);
  valid_.resize(rows);
  voiced_.resize(rows);
  sub1_.resize(rows * h_);
  sub2_.resize(rows * h_);
  base_ = keep;
}

void Stream::accept(const float* samples, size_t n) {
  frontend_.accept(samples, n);
  pull_frames();
  drop_backlog();
  compact();
}

void Stream::finish() {
  frontend_.finish();
  pull_frames();
  drop_backlog();
}

void Stream::compute_sub1(int64_t upto) {
  // conv1 centred on frame f reads frames f - 1, f, f + 1 (frame -1 is padding).
  const kernels::Kernels& k = model_.kernels();
  const size_t width = 3 * static_cast<size_t>(m_);
  for (; sub1_done_ < upto; ++sub1_done_) {
    const int64_t f = sub1_done_;
    for (int j = 0; j < 3; ++j) {
      float* dst = im2col_.data() + j * m_;
      const int64_t src = f - 1 + j;
      if (src < 0 || src < base_) {
        std::memset(dst, 0, sizeof(float) * m_);
      } else {
        std::memcpy(dst, mel_row(src), sizeof(float) * m_);
      }
    }
    k.gemm(kernels::gemm_args(model_.conv1, 1, im2col_.data(), width, sub1_row(f), h_, Epilogue::bias_silu));
    if (valid(f) == 0.0f) std::memset(sub1_row(f), 0, sizeof(float) * h_);
  }
}

void Stream::compute_sub2(int64_t upto) {
  // conv2 centred on frame g reads conv1 at g - 2, g, g + 2 (all cached, g >= 2).
  const kernels::Kernels& k = model_.kernels();
  const size_t width = 3 * static_cast<size_t>(h_);
  for (; sub2_done_ < upto; ++sub2_done_) {
    const int64_t g = sub2_done_;
    for (int j = 0; j < 3; ++j)
      std::memcpy(im2col_.data() + j * h_, sub1_row(g - 2 + 2 * j), sizeof(float) * h_);
    k.gemm(kernels::gemm_args(model_.conv2, 1, im2col_.data(), width, sub2_row(g), h_, Epilogue::bias_silu));
    if (valid(g) == 0.0f) std::memset(sub2_row(g), 0, sizeof(float) * h_);
  }
}

void Stream::window_sub1(int64_t s, int64_t e, int64_t centre, float* out) {
  const kernels::Kernels& k = model_.kernels();
  for (int j = 0; j < 3; ++j) {
    float* dst = im2col_.data() + j * m_;
    const int64_t src = centre - 1 + j;
    if (src < s || src >= e) {
      std::memset(dst, 0, sizeof(float) * m_);
    } else {
      std::memcpy(dst, mel_row(src), sizeof(float) * m_);
    }
  }
  k.gemm(kernels::gemm_args(model_.conv1, 1, im2col_.data(), 3 * static_cast<size_t>(m_), out, h_,
                            Epilogue::bias_silu));
  if (valid(centre) == 0.0f) std::memset(out, 0, sizeof(float) * h_);
}

void Stream::window_sub2(int64_t s, int64_t e, int64_t centre, float* out) {
  const kernels::Kernels& k = model_.kernels();
  for (int j = 0; j < 3; ++j) {
    float* dst = row1_.data() + j * h_;
    const int64_t f = centre - 2 + 2 * j;  // a conv1 step of this window: s + 2 t1
    if (f < s || f >= e) {
      std::memset(dst, 0, sizeof(float) * h_);
    } else if (f >= s + 2 && f + 1 < e) {
      std::memcpy(dst, sub1_row(f), sizeof(float) * h_);  // its three frames are inside
    } else {
      window_sub1(s, e, f, dst);
    }
  }
  k.gemm(kernels::gemm_args(model_.conv2, 1, row1_.data(), 3 * static_cast<size_t>(h_), out, h_,
                            Epilogue::bias_silu));
  if (valid(centre) == 0.0f) std::memset(out, 0, sizeof(float) * h_);
}

bool Stream::window_logits(int64_t s, int64_t e, bool voiced) {
  const int t = static_cast<int>(e - s);
  if (h_ == 0) {          // whisper family: the window's raw frames, whole
    std::string ignored;  // the only failure left is a window of padding: no score
    return voiced && forward(model_, ws_, mel_row(s), t, logits_.data(), &ignored) == INHERENT_STATUS_OK;
  }
  const int t1 = (t + 1) / 2, t2 = (t1 + 1) / 2;
  // Caches below s are never read again (see window_sub2's rule). They advance on every
  // window, scored or not.
  sub1_done_ = std::max(sub1_done_, s);
  sub2_done_ = std::max(sub2_done_, s + 4);
  compute_sub1(e - 1);
  compute_sub2(e - 3);
  ws_.reserve(model_, t);
  bool any = false;
  for (int i = 0; i < t2; ++i) {
    const int64_t g = s + 4 * static_cast<int64_t>(i);
    float* row = ws_.x.data() + static_cast<size_t>(i) * h_;
    if (i >= 1 && g + 4 <= e) {
      std::memcpy(row, sub2_row(g), sizeof(float) * h_);
    } else {
      window_sub2(s, e, g, row);
    }
    ws_.valid2[i] = valid(g);
    any = any || ws_.valid2[i] != 0.0f;
  }
  if (!any || !voiced) return false;
  encode(model_, ws_, t2, logits_.data());
  return true;
}

int64_t Stream::voiced_in(int64_t s, int64_t e) const {
  int64_t n = 0;
  for (int64_t f = s; f < e; ++f) n += voiced_[static_cast<size_t>(f - base_)];
  return n;
}

bool Stream::next(StreamResult* out) {
  if (ready() == 0) return false;
  // Which window: the next regular one, or the flush after finish().
  int64_t e = window_end(next_k_);
  const bool flush = e > n_frames_;
  if (flush) e = n_frames_;
  const int64_t s = std::max<int64_t>(0, e - config_.window_frames);
  const int t = static_cast<int>(e - s);

  StreamResult r;
  r.first_frame = s;
  r.n_frames = t;
  r.skipped = skipped_;
  skipped_ = 0;
  // A window of padding only, or with too little sound, scores 0 everywhere.
  if (window_logits(s, e, voiced_in(s, e) >= config_.min_voiced_frames)) {
    sigmoid(logits_.data(), INHERENT_N_HEADS, r.scores);
    if (const int h = first_non_finite_score(r.scores); h >= 0)
      throw Exception(INHERENT_STATUS_INVALID_MODEL, non_finite_score_message(model_, h));
  }

  // Decisions: moving average, hysteresis, gate.
  history_.emplace_back(r.scores, r.scores + INHERENT_N_HEADS);
  while (static_cast<int>(history_.size()) > config_.smoothing) history_.pop_front();
  const float* thresholds = model_.metadata().thresholds;
  for (int i = 0; i < INHERENT_N_HEADS; ++i) {
    double sum = 0;
    for (const auto& h : history_) sum += h[i];
    r.smoothed[i] = static_cast<float>(sum / static_cast<double>(history_.size()));
    const bool was_on = (on_ >> i) & 1u;
    const float off_below = thresholds[i] - config_.hysteresis;
    const bool now_on = was_on ? r.smoothed[i] >= off_below : r.smoothed[i] >= thresholds[i];
    on_ = now_on ? on_ | (1u << i) : on_ & ~(1u << i);
  }
  r.fired = (on_ & 1u) ? on_ : 0u;

  if (flush) {
    final_done_ = true;
  } else {
    ++next_k_;
  }
  compact();
  *out = r;
  return true;
}

}  // namespace inherent::engine
