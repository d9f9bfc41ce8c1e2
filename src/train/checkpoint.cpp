// SPDX-License-Identifier: Apache-2.0
#include "checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent::train {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_fail(const std::string& what) {
  throw Exception(INHERENT_STATUS_IO_ERROR, what + ": " + std::strerror(errno));
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Temporaries live beside the target: "<parent>/.<name>.new-<pid>" and ".<name>.old-<pid>".
std::string sibling(const fs::path& target, const std::string& kind) {
  return (target.parent_path() /
          ("." + target.filename().string() + "." + kind + "-" + std::to_string(::getpid())))
      .string();
}

}  // namespace

void write_checkpoint_dir(const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& files,
                          const std::string& complete_marker) {
  const fs::path target = fs::absolute(path);
  const std::string parent = target.parent_path().string();
  const std::string fresh = sibling(target, "new"), old = sibling(target, "old");
  fs::remove_all(fresh);
  fs::create_directories(fresh);
  // The marker last: a directory without it was never completed.
  for (const auto& [name, bytes] : files) {
    if (name != complete_marker) write_file_atomic(fresh + "/" + name, bytes);
  }
  for (const auto& [name, bytes] : files) {
    if (name == complete_marker) write_file_atomic(fresh + "/" + name, bytes);
  }
  fsync_dir(fresh);
  if (!fs::exists(target)) {
    if (std::rename(fresh.c_str(), target.c_str()) != 0)
      io_fail("cannot rename " + fresh + " to " + target.string());
  } else if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(fresh);  // now holds the previous checkpoint
  } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    // No atomic exchange here: old aside, new in place; find_checkpoint_dir repairs a
    // kill between the two renames.
    fs::remove_all(old);
    if (std::rename(target.c_str(), old.c_str()) != 0) io_fail("cannot rename " + target.string());
    if (std::rename(fresh.c_str(), target.c_str()) != 0) io_fail("cannot rename " + fresh);
    fs::remove_all(old);
  } else {
    io_fail("cannot swap " + fresh + " with " + target.string());
  }
  fsync_dir(parent);
}

std::optional<std::string> find_checkpoint_dir(const std::string& path, const std::string& complete_marker) {
  const fs::path target = fs::absolute(path);
  const std::string prefix = "." + target.filename().string() + ".";
  auto complete = [&](const fs::path& dir) { return fs::exists(dir / complete_marker); };
  std::error_code ec;
  if (!fs::exists(target) && fs::exists(target.parent_path())) {
    // A kill between the two renames of the fallback: prefer the new one if complete.
    std::optional<fs::path> best_new, best_old;
    for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with(prefix) || !complete(entry.path())) continue;
      if (name.find(".new-") != std::string::npos) best_new = entry.path();
      if (name.find(".old-") != std::string::npos) best_old = entry.path();
    }
    if (const auto pick = best_new ? best_new : best_old) fs::rename(*pick, target);
  }
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) fs::remove_all(entry.path(), ec);
  }
  if (fs::exists(target) && complete(target)) return target.string();
  return std::nullopt;
}

}  // namespace inherent::train
