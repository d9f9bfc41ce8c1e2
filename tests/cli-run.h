// SPDX-License-Identifier: Apache-2.0
//
// What the CLI end-to-end tests share: run `inherent ARGS` through the shell, capture
// stdout, stderr (through a file in the test's scratch folder) and the exit code.
//
// A test program names its scratch folder once and keeps its short helpers:
//   const inherent::test::CliScratch cli("eval", "audio");  // <tmp>/inherent-test-eval-<pid>
//   fs::path scratch() { return cli.dir(); }
//   CliRun inherent_cli(const std::string& args) { return cli.run(args); }
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

namespace inherent::test {

struct CliRun {
  int code = -1;  // exit status; -1 when the process did not exit normally
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs `'CLI' ARGS` (ARGS already shell-quoted where needed), optionally from folder
// `cwd`; stderr goes through scratch/stderr.txt.
inline CliRun run_cli(const std::string& cli, const std::filesystem::path& scratch, const std::string& args,
                      const std::string& cwd = "") {
  const std::filesystem::path err_file = scratch / "stderr.txt";
  std::string cmd = cwd.empty() ? std::string() : "cd '" + cwd + "' && ";
  cmd += "'" + cli + "' " + args + " 2>'" + err_file.string() + "'";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), got);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  return r;
}

// A path in single quotes for a shell command line.
inline std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

#ifdef INHERENT_CLI
// The scratch folder of one test program, <tmp>/inherent-test-<name>-<pid>, and the
// `inherent` binary (INHERENT_CLI) run with its stderr there. The folder is emptied and
// created (with `subfolder` inside, when given) on first use, so listing the tests
// touches nothing, and removed when the program ends (INHERENT_TEST_KEEP=1 keeps it).
class CliScratch {
 public:
  explicit CliScratch(std::string name, std::string subfolder = "")
      : name_(std::move(name)), subfolder_(std::move(subfolder)) {}
  ~CliScratch() {
    std::error_code ec;
    if (!dir_.empty() && !std::getenv("INHERENT_TEST_KEEP")) std::filesystem::remove_all(dir_, ec);
  }
  CliScratch(const CliScratch&) = delete;
  CliScratch& operator=(const CliScratch&) = delete;

  const std::filesystem::path& dir() const {
    std::call_once(once_, [this] {
      dir_ = std::filesystem::temp_directory_path() /
             ("inherent-test-" + name_ + "-" + std::to_string(::getpid()));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(subfolder_.empty() ? dir_ : dir_ / subfolder_);
    });
    return dir_;
  }

  // Runs `inherent ARGS` (ARGS already shell-quoted where needed), from `cwd` when given.
  CliRun run(const std::string& args, const std::string& cwd = "") const {
    return run_cli(INHERENT_CLI, dir(), args, cwd);
  }

 private:
  std::string name_, subfolder_;
  mutable std::once_flag once_;
  mutable std::filesystem::path dir_;
};
#endif

}  // namespace inherent::test
