// One execution: a scenario's actors run on pooled fibers under one schedule.
//
// Every scheduling point goes through Execution::schedule_point(): the actor announces what it
// will do next (its pending access), the enabled set is computed, the strategy picks, and the
// chosen actor proceeds; then the access is logged as an event, observers see it, and only then
// does it take effect (so a checker sees the registry as it was just before the access).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/env.hpp"
#include "sim/config.hpp"
#include "sim/event.hpp"
#include "sim/fiber_pool.hpp"
#include "sim/memory.hpp"
#include "sim/names.hpp"
#include "sim/scenario.hpp"
#include "sim/state_memory.hpp"
#include "sim/strategy.hpp"
#include "sim/sync.hpp"

namespace lsmc::sim {

class Execution;
struct UnwindTarget;  // sim/actor_unwind.hpp

// Checkers observe events; they live in properties/, never in the model (design §5).
class Observer {
public:
  virtual ~Observer() = default;
  virtual void on_begin(Execution&) {}
  // Called after the access was chosen to run and before it takes effect. May call exec.fail().
  virtual void on_event(Execution& exec, const Event& event) = 0;
  // The operations whose events on_event wants: bit (1 << Op); asked when an execution begins.
  // The others are not passed to it (a kernel scenario's checkers each want a few of them, and
  // an observer call on every step was 7 % of its exploration).
  static constexpr uint32_t kEveryOp = ~uint32_t{0};
  static constexpr uint32_t op_bit(model::Op op) { return uint32_t{1} << static_cast<unsigned>(op); }
  virtual uint32_t event_ops() const { return kEveryOp; }
  // Called once every actor finished (not after an aborted execution). May call exec.fail().
  virtual void on_end(Execution&) {}
};

enum class ActorStatus : uint8_t { kNotStarted, kRunning, kFinished };

struct ActorInfo {
  std::string name;
  ActorBody body;
  model::ActorContext ctx;
  ActorStatus status = ActorStatus::kNotStarted;
  const std::function<bool()>* wait = nullptr;  // set while blocked in wait_until
  std::span<const model::Access> wait_reads;     // what that wait declares it reads
  bool daemon = false;                           // ActorOptions::daemon
  bool idle = false;                             // the wait is the daemon's idle point
  bool released = false;                         // its idle_until returned false: it returns
  UnwindTarget* unwind = nullptr;                // while its body runs: where unwind() ends it
  int8_t wait_value = -1;                        // its value at the last decision (-1: none yet)
  // A wait for RCU readers (its reads all model::rcu_reader_exits): per read, whether that reader
  // has run an rcu_read_unlock on the object since the wait was reached.
  bool waits_for_readers = false;
  std::vector<uint8_t> readers_left;
};

// An actor that cannot be preempted on its CPU by ordinary tasks: preemption or IRQs off, or an
// interrupt context in progress.
inline bool holds_cpu(const ActorInfo& b) {
  return b.status == ActorStatus::kRunning &&
         (!b.ctx.preemptible() || b.ctx.kind != model::ContextKind::kTask);
}

struct ObjectRecord {
  const model::TypeInfo* type = nullptr;
  std::string_view name;  // lock name, or the type name
  bool live = true;
  uint64_t type_stable = 0;  // freed, but loads of these fields (bit i: field i) are still fine
  uint16_t percpu = kNotPercpu;  // Env::percpu: the CPU whose per-CPU data this is
  static constexpr uint16_t kNotPercpu = UINT16_MAX;
  uint64_t immutable = 0;  // Env::immutable: fields (bit i: field i) nothing writes again
  bool had_immutable = false;  // some field was declared immutable (its memory is never reused)
  bool is_lock = false;
  model::LockKind lock_kind = model::LockKind::kSpin;
  ActorId holder = kNoActor;
  uint64_t alloc_step = 0;
  std::string_view alloc_label;
  uint64_t free_step = 0;
  ActorId free_actor = kNoActor;
  std::string_view free_label;
};

class Execution final : public model::Env, private ActorRunner, private Setup {
public:
  Execution(FiberPool& pool, const Config& config);
  ~Execution() override;

