// What blocks an actor: locks, waits for a condition, and the report when nothing can run.
#include "sim/execution.hpp"
#include "sim/execution_step.hpp"

#include <algorithm>
#include <string>

namespace lsmc::sim {

namespace {

constexpr std::string_view kLockFields[] = {"owner"};
constexpr model::TypeInfo kLockType{"lock", kLockFields};

std::string_view lock_kind_name(model::LockKind kind) {
  switch (kind) {
    case model::LockKind::kSpin: return "spinlock";
    case model::LockKind::kSpinIrq: return "spinlock-irqsave";
    case model::LockKind::kMutex: return "mutex";
    case model::LockKind::kSpinT: return "spinlock_t";
  }
  return "lock";
}

bool raw_spin(model::LockKind kind) {
  return kind == model::LockKind::kSpin || kind == model::LockKind::kSpinIrq;
}

}  // namespace

void Execution::deadlock() {
  std::string report = "no actor can run;";
  for (ActorId a = 0; a < actors_.size(); ++a) {
    const ActorInfo& actor = actors_[a];
    if (actor.status == ActorStatus::kFinished) continue;
    report += " " + actor.name + " (cpu" + std::to_string(actor.ctx.cpu) + ") ";
    const Pending& p = pending_[a];
    const bool lock_held = actor.status == ActorStatus::kRunning &&
                           p.access.op == model::Op::kLock &&
                           objects_[p.access.object].holder != kNoActor;
    if (lock_held) {
      const ObjectRecord& lock = objects_[p.access.object];
      report += "waits in " + std::string(p.label) + " for " + std::string(lock_kind_name(lock.lock_kind)) +
                " '" + std::string(lock.name) + "'#" + std::to_string(p.access.object) + " held by " +
                actors_[lock.holder].name;
    } else if (actor.status == ActorStatus::kRunning && actor.wait != nullptr && actor.wait_value == 0) {
      report += "waits for " + std::string(p.label);
    } else {
      const ActorId b = cpu_blocker(a);
      report += "cannot run: " + (b == kNoActor ? std::string("?") : actors_[b].name) +
                " holds cpu" + std::to_string(actor.ctx.cpu) + " without preemption";
    }
    report += ";";
  }
  report.pop_back();
  fail("deadlock", std::move(report));
}
// create() inlined: the name is kept once (it is also the allocation's label), and set-up code,
// which makes most locks (a kernel scenario's map buckets), takes the short way.
ObjectId Execution::new_lock(model::LockKind kind, std::string_view name) {
  name = names_.keep(name);
  if (objects_.size() > config_.objects_max) [[unlikely]] objects_exceeded();
  if (in_actor()) return create_at_point(kLockType, name, name, true, kind);
  return record_object(kLockType, name, name, true, kind);
}

void Execution::lock(ObjectId lock, std::string_view label) {
  ObjectRecord& rec = checked_lock(lock, label);
  if (!in_actor()) return;  // set-up and end checks run alone: nothing to contend with
  model::ActorContext& ctx = actors_[current_].ctx;
  if (rec.holder == current_) {
    fail("deadlock", actors_[current_].name + " takes " + std::string(lock_kind_name(rec.lock_kind)) +
                         " '" + std::string(rec.name) + "'#" + std::to_string(lock) +
                         " in " + std::string(label) + " while already holding it (AA)");
  }
  // A spinning waiter has preemption (and, for irqsave, interrupts) off already.
  if (raw_spin(rec.lock_kind)) ++ctx.preempt_disabled;
  if (rec.lock_kind == model::LockKind::kSpinIrq) ++ctx.irqs_disabled;
  dirty_ |= kCtxDirty;
  schedule_point({lock, 0, model::Op::kLock}, label);
  emit({lock, 0, model::Op::kLock}, label);
  objects_[lock].holder = current_;
  lock_changed(lock);
  memory_->lock(current_, lock);
}

void Execution::unlock(ObjectId lock, std::string_view label) {
  ObjectRecord& rec = checked_lock(lock, label);
  if (!in_actor()) return;
  if (rec.holder != current_) {
    fail("lock-misuse", actors_[current_].name + " releases '" + std::string(rec.name) + "'#" +
                            std::to_string(lock) + " in " + std::string(label) +
                            " without holding it");
  }
  schedule_point({lock, 0, model::Op::kUnlock}, label);
  emit({lock, 0, model::Op::kUnlock}, label);
  memory_->unlock(current_, lock);
  ObjectRecord& after = objects_[lock];
  after.holder = kNoActor;
  lock_changed(lock);
  dirty_ |= kCtxDirty;
  model::ActorContext& ctx = actors_[current_].ctx;
  if (raw_spin(after.lock_kind) && ctx.preempt_disabled > 0) --ctx.preempt_disabled;
  if (after.lock_kind == model::LockKind::kSpinIrq && ctx.irqs_disabled > 0) --ctx.irqs_disabled;
}

bool Execution::try_lock(ObjectId lock, std::string_view label) {
  checked_lock(lock, label);
  if (!in_actor()) return true;
  schedule_point({lock, 0, model::Op::kRmw}, label);
  emit({lock, 0, model::Op::kRmw}, label);
  ObjectRecord& rec = objects_[lock];
  if (rec.holder != kNoActor) {
    memory_->lock_failed(current_, lock);
    return false;
  }
  memory_->lock(current_, lock);
  rec.holder = current_;
  lock_changed(lock);
  dirty_ |= kCtxDirty;
  model::ActorContext& ctx = actors_[current_].ctx;
  if (raw_spin(rec.lock_kind)) ++ctx.preempt_disabled;
  if (rec.lock_kind == model::LockKind::kSpinIrq) ++ctx.irqs_disabled;
  return true;
}

// The actor stops waiting: its wait is no longer evaluated.
void Execution::end_wait(ActorInfo& actor) {
  actor.wait = nullptr;
  actor.wait_reads = {};
  actor.wait_value = -1;
  actor.idle = false;
  --waiters_;
  const ActorId self = static_cast<ActorId>(&actor - actors_.data());
  waiting_.erase(std::lower_bound(waiting_.begin(), waiting_.end(), self));
}

// An idle daemon leaves through here at the end of every execution that passed. At its idle
// point it returns false and the daemon's body returns (ActorInfo::released): a C++ throw, 3-4 us
// here, was 14 % of the instructions of a DPOR search of cachefill-protocol, with its two RCU
// kthreads. A wait_until the end reaches still throws Abort, from this frame (this is inlined),
// after the wait is put away, with no cleanup of ours left on the way; only a decision that
// throws passes the guard.
[[gnu::always_inline]] inline bool Execution::block_until(const std::function<bool()>& ready, std::string_view what,
                                                          std::span<const model::Access> reads, bool idle) {
  if (!in_actor()) {
    if (!ready()) fail("model-error", "set-up code waits for '" + std::string(what) + "', which cannot happen before any actor runs");
    return true;
  }
  const ActorId self = current_;
  ActorInfo& me = actors_[self];  // actors_ does not grow while actors run
  if (me.released) [[unlikely]] unwind();  // its idle_until said false, and it waits again
  if (idle && !me.daemon) {
    fail("model-error", me.name + " waits at an idle point ('" + std::string(what) + "') but is not a daemon");
  }
  me.wait = &ready;
  me.wait_reads = reads;
  me.wait_value = -1;
  me.waits_for_readers = !reads.empty() && std::all_of(reads.begin(), reads.end(), [](const model::Access& r) {
    return r.op == model::Op::kRcuUnlock;
  });
  me.readers_left.assign(me.waits_for_readers ? reads.size() : 0, 0);
  me.idle = idle;
  ++waiters_;
  waiting_.insert(std::lower_bound(waiting_.begin(), waiting_.end(), self), self);
  struct Guard {  // a decision that throws (a failed check, a deadlock, a prune) leaves no wait behind
    Execution& exec;
    ActorInfo& actor;
    bool armed = true;
    ~Guard() {
      if (armed) exec.end_wait(actor);
    }
  };
  ActorId next;
  {  // the guard's scope ends before the switch: the unwinding Abort below passes no cleanup here
    Guard guard{*this, me};
    next = step_and_decide({model::kNoObject, 0, model::Op::kWait}, what, reads);
    guard.armed = false;
  }
  const bool go_on = run_next(self, next);
  end_wait(me);
  if (!go_on) {
    if (!idle) unwind();
    me.released = true;
    return false;
  }
  settle_moved_reads(self);
  emit({model::kNoObject, 0, model::Op::kWait}, what);
  if (!memory_->wait_ended(current_)) inconsistent();
  return true;
}

void Execution::wait_until(const std::function<bool()>& ready, std::string_view what,
                           std::span<const model::Access> reads) {
  block_until(ready, what, reads, false);
}

bool Execution::idle_until(const std::function<bool()>& ready, std::string_view what,
                           std::span<const model::Access> reads) {
  return block_until(ready, what, reads, true);
}

}  // namespace lsmc::sim
