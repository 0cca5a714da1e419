#include "sim/execution.hpp"
#include "sim/memory_sync.hpp"

#include <algorithm>
#include <stdexcept>

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

Execution::Execution(FiberPool& pool, const Config& config)
    : pool_(pool), config_(config), memory_(make_memory(config.memory_model)) {
  if (memory_ == nullptr) throw std::invalid_argument("unknown memory model '" + config.memory_model + "'");
}

Execution::~Execution() = default;

void Execution::reset() {
  actors_.clear();
  pending_.clear();
  objects_.clear();
  objects_.push_back(ObjectRecord{});  // id 0 is "no object"
  objects_[0].live = false;
  events_.clear();
  decisions_.clear();
  end_checks_.clear();
  state_.clear();
  verdict_ = Verdict{};
  current_ = kNoActor;
  last_chosen_ = kNoActor;
  last_access_ = {};
  last_was_start_ = false;
  step_ = 0;
  faults_ = 0;
  waiters_ = 0;
  enabled_valid_ = false;
  setup_ctx_ = model::ActorContext{};
  aborting_ = false;
  quiet_end_ = false;
  swallowed_abort_.clear();
  memory_->begin();
  final_pending_.clear();
  names_.clear();  // the last execution's record has been taken
  rcu_readers_.clear();
  condvars_.clear();
}

const Verdict& Execution::run(const Scenario& scenario, const Params& params, Strategy& strategy,
                              std::span<Observer* const> observers, uint64_t index) {
  if (running_) throw std::logic_error("Execution::run is not re-entrant");
  reset();
  running_ = true;
  strategy_ = &strategy;
  every_step_ = strategy.sees_every_step();
  params_ = &params;
  strategy.begin_execution(index);
  observers_ = {};
  bool built = true;
  try {
    scenario.build(*this);
  } catch (const Abort&) {
    built = false;  // a property failed during set-up: the verdict is recorded, no actor runs
  } catch (...) {
    running_ = false;
    own_observers_.clear();
    state_.clear();
    throw;
  }
  place_actors();
  all_observers_.assign(observers.begin(), observers.end());
  for (const auto& o : own_observers_) all_observers_.push_back(o.get());
  observers_ = all_observers_;
  try {
    if (!built) throw Abort{};
    if (actors_.size() > config_.actors_max) {
      verdict_ = {VerdictKind::kLimit, "actors_max",
                  "the scenario spawns " + std::to_string(actors_.size()) +
                      " actors; actors_max is " + std::to_string(config_.actors_max),
                  0, kNoActor};
      throw Abort{};
    }
    pool_.ensure(actors_.size());
    for (ActorId a = 0; a < actors_.size(); ++a) pool_.assign(a, this, a);
    for (Observer* o : observers_) o->on_begin(*this);
    const ActorId first = decide();
    if (first != kNoActor) {
      current_ = first;
      pool_.switch_to(kMainSlot, first);  // back here once every actor finished or unwound
    }
    current_ = kNoActor;
    if (!aborting_ || quiet_end_) {
      for (auto& check : end_checks_) check(*this);
      for (Observer* o : observers_) o->on_end(*this);
    }
  } catch (const Abort&) {
    // Verdict already recorded; actors were never started or have unwound.
  }
  current_ = kNoActor;
  for (auto& a : actors_) a.status = ActorStatus::kFinished;
  ExecutionSummary summary{index, step_, &verdict_, final_pending_};
  strategy_has_more_ = strategy.end_execution(summary);
  std::string diverged = strategy.divergence();
  if (!diverged.empty() && verdict_.kind != VerdictKind::kDivergence) {
    verdict_ = {VerdictKind::kDivergence, "replay", std::move(diverged), step_, kNoActor};
  }
  // Actor bodies, end checks and observers capture the scenario's state: drop them first.
  for (auto& a : actors_) a.body = nullptr;
  end_checks_.clear();
  observers_ = {};
  own_observers_.clear();
  state_.clear();
  running_ = false;
  if (!swallowed_abort_.empty()) {
    throw std::logic_error("model code swallowed the engine's abort in actor " + swallowed_abort_ +
                           " (a catch (...) that does not rethrow?)");
  }
  return verdict_;
}

model::ActorId Execution::spawn(std::string name, ActorBody body, ActorOptions options) {
  if (running_ && in_actor()) throw std::logic_error("spawn() is only for Scenario::build");
  ActorInfo info;
  info.name = std::move(name);
  info.body = std::move(body);
  info.ctx.cpu = options.cpu;
  info.ctx.kind = options.kind;
  info.ctx.sleepable = options.sleepable;
  info.daemon = options.daemon;
  actors_.push_back(std::move(info));
  pending_.push_back(Pending{{}, {}, false, options.cpu, {}});
  return static_cast<ActorId>(actors_.size() - 1);
}