  // Runs execution `index` to its end; never leaves an actor suspended.
  const Verdict& run(const Scenario& scenario, const Params& params, Strategy& strategy,
                     std::span<Observer* const> observers, uint64_t index);

  // Whether events are kept (observers see them either way). Exploration runs without: a failure
  // is replayed with recording on to get its events, so only failing executions pay for them.
  void set_record_events(bool on) { record_events_ = on; }

  // Results of the last run.
  const Verdict& verdict() const { return verdict_; }
  const std::vector<Event>& events() const { return events_; }  // empty unless recording
  const std::vector<Decision>& decisions() const { return decisions_; }
  uint64_t steps() const { return step_; }
  // The memory the scenario's state was made in, kept for the next run (sim/state_memory.hpp).
  const StateMemory& kept_state_memory() const { return state_memory_; }
  // What the strategy answered at the end of the last run: false when it has nothing left.
  bool strategy_has_more() const { return strategy_has_more_; }
  const std::vector<ActorInfo>& actors() const { return actors_; }
  const std::vector<ObjectRecord>& objects() const { return objects_; }  // [0] is a placeholder
  const ObjectRecord* object(ObjectId id) const {
    return id != model::kNoObject && id < objects_.size() ? &objects_[id] : nullptr;
  }
  // "bpf_local_storage#4.cache", for messages and traces.
  std::string describe(ObjectId id, uint16_t field) const;
  // Cumulative over every run of this Execution.
  const std::map<std::string, uint64_t, std::less<>>& probe_hits() const { return probe_hits_; }
  // Puts back counts saved before runs that must not count (a determinism check's repeat, the
  // replays of a failure).
  void set_probe_hits(std::map<std::string, uint64_t, std::less<>> hits) { probe_hits_ = std::move(hits); }

  // model::Env
  void access(model::Access access, std::string_view label) override;
  bool weak_memory() const override { return memory_->weak(); }
  uint32_t load(ObjectId o, uint16_t field, model::Order order, std::string_view label) override;
  uint32_t store(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
                 std::string_view label) override;
  uint32_t rmw(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
               const std::function<bool(uint32_t)>& writes, std::string_view label) override;
  void fence(model::Fence fence, std::string_view label, ObjectId on) override;
  ObjectId alloc(const model::TypeInfo& type, std::string_view label) override;
  void free(ObjectId object, std::string_view label) override;
  void free_type_stable(ObjectId object, uint64_t stable_fields, std::string_view label) override;
  void end_type_stable(ObjectId object) override;
  void percpu(ObjectId object, uint16_t cpu) override;
  void rcu_early_grace_periods(ObjectId rcu) override;
  void immutable(ObjectId object, uint16_t field) override;
  ObjectId reuse(ObjectId freed, const model::TypeInfo& type, std::string_view label) override;
  ObjectId new_lock(model::LockKind kind, std::string_view name) override;
  void lock(ObjectId lock, std::string_view label) override;
  void unlock(ObjectId lock, std::string_view label) override;
  bool try_lock(ObjectId lock, std::string_view label) override;
  using model::Env::wait_until;
  void wait_until(const std::function<bool()>& ready, std::string_view what,
                  std::span<const model::Access> reads) override;
  bool idle_until(const std::function<bool()>& ready, std::string_view what,
                  std::span<const model::Access> reads) override;
  // The Env's own condition variables and RCU (sim/execution_sync.cpp).
  ObjectId new_condvar(std::string_view name) override;
  void cond_wait(ObjectId cv, ObjectId mutex, std::string_view label) override;
  void cond_signal(ObjectId cv, std::string_view label) override;
  void cond_broadcast(ObjectId cv, std::string_view label) override;
  void rcu(RcuCall call, model::RcuFlavour f) override;
  uint64_t choose(uint64_t bound, std::string_view label) override;
  void probe(std::string_view name) override;
  bool fault(std::string_view point) override;
  uint64_t faults_injected() const override { return faults_; }
  ActorId self() const override { return current_; }
  model::ActorContext& context() override;
  [[noreturn]] void fail(std::string_view property, std::string message) override;
  // Ends the execution with a verdict of any kind (replay uses it for divergences).
  [[noreturn]] void abort_with(Verdict verdict);

private:
  struct Abort {};  // unwinds an actor; model code must let it pass (run() checks it did)
  // Ends the running actor's body: a forced unwind to where run_body entered it
  // (sim/actor_unwind.hpp), or a throw of Abort outside a body (set-up, end checks, an actor's
  // code after its body).
  [[noreturn]] void unwind();
  // Runs actor `a`'s body; false when unwind() ended it.
  bool run_body(ActorId a);

