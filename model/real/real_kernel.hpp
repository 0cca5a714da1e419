// The real-kernel backend (design §7): the running kernel's task and cgroup local storage through
// libbpf, with real owners (child processes and their pidfds, cgroup-v2 directories) that are
// removed again whatever happens. It implements the same Backend as the model.
#pragma once

#include <atomic>
#include <functional>
#include <map>
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

// A concurrent stress run on real threads (issue 4): epochs of `threads` threads, each doing
// program get (with and without F_CREATE) and delete on itself, and syscall lookup, update and
// delete by thread pidfd on itself and on the others, while threads exit at random points and
// the maps lose their last user-space reference (map_free racing owner destruction). It checks
// what the kernel lets us observe: no errno outside the documented set, and every value read for
// a thread is 0 (fresh) or one written for that same thread.
struct StressOptions {
  uint64_t seed = 1;
  int threads = 8;
  int epochs = 20;
  int ops_per_thread = 400;
  int first_epoch = 0;         // epochs before it are skipped, and the epochs after are as without it
  const std::atomic<bool>* interrupted = nullptr;  // set (by a signal handler): stop after the epoch running
};
struct StressReport {
  long operations = 0;
  long threads_run = 0;
  bool interrupted = false;  // stopped early: epochs from resume_epoch on did not run
  int resume_epoch = 0;
  std::map<std::string, long> outcomes;  // "sys_lookup: ENOENT" -> count
  std::vector<std::string> violations;   // the first few
};
StressReport stress(const StressOptions& options);

// The model's delete-vs-replace finding on the real kernel: per round, the element holds 1; one
// thread deletes it while another updates it with BPF_EXIST to 3; then it is looked up. A round
// where both returned 0 and the value 3 is still there has no linearization (delete reported
// success and deleted nothing).
struct RaceReport {
  long rounds = 0;
  long both_succeeded = 0;
  long survived_delete = 0;
};
RaceReport race_delete_vs_replace(long rounds);

// Measurements for the benchmark (bench/bench_kernel.cpp): nanoseconds per operation.
struct Costs {
  double syscall_lookup_ns = 0;   // bpf_map_lookup_elem on task storage by pidfd
  double mapped_read_ns = 0;      // reading the same 8 bytes from a mapped arena page
  double bpf_get_ns = 0;          // bpf_task_storage_get from a program (cache hit)
  bool arena = false;
};
// `now_ns` is the caller's clock: model/ reads none itself (the benchmark passes one).
Costs measure_costs(int iterations, const std::function<double()>& now_ns);

}  // namespace lsmc::real
