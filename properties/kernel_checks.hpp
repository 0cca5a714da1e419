// Checkers for the model of today's local storage (design §5). They read the model's state
// through a const Kernel and the engine's registry; they never change either.
#pragma once

#include <memory>
#include <vector>

#include "model/linux/kernel.hpp"
#include "sim/execution.hpp"

namespace lsmc::properties {

// cache[idx] of every storage an owner points to is NULL or an sdata linked in that storage
// (whichever map shares the slot). Checked whenever a lock is released and at the end, for the
// storages whose local_storage->lock nobody holds (inside it, the list and the cache change in
// separate steps).
class CacheSanityChecker final : public sim::Observer {
public:
  explicit CacheSanityChecker(const model::kernel::Kernel& k) : k_(k) {}
  void on_event(sim::Execution& exec, const sim::Event& event) override;
  uint32_t event_ops() const override { return op_bit(model::Op::kUnlock); }
  void on_end(sim::Execution& exec) override { check(exec); }

private:
  void check(sim::Execution& exec);
  const model::kernel::Kernel& k_;
};

// Context rules (lockdep and might_sleep, as the kernel checks them):
// - might_sleep() with preemption or IRQs off, in an RCU read-side section, or in a context
//   that cannot sleep;
// - a mutex taken where sleeping is not allowed;
// - a spinlock_t taken while holding a raw spinlock ("invalid wait context"), and on
//   PREEMPT_RT, a spinlock_t (an rt_mutex there) taken with preemption or IRQs off.
class ContextChecker final : public sim::Observer {
public:
  explicit ContextChecker(bool preempt_rt) : preempt_rt_(preempt_rt) {}
  void on_event(sim::Execution& exec, const sim::Event& event) override;
  uint32_t event_ops() const override { return op_bit(model::Op::kSleep) | op_bit(model::Op::kLock); }

private:
  bool preempt_rt_;
};

// At the end, every per-CPU busy counter is back at 0 (bug 5 leaves one raised).
class BusyCounterChecker final : public sim::Observer {
public:
  explicit BusyCounterChecker(const model::kernel::Kernel& k) : k_(k) {}
  void on_event(sim::Execution&, const sim::Event&) override {}
  uint32_t event_ops() const override { return 0; }  // checks at the end only
  void on_end(sim::Execution& exec) override;

private:
  const model::kernel::Kernel& k_;
};

// The paired linkage invariant at the end of an execution (every actor done): an element is on
// both its map's bucket list and its storage's list, or on neither. The kernel unlinks the two
// halves under two locks, one after the other; in between the element is half-linked, which is
// fine while an unlink is running and a leak or a double free (bug 8) if it stays so.
class LinkageChecker final : public sim::Observer {
public:
  explicit LinkageChecker(const model::kernel::Kernel& k) : k_(k) {}
  void on_event(sim::Execution&, const sim::Event&) override {}
  uint32_t event_ops() const override { return 0; }  // checks at the end only
  void on_end(sim::Execution& exec) override;

private:
  const model::kernel::Kernel& k_;
};

// At quiescence (owners and maps gone, grace periods run), nothing of these types is live.
class LeakChecker final : public sim::Observer {
public:
  explicit LeakChecker(std::vector<const model::TypeInfo*> types) : types_(std::move(types)) {}
  void on_event(sim::Execution&, const sim::Event&) override {}
  uint32_t event_ops() const override { return 0; }  // checks at the end only
  void on_end(sim::Execution& exec) override;

private:
  std::vector<const model::TypeInfo*> types_;
};

}  // namespace lsmc::properties