  // Setup
  model::ActorId spawn(std::string name, ActorBody body, ActorOptions options) override;
  void at_end(ActorBody check) override;
  const Params& params() const override { return *params_; }
  model::Env& env() override { return *this; }
  bool mutant(std::string_view name) const override { return config_.mutant == name; }
  std::string_view profile() const override { return config_.profile; }
  void* state_memory(std::size_t bytes, std::size_t align) override { return state_memory_.take(bytes, align); }
  void keep(HolderBase* holder) override { state_.push_back(holder); }
  // Destroys the scenario's state, in the order it was made, and keeps its memory for the next
  // execution.
  void drop_state();
  void observe(std::unique_ptr<Observer> observer) override;

  // ActorRunner
  Slot run_actor(uint32_t actor) override;

  void reset();
  void place_actors();
  // A scheduling point: `access` is the actor's next step; the strategy decides who runs, and
  // this returns when the actor is chosen again. Throws Abort when the actor must unwind.
  void schedule_point(model::Access access, std::string_view label);
  // The step's path, inline (sim/execution_step.hpp, included where it is called): schedule_point
  // itself, for access(), whose scheduling points are most of an execution's; its two halves
  // (block_until has its own): the pending step is set, and the strategy decides the actor that
  // runs next, or kUnwind.
  [[gnu::always_inline]] inline void step_here(model::Access access, std::string_view label);
  [[gnu::always_inline]] inline ActorId step_and_decide(model::Access access, std::string_view label,
                                                        std::span<const model::Access> reads);
  [[gnu::always_inline]] inline ActorId decide_here();
  // Runs `next` if it is not `self`, until `self` is chosen again. False: `self` must unwind (the
  // execution is over or aborted); the caller throws Abort.
  bool run_next(ActorId self, ActorId next) {
    if (next == kUnwind) [[unlikely]] return false;
    if (next != self) {
      current_ = next;
      pool_.switch_to(self, next);
      return !aborting_;
    }
    return true;
  }
  // An access to `o` that needs no scheduling point (Env::percpu on a CPU with one actor, a read
  // of an Env::immutable field): counts its step and returns true. The test is inline; the checks
  // of declared objects are not.
  bool private_step(ObjectId o, uint16_t field, model::Op op, std::string_view label) {
    const ObjectRecord& rec = objects_[o];
    if (rec.percpu == ObjectRecord::kNotPercpu && rec.immutable == 0) [[likely]] return false;
    if (op == model::Op::kRead && field < 64 && ((rec.immutable >> field) & 1u) != 0) return immutable_read(o, field, label);
    return declared_step(o, field, op, label);
  }
  bool declared_step(ObjectId o, uint16_t field, model::Op op, std::string_view label);
  bool percpu_step(ObjectId o, std::string_view label);
  // Reads of immutable fields (sim/execution_immutable.cpp): one that runs with the actor's next
  // step (true), and at that step, once the actor runs it, the same read again where its object
  // died in between (settle_moved_reads).
  bool immutable_read(ObjectId o, uint16_t field, std::string_view label);
  [[noreturn]] void immutable_written(ObjectId o, uint16_t field, std::string_view label);
  void settle_moved_reads(ActorId a) {
    if (moved_objects_[a][0] == model::kNoObject) [[likely]] return;
    recheck_moved_reads(a);
  }
  void recheck_moved_reads(ActorId a);
  void check_percpu_cpu(ObjectId o, std::string_view label);
  void check_wait_reads(ActorId a, bool now);
  void check_reader_wait(ActorId a, bool before, bool now);
  // The event of the step that just ran, for the record and the observers; nothing to do (and
  // inline, so exploration pays one test) when neither is there.
  void emit(model::Access access, std::string_view label, uint8_t order = Event::kNoOrder, int64_t rf = -1) {
    if (record_events_ || (observed_ops_ & Observer::op_bit(access.op)) != 0) emit_event(access, label, order, rf);
  }
  void emit_event(model::Access access, std::string_view label, uint8_t order, int64_t rf);
  // A weak access after its scheduling point: records its event, or ends an execution that no
  // choice keeps consistent.
  uint32_t weak_result(model::Access access, std::string_view label, model::Order order, const Memory::Result& r);
  // Ends an execution that a weak memory model does not allow (VerdictKind::kPruned).
  [[noreturn]] void inconsistent();
  Memory::Access memory_access(ObjectId o, uint16_t field, model::Order order,
                               std::span<const ObjectId> pointees = {}) const {
    return {current_, o, field, order, pointees, step_};
  }
  // The actor that runs next; kNoActor when every actor finished; kUnwind when only daemons at
  // their idle point are left (the execution passed: the caller unwinds them) or when the
  // strategy pruned the execution (the caller unwinds every actor).
  ActorId decide();  // decide_here, out of line
  static constexpr ActorId kUnwind = kNoActor - 2;  // kNoActor - 1 is the strategies' kPrune
  // decide()'s rare outcomes, out of line so that the step's path keeps a small frame.
  // The enabled set is brought up to date where the common step does not cover it (dirty_).
  [[gnu::noinline]] void update_dirty();
  // A pick of a strategy that is not a plain decision among two actors or more: a prune, the one
  // enabled actor shown to a strategy that sees every step, or an actor that is not enabled.
  [[gnu::cold]] ActorId unusual_pick(ActorId chosen);
  [[gnu::cold]] ActorId nobody_enabled();
  void keep_final_pending();
  ActorId pruned();  // kUnwind
  [[noreturn]] void not_enabled(ActorId chosen);
  [[noreturn]] void steps_exceeded();
  [[noreturn]] void cpu_changed(ActorId a);
  [[noreturn]] void null_dereference(std::string_view label);
  // Notes the step that runs next (for check_wait_reads) and returns its actor.
  // (An actor that has not started has the empty access as its pending step: spawn.)
  ActorId chose(ActorId a) {
    last_chosen_ = a;
    last_access_ = pending_[a].access;
    last_was_start_ = !pending_[a].started;
    return a;
  }
  // wait_until and idle_until; inlined into both (sim/execution_blocking.cpp). False only at an
  // idle point, where the execution is over: the daemon returns (ActorInfo::released).
  bool block_until(const std::function<bool()>& ready, std::string_view what,
                   std::span<const model::Access> reads, bool idle);
  void end_wait(ActorInfo& actor);
  // Who is left once the enabled set is known: nobody, only daemons at their idle point, or
  // actors that must still run.
  enum class Left : uint8_t { kNobody, kIdleDaemons, kWork };
  Left who_is_left() const;
  // The enabled set from scratch: the first decision of an execution (and after an actor moved
  // to another CPU). O(actors).
  void recompute_enabled();
  // The enabled set kept up to date from what changed since the last decision (only the actor
  // that ran can change anything): its own step and context, the waiters of a lock it took or
  // released, the actors on its CPU while it holds the CPU, and every waiting actor's condition.
  // O(what changed), not O(actors).
  void update_enabled();
  // Its part for the waiting actors: each condition evaluated; an actor re-evaluated only when its
  // condition changed. All of update_enabled() on a step that changed no CPU and no lock.
  void update_waits();
  // Re-evaluates one actor's place in the enabled set.
  void refresh(ActorId a);
  bool can_run(ActorId a) const;
  // Whether `a` holds its CPU changed, or it holds it: the actors on that CPU are re-evaluated.
  // False when `a` moved to another CPU (then only recompute_enabled is right).
  bool refresh_holder(ActorId a);
  // Actor `a` (current_) just finished: its place in the enabled set, or update_enabled's turn.
  void finished(ActorId a);
  // Sets `a`'s pending step; lock_waiters_ only changes when the old or the new step takes a lock.
  void set_pending(ActorId a, const Pending& p) {
    if (pending_[a].access.op == model::Op::kLock || p.access.op == model::Op::kLock) [[unlikely]] {
      set_pending_lock(a, p);
    } else {
      pending_[a] = p;
    }
  }
  void set_pending_lock(ActorId a, const Pending& p);
  // step_and_decide's step that takes a lock or follows one, out of line.
  [[gnu::noinline]] void pending_lock_step(model::Access access, std::string_view label,
                                           std::span<const model::Access> reads) {
    set_pending_lock(current_, Pending{access, label, true, actors_[current_].ctx.cpu, reads, moved_objects_[current_]});
  }
  void lock_changed(ObjectId lock) {
    dirty_locks_.push_back(lock);
    dirty_ |= kLocksDirty;
  }
  // The kept set against its definition, without the kept holders; called at every decision where
  // LSMC_CHECK_ENABLED_SET is defined (the sanitizer build: sim/CMakeLists.txt).
  void check_enabled_set() const;
  bool ready(ActorId a) const;
  ActorId cpu_blocker(ActorId a) const;
  [[noreturn]] void deadlock();
  void fill_blocked_by();
  ActorId blocker(ActorId a) const;
  Slot next_to_unwind();
  // The record of `id`, or a model-error verdict; the checks are inline, the messages not.
  ObjectRecord& checked_object(ObjectId id, std::string_view label) {
    if (id == model::kNoObject || id >= objects_.size()) [[unlikely]] no_such_object(id, label);
    return objects_[id];
  }
  [[noreturn]] void no_such_object(ObjectId id, std::string_view label);
  ObjectId create(const model::TypeInfo& type, std::string_view name, std::string_view label,
                  bool is_lock = false, model::LockKind lock_kind = model::LockKind::kSpin);
  [[noreturn]] void objects_exceeded();
  ObjectId create_at_point(const model::TypeInfo& type, std::string_view name, std::string_view label, bool is_lock,
                           model::LockKind lock_kind);
  ObjectId record_object(const model::TypeInfo& type, std::string_view name, std::string_view label, bool is_lock,
                         model::LockKind lock_kind) {
    const ObjectId id = static_cast<ObjectId>(objects_.size());
    ObjectRecord& rec = objects_.emplace_back();
    rec.type = &type;
    rec.name = name;
    rec.is_lock = is_lock;
    rec.lock_kind = lock_kind;
    rec.alloc_step = step_;
    rec.alloc_label = label;
    return id;
  }
  ObjectRecord& checked_lock(ObjectId id, std::string_view label) {
    ObjectRecord& rec = checked_object(id, label);
    if (!rec.is_lock) [[unlikely]] not_a_lock(id, label);
    return rec;
  }
  [[noreturn]] void not_a_lock(ObjectId id, std::string_view label);
  ObjectRecord& checked_condvar(ObjectId id, std::string_view label);
  void wake(ObjectId cv, bool all, std::string_view label);
  void record_model_error(ActorId a, const std::string& what);
  bool in_actor() const { return current_ != kNoActor; }

