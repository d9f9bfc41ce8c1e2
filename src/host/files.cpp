// SPDX-License-Identifier: Apache-2.0
#include "files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/package-files.h"
#include "inherent/inherent.hpp"

namespace inherent {
namespace {

[[noreturn]] void io_error(const std::string& path, const std::string& what) {
  throw Exception(INHERENT_STATUS_IO_ERROR, path + ": " + what + " (" + std::strerror(errno) + ")");
}

}  // namespace

std::string read_file(const std::string& path, size_t max_bytes) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) io_error(path, "cannot open file");
  if (S_ISDIR(info.st_mode)) throw Exception(INHERENT_STATUS_IO_ERROR, path + ": is a directory, not a file");
  if (!S_ISREG(info.st_mode))
    throw Exception(INHERENT_STATUS_IO_ERROR,
                    path + ": is not a regular file (a FIFO or device); save it to a file first");
  if (static_cast<uint64_t>(info.st_size) > max_bytes)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    path + ": is " + std::to_string(info.st_size) + " bytes, more than the " +
                        std::to_string(max_bytes) + " this tool reads whole");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) io_error(path, "cannot open file");
  std::string out;
  out.reserve(static_cast<size_t>(info.st_size));
  char buf[1 << 16];
  size_t got = 0;
  while (out.size() <= max_bytes && (got = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, got);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) io_error(path, "read error");
  if (out.size() > max_bytes)
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT,
                    path + ": grew past the " + std::to_string(max_bytes) + " bytes this tool reads whole");
  return out;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<unsigned> counter{0};
  temp_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) io_error(temp_, "cannot create file");
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

void AtomicFile::write(const void* data, size_t n) {
  if (n && std::fwrite(data, 1, n, file_) != n) io_error(temp_, "write failed");
}

void AtomicFile::commit() {
  if (std::fflush(file_) != 0) io_error(temp_, "write failed");
  if (::fsync(::fileno(file_)) != 0) io_error(temp_, "fsync failed");
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    std::remove(temp_.c_str());
    io_error(temp_, "close failed");
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    std::remove(temp_.c_str());
    io_error(path_, "cannot rename " + temp_);
  }
  fsync_dir(parent_dir(path_));
}

void fsync_dir(const std::string& dir) {
  // The rename lives in the folder's entries: until they reach the disk, a crash can
  // bring back the old file.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) io_error(dir, "cannot open the folder to fsync it");
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot fsync folders (EINVAL): the rename is as durable as they allow.
  if (rc != 0 && err != EINVAL) {
    errno = err;
    io_error(dir, "fsync of the folder failed");
  }
}

DirLock::DirLock(const std::string& dir, const std::string& what) {
  const std::string path = dir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) io_error(path, "cannot create the lock file");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const ssize_t got = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    const std::string pid = got > 0 ? std::string(buf, static_cast<size_t>(got)) : std::string("unknown");
    throw Exception(INHERENT_STATUS_INVALID_ARGUMENT, dir + ": another " + what +
                                                          " is using this folder (pid " +
                                                          pid.substr(0, pid.find_first_of("\n ")) +
                                                          "); wait for it to end or choose another folder");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    io_error(path, "cannot write the lock file");
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::string parent_dir(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::string checkpoint_weights_file(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return path;
  for (const std::string& name :
       {std::string(kPackageWeightsFile), std::string("best/") + kPackageWeightsFile,
        std::string("last/") + kPackageWeightsFile}) {
    const std::string candidate = resolve_path(path, name);
    if (std::filesystem::is_regular_file(candidate)) return candidate;
  }
  throw Exception(INHERENT_STATUS_IO_ERROR,
                  path + ": no " + kPackageWeightsFile + " (nor best/ or last/ of a training run) inside");
}

std::string run_checkpoint_dir(const std::string& run) {
  const std::string best = resolve_path(run, "best");
  return std::filesystem::is_regular_file(resolve_path(best, kPackageWeightsFile))
             ? best
             : resolve_path(run, "last");
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace inherent
