// The execution environment as model code sees it.
//
// Model code (today's kernel, the proposal, the generic example structures) never includes the
// scheduler or a checker. Everything that can race, block, allocate, fail or vary goes through
// an Env: the engine in sim/ implements it and decides, at each scheduling point, which actor
// runs next. Passing the Env explicitly (no global context, no macros rewriting model code) is
// deliberate: see ../shared/style.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace lsmc::model {

// Dense, per-execution identifiers. 0 is "none"; ids are handed out in allocation order, so the
// same schedule gives the same ids (never derived from addresses).
using ObjectId = uint32_t;
using ActorId = uint32_t;
inline constexpr ObjectId kNoObject = 0;
inline constexpr ActorId kNoActor = UINT32_MAX;

// What a scheduling point is about to do. The strategy sees the pending operation of every
// actor; DPOR (later) uses (object, field, op) as its dependency relation.
enum class Op : uint8_t {
  kRead,       // load of a shared field
  kWrite,      // store to a shared field
  kRmw,        // atomic read-modify-write, cmpxchg
  kLock,       // acquire of a modelled lock (the actor is disabled while it is held)
  kUnlock,     // release of a modelled lock
  kRcuLock,    // rcu_read_lock of some flavour (field = flavour)
  kRcuUnlock,  // rcu_read_unlock
  kAlloc,      // object comes to life
  kFree,       // object dies
  kWait,       // modelled blocking on a condition (grace period, page, ...)
  kSyscall,    // syscall boundary
  kYield,      // a plain preemption point with no shared access
  kSleep,      // might_sleep(): the code may block here (checkers test the context)
};
inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::kSleep) + 1;  // kSleep is the last
std::string_view to_string(Op op);

struct Access {
  ObjectId object = kNoObject;
  uint16_t field = 0;  // index into the object's TypeInfo::fields
  Op op = Op::kYield;
};

// A declared read of a wait (Env::wait_until) that names one reader's RCU sections: what
// `reader`'s outermost rcu_read_unlock on the RCU object `rcu` changes, and nothing else (not its
// rcu_read_lock, not another reader's). A grace period's wait for the readers it found at its start
// declares one per reader. Encoded as an access with op kRcuUnlock and the reader in `field`
// (readers past 65534 are not expressible: declare the object's whole reader field instead).
inline constexpr ActorId kMaxNamedRcuReader = UINT16_MAX - 1;
constexpr Access rcu_reader_exits(ObjectId rcu, ActorId reader) {
  return {rcu, static_cast<uint16_t>(reader), Op::kRcuUnlock};
}

// Static description of a modelled object type; model code declares these as constexpr tables
// so that traces can name "bpf_local_storage#4.cache". Objects keep a pointer to their TypeInfo
// only to print it: never to order anything.
struct TypeInfo {
  std::string_view name;
  std::span<const std::string_view> fields;
};

enum class LockKind : uint8_t {
  kSpin,     // raw_spin_lock: preemption off while held (and while spinning)
  kSpinIrq,  // raw_spin_lock_irqsave: preemption and IRQs off
  kMutex,    // sleeping lock: the caller must be allowed to sleep
  kSpinT,    // spinlock_t: an rt_mutex on PREEMPT_RT, so lockdep forbids it under a raw spinlock
             // ("invalid wait context"); the engine leaves preemption to the model
};

// The ordering of an access to shared memory (model/cell.hpp), named after the kernel's
// primitives; C11's memory_order for user-space code maps onto the same (docs/memory-model.md).
enum class Order : uint8_t {
  kPlain,    // a C access: orders nothing, and a data race under LKMM
  kOnce,     // READ_ONCE/WRITE_ONCE, rcu_dereference, atomic_read/set, _relaxed RMWs; C11 relaxed
  kAcquire,  // smp_load_acquire, _acquire RMWs; C11 acquire
  kRelease,  // smp_store_release, rcu_assign_pointer, _release RMWs; C11 release
  kFull,     // value-returning RMWs without suffix (xchg, cmpxchg, atomic_*_return): smp_mb() around
  kAcqRel,   // C11 acq_rel RMWs
  kSeqCst,   // C11 seq_cst: taken as kFull (a load: smp_mb() then acquire; a store: release then smp_mb())
};
std::string_view to_string(Order order);

