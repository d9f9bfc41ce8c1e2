// SPDX-License-Identifier: Apache-2.0
//
// Data-parallel training across processes with LibTorch's c10d: every rank computes
// gradients on its own batches, all_reduce_mean averages them, and every rank applies
// the same update, so the weights stay identical. Launched torchrun-style: each
// process gets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (LOCAL_RANK picks the GPU);
// rank 0 hosts the rendezvous store. Gloo carries CPU tensors, NCCL CUDA tensors (when
// LibTorch was built with CUDA). Without WORLD_SIZE (or with 1) training runs alone.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace inherent::train {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
  virtual std::string describe() const { return "single process"; }
  // In place: every rank ends with the element-wise mean over ranks.
  virtual void all_reduce_mean(torch::Tensor& /*flat*/) {}
  // In place: every rank ends with root's values.
  virtual void broadcast(torch::Tensor& /*t*/, int /*root*/) {}
  virtual void barrier() {}
};

// The process group the environment asks for (see above); a single-process Collective
// when WORLD_SIZE is unset or 1. Throws with a clear message on a bad environment or
// when this build has no backend for the device.
std::unique_ptr<Collective> collective_from_environment(const torch::Device& device);

// Whether this build can run multi-process training (Gloo headers were found).
bool distributed_available();

}  // namespace inherent::train
