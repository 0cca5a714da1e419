// RCU, as two independent flavours: regular RCU and RCU Tasks Trace (kernel/rcu/tree.c,
// kernel/rcu/tasks.h). Readers nest per actor. Grace periods advance in their own actors (one per
// flavour), so when a grace period starts and ends is a scheduling choice like any other.
//
// A grace period started at time T ends only after every reader that was inside a read-side
// critical section of that flavour at T has left it. With rcu_trace_implies_rcu_gp, a Tasks
// Trace grace period also waits for regular RCU readers (the kernel's guarantee that makes
// rcu_trace_implies_rcu_gp() return true).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "model/env.hpp"

namespace lsmc::model::kernel {

using RcuCallback = std::function<void(Env&)>;

class Rcu {
public:
  struct Knobs {
    bool trace_implies_rcu_gp = true;  // rcu_trace_implies_rcu_gp()
    bool preempt_rt = false;           // CONFIG_PREEMPT_RT: callbacks run in preemptible threads
    // Declare regular RCU's sections with Env::rcu_early_grace_periods where its conditions hold
    // (sc, no PREEMPT_RT): DPOR's rule G. Off, DPOR keeps every order of a start and a section.
    bool early_grace_periods = true;
  };

  void init(Env& env, Knobs knobs);
  const Knobs& knobs() const { return knobs_; }

  // rcu_read_lock / rcu_read_unlock and the _trace variants.
  void read_lock(Env& env, RcuFlavour f);
  void read_unlock(Env& env, RcuFlavour f);

  // call_rcu / call_rcu_tasks_trace: `cb` runs in the grace-period actor after a full grace period.
  void call(Env& env, RcuFlavour f, RcuCallback cb, std::string_view label);
  // synchronize_rcu / synchronize_rcu_tasks_trace.
  void synchronize(Env& env, RcuFlavour f);
  // rcu_barrier / rcu_barrier_tasks_trace: every callback queued before now has run.
  void barrier(Env& env, RcuFlavour f);

  // Body of the grace-period actor of flavour f, a daemon (sim::ActorOptions::daemon): it never
  // ends; it sleeps at its idle point while no grace period is needed.
  void gp_actor(Env& env, RcuFlavour f);

  uint64_t completed(RcuFlavour f) const { return flavours_[index(f)].completed; }

private:
  struct Pending {
    uint64_t serial;
    uint64_t gp_needed;  // runs once `completed` reaches this
    RcuCallback cb;
    std::string_view label;
  };
  struct Reader {
    ActorId actor;
    RcuFlavour flavour;
    uint64_t exits_at_start;
  };
  struct Flavour {
    ObjectId obj = kNoObject;   // the grace-period state as a registry object
    uint64_t completed = 0;     // grace periods completed
    bool in_progress = false;
    uint64_t waiters = 0;       // synchronize() callers waiting
    uint64_t wanted = 0;        // the highest grace period a callback or a waiter still needs
    uint64_t next_serial = 0;
    uint64_t ran_serial = 0;    // callbacks with serial < ran_serial have run
    std::vector<Pending> queue;
    std::vector<Reader> blocking;  // readers the current grace period waits for
    std::vector<Access> blocking_reads;  // what its wait reads: those readers' exits
  };
  struct ActorReadState {
    std::array<uint32_t, kRcuFlavours> depth{};
    std::array<uint64_t, kRcuFlavours> exits{};  // outermost unlocks so far
  };

  static std::size_t index(RcuFlavour f) { return static_cast<std::size_t>(f); }
  ActorReadState& state(ActorId a);
  uint64_t gp_needed(const Flavour& fl) const { return fl.completed + (fl.in_progress ? 2 : 1); }
  bool readers_done(const Flavour& fl) const;
  void snapshot_readers(Flavour& fl, RcuFlavour of);
  std::span<const Access> blocking_reads(Flavour& fl, ActorId self);

  Knobs knobs_;
  std::array<Flavour, kRcuFlavours> flavours_{};
  std::vector<ActorReadState> actors_;
};

}  // namespace lsmc::model::kernel
