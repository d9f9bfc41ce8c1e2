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

// Whole file as bytes; throws Exception(IO_ERROR) naming the path.
std::string read_file(const std::string& path);

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
  void commit();  // flush, fsync, close, rename
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
};

// path if absolute, else base_dir / path.
std::string resolve_path(const std::string& base_dir, const std::string& path);

// Folder that holds path ("." for a bare name).
std::string parent_dir(const std::string& path);

}  // namespace inherent