// Fences and the events of RCU that order memory without accessing it.
enum class Fence : uint8_t {
  kMb,               // smp_mb(); C11 atomic_thread_fence(seq_cst)
  kRmb,              // smp_rmb()
  kWmb,              // smp_wmb()
  kBeforeAtomic,     // smp_mb__before_atomic()
  kAfterAtomic,      // smp_mb__after_atomic()
  kAfterSpinlock,    // smp_mb__after_spinlock()
  kAfterUnlockLock,  // smp_mb__after_unlock_lock()
  kSyncRcu,          // the end of synchronize_rcu(): a grace period elapsed for this caller
  kCallRcu,          // call_rcu(), or synchronize_rcu() asking for a grace period: what the caller did
                     // so far happens before the grace period's end (on: the RCU flavour's state)
  kGracePeriodStart, // a grace period of the flavour `on` starts: what the requests before it did is
                     // seen by every read-side section that starts later (the grace period does not
                     // wait for those), and by the callbacks that run after it
};
std::string_view to_string(Fence fence);

// A load of a Cell returns the index of the store it reads: 0 is the location's initial value,
// i the i-th store in execution order; kLatest the newest one (always, under SC).
inline constexpr uint32_t kLatest = UINT32_MAX;

enum class ContextKind : uint8_t { kTask, kSoftirq, kHardirq, kNmi };
std::string_view to_string(ContextKind kind);

enum class RcuFlavour : uint8_t { kRcu = 0, kTasksTrace = 1 };
inline constexpr std::size_t kRcuFlavours = 2;

// Per-actor CPU and context attributes. Model code sets them (spin locks do it for the caller);
// the engine reads cpu/preempt/irq to decide who may run on a CPU; checkers read all of it.
struct ActorContext {
  uint16_t cpu = 0;
  ContextKind kind = ContextKind::kTask;
  uint16_t preempt_disabled = 0;  // nesting depth of preempt_disable()
  uint16_t irqs_disabled = 0;     // nesting depth of local_irq_save()
  uint16_t migrate_disabled = 0;  // nesting depth of migrate_disable(): NOT preempt-off
  std::array<uint16_t, kRcuFlavours> rcu_read_depth{};
  bool sleepable = true;  // the code running is allowed to sleep when nothing else forbids it

  bool preemptible() const { return preempt_disabled == 0 && irqs_disabled == 0; }
  bool may_sleep() const {
    return sleepable && kind == ContextKind::kTask && preemptible() &&
           rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kRcu)] == 0;
  }
};

class Env {
public:
  virtual ~Env() = default;

  // Names. Labels (the `label`, `name`, `what` and `point` arguments below) name the kernel or
  // model function doing something, as traces and messages print it. They need not be string
  // literals: the engine keeps text in the program's static storage (literals) by reference, and
  // copies any other text (a std::string built at run time, "queue" + std::to_string(cpu)) for as
  // long as the execution and its record need it. Static text must not change during a run.
  // TypeInfo tables (below) are kept by pointer: they must outlive the run (constexpr tables, or
  // members of the Scenario object).

  // A scheduling point before `access`: another actor may run here. `label` names the kernel
  // (or model) function doing the access.
  virtual void access(Access access, std::string_view label) = 0;
  void read(ObjectId o, uint16_t field, std::string_view label) { access({o, field, Op::kRead}, label); }
  void write(ObjectId o, uint16_t field, std::string_view label) { access({o, field, Op::kWrite}, label); }
  void rmw(ObjectId o, uint16_t field, std::string_view label) { access({o, field, Op::kRmw}, label); }
  void yield(std::string_view label) { access({kNoObject, 0, Op::kYield}, label); }
  // might_sleep(): a scheduling point where the code may block; checkers test the context.
  void might_sleep(std::string_view label) { access({kNoObject, 0, Op::kSleep}, label); }

