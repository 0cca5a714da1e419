// One execution's life: set-up, the run of its actors to the end, unwinding, and the Env calls
// that are neither accesses nor blocking (choices, faults, probes, verdicts). The scheduling
// points are in execution_schedule.cpp, accesses and objects in execution_access.cpp, locks and
// waits in execution_blocking.cpp, the Env's own synchronisation in execution_sync.cpp.
#include "sim/execution.hpp"

#include <csetjmp>
#include <stdexcept>

#include "sim/actor_unwind.hpp"

namespace lsmc::sim {

Execution::Execution(FiberPool& pool, const Config& config)
    : pool_(pool), config_(config), memory_(make_memory(config.memory_model)) {
  if (memory_ == nullptr) throw std::invalid_argument("unknown memory model '" + config.memory_model + "'");
  weak_ = memory_->weak();
}

Execution::~Execution() { drop_state(); }

void Execution::drop_state() {
  for (HolderBase* holder : state_) holder->~HolderBase();
  state_.clear();
  state_memory_.next_execution();
}

void Execution::reset() {
  actors_.clear();
  pending_.clear();
  objects_.clear();
  objects_.push_back(ObjectRecord{});  // id 0 is "no object"
  objects_[0].live = false;
  events_.clear();
  decisions_.clear();
  end_checks_.clear();
  verdict_.kind = VerdictKind::kPass;  // Verdict{} without a temporary's two strings
  verdict_.property.clear();
  verdict_.message.clear();
  verdict_.step = 0;
  verdict_.actor = kNoActor;
  current_ = kNoActor;
  last_chosen_ = kNoActor;
  last_access_ = {};
  last_was_start_ = false;
  step_ = 0;
  faults_ = 0;
  percpu_declared_ = false;
  early_gp_.clear();
  waiters_ = 0;
  dirty_ = kEnabledInvalid;
  point_ = {};
  waiting_.clear();
  dirty_locks_.clear();
  for (auto& waiters : lock_waiters_) waiters.clear();
  setup_ctx_ = model::ActorContext{};
  aborting_ = false;
  quiet_end_ = false;
  swallowed_abort_.clear();
  memory_->begin();
  final_pending_.clear();
  names_.next_execution();  // the last execution's record has been taken
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
    drop_state();
    throw;
  }
  place_actors();
  all_observers_.assign(observers.begin(), observers.end());
  for (const auto& o : own_observers_) all_observers_.push_back(o.get());
  observers_ = all_observers_;
  sort_observers();
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
    if (first == kUnwind) throw Abort{};
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
  // Actor bodies, end checks and observers capture the scenario's state: they are dropped before
  // it (the bodies here: they have all returned or unwound).
  for (auto& a : actors_) {
    a.status = ActorStatus::kFinished;
    a.body = nullptr;
  }
  ExecutionSummary summary{index, step_, &verdict_, final_pending_};
  strategy_has_more_ = strategy.end_execution(summary);
  std::string diverged = strategy.divergence();
  if (!diverged.empty() && verdict_.kind != VerdictKind::kDivergence) {
    verdict_ = {VerdictKind::kDivergence, "replay", std::move(diverged), step_, kNoActor};
  }
  end_checks_.clear();
  observers_ = {};
  observed_ops_ = 0;
  own_observers_.clear();
  drop_state();
  running_ = false;
  if (!swallowed_abort_.empty()) {
    throw std::logic_error("model code swallowed the engine's abort in actor " + swallowed_abort_ +
                           " (a catch (...) that does not rethrow?)");
  }
  return verdict_;
}

model::ActorId Execution::spawn(std::string name, ActorBody body, ActorOptions options) {
  if (running_ && in_actor()) throw std::logic_error("spawn() is only for Scenario::build");
  // Built in place: a record moved into the vector cost its copy and its destruction as well.
  ActorInfo& info = actors_.emplace_back();
  info.name = std::move(name);
  info.body = std::move(body);
  info.ctx.cpu = options.cpu;
  info.ctx.kind = options.kind;
  info.ctx.sleepable = options.sleepable;
  info.daemon = options.daemon;
  pending_.emplace_back().cpu = options.cpu;
  return static_cast<ActorId>(actors_.size() - 1);
}

