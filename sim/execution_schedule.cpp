// Scheduling points: the enabled set (who may run, given CPUs, locks and waits), the decision
// the strategy takes at each point, and the switch to the chosen actor.
#include "sim/execution.hpp"
#include "sim/execution_step.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lsmc::sim {

namespace {

// Whether `mine` may run on the CPU that `other` holds: only a higher context kind that is not
// masked (an NMI always, an IRQ or softirq only while the holder has IRQs on).
bool may_interrupt(const model::ActorContext& mine, const model::ActorContext& other) {
  return mine.kind > other.kind &&
         (mine.kind == model::ContextKind::kNmi || other.irqs_disabled == 0);
}

}  // namespace

// Who keeps `a` off its CPU: an actor on the same CPU that `a` cannot preempt.
ActorId Execution::cpu_blocker(ActorId a) const {
  for (ActorId b = 0; b < actors_.size(); ++b) {
    if (b == a || !holds_cpu(actors_[b])) continue;
    const model::ActorContext& other = actors_[b].ctx;
    if (other.cpu == actors_[a].ctx.cpu && !may_interrupt(actors_[a].ctx, other)) return b;
  }
  return kNoActor;
}

// Ready apart from CPU occupancy: not finished, not waiting for a held lock or a condition.
[[gnu::always_inline]] inline bool Execution::ready(ActorId a) const {
  const ActorInfo& actor = actors_[a];
  if (actor.status == ActorStatus::kFinished) return false;
  if (actor.status == ActorStatus::kRunning) {
    const Pending& p = pending_[a];
    if (p.access.op == model::Op::kLock && objects_[p.access.object].holder != kNoActor) {
      return false;
    }
    if (actor.wait != nullptr && actor.wait_value == 0) return false;  // evaluated by recompute_enabled
  }
  return true;
}

// A wait that declares its reads may change value only in a step that touched one of them (not
// in an actor's start: its code before the first scheduling point): DPOR orders the wait against
// those steps alone, so anything else would make it unsound. (It may turn false again while
// pending: DPOR's wait rules cover that.)
void Execution::check_wait_reads(ActorId a, bool now) {
  ActorInfo& actor = actors_[a];
  const int8_t before = actor.wait_value;
  actor.wait_value = now ? 1 : 0;
  if (before >= 0 && actor.waits_for_readers) check_reader_wait(a, before == 1, now);
  if (before < 0 || before == actor.wait_value || actor.wait_reads.empty()) return;
  const std::string by = last_chosen_ == kNoActor ? std::string("set-up") : actors_[last_chosen_].name;
  if (last_was_start_) {
    fail("model-error", "the condition of " + actor.name + "'s wait '" + std::string(pending_[a].label) +
                            "' became " + (now ? "true" : "false") + " in the code " + by +
                            " runs before its first scheduling point; change shared state only after an access");
  }
  if (touches(last_access_, last_chosen_, actor.wait_reads)) return;
  fail("model-error", "the condition of " + actor.name + "'s wait '" + std::string(pending_[a].label) +
                          "' became " + (now ? "true" : "false") + " in a step of " + by +
                          " that touches none of the fields the wait declares it reads (its access: " +
                          std::string(model::to_string(last_access_.op)) + " " +
                          describe(last_access_.object, last_access_.field) + ")");
}

// A wait for RCU readers (Env::wait_until: every read a model::rcu_reader_exits) never turns false,
// and turns true only once each reader it names has run an rcu_read_unlock on that object since
// the wait was reached; DPOR's rule for such waits (sim/strategies/dpor.cpp, first_exit_since_arrival) relies on it.
void Execution::check_reader_wait(ActorId a, bool before, bool now) {
  ActorInfo& actor = actors_[a];
  std::size_t missing = actor.readers_left.size();
  for (std::size_t q = 0; q < actor.readers_left.size(); ++q) {
    if (touches(last_access_, last_chosen_, actor.wait_reads.subspan(q, 1))) actor.readers_left[q] = 1;
    if (actor.readers_left[q] == 0 && missing == actor.readers_left.size()) missing = q;
  }
  std::string why;
  if (before && !now) why = "became false again";
  if (!before && now && missing < actor.readers_left.size()) {
    why = "became true before " + actors_[actor.wait_reads[missing].field].name + " left its read-side section";
  }
  if (why.empty()) return;
  fail("model-error", "the condition of " + actor.name + "'s wait for RCU readers '" + std::string(pending_[a].label) +
                          "' " + why + " (a wait whose reads are all rcu_reader_exits waits for an exit of each)");
}