  // Shared memory under the run's memory model (Config::memory_model; model/cell.hpp is the way
  // in). Each access is a scheduling point like read/write/rmw. Under sc a load reads the latest
  // store (kLatest); under tso and lkmm it reads any store the model allows, and which one is a
  // recorded decision. `pointees`: the objects the stored value points to, if any (a load that
  // reads this store gives the loader's later accesses to them an address dependency: a pointer,
  // or the elements of a list whose head it is).
  virtual bool weak_memory() const = 0;
  virtual uint32_t load(ObjectId o, uint16_t field, Order order, std::string_view label) = 0;
  // Returns the store's index (kLatest under sc).
  virtual uint32_t store(ObjectId o, uint16_t field, Order order, std::span<const ObjectId> pointees,
                         std::string_view label) = 0;
  // An atomic read-modify-write: reads the latest store, then writes when `writes(index)` says so
  // (a cmpxchg that fails does not). Returns the index read.
  virtual uint32_t rmw(ObjectId o, uint16_t field, Order order, std::span<const ObjectId> pointees,
                       const std::function<bool(uint32_t)>& writes, std::string_view label) = 0;
  // Not a scheduling point. `on` names the RCU flavour's state for kCallRcu and kGracePeriodStart.
  virtual void fence(Fence fence, std::string_view label, ObjectId on = kNoObject) = 0;

  // Object registry: lifetime checkers see allocation, free and every access by object id.
  virtual ObjectId alloc(const TypeInfo& type, std::string_view label) = 0;
  virtual void free(ObjectId object, std::string_view label) = 0;
  // A free into memory that stays type-stable (a bpf_mem_alloc cache): the object is dead from
  // here, but until end_type_stable() loads of the fields in `stable_fields` (bit i: field i)
  // read the memory as the free left it and are not use-after-free findings. Every other access
  // is. The allocator calls end_type_stable() when it hands the memory out again.
  virtual void free_type_stable(ObjectId object, uint64_t stable_fields, std::string_view label) = 0;
  virtual void end_type_stable(ObjectId object) = 0;
  // Memory freed and handed out again at the same address: the dead object `freed` comes back to
  // life as a new object of `type` with the same id, so code that compares ids sees the old and
  // the new object as one (ABA). Accesses through the id reach the new object; only accesses
  // while it was dead are use-after-free findings. model/heap.hpp hands freed ids out again LIFO,
  // as a slab cache does.
  virtual ObjectId reuse(ObjectId freed, const TypeInfo& type, std::string_view label) = 0;

  // Per-CPU data (DEFINE_PER_CPU, reached with this_cpu_*): `object` is CPU `cpu`'s copy, and only
  // code running on that CPU accesses or frees it. While `cpu` has one actor nothing else can touch
  // it, so its accesses conflict with nothing: each is still a step and an event (traces and
  // checkers see it), but not a scheduling point, and DPOR never sees it (CHESS: a point is needed
  // only where an access can race). With two actors or more on `cpu` (a task and an interrupt) they
  // are scheduling points as before. Set-up only. An access or free from another CPU is a model
  // error, and so is an actor changing CPU while per-CPU data is declared.
  virtual void percpu(ObjectId object, uint16_t cpu) = 0;

  // The RCU flavour whose object is `rcu` (its rcu_read_lock/unlock are Op::kRcuLock/kRcuUnlock
  // accesses of it) has sections whose place against a grace period's start changes nothing but
  // whether that grace period waits for them: its readers cannot wait for a grace period inside a
  // section (they may not sleep there: might_sleep reports it), the start's fence orders no memory
  // access (sc), and only the start reads the sections (its snapshot), the wait naming the exits it
  // needs (model::rcu_reader_exits). Then a start placed after such a lock or unlock is matched
  // by the same schedule with the start placed before it, and DPOR tries only that order (rule G,
  // sim/strategies/dpor.cpp). Set-up only; the engine hands the objects to strategies that see
  // every step (ChoicePoint::early_gp).
  virtual void rcu_early_grace_periods(ObjectId rcu) = 0;