// Actors the scenario did not place get the lowest CPUs no placed actor uses, in spawn order.
void Execution::place_actors() {
  std::vector<bool> used;
  auto mark = [&used](uint16_t cpu) {
    if (cpu >= used.size()) used.resize(cpu + 1u, false);
    used[cpu] = true;
  };
  for (const ActorInfo& a : actors_) {
    if (a.ctx.cpu != kAnyCpu) mark(a.ctx.cpu);
  }
  uint16_t next = 0;
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].ctx.cpu != kAnyCpu) continue;
    while (next < used.size() && used[next]) ++next;
    actors_[a].ctx.cpu = next;
    pending_[a].cpu = next;
    mark(next);
  }
}

void Execution::at_end(ActorBody check) { end_checks_.push_back(std::move(check)); }

void Execution::observe(std::unique_ptr<Observer> observer) {
  own_observers_.push_back(std::move(observer));
}

Slot Execution::run_actor(uint32_t a) {
  current_ = a;
  actors_[a].status = ActorStatus::kRunning;
  enabled_valid_ = false;
  pending_[a].started = true;
  if (!aborting_) {
    try {
      actors_[a].body(*this);
      if (aborting_) swallowed_abort_ = actors_[a].name;
      if (!aborting_ && rcu_readers_.inside_any(a)) {
        fail("rcu", actors_[a].name + " ends inside an RCU read-side critical section");
      }
    } catch (const Abort&) {
    } catch (const std::exception& e) {
      record_model_error(a, e.what());
    } catch (...) {
      record_model_error(a, "an exception that is not a std::exception");
    }
  }
  actors_[a].status = ActorStatus::kFinished;
  enabled_valid_ = false;
  pending_[a] = Pending{{}, "exit", true, actors_[a].ctx.cpu, {}};
  if (aborting_) return next_to_unwind();
  ActorId next = kNoActor;
  try {
    next = decide();
  } catch (const Abort&) {
    return next_to_unwind();
  }
  if (next == kNoActor) return kMainSlot;
  current_ = next;
  return next;
}

void Execution::record_model_error(ActorId a, const std::string& what) {
  if (verdict_.kind == VerdictKind::kPass) {
    verdict_ = {VerdictKind::kViolation, "exception",
                "actor " + actors_[a].name + " threw: " + what, step_, a};
  }
  aborting_ = true;
}

Slot Execution::next_to_unwind() {
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].status == ActorStatus::kNotStarted) actors_[a].status = ActorStatus::kFinished;
  }
  for (ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].status == ActorStatus::kRunning && a != current_) {
      current_ = a;
      return a;
    }
  }
  current_ = kNoActor;
  return kMainSlot;
}

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
  if (before < 0 || before == actor.wait_value || actor.wait_reads.empty()) return;
  const std::string by = last_chosen_ == kNoActor ? std::string("set-up") : actors_[last_chosen_].name;
  if (last_was_start_) {
    fail("model-error", "the condition of " + actor.name + "'s wait '" + std::string(pending_[a].label) +
                            "' became " + (now ? "true" : "false") + " in the code " + by +
                            " runs before its first scheduling point; change shared state only after an access");
  }
  if (touches(last_access_, actor.wait_reads)) return;
  fail("model-error", "the condition of " + actor.name + "'s wait '" + std::string(pending_[a].label) +
                          "' became " + (now ? "true" : "false") + " in a step of " + by +
                          " that touches none of the fields the wait declares it reads (its access: " +
                          std::string(model::to_string(last_access_.op)) + " " +
                          describe(last_access_.object, last_access_.field) + ")");
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

// A label only has to outlive the Env call that passed it (the pending access and the observers
// are done with it by then) unless the event is recorded: then it is kept for the record.
void Execution::emit(model::Access access, std::string_view label, uint8_t order, int64_t rf) {
  if (!record_events_ && observers_.empty()) return;
  const Event event{step_, current_, access.op, access.object, access.field, label, order, rf};
  if (record_events_) {
    events_.push_back(event);
    events_.back().label = names_.keep(label);
  }
  for (Observer* o : observers_) o->on_event(*this, event);
}

void Execution::no_such_object(ObjectId id, std::string_view label) {
  fail("model-error", std::string(label) + " names object #" + std::to_string(id) + ", which was never allocated");
}

