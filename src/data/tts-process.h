// SPDX-License-Identifier: Apache-2.0
//
// Helper processes of the TTS engines (POSIX).
//
// ForkServer: isolates a library that is neither thread-safe nor free of hidden state
// (espeak-ng). The server is forked once from the calling process; for every request it
// forks a fresh child from its own untouched state, runs the handler there and sends the
// reply back. So concurrent callers never share library state, and every request starts
// from the same state (the same text gives the same samples, whatever ran before).
// The server dies with the thread that created it (PR_SET_PDEATHSIG), so a killed job
// leaves no helpers behind; create servers from a long-lived thread.
//
// Pipe: a long-running program driven over stdin, read line by line on its stdout and
// stderr (festival in --pipe mode).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace inherent::tts::detail {

class ForkServer {
 public:
  // Runs in a fresh child per request; may throw (the message becomes the caller's error).
  using Handler = std::function<std::string(const std::string& request)>;

  explicit ForkServer(Handler handler);  // forks the server now
  ~ForkServer();
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // Sends one request and waits for the reply. Throws std::runtime_error when the handler
  // threw or its child crashed; the server itself keeps running. Not thread-safe: one
  // caller at a time per server.
  std::string call(const std::string& request);
  bool alive() const { return fd_ >= 0; }

 private:
  Handler handler_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

class Pipe {
 public:
  // Starts argv[0] (searched in PATH) with stdin from us and stdout+stderr to us.
  explicit Pipe(const std::vector<std::string>& argv);
  ~Pipe();  // closes stdin, waits briefly, then kills
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  void write(std::string_view text);  // throws when the program has gone
  // Lines until one equals `marker` (not included), joined with '\n'. Throws on end of
  // output or after timeout_s seconds.
  std::string read_until(std::string_view marker, double timeout_s);
  bool alive() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buf_;
};

// Whether an executable of that name is in PATH (or is an existing path).
bool find_in_path(const std::string& name);

}  // namespace inherent::tts::detail
