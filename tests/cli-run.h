// SPDX-License-Identifier: Apache-2.0
//
// What the CLI end-to-end tests share: run `inherent ARGS` through the shell, capture
// stdout, stderr (through a file in the test's scratch folder) and the exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace inherent::test