// Enabled: ready, and no other actor holds its CPU against it. ready, can_run and refresh are
// inlined: they run at every decision (update_enabled), and their calls cost more than their work.
[[gnu::always_inline]] inline bool Execution::can_run(ActorId a) const {
  if (!ready(a)) return false;
  for (ActorId b : cpu_holders_[placed_cpu_[a]]) {
    if (b != a && actors_[b].ctx.cpu == actors_[a].ctx.cpu && !may_interrupt(actors_[a].ctx, actors_[b].ctx)) {
      return false;
    }
  }
  return true;
}

// For strategies that see every step it also keeps `a`'s ChoicePoint::blocked_by: whatever can
// change who keeps an actor off (a lock's holder, who holds its CPU, its own step) has the actor
// refreshed, as for its place in the enabled set.
[[gnu::always_inline]] inline void Execution::refresh(ActorId a) {
  const bool on = can_run(a);
  if (every_step_) [[unlikely]] blocked_by_[a] = on ? kNoActor : blocker(a);
  if (on == (is_enabled_[a] != 0)) return;
  is_enabled_[a] = on ? 1 : 0;
  const auto at = std::lower_bound(enabled_.begin(), enabled_.end(), a);
  if (on) {
    enabled_.insert(at, a);
  } else {
    enabled_.erase(at);
  }
}

// The enabled set from scratch, and the bookkeeping update_enabled() keeps from here on: who holds
// a CPU, and which actors each CPU has.
// It runs at every execution's first decision: each by-actor vector is written entry by entry
// (not assigned, which calls memset for a handful of bytes).
void Execution::recompute_enabled() {
  const std::size_t n = actors_.size();
  holding_.resize(n);
  is_enabled_.resize(n);
  placed_cpu_.resize(n);
  for (auto& on_cpu : cpu_actors_) on_cpu.clear();
  for (auto& on_cpu : cpu_holders_) on_cpu.clear();
  for (ActorId b = 0; b < n; ++b) {
    const uint16_t cpu = actors_[b].ctx.cpu;
    placed_cpu_[b] = cpu;
    if (cpu >= cpu_actors_.size()) [[unlikely]] {
      cpu_actors_.resize(cpu + 1u);
      cpu_holders_.resize(cpu + 1u);
    }
    cpu_actors_[cpu].push_back(b);
    const bool holds = holds_cpu(actors_[b]);
    holding_[b] = holds ? 1 : 0;
    if (holds) cpu_holders_[cpu].push_back(b);
  }
  enabled_.clear();
  for (ActorId a = 0; a < n; ++a) {
    is_enabled_[a] = 0;
    if (actors_[a].status == ActorStatus::kFinished) continue;
    if (actors_[a].wait != nullptr) check_wait_reads(a, (*actors_[a].wait)());
    if (can_run(a)) {
      enabled_.push_back(a);
      is_enabled_[a] = 1;
    }
  }
  dirty_locks_.clear();
  dirty_ = 0;
  fill_blocked_by();
  point_.pending = pending_;
  point_.blocked_by = blocked_by_;
  point_.early_gp = early_gp_;
}

// An actor that finishes leaves the enabled set. When it held no CPU and nothing else marked the
// context dirty, that is all that changed for the enabled set (a finished actor holds no CPU, and
// whatever else its last code did (a lock, a wait) marks itself), so the next decision can take
// the common step rather than update_enabled(), which would re-evaluate it and find the same.
void Execution::finished(ActorId a) {
  if ((dirty_ & (kCtxDirty | kEnabledInvalid)) != 0 || holding_[a] != 0) {
    dirty_ |= kCtxDirty;
    return;
  }
  // What refresh(a) would find for a finished actor, without evaluating it: not enabled, blocked
  // by nobody.
  if (every_step_) [[unlikely]] blocked_by_[a] = kNoActor;
  if (is_enabled_[a] == 0) return;
  is_enabled_[a] = 0;
  enabled_.erase(std::lower_bound(enabled_.begin(), enabled_.end(), a));
}

bool Execution::refresh_holder(ActorId a) {
  if (actors_[a].ctx.cpu != placed_cpu_[a]) return false;
  const bool now = holds_cpu(actors_[a]);
  if (!now && holding_[a] == 0) return true;
  if (now != (holding_[a] != 0)) {
    holding_[a] = now ? 1 : 0;
    std::vector<ActorId>& holders = cpu_holders_[placed_cpu_[a]];
    if (now) {
      holders.push_back(a);
    } else {
      holders.erase(std::find(holders.begin(), holders.end(), a));
    }
  }
  for (ActorId b : cpu_actors_[placed_cpu_[a]]) refresh(b);
  return true;
}

