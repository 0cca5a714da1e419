// The real-kernel backend (design §7): the running kernel's task and cgroup local storage through
// libbpf, with real owners (child processes and their pidfds, cgroup-v2 directories) that are
// removed again whatever happens. It implements the same Backend as the model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/backend.hpp"

namespace lsmc::real {

// Empty when bpf() and the BPF object work here; otherwise one line saying why not.
std::string unavailable_reason();

// What the running kernel supports, one line each: "task-storage: yes (...)".
struct ProbeLine {
  std::string feature;
  bool ok = false;
  std::string detail;
};
std::vector<ProbeLine> probe_kernel();

class RealBackend final : public model::Backend {
public:
  RealBackend();
  ~RealBackend() override;
  std::string name() const override { return "linux"; }
  std::vector<model::Outcome> run(const std::vector<model::StorageOp>& ops) override;

private:
  struct State;
  std::unique_ptr<State> state_;
};

// Measurements for the benchmark (bench/bench_kernel.cpp): nanoseconds per operation.
struct Costs {
  double syscall_lookup_ns = 0;   // bpf_map_lookup_elem on task storage by pidfd
  double mapped_read_ns = 0;      // reading the same 8 bytes from a mapped arena page
  double bpf_get_ns = 0;          // bpf_task_storage_get from a program (cache hit)
  bool arena = false;
};
Costs measure_costs(int iterations);

}  // namespace lsmc::real
