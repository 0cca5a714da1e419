// The small program language of the DPOR tests (tests/test_dpor*.cpp): actors reading, writing,
// locking, drawing, waiting and using RCU on a few variables, run as a scenario whose outcomes
// (final values and what each actor observed) are collected, and searched by DFS and DPOR.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc::dpor_test {

// A tiny program language for actors.
struct Instr {
  // kWaitDeclared: as kWaitFlag, declaring what it reads. kWaitEven: wait until var is even or the
  // flag is set (true, false, true again as others write: not stable), declaring nothing;
  // kWaitEvenDeclared: the same, declaring both. kWaitNonzero: until var is nonzero or the flag
  // is set (stable), declaring both. kRequest: asks the daemon (if the program has one) for one
  // more round. RCU (regular flavour, model::kernel::Rcu with its grace-period kthread):
  // kRcuSection: rcu_read_lock, read var, rcu_read_unlock; kRcuLock: rcu_read_lock, left open
  // until a later kRcuUnlock or the actor's end (so sections nest); kRcuUnlock: closes one (a
  // yield if none is open); kSynchronize: synchronize_rcu, then read var (only the read inside a
  // section, where it would deadlock); kCallRcu: call_rcu of a callback that writes var.
  enum Kind : int {
    kRead, kWrite, kLocked, kYield, kDraw, kWaitFlag, kAlloc, kTryLock, kWaitDeclared, kWaitEven, kWaitNonzero,
    kRequest, kWaitEvenDeclared, kRcuSection, kRcuLock, kRcuUnlock, kSynchronize, kCallRcu,
    kPercpuInc, kPercpuRead, kImmRead, kObjRead, kObjFree, kObjFreeStable
  } kind = kRead;
  static constexpr int kKinds = kWaitEvenDeclared + 1;  // without RCU
  static constexpr int kRcuKinds = kCallRcu + 1;
  // Per-CPU data (Program::percpu): kPercpuInc is this_cpu_inc of the actor's CPU's counter
  // (it observes the new value), kPercpuRead reads it; `var` is not used.
  static constexpr int kPercpuFirst = kPercpuInc, kPercpuKinds = kPercpuRead + 1;
  // Objects (Program::objects): kImmRead reads object var's immutable field `imm` (observing its
  // value), kObjRead its mutable field `v`; kObjFree frees object var, kObjFreeStable frees it
  // leaving `imm` readable (Env::free_type_stable); only actor var frees object var, once (any
  // other free is a yield).
  static constexpr int kObjFirst = kImmRead, kObjKinds = kObjFreeStable + 1;
  int var = 0;
};
struct Program {
  std::vector<std::vector<Instr>> actors;
  std::vector<uint16_t> cpus;
  int vars = 2;
  bool daemon = false;  // a daemon serves each request: waits at its idle point, reads and writes a var
  bool rcu = false;     // RCU and its grace-period kthread (the RCU instructions need it)
  // Rcu::Knobs::early_grace_periods: DPOR starts grace periods before the sections they race with
  // (rule G); false keeps every order of a start and a section.
  bool rcu_early = true;
  // The grace-period kthread spawned after the program's actors, not before: DPOR's first
  // executions (lowest actor first) then run readers before grace periods start.
  bool rcu_gp_last = false;
  // A counter per CPU 0..2 (the per-CPU instructions need it), declared per-CPU data (Env::percpu)
  // when `declare_percpu`: undeclared, every access to it is a scheduling point.
  bool percpu = false;
  bool declare_percpu = true;
  // Objects obj0, obj1, ... (the object instructions need them), their field `imm` declared
  // immutable (Env::immutable) when `declare_immutable`: undeclared, its reads are scheduling
  // points.
  int objects = 0;
  bool declare_immutable = true;
};

std::string show(const Program& p);

inline constexpr std::string_view kUseAfterFree = "|use-after-free:";

// Runs `p` as a scenario; every passing execution adds its outcome (final values and what each
// actor observed) to `outcomes`. With Program::objects, an access to a freed object (a free that
// left the field readable aside) does not end the execution: the outcome ends with
// kUseAfterFree and the accesses ("a0 read obj1"), so that every execution runs to its end.
test::Lambda scenario_of(const Program& p, std::shared_ptr<std::set<std::string>> outcomes);

// `shard`/`shards` and `split_depth`: one part of a split search (sim::Split).
sim::RunReport explore(const sim::Scenario& s, const std::string& strategy, uint64_t shard = 0, uint64_t shards = 1,
                       uint32_t split_depth = 0, uint64_t executions_max = 1000000);

struct Compared {
  sim::RunReport dfs, dpor;
  std::set<std::string> dfs_outcomes, dpor_outcomes;
};

// `dfs_max`: DFS's budget; a program whose DFS does not exhaust within it is not compared.
Compared compare(const Program& p, uint64_t dfs_max = 1000000);
// The same with DFS run on `truth` (the program without a reduction under test).
Compared compare(const Program& truth, const Program& p, uint64_t dfs_max);

}  // namespace lsmc::dpor_test