void Execution::not_a_lock(ObjectId id, std::string_view label) {
  fail("model-error", std::string(label) + " uses " + describe(id, 0) + " as a lock");
}

void Execution::access(model::Access access, std::string_view label) {
  if (!in_actor()) return;  // end-of-execution checks run alone: nothing to schedule
  if (access.object >= objects_.size()) checked_object(access.object, label);
  // A load or store through a NULL pointer is the kernel's oops, reported before the model code
  // after it could dereference a null C++ pointer on the host.
  const bool memory = access.op == model::Op::kRead || access.op == model::Op::kWrite || access.op == model::Op::kRmw;
  if (memory && access.object == model::kNoObject) {
    fail("null-dereference", std::string(label) + ": a load or store through a NULL pointer");
  }
  schedule_point(access, label);
  emit(access, label);
  if ((access.op == model::Op::kRcuLock || access.op == model::Op::kRcuUnlock) &&
      !memory_->rcu(current_, access.object, access.op == model::Op::kRcuLock)) {
    inconsistent();
  }
}

void Execution::inconsistent() {
  abort_with({VerdictKind::kPruned, "inconsistent",
              "no store keeps the execution consistent under " + config_.memory_model, step_, current_});
}

uint32_t Execution::weak_result(model::Access access, std::string_view label, model::Order order,
                                const Memory::Result& r) {
  if (r.infeasible) inconsistent();
  emit(access, label, memory_->weak() ? static_cast<uint8_t>(order) : Event::kNoOrder, r.rf_step);
  if (order == model::Order::kPlain && memory_->data_race()) {
    fail("data-race", actors_[current_].name + " accesses " + describe(access.object, access.field) + " in " +
                          std::string(label) + " with a plain access that races with another actor's (" +
                          config_.memory_model + ")");
  }
  return r.index;
}

uint32_t Execution::load(ObjectId o, uint16_t field, model::Order order, std::string_view label) {
  if (!in_actor()) return model::kLatest;
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kRead};
  schedule_point(a, label);
  const Memory::Result r = memory_->load(memory_access(o, field, order),
                                         [this](uint64_t bound) { return choose(bound, "reads-from"); });
  return weak_result(a, label, order, r);
}

uint32_t Execution::store(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
                          std::string_view label) {
  if (!in_actor()) return model::kLatest;
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kWrite};
  schedule_point(a, label);
  const Memory::Result r = memory_->store(memory_access(o, field, order, pointees));
  return weak_result(a, label, order, r);
}

uint32_t Execution::rmw(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
                        const std::function<bool(uint32_t)>& writes, std::string_view label) {
  if (!in_actor()) {
    writes(model::kLatest);
    return model::kLatest;
  }
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kRmw};
  schedule_point(a, label);
  return weak_result(a, label, order, memory_->rmw(memory_access(o, field, order, pointees), writes));
}

void Execution::fence(model::Fence fence, std::string_view, ObjectId on) {
  if (in_actor() && !memory_->fence(current_, fence, on)) inconsistent();
}

ObjectId Execution::alloc(const model::TypeInfo& type, std::string_view label) {
  ObjectRecord rec;
  rec.type = &type;
  rec.name = type.name;
  return create(rec, label);
}

// The record is complete before the event is emitted: observers and traces describe the object
// the same way at every moment.
ObjectId Execution::create(ObjectRecord rec, std::string_view label) {
  label = names_.keep(label);
  if (objects_.size() > config_.objects_max) {
    abort_with({VerdictKind::kLimit, "objects_max",
                "more than objects_max=" + std::to_string(config_.objects_max) + " objects", step_,
                current_});
  }
  if (in_actor()) schedule_point({model::kNoObject, 0, model::Op::kAlloc}, label);
  const ObjectId id = static_cast<ObjectId>(objects_.size());
  rec.alloc_step = step_;
  rec.alloc_label = label;
  objects_.push_back(rec);
  if (in_actor()) emit({id, 0, model::Op::kAlloc}, label);
  return id;
}

void Execution::free(ObjectId object, std::string_view label) {
  label = names_.keep(label);
  checked_object(object, label);
  if (in_actor()) {
    schedule_point({object, 0, model::Op::kFree}, label);
    emit({object, 0, model::Op::kFree}, label);
  }
  ObjectRecord& rec = objects_[object];
  rec.live = false;
  rec.free_step = step_;
  rec.free_actor = current_;
  rec.free_label = label;
}

void Execution::free_type_stable(ObjectId object, uint64_t stable_fields, std::string_view label) {
  free(object, label);
  objects_[object].type_stable = stable_fields;
}

