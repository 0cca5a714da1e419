// The step's path, inline: a scheduling point of the running actor, from its pending step to the
// switch to the actor the strategy chose. One frame for access(), schedule_point() and the
// common decision: their calls and frames cost more than their work (bench_engine).
#pragma once

#include "sim/execution.hpp"

namespace lsmc::sim {

inline void Execution::step_here(model::Access access, std::string_view label) {
  const ActorId self = current_;
  if (!run_next(self, step_and_decide(access, label, {}))) [[unlikely]] unwind();
  settle_moved_reads(self);
}

// The pending step is written in place: the actor has started, and only its step changes. Its
// CPU changes only where its context does (Env::context sets kCtxDirty): update_enabled copies it.
inline ActorId Execution::step_and_decide(model::Access access, std::string_view label,
                                          std::span<const model::Access> reads) {
  Pending& p = pending_[current_];
  if (p.access.op == model::Op::kLock || access.op == model::Op::kLock) [[unlikely]] {
    pending_lock_step(access, label, reads);
  } else {
    p.access = access;
    p.label = label;
    p.reads = reads;
    p.moved = moved_objects_[current_];
  }
  if (++step_ > config_.steps_max) [[unlikely]] steps_exceeded();
  return decide_here();
}

// The common step: the actor that ran (enabled when it was chosen) took a step that changed no
// CPU, lock or wait, and its next step takes no lock (dirty_ is 0): it stays enabled and so does
// everyone else, and update_enabled() would re-evaluate it and find the same. Waiting actors still
// have their conditions evaluated (update_waits). (An actor's start that takes its CPU, and an
// end, mark what they changed: run_actor, finished.)
inline ActorId Execution::decide_here() {
  if (dirty_ != 0) [[unlikely]] {
    update_dirty();
  } else if (!waiting_.empty()) {
    update_waits();
  }
#ifdef LSMC_CHECK_ENABLED_SET
  check_enabled_set();
#endif
  const std::size_t n = enabled_.size();
  if (n <= 1) [[unlikely]] {
    if (n == 0) return nobody_enabled();
    if (!every_step_) return chose(enabled_[0]);
  }
  point_.step = step_;
  point_.current = current_;
  point_.enabled = {enabled_.data(), n};
  const ActorId chosen = strategy_->pick(point_);
  // Strategies pick from `enabled` by construction, and replay checks its own script; this is the
  // cheap guard against a broken strategy (the enabled set is ascending). kPrune is above every
  // actor.
  if (n == 1 || chosen < enabled_.front() || chosen > enabled_.back()) [[unlikely]] return unusual_pick(chosen);
  decisions_.push_back({Decision::Kind::kSchedule, step_, chosen, n});
  return chose(chosen);
}

}  // namespace lsmc::sim
