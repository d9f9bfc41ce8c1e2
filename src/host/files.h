// SPDX-License-Identifier: Apache-2.0
//
// File helpers. Every output a tool writes goes through AtomicFile (write to a
// temporary name beside the target, then rename), so an interrupted job never leaves
// a half-written file under the final name.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace inherent {

// Files the tools read whole (labels, configs, metadata, JSON) are capped at this size:
// a larger one is refused with its name and the limit, before memory grows with it.
inline constexpr size_t kMaxReadBytes = size_t{512} << 20;

// Whole regular file as bytes, at most max_bytes; throws Exception naming the path:
// IO_ERROR when it cannot be read, is a directory, FIFO or device (a stream read whole
// never ends), INVALID_ARGUMENT when it is larger than max_bytes.
std::string read_file(const std::string& path, size_t max_bytes = kMaxReadBytes);

// The environment variable `name` when set and not empty, else fallback.
std::string env_or(const char* name, const std::string& fallback);

// Writes bytes to path atomically.
void write_file_atomic(const std::string& path, std::string_view bytes);

// A file written under "<path>.tmp-<pid>-<n>" and renamed to path by commit().
// Destroyed without commit(): the temporary is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  void commit();  // flush, fsync, close, rename, fsync the folder (each step checked)
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
};

// fsync of a folder, after a rename into it (IO_ERROR naming it on failure).
void fsync_dir(const std::string& dir);

// An exclusive lock on a folder (flock on "<dir>/.lock", which holds the owner's pid),
// held while the object lives; the kernel drops it when the process dies, so a killed run
// never leaves a stale lock. A second holder is refused with an Exception naming the
// folder and the first holder's pid.
class DirLock {
 public:
  DirLock(const std::string& dir, const std::string& what);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// path if absolute, else base_dir / path.
std::string resolve_path(const std::string& base_dir, const std::string& path);

// Folder that holds path ("." for a bare name).
std::string parent_dir(const std::string& path);

// The weights a checkpoint path names, the one lookup for every tool: the file itself;
// in a folder, its model.safetensors; in a training run folder, best/ (else last/)
// model.safetensors. Throws Exception(IO_ERROR) naming the path when there is none.
std::string checkpoint_weights_file(const std::string& path);
// The checkpoint folder of a training run: best/ when it holds weights, else last/.
std::string run_checkpoint_dir(const std::string& run);

}  // namespace inherent