  FiberPool& pool_;
  const Config& config_;
  std::unique_ptr<Memory> memory_;  // the run's memory model (sim/memory.hpp)
  Strategy* strategy_ = nullptr;
  std::span<Observer* const> observers_;          // the run's and this execution's
  std::vector<Observer*> all_observers_;
  // By operation: the observers whose event_ops() name it, and the union of those (emit).
  std::array<std::vector<Observer*>, model::kOpCount> op_observers_;
  uint32_t observed_ops_ = 0;
  void sort_observers();
  std::vector<std::unique_ptr<Observer>> own_observers_;  // added by the scenario
  const Params* params_ = nullptr;

  std::vector<ActorInfo> actors_;
  std::vector<Pending> pending_;  // indexed by actor
  // By actor: the reads of immutable fields it made since its last scheduling point, one per
  // field read (the first), of at most kMovedObjectsMax objects (sim/execution_immutable.cpp).
  struct MovedRead {
    ObjectId object;
    uint16_t field;
    uint16_t cpu;  // the actor's, where it read
    std::string_view label;
  };
  std::vector<std::vector<MovedRead>> moved_;
  std::vector<MovedObjects> moved_objects_;  // by actor: the objects of moved_ (Pending::moved)
  bool weak_ = false;                        // memory_->weak(), asked once
  std::vector<ActorId> enabled_;            // ascending
  std::vector<uint8_t> is_enabled_;         // by actor: in enabled_
  std::vector<uint8_t> holding_;            // by actor: holds its CPU (holds_cpu)
  std::vector<uint16_t> placed_cpu_;        // by actor: the CPU of its entries below
  std::vector<std::vector<ActorId>> cpu_actors_;    // by CPU: its actors, ascending
  std::vector<std::vector<ActorId>> cpu_holders_;   // by CPU: its actors that hold it, any order
  std::vector<ActorId> waiting_;            // actors blocked in wait_until/idle_until, ascending
  std::vector<std::vector<ActorId>> lock_waiters_;  // by lock object: actors whose pending step takes it
  std::vector<ObjectId> dirty_locks_;       // locks whose holder changed since the last decision
  // What changed since the last decision that the common step does not cover, one bit each: the
  // running actor's context or status may have changed; a lock's holder changed (dirty_locks_);
  // its new pending step takes a lock; the enabled set must be computed from scratch. decide()
  // tests them at once.
  enum : uint8_t { kCtxDirty = 1, kLocksDirty = 2, kLockStep = 4, kEnabledInvalid = 8 };
  uint8_t dirty_ = kEnabledInvalid;
  // The strategy's view, kept between decisions: its spans of pending_, blocked_by_ and early_gp_
  // are set where those vectors change (recompute_enabled, rcu_early_grace_periods); decide()
  // writes the step, the current actor and the enabled set.
  ChoicePoint point_;
  std::vector<ObjectRecord> objects_;
  std::vector<Event> events_;
  std::vector<Decision> decisions_;
  std::vector<ActorBody> end_checks_;
  std::vector<HolderBase*> state_;  // constructed in state_memory_
  StateMemory state_memory_;
  std::map<std::string, uint64_t, std::less<>> probe_hits_;
  Names names_;              // the labels and names this execution keeps (model/env.hpp, "Names")
  RcuReaders rcu_readers_;   // the Env's own RCU
  Condvars condvars_;        // the Env's own condition variables