  // A field nothing writes again (fields 0..63): its value is the same whenever it is read, so a
  // read of it conflicts with nothing but the end of its object's life. Such a read is a step and
  // an event where the code makes it, but no scheduling point; the engine takes it to happen at
  // the actor's next scheduling point instead (the value is the same there, only whether the
  // object is still alive can differ): DPOR orders that next step against frees of the object,
  // and when the actor runs it the read is checked again, so a free in between is a
  // use-after-free finding as it would be for a read that ran that late. Set-up only: called by
  // an actor it does nothing (which reads are points must not depend on the order of steps). A
  // write by an actor to a declared field, and a reuse of its object (Env::reuse), are model
  // errors. Say in the model which kernel function leaves the field alone, and in which version.
  virtual void immutable(ObjectId object, uint16_t field) = 0;

  // Modelled locks. A lock is an object of the registry; a waiter is disabled, never blocked in
  // the OS. Taking a lock the actor already holds is a self-deadlock finding.
  virtual ObjectId new_lock(LockKind kind, std::string_view name) = 0;
  virtual void lock(ObjectId lock, std::string_view label) = 0;
  virtual void unlock(ObjectId lock, std::string_view label) = 0;
  virtual bool try_lock(ObjectId lock, std::string_view label) = 0;

  // Modelled blocking: the actor is disabled until `ready()` holds. `ready` must be a pure
  // function of model state changed in actors' steps, not in an actor's start (its code before
  // the first access: DPOR takes it to commute; checked for declared waits only). It may turn
  // true and false again while the actor waits: DPOR races a wait against the steps that may
  // change it where it is pending as well as where it runs (sim/strategies/dpor.cpp, rules D, A).
  // No enabled actor while some wait is a deadlock finding.
  //
  // `reads` (optional) names every field the condition reads, and any shared field the code
  // right after the wait reads before its next scheduling point: the state they hold changes
  // only in steps whose access touches one of them (a write, rmw or free of the field, an RCU
  // enter or exit for an RCU object's field; for rcu_reader_exits(rcu, r), r's rcu_read_unlock
  // on rcu; a wait whose reads are all rcu_reader_exits waits for those readers: it never turns
  // false, and turns true only once each reader it names has run an rcu_read_unlock on that
  // object since the wait was reached). DPOR then orders the wait only against the steps
  // that touch `reads`; without them the wait is ordered against every step. The engine holds
  // the condition to it in every execution it runs: a value that changes across a step that
  // touched none of `reads` ends the execution as a model error. The code after the wait it
  // cannot see: a shared field read there without an access is a model bug either way.
  void wait_until(const std::function<bool()>& ready, std::string_view what) { wait_until(ready, what, {}); }
  virtual void wait_until(const std::function<bool()>& ready, std::string_view what,
                          std::span<const Access> reads) = 0;
  // A daemon's idle point (sim::ActorOptions::daemon, e.g. a kthread waiting for work): as
  // wait_until, and the execution ends normally once every other actor has finished and every
  // daemon waits at such a point with its condition false. A daemon blocked anywhere else then is
  // a deadlock. True: the condition holds, the daemon goes on. False: the execution is over, and
  // the daemon's body must return at once, with no other Env call (`if (!env.idle_until(...))
  // return;`); ending a daemon this way costs a return where unwinding it costs a C++ throw. An
  // idle_until after a false unwinds the daemon.
  [[nodiscard]] virtual bool idle_until(const std::function<bool()>& ready, std::string_view what,
                                        std::span<const Access> reads) = 0;