void Execution::end_type_stable(ObjectId object) {
  checked_object(object, "end_type_stable");
  objects_[object].type_stable = 0;
}

ObjectId Execution::new_lock(model::LockKind kind, std::string_view name) {
  ObjectRecord rec;
  rec.type = &kLockType;
  rec.is_lock = true;
  rec.lock_kind = kind;
  rec.name = names_.keep(name);
  return create(rec, rec.name);
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
  enabled_valid_ = false;
  schedule_point({lock, 0, model::Op::kLock}, label);
  emit({lock, 0, model::Op::kLock}, label);
  objects_[lock].holder = current_;
  enabled_valid_ = false;
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
  enabled_valid_ = false;
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
  enabled_valid_ = false;
  model::ActorContext& ctx = actors_[current_].ctx;
  if (raw_spin(rec.lock_kind)) ++ctx.preempt_disabled;
  if (rec.lock_kind == model::LockKind::kSpinIrq) ++ctx.irqs_disabled;
  return true;
}

void Execution::block_until(const std::function<bool()>& ready, std::string_view what,
                            std::span<const model::Access> reads, bool idle) {
  if (!in_actor()) {
    if (!ready()) fail("model-error", "set-up code waits for '" + std::string(what) + "', which cannot happen before any actor runs");
    return;
  }
  ActorInfo& me = actors_[current_];  // actors_ does not grow while actors run
  if (idle && !me.daemon) {
    fail("model-error", me.name + " waits at an idle point ('" + std::string(what) + "') but is not a daemon");
  }
  struct Waiting {
    Execution& exec;
    ActorInfo& actor;
    ~Waiting() {
      actor.wait = nullptr;
      actor.wait_reads = {};
      actor.wait_value = -1;
      actor.idle = false;
      --exec.waiters_;
      exec.enabled_valid_ = false;
    }
  };
  me.wait = &ready;
  me.wait_reads = reads;
  me.wait_value = -1;
  me.idle = idle;
  ++waiters_;
  enabled_valid_ = false;
  {
    Waiting guard{*this, me};
    schedule_point({model::kNoObject, 0, model::Op::kWait}, what, reads);
  }
  emit({model::kNoObject, 0, model::Op::kWait}, what);
  if (!wait_ended(*memory_, current_)) inconsistent();
}

uint64_t Execution::choose(uint64_t bound, std::string_view label) {
  if (bound == 0) fail("model-error", "choose(0) in " + std::string(label));
  if (bound == 1 || !in_actor()) return 0;  // set-up and end checks take the first choice
  const uint64_t v = strategy_->draw(bound, label);
  if (v >= bound) {
    std::string why = strategy_->divergence();
    if (why.empty()) why = "strategy drew " + std::to_string(v) + " for a bound of " + std::to_string(bound);
    abort_with({VerdictKind::kDivergence, "replay", std::move(why), step_, current_});
  }
  decisions_.push_back({Decision::Kind::kDraw, step_, v, bound});
  return v;
}

bool Execution::fault(std::string_view point) {
  if (!in_actor() || faults_ >= config_.faults_max) return false;
  if (choose(2, point) == 0) return false;
  ++faults_;
  probe("fault injected");
  return true;
}

void Execution::probe(std::string_view name) {
  auto it = probe_hits_.find(name);
  if (it == probe_hits_.end()) it = probe_hits_.emplace(std::string(name), 0).first;
  ++it->second;
}

model::ActorContext& Execution::context() {
  if (!in_actor()) return setup_ctx_;
  enabled_valid_ = false;  // the caller may change what keeps others off this CPU
  return actors_[current_].ctx;
}

void Execution::fail(std::string_view property, std::string message) {
  abort_with({VerdictKind::kViolation, std::string(property), std::move(message), step_, current_});
}

void Execution::abort_with(Verdict verdict) {
  if (verdict_.kind == VerdictKind::kPass) verdict_ = std::move(verdict);
  aborting_ = true;
  throw Abort{};
}

std::string Execution::describe(ObjectId id, uint16_t field) const {
  const ObjectRecord* rec = object(id);
  if (rec == nullptr) return "-";
  // Built with append(): GCC 12 warns falsely (-Wrestrict) on operator+ chains here.
  std::string out(rec->name);
  out.append("#").append(std::to_string(id));
  if (!rec->is_lock && rec->type != nullptr && field < rec->type->fields.size()) {
    out.append(".").append(rec->type->fields[field]);
  }
  return out;
}


}  // namespace lsmc::sim
