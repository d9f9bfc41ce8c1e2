// SPDX-License-Identifier: Apache-2.0
#include "distributed.h"

#include <chrono>
#include <cstdlib>

#include "inherent/inherent.hpp"

// LibTorch's c10d Gloo backend. The torch wheel ships the c10d headers and exports the
// Gloo process group from libtorch_cpu, but not Gloo's own headers, which
// ProcessGroupGloo.hpp includes; Debian's libgloo-dev supplies them (the process group
// holds Gloo objects only through pointers, so its layout does not depend on the Gloo
// version, and every Gloo function called resolves inside libtorch_cpu).
#if INHERENT_WITH_GLOO
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if INHERENT_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace inherent::train {
namespace {

[[noreturn]] void fail(inherent_status status, const std::string& what) { throw Exception(status, what); }

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 65535 * 16) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         std::string("environment ") + name + "=" + v + " is not a valid number");
  }
  return static_cast<int>(x);
}

#if INHERENT_WITH_GLOO
class C10dCollective final : public Collective {
 public:
  C10dCollective(int rank, int world, const std::string& addr, int port, const torch::Device& device)
      : rank_(rank), world_(world) {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = world;
    so.waitWorkers = true;
    so.timeout = std::chrono::minutes(5);
    store_ = c10::make_intrusive<c10d::TCPStore>(addr, so);
    // Rank 0 evaluates while the others wait in the next collective: allow for it.
    const auto timeout = std::chrono::milliseconds(int64_t{env_int("INHERENT_DIST_TIMEOUT_S", 3600)} * 1000);
#if INHERENT_WITH_NCCL
    if (device.is_cuda()) {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      backend_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, rank, world, options);
      name_ = "nccl";
    }
#endif
    if (!backend_) {
      if (device.is_cuda()) {
        fail(INHERENT_STATUS_UNSUPPORTED,
             "multi-process CUDA training needs NCCL, and this build has none (LibTorch without CUDA or no "
             "nccl.h)");
      }
      auto options = c10d::ProcessGroupGloo::Options::create_default(timeout);
      // The default device resolves this machine's host name; where that names an
      // address no peer can reach (sandboxes, CI), the ranks wait until the timeout.
      // Ranks that meet on loopback talk over loopback; GLOO_SOCKET_IFNAME still wins.
      if (!std::getenv("GLOO_SOCKET_IFNAME") && (addr == "localhost" || addr.rfind("127.", 0) == 0)) {
        options->devices = {c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")};
      }
      backend_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, rank, world, options);
      name_ = "gloo";
    }
    describe_ = "rank " + std::to_string(rank) + " of " + std::to_string(world) + " (" + name_ + ", " + addr +
                ":" + std::to_string(port) + ")";
  }

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  std::string describe() const override { return describe_; }

  void all_reduce_mean(torch::Tensor& flat) override {
    std::vector<at::Tensor> v = {flat};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;  // Gloo has no AVG
    backend_->allreduce(v, o)->wait();
    flat.div_(world_);
  }

  void broadcast(torch::Tensor& t, int root) override {
    std::vector<at::Tensor> v = {t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    backend_->broadcast(v, o)->wait();
  }

  void barrier() override { backend_->barrier()->wait(); }

 private:
  int rank_, world_;
  std::string name_, describe_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::Backend> backend_;
};
#endif

}  // namespace

bool distributed_available() { return INHERENT_WITH_GLOO != 0; }

std::unique_ptr<Collective> collective_from_environment(const torch::Device& device) {
  const int world = env_int("WORLD_SIZE", 1);
  if (world <= 1) return std::make_unique<Collective>();
  const int rank = env_int("RANK", -1);
  if (rank < 0 || rank >= world) {
    fail(INHERENT_STATUS_INVALID_ARGUMENT,
         "WORLD_SIZE=" + std::to_string(world) + " needs RANK in [0, WORLD_SIZE) (torchrun-style launch)");
  }
  const char* addr = std::getenv("MASTER_ADDR");
  const int port = env_int("MASTER_PORT", 29500);
  if (port < 1 || port > 65535) fail(INHERENT_STATUS_INVALID_ARGUMENT, "MASTER_PORT must be in [1, 65535]");
#if INHERENT_WITH_GLOO
  return std::make_unique<C10dCollective>(rank, world, addr && *addr ? addr : "127.0.0.1", port, device);
#else
  (void)addr;
  (void)device;
  fail(INHERENT_STATUS_UNSUPPORTED,
       "WORLD_SIZE=" + std::to_string(world) +
           ": this build has no multi-process backend (Gloo headers were not found at "
           "configure time: install libgloo-dev and reconfigure)");
#endif
}

}  // namespace inherent::train
