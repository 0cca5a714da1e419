// The resilient queued spinlock (kernel/bpf/rqspinlock.c, include/asm-generic/rqspinlock.h,
// v7.0): local storage's storage->lock and b->lock in the linux-7.0 profile. Acquisition can
// fail, and the caller must handle it:
// - AA: the lock is already held on this CPU (a program nested under it, on the same CPU):
//   -EDEADLK at once (check_deadlock_AA);
// - ABBA: the holder's CPU is itself waiting for a lock this CPU holds: -EDEADLK
//   (check_deadlock_ABBA);
// - timeout: the holder keeps the lock past RES_DEF_TIMEOUT (a quarter of a second; a holder
//   stalled by NMIs or a preempted vCPU): -ETIMEDOUT. Only a contended acquisition can time out,
//   and only where the caller allows it (the scenario's Knobs::lock_timeouts, per lock class):
//   then it is a recorded choice at every contended acquisition.
// Each CPU keeps the table of the rqspinlocks it holds or is acquiring (rqspinlock_held_locks),
// and the deadlock checks read the tables, as the kernel's do.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/env.hpp"

namespace lsmc::model::kernel {

inline constexpr int kEDEADLK = 35, kETIMEDOUT = 110;  // positive, as the model's errnos are

// struct rqspinlock_held (one per CPU).
class RqspinlockHeld {
public:
  explicit RqspinlockHeld(uint32_t cpus) : cpus_(cpus) {}
  struct Entry {
    ObjectId lock;
    bool acquired;  // false while the CPU is still spinning for it
  };
  std::vector<Entry>& cpu(uint16_t c) { return cpus_[c]; }
  bool locked(ObjectId lock) const;
  // Some other CPU holds `lock` and is spinning for a lock that `cpu` holds.
  bool abba(uint16_t cpu, ObjectId lock) const;

private:
  std::vector<std::vector<Entry>> cpus_;
};

// raw_res_spin_lock_irqsave(): 0, kEDEADLK or kETIMEDOUT (the lock is not held on failure).
// `may_time_out`: a contended acquisition may end in -ETIMEDOUT (a choice).
int raw_res_spin_lock_irqsave(Env& env, RqspinlockHeld& held, ObjectId lock, bool may_time_out,
                              std::string_view label);
// raw_res_spin_unlock_irqrestore()
void raw_res_spin_unlock_irqrestore(Env& env, RqspinlockHeld& held, ObjectId lock, std::string_view label);

}  // namespace lsmc::model::kernel