  Verdict verdict_;
  model::ActorContext setup_ctx_;  // what context() gives set-up code and end checks
  ActorId current_ = kNoActor;
  ActorId last_chosen_ = kNoActor;  // the actor of the step that runs since the last decision
  model::Access last_access_;       // that step's access
  bool last_was_start_ = false;     // that step is its actor's start (code before any access)
  uint64_t step_ = 0;
  uint64_t faults_ = 0;  // faults injected in this execution (Env::fault)
  uint32_t waiters_ = 0;        // actors blocked in wait_until
  bool aborting_ = false;
  bool quiet_end_ = false;  // aborting_ only to put idle daemons away: the execution passed
  bool running_ = false;
  bool record_events_ = true;
  bool strategy_has_more_ = true;
  std::vector<ObjectId> early_gp_;  // Env::rcu_early_grace_periods, ascending (ChoicePoint::early_gp)
  bool percpu_declared_ = false;  // some object is per-CPU data (Env::percpu): actors must stay put
  bool every_step_ = false;  // the strategy sees forced transitions too (DPOR)
  std::vector<uint8_t> cpu_used_;    // place_actors: by CPU, whether an actor is placed there
  std::vector<ActorId> blocked_by_;  // ChoicePoint::blocked_by, kept only for such strategies (refresh)
  std::vector<Pending> final_pending_;  // ExecutionSummary::pending: where no actor could run
  std::vector<model::Access> final_reads_;  // the copies of its waits' reads it points into
  std::string swallowed_abort_;
};

// A reusable engine: the fiber pool plus one Execution, run many times.
class Engine {
public:
  explicit Engine(const Config& config) : config_(config), pool_(config_.stack_bytes), exec_(pool_, config_) {}
  const Verdict& run(const Scenario& scenario, const Params& params, Strategy& strategy,
                     std::span<Observer* const> observers, uint64_t index) {
    return exec_.run(scenario, params, strategy, observers, index);
  }
  Execution& execution() { return exec_; }
  const Config& config() const { return config_; }

private:
  Config config_;
  FiberPool pool_;
  Execution exec_;
};

}  // namespace lsmc::sim