  // A wait/wake pair (a condition variable). cond_wait releases `mutex` (held by the caller),
  // sleeps until a cond_signal or cond_broadcast of `cv` wakes it, and takes `mutex` again before it
  // returns; the release and the start of the sleep are one step, so a signal sent after the
  // release wakes it. cond_signal wakes one sleeper (which one, when several sleep, is a recorded
  // choice) and cond_broadcast every sleeper; with nobody asleep the wake-up is lost, as it is in
  // the kernel and in pthreads (a sleeper that never wakes is a deadlock finding). There are no
  // spurious wake-ups: a `while` around cond_wait is right either way.
  virtual ObjectId new_condvar(std::string_view name) = 0;
  virtual void cond_wait(ObjectId cv, ObjectId mutex, std::string_view label) = 0;
  virtual void cond_signal(ObjectId cv, std::string_view label) = 0;
  virtual void cond_broadcast(ObjectId cv, std::string_view label) = 0;

  // RCU for the scenario's own objects: the engine keeps the readers; there is no grace-period
  // actor to spawn, and a scenario may use one flavour or both (they are independent here).
  // - rcu_read_lock / rcu_read_unlock: a read-side critical section of flavour f (a scheduling
  //   point each); sections nest per actor and raise context().rcu_read_depth[f].
  // - synchronize_rcu(f): a full grace period. It returns once every actor that was inside a
  //   read-side critical section of f when it was called has left that section; readers that
  //   enter later do not hold it up. When it returns after that is a scheduling choice.
  // - a deferred free (call_rcu) is an actor that calls synchronize_rcu() and then frees.
  // Rules that remain, each an "rcu" violation when broken: no unlock without a lock; no
  // synchronize_rcu(f) inside a read-side critical section of f (it would wait for itself); no
  // actor ends inside one. The kernel model's RCU (model/linux/rcu.hpp) is a different one: it
  // runs grace-period kthreads as actors to model when callbacks run.
  void rcu_read_lock(RcuFlavour f = RcuFlavour::kRcu) { rcu(RcuCall::kReadLock, f); }
  void rcu_read_unlock(RcuFlavour f = RcuFlavour::kRcu) { rcu(RcuCall::kReadUnlock, f); }
  void synchronize_rcu(RcuFlavour f = RcuFlavour::kRcu) { rcu(RcuCall::kSynchronize, f); }
  enum class RcuCall : uint8_t { kReadLock, kReadUnlock, kSynchronize };
  virtual void rcu(RcuCall call, RcuFlavour f) = 0;

  // A recorded nondeterministic choice in [0, bound): allocation failure, grace-period timing,
  // parameter draws. Strategies decide it; traces record it; replay reproduces it.
  virtual uint64_t choose(uint64_t bound, std::string_view label) = 0;

  // A fallible kernel step (an allocation, a bailout of copy_process, map creation): the kernel's
  // fault-injection points (failslab, fail_page_alloc, ALLOW_ERROR_INJECTION). Whether it fails
  // is an explored choice while this execution has injected fewer faults than the run allows
  // (Config::faults_max); then it succeeds. `point` names the point in traces.
  virtual bool fault(std::string_view point) = 0;
  // Faults injected so far in this execution: a spec check can tell "failed because a fault was
  // injected" from "failed with no cause".
  virtual uint64_t faults_injected() const = 0;

  // Coverage probe: a tricky branch was taken. Campaigns report declared probes never hit.
  virtual void probe(std::string_view name) = 0;

  // The running actor and its context attributes. Call context() again after every scheduling
  // point rather than keeping the reference: the engine re-reads the attributes when it is called.
  // Outside actors (scenario set-up, end checks) self() is kNoActor, code runs alone, locks are
  // uncontended, choose() takes the first choice and context() is a plain task context.
  virtual ActorId self() const = 0;
  virtual ActorContext& context() = 0;

  // A property does not hold: records the verdict and ends the execution (unwinds every actor).
  [[noreturn]] virtual void fail(std::string_view property, std::string message) = 0;
  void check(bool ok, std::string_view property, std::string message) {
    if (!ok) fail(property, std::move(message));
  }
};

}  // namespace lsmc::model
