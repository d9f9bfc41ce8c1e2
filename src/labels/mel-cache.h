// SPDX-License-Identifier: Apache-2.0
//
// `inherent prep` as a library call: the log-mels of every clip of a labels CSV, cached.
//   OUT/mels/<stem>-<key>.npy   float32 [T, 128], one per clip, written atomically
//   OUT/manifest.csv            the labels rows (audio paths rewritten relative to OUT)
//                               plus mel_path and n_frames; itself a valid labels CSV
// The cache key hashes the audio's absolute path, size and mtime, so a rerun skips
// clips already done (resume after a kill) and recomputes clips whose audio changed.
#pragma once

#include <string>

namespace inherent {

struct PrepOptions {
  std::string labels;    // the labels CSV
  std::string out;       // the cache folder
  unsigned threads = 0;  // 0: every core
  bool force = false;    // recompute clips already cached
  bool quiet = false;    // no progress bar and no summary line

  void validate() const;
  std::string to_string() const;
};

// Writes the cache and OUT/manifest.csv (atomically, last). A clip that fails is named by
// labels:line on stderr, and the run throws without writing the manifest.
void run_prep(const PrepOptions& options);

}  // namespace inherent