// Between two decisions only the actor that ran (current_) did anything: it took a step, may
// have started or finished, changed its context, moved a lock, or written what a wait reads.
// While an actor waits on a condition every decision evaluates it, because any write may make it
// true; the waits are evaluated in actor order, as recompute_enabled does.
void Execution::update_enabled() {
  if ((dirty_ & kCtxDirty) != 0) {
    dirty_ &= static_cast<uint8_t>(~kCtxDirty);
    if (current_ != kNoActor) pending_[current_].cpu = actors_[current_].ctx.cpu;  // step_and_decide
    if (current_ != kNoActor && !refresh_holder(current_)) {
      if (percpu_declared_) [[unlikely]] cpu_changed(current_);
      recompute_enabled();
      return;
    }
  }
  for (ObjectId lock : dirty_locks_) {
    if (lock >= lock_waiters_.size()) continue;
    for (ActorId a : lock_waiters_[lock]) refresh(a);
  }
  dirty_locks_.clear();
  dirty_ = 0;
  update_waits();
  if (current_ != kNoActor) refresh(current_);
}

// Every wait is evaluated at every decision: that is what catches a condition changed by a step
// that touches none of its declared reads (check_wait_reads). A wait whose value did not change
// keeps its actor's place in the enabled set and its blocked_by: the rest of what they depend on
// (the actor's pending step, a wait, which takes no lock; who holds its CPU) has refresh_holder
// re-evaluate the actor when it changes. So the two idle RCU kthreads of a kernel scenario, which
// wait at nearly every step, cost two calls of their conditions and nothing else.
void Execution::update_waits() {
  for (ActorId a : waiting_) {
    ActorInfo& actor = actors_[a];
    const bool now = (*actor.wait)();
    const bool changed = actor.wait_value != (now ? 1 : 0);  // or its first evaluation (-1)
    // A wait for RCU readers counts exits at every step, changed or not.
    if (changed || actor.waits_for_readers) check_wait_reads(a, now);
    if (changed) refresh(a);
  }
}

Execution::Left Execution::who_is_left() const {
  Left left = Left::kNobody;
  for (const ActorInfo& actor : actors_) {
    if (actor.status == ActorStatus::kFinished) continue;
    if (!(actor.idle && actor.wait_value == 0)) return Left::kWork;
    left = Left::kIdleDaemons;
  }
  return left;
}

// The definition: a scan of every actor.
void Execution::check_enabled_set() const {
  std::vector<ActorId> expected;
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (!ready(a)) continue;
    bool blocked = false;
    for (ActorId b = 0; b < actors_.size(); ++b) {
      blocked = blocked || (b != a && holds_cpu(actors_[b]) && actors_[b].ctx.cpu == actors_[a].ctx.cpu &&
                            !may_interrupt(actors_[a].ctx, actors_[b].ctx));
    }
    if (!blocked) expected.push_back(a);
  }
  if (expected != enabled_) {
    throw std::logic_error("the kept enabled set differs from its definition at step " + std::to_string(step_));
  }
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].status == ActorStatus::kRunning && pending_[a].cpu != actors_[a].ctx.cpu) {
      throw std::logic_error("the pending step of actor " + std::to_string(a) + " names CPU " +
                             std::to_string(pending_[a].cpu) + ", not its own, at step " + std::to_string(step_));
    }
  }
  const auto same = [](auto span, const auto& vec) { return span.data() == vec.data() && span.size() == vec.size(); };
  if (!same(point_.pending, pending_) || !same(point_.blocked_by, blocked_by_) || !same(point_.early_gp, early_gp_)) {
    throw std::logic_error("the kept choice point's spans differ from the vectors at step " + std::to_string(step_));
  }
  for (ActorId a = 0; every_step_ && a < actors_.size(); ++a) {
    const ActorId b = is_enabled_[a] ? kNoActor : blocker(a);
    if (blocked_by_[a] != b) {
      throw std::logic_error("the kept blocked_by of actor " + std::to_string(a) + " differs from its definition at step " +
                             std::to_string(step_));
    }
  }
}

ActorId Execution::decide() { return decide_here(); }

void Execution::update_dirty() {
  if ((dirty_ & kEnabledInvalid) != 0) {
    recompute_enabled();
  } else {
    update_enabled();
  }
}

ActorId Execution::unusual_pick(ActorId chosen) {
  if (chosen == kPrune) return pruned();
  if (enabled_.size() == 1 && chosen == enabled_[0]) return chose(chosen);  // seen, not a decision
  not_enabled(chosen);
}

ActorId Execution::nobody_enabled() {
  if (every_step_) keep_final_pending();
  const Left left = who_is_left();
  if (left == Left::kWork) deadlock();
  if (left == Left::kIdleDaemons) {
    // Only daemons are left, asleep: the execution is over. Unwind them; the run goes on to
    // the end checks as for any finished execution.
    // The caller unwinds (a throw only where a fiber must be unwound: it is the costliest part of
    // ending an execution).
    quiet_end_ = true;
    aborting_ = true;
    return kUnwind;
  }
  return kNoActor;
}

