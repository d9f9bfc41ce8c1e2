// SPDX-License-Identifier: Apache-2.0
#include "process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "host/files.h"

extern char** environ;

namespace inherent::exporter {
namespace {

namespace fs = std::filesystem;

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
  ProcessResult r;
  if (argv.empty()) return r;
  char tmpl[] = "/tmp/inherent-process-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) return r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fd);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = argv[0].find('/') == std::string::npos
                          ? posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ)
                          : posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fd);
  if (spawned == 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    try {
      r.output = read_file(tmpl);
    } catch (...) {
    }
  } else {
    r.output = "cannot start " + argv[0];
  }
  std::remove(tmpl);
  return r;
}

std::string find_program(const std::string& name, const char* env_var,
                         const std::vector<std::string>& also_beside) {
  if (const char* v = env_var ? std::getenv(env_var) : nullptr; v && *v) return executable(v) ? v : "";
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t end = dirs.find(':', start);
      const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty() && executable(dir + "/" + name)) return dir + "/" + name;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  for (const std::string& other : also_beside) {
    if (other.empty()) continue;
    const std::string candidate = (fs::path(other).parent_path() / name).string();
    if (executable(candidate)) return candidate;
  }
  return {};
}

std::string find_python() { return find_program("python3", "INHERENT_PYTHON"); }

}  // namespace inherent::exporter
