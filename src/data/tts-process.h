// SPDX-License-Identifier: Apache-2.0
//
// Helper processes of the TTS engines (POSIX).
//
// ForkServer: isolates a library that is neither thread-safe nor free of hidden state
// (espeak-ng). The server is forked once, when the caller is still quiet; for every
// request it forks a fresh worker from its own untouched state, which runs the handler
// and writes the reply straight back to the caller. So concurrent callers never share
// library state, every request starts from the same state (the same text gives the same
// samples, whatever ran before), and the busy, multithreaded caller never forks (a child
// forked while another thread holds an allocator lock can deadlock). The server exits
// when the caller's end of its socket closes, which includes the caller being killed.
//
// Pipe: a long-running program driven over stdin, read line by line on its stdout and
// stderr (festival in --pipe mode, the piper voice's helper).
//
// PipePool: one such program per concurrent caller, each writing its clips to its own file
// in one private temporary folder.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
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

  // Sends one request and waits for its reply. Thread-safe: concurrent calls run in
  // parallel workers. Throws std::runtime_error when the handler threw, its worker
  // crashed, or the server is gone (then alive() is false).
  std::string call(const std::string& request);
  bool alive() const;

 private:
  Handler handler_;
  mutable std::mutex mu_;  // guards fd_ and whole requests on it
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

class PipePool {
 public:
  struct Member {
    std::unique_ptr<Pipe> pipe;
    std::string out_file;  // this program's output file inside the pool's folder
  };
  // Starts one program, ready for requests (each request names its member's out_file).
  // May throw.
  using Start = std::function<std::unique_ptr<Pipe>()>;

  // Creates the folder <temp>/inherent-<name>-XXXXXX and starts the first program now
  // (throws std::runtime_error, leaving nothing behind, when either fails).
  PipePool(const std::string& name, Start start);
  ~PipePool();  // stops the programs, removes the folder
  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;

  // A member lent to one caller; back to the pool when the lease ends, unless dropped
  // (its program is gone or stuck: a new one starts when needed).
  class Lease {
   public:
    Lease(PipePool* pool, std::unique_ptr<Member> m) : pool_(pool), m_(std::move(m)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Member* operator->() const { return m_.get(); }
    void drop();

   private:
    PipePool* pool_;
    std::unique_ptr<Member> m_;
  };

  // A free member; starts one (up to 64) when none is free, else waits.
  Lease acquire();
  // Starts programs until `workers` are running.
  void prepare(int workers);

 private:
  std::unique_ptr<Member> start_member();
  void release(std::unique_ptr<Member> m);
  void forget();

  Start start_;
  std::string dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Member>> free_;
  int started_ = 0;
  int serial_ = 0;
};

// Whether an executable of that name is in PATH (or is an existing path).
bool find_in_path(const std::string& name);

}  // namespace inherent::tts::detail