// The strategy reads the summary's pending steps after the run, when the actors' frames, where
// a wait's declared reads and a label built at run time live, have unwound: it gets copies.
void Execution::keep_final_pending() {
  final_pending_ = pending_;
  std::size_t reads = 0;
  for (const Pending& p : pending_) reads += p.reads.size();
  final_reads_.clear();
  final_reads_.reserve(reads);  // no reallocation below: the spans into it stay valid
  for (Pending& p : final_pending_) {
    p.label = names_.keep(p.label);
    if (p.reads.empty()) continue;
    const std::size_t at = final_reads_.size();
    final_reads_.insert(final_reads_.end(), p.reads.begin(), p.reads.end());
    p.reads = std::span<const model::Access>(final_reads_).subspan(at, p.reads.size());
  }
}

// Sleep sets proved every continuation equivalent to one already explored. The actor at this point
// unwinds from its own scheduling point, as every other actor does (kUnwind): a throw from here
// also crossed decide's frame and this one's, with the Verdict's strings to clean up, each frame
// a walk of the unwinder in both of its phases (4.5 % of a DPOR search of cachefill-protocol
// went to this throw alone). An idle daemon that reached the prune returns from its body.
ActorId Execution::pruned() {
  if (verdict_.kind == VerdictKind::kPass) {
    verdict_ = {VerdictKind::kPruned, "pruned", "equivalent to an execution already explored", step_, current_};
  }
  aborting_ = true;
  return kUnwind;
}

void Execution::not_enabled(ActorId chosen) {
  std::string why = strategy_->divergence();
  if (why.empty()) why = "strategy chose actor " + std::to_string(chosen) + ", which is not enabled";
  abort_with({VerdictKind::kDivergence, "replay", std::move(why), step_, current_});
}

// Who keeps `a`, not enabled, off: the holder of the lock its step takes, or an actor holding its
// CPU; kNoActor when it is finished; kNoActor when it waits for a condition, or kHeldWhileWaiting
// | the actor holding its CPU, which would keep it off too (ChoicePoint::blocked_by).
ActorId Execution::blocker(ActorId a) const {
  const ActorInfo& actor = actors_[a];
  if (actor.status == ActorStatus::kFinished) return kNoActor;
  const Pending& p = pending_[a];
  if (actor.status == ActorStatus::kRunning && p.access.op == model::Op::kLock &&
      objects_[p.access.object].holder != kNoActor) {
    return objects_[p.access.object].holder;
  }
  if (actor.status == ActorStatus::kRunning && actor.wait != nullptr && actor.wait_value == 0) {
    if (cpu_holders_[placed_cpu_[a]].empty()) return kNoActor;  // the common case: nobody holds its CPU
    const ActorId cpu = cpu_blocker(a);
    return cpu == kNoActor ? kNoActor : kHeldWhileWaiting | cpu;
  }
  return cpu_blocker(a);
}

// From scratch, with the enabled set; refresh() keeps it from there.
void Execution::fill_blocked_by() {
  if (!every_step_) {
    blocked_by_.clear();
    return;
  }
  blocked_by_.assign(actors_.size(), kNoActor);
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (!is_enabled_[a]) blocked_by_[a] = blocker(a);
  }
}

void Execution::schedule_point(model::Access access, std::string_view label) { step_here(access, label); }

// Which accesses to per-CPU data are scheduling points was decided from where the actors were
// (Execution::percpu_step): an actor moving to another CPU would break it.
void Execution::cpu_changed(ActorId a) {
  fail("model-error", actors_[a].name + " moved from CPU " + std::to_string(placed_cpu_[a]) + " to CPU " +
                          std::to_string(actors_[a].ctx.cpu) + " in a run with per-CPU data (Env::percpu)");
}

void Execution::steps_exceeded() {
  abort_with({VerdictKind::kLimit, "steps_max",
              "the execution did not finish within steps_max=" + std::to_string(config_.steps_max) +
                  " steps (livelock, or raise the limit)",
              step_, current_});
}

// Keeps lock_waiters_: an actor is on the list of the lock its pending step takes.
void Execution::set_pending_lock(ActorId a, const Pending& p) {
  const model::Access& was = pending_[a].access;
  if (pending_[a].started && was.op == model::Op::kLock && was.object < lock_waiters_.size()) {
    std::vector<ActorId>& waiters = lock_waiters_[was.object];
    waiters.erase(std::find(waiters.begin(), waiters.end(), a));
  }
  pending_[a] = p;
  if (p.access.op == model::Op::kLock) dirty_ |= kLockStep;
  if (p.started && p.access.op == model::Op::kLock) {
    if (p.access.object >= lock_waiters_.size()) lock_waiters_.resize(p.access.object + 1u);
    lock_waiters_[p.access.object].push_back(a);
  }
}

}  // namespace lsmc::sim
