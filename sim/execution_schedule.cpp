// Scheduling points: the enabled set (who may run, given CPUs, locks and waits), the decision
// the strategy takes at each point, and the switch to the chosen actor.
#include "sim/execution.hpp"

#include <string>

namespace lsmc::sim {

namespace {

// An actor that cannot be preempted on its CPU by ordinary tasks: preemption or IRQs off, or an
// interrupt context in progress.
bool holds_cpu(const ActorInfo& b) {
  return b.status == ActorStatus::kRunning &&
         (!b.ctx.preemptible() || b.ctx.kind != model::ContextKind::kTask);
}

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
bool Execution::ready(ActorId a) const {
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

// Recomputes the enabled set. Only what changes enabledness invalidates it (actors starting or
// finishing, locks, waits, context changes); while an actor waits on a condition, every decision
// recomputes, because any write may make the condition true.
Execution::Left Execution::recompute_enabled() {
  // Actors holding their CPU are rare; collect them once so the common case stays O(actors).
  holders_.clear();
  for (ActorId b = 0; b < actors_.size(); ++b) {
    if (holds_cpu(actors_[b])) holders_.push_back(b);
  }
  enabled_.clear();
  Left left = Left::kNobody;
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].status == ActorStatus::kFinished) continue;
    if (actors_[a].wait != nullptr) check_wait_reads(a, (*actors_[a].wait)());
    const bool idle = actors_[a].idle && actors_[a].wait_value == 0;
    if (!idle) left = Left::kWork;
    if (idle && left == Left::kNobody) left = Left::kIdleDaemons;
    if (!ready(a)) continue;
    bool blocked = false;
    for (ActorId b : holders_) {
      blocked = blocked || (b != a && actors_[b].ctx.cpu == actors_[a].ctx.cpu &&
                            !may_interrupt(actors_[a].ctx, actors_[b].ctx));
    }
    if (!blocked) enabled_.push_back(a);
  }
  enabled_valid_ = waiters_ == 0;
  return left;
}

ActorId Execution::decide() {
  if (!enabled_valid_) {
    const Left left = recompute_enabled();
    if (enabled_.empty()) {
      if (every_step_) final_pending_ = pending_;
      if (left == Left::kWork) deadlock();
      if (left == Left::kIdleDaemons) {
        // Only daemons are left, asleep: the execution is over. Unwind them; the run goes on to
        // the end checks as for any finished execution.
        quiet_end_ = true;
        aborting_ = true;
        throw Abort{};
      }
      return kNoActor;
    }
  }
  if (enabled_.size() == 1 && !every_step_) return chose(enabled_[0]);
  if (every_step_) fill_blocked_by();
  const ChoicePoint point{step_, current_, enabled_, pending_, blocked_by_};
  const ActorId chosen = strategy_->pick(point);
  if (chosen == kPrune) {
    abort_with({VerdictKind::kPruned, "pruned", "equivalent to an execution already explored",
                step_, current_});
  }
  if (enabled_.size() == 1 && chosen == enabled_[0]) return chose(chosen);  // seen, not a decision
  // Strategies pick from `enabled` by construction, and replay checks its own script; this is the
  // cheap guard against a broken strategy (the enabled set is ascending).
  if (chosen < enabled_.front() || chosen > enabled_.back()) {
    std::string why = strategy_->divergence();
    if (why.empty()) why = "strategy chose actor " + std::to_string(chosen) + ", which is not enabled";
    abort_with({VerdictKind::kDivergence, "replay", std::move(why), step_, current_});
  }
  decisions_.push_back({Decision::Kind::kSchedule, step_, chosen, enabled_.size()});
  return chose(chosen);
}

void Execution::fill_blocked_by() {
  blocked_by_.assign(actors_.size(), kNoActor);
  std::size_t e = 0;
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (e < enabled_.size() && enabled_[e] == a) {
      ++e;
      continue;
    }
    const ActorInfo& actor = actors_[a];
    if (actor.status == ActorStatus::kFinished) continue;
    const Pending& p = pending_[a];
    if (actor.status == ActorStatus::kRunning && p.access.op == model::Op::kLock &&
        objects_[p.access.object].holder != kNoActor) {
      blocked_by_[a] = objects_[p.access.object].holder;
    } else if (actor.status == ActorStatus::kRunning && actor.wait != nullptr && actor.wait_value == 0) {
      continue;
    } else {
      blocked_by_[a] = cpu_blocker(a);
    }
  }
}


void Execution::schedule_point(model::Access access, std::string_view label, std::span<const model::Access> reads) {
  const ActorId self = current_;
  pending_[self] = Pending{access, label, true, actors_[self].ctx.cpu, reads};
  if (++step_ > config_.steps_max) {
    abort_with({VerdictKind::kLimit, "steps_max",
                "the execution did not finish within steps_max=" + std::to_string(config_.steps_max) +
                    " steps (livelock, or raise the limit)",
                step_, self});
  }
  const ActorId next = decide();
  if (next != self) {
    current_ = next;
    pool_.switch_to(self, next);
    if (aborting_) throw Abort{};
  }
}

}  // namespace lsmc::sim
