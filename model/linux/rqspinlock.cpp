#include "model/linux/rqspinlock.hpp"

#include "model/linux/irqflags.hpp"

#include <algorithm>

namespace lsmc::model::kernel {

namespace {
void release_entry(std::vector<RqspinlockHeld::Entry>& table, ObjectId lock) {
  // release_held_lock_entry(): the table is a stack; an out-of-order release is rare but legal.
  for (std::size_t i = table.size(); i-- > 0;) {
    if (table[i].lock == lock) {
      table.erase(table.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}
}  // namespace

bool RqspinlockHeld::locked(ObjectId lock) const {
  for (const auto& table : cpus_) {
    for (const Entry& e : table) {
      if (e.lock == lock && e.acquired) return true;
    }
  }
  return false;
}

// check_deadlock_ABBA() (kernel/bpf/rqspinlock.c, v7.0): a remote CPU that holds our lock and
// whose latest entry (the lock it is spinning for) is one we hold.
bool RqspinlockHeld::abba(uint16_t cpu, ObjectId lock) const {
  const std::vector<Entry>& mine = cpus_[cpu];
  for (std::size_t r = 0; r < cpus_.size(); ++r) {
    if (r == cpu || cpus_[r].empty()) continue;
    const std::vector<Entry>& remote = cpus_[r];
    const bool holds_ours = std::any_of(remote.begin(), remote.end(),
                                        [&](const Entry& e) { return e.lock == lock && e.acquired; });
    if (!holds_ours || remote.back().acquired) continue;
    const ObjectId wanted = remote.back().lock;
    if (std::any_of(mine.begin(), mine.end(), [&](const Entry& e) { return e.lock == wanted && e.acquired; })) {
      return true;
    }
  }
  return false;
}

// raw_res_spin_lock_irqsave() -> res_spin_lock() (include/asm-generic/rqspinlock.h, v7.0):
// grab_held_lock_entry(), the fast-path cmpxchg, else resilient_queued_spin_lock_slowpath(),
// whose spin loops check for deadlocks and the timeout (RES_CHECK_TIMEOUT).
int raw_res_spin_lock_irqsave(Env& env, RqspinlockHeld& held, ObjectId lock, bool may_time_out,
                              std::string_view label) {
  const uint16_t cpu = env.context().cpu;
  for (const RqspinlockHeld::Entry& e : held.cpu(cpu)) {
    if (e.lock == lock) {
      env.probe("rqspinlock: AA deadlock detected");
      return kEDEADLK;  // check_deadlock_AA()
    }
  }
  // local_irq_save() comes first: nothing else runs on this CPU while the entry is in its table.
  // Once the lock is taken, the engine's own accounting of a held irqsave lock replaces this.
  local_irq_save(env);
  held.cpu(cpu).push_back({lock, false});
  for (;;) {
    if (env.try_lock(lock, label)) {
      local_irq_restore(env);
      for (RqspinlockHeld::Entry& e : held.cpu(cpu)) {
        if (e.lock == lock) e.acquired = true;
      }
      return 0;
    }
    int err = 0;
    if (may_time_out && env.choose(2, "rqspinlock: the holder keeps the lock past the timeout (-ETIMEDOUT)?") == 1) {
      env.probe("rqspinlock: timed out");
      err = kETIMEDOUT;
    } else {
      RqspinlockHeld* table = &held;
      env.wait_until([table, lock, cpu] { return !table->locked(lock) || table->abba(cpu, lock); },
                     "rqspinlock: spinning for the lock");
      if (held.abba(cpu, lock)) {
        env.probe("rqspinlock: ABBA deadlock detected");
        err = kEDEADLK;
      }
    }
    if (err != 0) {
      release_entry(held.cpu(cpu), lock);
      local_irq_restore(env);
      return err;
    }
  }
}

// raw_res_spin_unlock_irqrestore() (include/asm-generic/rqspinlock.h, v7.0)
void raw_res_spin_unlock_irqrestore(Env& env, RqspinlockHeld& held, ObjectId lock, std::string_view label) {
  env.unlock(lock, label);
  release_entry(held.cpu(env.context().cpu), lock);
}

}  // namespace lsmc::model::kernel