// Actors the scenario did not place get the lowest CPUs no placed actor uses, in spawn order.
void Execution::place_actors() {
  const std::size_t n = actors_.size();
  moved_.resize(n);
  moved_objects_.resize(n);
  std::vector<uint8_t>& used = cpu_used_;  // kept across executions: no allocation per run
  used.clear();
  auto mark = [&used](uint16_t cpu) {
    if (cpu >= used.size()) used.resize(cpu + 1u, 0);
    used[cpu] = 1;
  };
  bool anywhere = false;  // some actor was not placed by the scenario
  for (ActorId a = 0; a < n; ++a) {
    moved_[a].clear();
    moved_objects_[a] = MovedObjects{};
    if (actors_[a].ctx.cpu != kAnyCpu) {
      mark(actors_[a].ctx.cpu);
    } else {
      anywhere = true;
    }
  }
  if (!anywhere) return;
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
  // Starting changes what the enabled set knows of this actor only when it now holds its CPU: it
  // was enabled when chosen (a start is not a lock or a wait), and held nothing before it ran.
  // Anything its code changes before its first scheduling point (context(), a lock, a wait) marks
  // itself. So a start is a common step for decide(), not an update_enabled().
  if (holds_cpu(actors_[a])) dirty_ |= kCtxDirty;
  pending_[a].started = true;
  if (!aborting_) {
    try {
      if (run_body(a)) {  // false: unwind() ended it
        // Reads of immutable fields since its last point run with its next step: it needs one.
        if (!aborting_ && moved_objects_[a][0] != model::kNoObject) schedule_point({}, "end of the actor (after reads of immutable fields)");
        // A daemon its idle_until released returns; anything else running on is model code that
        // caught the engine's Abort.
        if (aborting_ && !actors_[a].released) swallowed_abort_ = actors_[a].name;
        if (!aborting_ && rcu_readers_.inside_any(a)) {
          fail("rcu", actors_[a].name + " ends inside an RCU read-side critical section");
        }
      }
    } catch (const Abort&) {
    } catch (const std::exception& e) {
      record_model_error(a, e.what());
    } catch (...) {
      record_model_error(a, "an exception that is not a std::exception");
    }
    actors_[a].unwind = nullptr;  // also when an exception of the model's left run_body
  }
  actors_[a].status = ActorStatus::kFinished;
  finished(a);
  set_pending(a, Pending{{}, "exit", true, actors_[a].ctx.cpu, {}});
  if (aborting_) return next_to_unwind();
  ActorId next = kNoActor;
  try {
    next = decide();
  } catch (const Abort&) {
    return next_to_unwind();
  }
  if (next == kUnwind) return next_to_unwind();
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
  dirty_ |= kCtxDirty;  // the caller may change what keeps others off this CPU
  return actors_[current_].ctx;
}

void Execution::fail(std::string_view property, std::string message) {
  abort_with({VerdictKind::kViolation, std::string(property), std::move(message), step_, current_});
}

void Execution::abort_with(Verdict verdict) {
  if (verdict_.kind == VerdictKind::kPass) verdict_ = std::move(verdict);
  aborting_ = true;
  unwind();
}

// The actor whose fiber runs is current_ wherever its body runs (the switches set it), so its
// target is the one of the stack we are on.
void Execution::unwind() {
  if (current_ != kNoActor && actors_[current_].unwind != nullptr) unwind_to(*actors_[current_].unwind);
  throw Abort{};
}

// Not inlined: the target's address must lie in a frame that the body's frames are all below
// (sim/actor_unwind.hpp). Nothing here lives past setjmp but `target`, which longjmp keeps.
[[gnu::noinline]] bool Execution::run_body(ActorId a) {
  UnwindTarget target;
  target.frame = &target;
  if (setjmp(target.resume) != 0) {
    unwind_done(target);
    actors_[a].unwind = nullptr;
    return false;
  }
  actors_[a].unwind = &target;
  actors_[a].body(*this);
  unwind_done(target);  // the body may have swallowed an unwind (run_actor reports it)
  actors_[a].unwind = nullptr;
  return true;
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
