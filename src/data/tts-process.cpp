// SPDX-License-Identifier: Apache-2.0
// Helper processes of the TTS engines: a fork server and a line-oriented pipe.
#include "data/tts-process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace inherent::tts::detail {

namespace {

// Our ends of helper channels. A helper forked later must not keep them open, or the
// helper behind one would never see end of input when we close our end.
constexpr int kMaxFds = 512;
std::atomic<int> g_fds[kMaxFds];

void register_fd(int fd) {
  for (auto& slot : g_fds) {
    int expected = 0;
    if (slot.compare_exchange_strong(expected, fd + 1)) return;
  }
}

void unregister_fd(int fd) {
  for (auto& slot : g_fds) {
    int expected = fd + 1;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void close_registered_fds() {
  for (auto& slot : g_fds) {
    const int v = slot.load();
    if (v > 0) ::close(v - 1);
  }
}

// Whole-buffer I/O that retries on EINTR. send() with MSG_NOSIGNAL so a dead peer gives
// EPIPE instead of killing us with SIGPIPE.
bool write_all(int fd, const void* data, size_t n, bool socket) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = socket ? ::send(fd, p, n, MSG_NOSIGNAL) : ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// A framed message: status byte, 64-bit length, bytes.
bool send_msg(int fd, uint8_t status, const std::string& body) {
  const uint64_t n = body.size();
  return write_all(fd, &status, 1, true) && write_all(fd, &n, sizeof n, true) &&
         write_all(fd, body.data(), body.size(), true);
}

bool recv_msg(int fd, uint8_t& status, std::string& body) {
  uint64_t n = 0;
  if (!read_all(fd, &status, 1) || !read_all(fd, &n, sizeof n)) return false;
  if (n > (uint64_t{1} << 32)) return false;
  body.resize(static_cast<size_t>(n));
  return n == 0 || read_all(fd, body.data(), body.size());
}

// A one-byte message with room for one descriptor (SCM_RIGHTS) beside it.
struct FdMessage {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  FdMessage() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;  // msg points into this object
  FdMessage& operator=(const FdMessage&) = delete;
};

// A request: `fd` on a marker byte, then the body framed like every other message.
bool send_request(int sock, const std::string& body, int fd) {
  FdMessage m;
  cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t w;
  while ((w = ::sendmsg(sock, &m.msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  return w == 1 && send_msg(sock, 0, body);
}

// Receives what send_request sent; `fd` is -1 when no descriptor came with it.
bool recv_request(int sock, std::string& body, int& fd) {
  fd = -1;
  FdMessage m;
  ssize_t r;
  while ((r = ::recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (r != 1) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg); c; c = CMSG_NXTHDR(&m.msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  uint8_t status = 0;
  return recv_msg(sock, status, body);
}

// The server's loop (in the forked server process, single-threaded; never returns). It
// only forks: each worker writes its reply straight to the socket that came with the
// request, so requests from many caller threads run in parallel.
[[noreturn]] void serve(int sock, const ForkServer::Handler& handler) {
  ::signal(SIGCHLD, SIG_IGN);  // workers are reaped by the kernel
  for (;;) {
    std::string request;
    int reply_fd = -1;
    if (!recv_request(sock, request, reply_fd)) ::_exit(0);  // the caller closed: done
    if (reply_fd < 0) continue;                              // malformed: nobody to answer
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(sock);
      uint8_t st = 0;
      std::string reply;
      try {
        reply = handler(request);
      } catch (const std::exception& e) {
        st = 1, reply = e.what();
      } catch (...) {
        st = 1, reply = "unknown error";
      }
      ::_exit(send_msg(reply_fd, st, reply) ? 0 : 1);
    }
    if (child < 0) (void)send_msg(reply_fd, 1, std::string("fork failed: ") + std::strerror(errno));
    ::close(reply_fd);
  }
}

}  // namespace

ForkServer::ForkServer(Handler handler) : handler_(std::move(handler)) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(sv[0]);
    close_registered_fds();
    ::signal(SIGINT, SIG_IGN);  // Ctrl-C stops the parent, whose exit closes our socket
    serve(sv[1], handler_);
  }
  ::close(sv[1]);
  fd_ = sv[0];
  pid_ = pid;
  register_fd(fd_);
}

ForkServer::~ForkServer() {
  if (fd_ >= 0) {
    unregister_fd(fd_);
    ::close(fd_);
  }  // the server sees end of input and exits
  if (pid_ > 0) {
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string ForkServer::call(const std::string& request) {
  int rv[2];  // the worker's reply channel: we keep rv[0], the worker gets rv[1]
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rv) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  bool sent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sent = fd_ >= 0 && send_request(fd_, request, rv[1]);
    if (!sent && fd_ >= 0) {
      unregister_fd(fd_);
      ::close(fd_);
      fd_ = -1;
    }
  }
  ::close(rv[1]);
  if (!sent) {
    ::close(rv[0]);
    throw std::runtime_error("helper process is not running");
  }
  uint8_t status = 1;
  std::string reply;
  const bool got = recv_msg(rv[0], status, reply);
  ::close(rv[0]);
  if (!got) throw std::runtime_error("helper worker exited without a reply (crashed?)");
  if (status != 0) throw std::runtime_error(reply);
  return reply;
}

bool ForkServer::alive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fd_ >= 0;
}

// ---- Pipe ----

Pipe::Pipe(const std::vector<std::string>& argv) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  pid_ = pid;
  in_ = in[1];
  out_ = out[0];
  register_fd(in_);
  register_fd(out_);
}

Pipe::~Pipe() {
  if (in_ >= 0) {
    unregister_fd(in_);
    ::close(in_);
  }
  if (pid_ > 0) {
    // Give it a moment to exit on end of input, then make sure.
    int st = 0;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(10000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (out_ >= 0) {
    unregister_fd(out_);
    ::close(out_);
  }
}

void Pipe::write(std::string_view text) {
  if (pid_ <= 0 || in_ < 0 || !write_all(in_, text.data(), text.size(), false)) {
    throw std::runtime_error("helper program has exited");
  }
}

std::string Pipe::read_until(std::string_view marker, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::string collected;
  for (;;) {
    size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (line == marker) return collected;
      if (!collected.empty()) collected += '\n';
      collected += line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("helper program timed out; output: " + collected);
    pollfd pfd{out_, POLLIN, 0};
    const int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;  // timeout: checked above
    char chunk[4096];
    const ssize_t r = ::read(out_, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      throw std::runtime_error("helper program exited; output: " + collected + buf_);
    }
    buf_.append(chunk, static_cast<size_t>(r));
  }
}

// ---- PipePool ----

PipePool::PipePool(const std::string& name, Start start) : start_(std::move(start)) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / ("inherent-" + name + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder");
  dir_ = tmpl;
  try {
    prepare(1);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

PipePool::~PipePool() {
  free_.clear();  // stops the programs before their folder goes
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<PipePool::Member> PipePool::start_member() {
  auto m = std::make_unique<Member>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    m->out_file = (std::filesystem::path(dir_) / ("p" + std::to_string(serial_++) + ".wav")).string();
  }
  m->pipe = start_();
  return m;
}

void PipePool::prepare(int workers) {
  std::unique_lock<std::mutex> lock(mu_);
  while (started_ < workers) {
    ++started_;
    lock.unlock();
    std::unique_ptr<Member> m;
    try {
      m = start_member();
    } catch (...) {
      forget();
      throw;
    }
    lock.lock();
    free_.push_back(std::move(m));
  }
}

PipePool::Lease PipePool::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!free_.empty()) {
      auto m = std::move(free_.back());
      free_.pop_back();
      return Lease(this, std::move(m));
    }
    if (started_ < 64) {
      ++started_;
      lock.unlock();
      try {
        return Lease(this, start_member());
      } catch (...) {
        forget();
        throw;
      }
    }
    cv_.wait(lock);
  }
}

void PipePool::release(std::unique_ptr<Member> m) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(m));
  }
  cv_.notify_one();
}

void PipePool::forget() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --started_;
  }
  cv_.notify_one();
}

PipePool::Lease::~Lease() {
  if (m_) pool_->release(std::move(m_));
}

void PipePool::Lease::drop() {
  if (!m_) return;
  m_.reset();
  pool_->forget();
}

bool find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p(path);
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    const std::string dir = p.substr(start, end - start);
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace inherent::tts::detail
