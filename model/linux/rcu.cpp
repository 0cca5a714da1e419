#include "model/linux/rcu.hpp"

#include <algorithm>

namespace lsmc::model::kernel {

namespace {
// gp_seq: the grace-period state (what call/synchronize queue, in progress, completed);
// readers: the read-side sections.
constexpr std::string_view kRcuFields[] = {"gp_seq", "readers"};
constexpr uint16_t kGpSeq = 0, kReaders = 1;
constexpr TypeInfo kRcuRegularType{"rcu", kRcuFields};
constexpr TypeInfo kRcuTraceType{"rcu_tasks_trace", kRcuFields};
}  // namespace

void Rcu::init(Env& env, Knobs knobs) {
  knobs_ = knobs;
  flavours_[index(RcuFlavour::kRcu)].obj = env.alloc(kRcuRegularType, "rcu_init");
  flavours_[index(RcuFlavour::kTasksTrace)].obj = env.alloc(kRcuTraceType, "rcu_tasks_trace_init");
  // Regular RCU readers may not sleep in a section (Tasks Trace readers may: a sleepable program
  // can block there on something that waits for a grace period). On PREEMPT_RT they can block on
  // a sleeping spinlock, and under tso or lkmm a grace period's start orders what a section reads:
  // DPOR keeps every order of a start and a section there.
  if (knobs.early_grace_periods && !env.weak_memory() && !knobs.preempt_rt) env.rcu_early_grace_periods(flavours_[index(RcuFlavour::kRcu)].obj);
}

Rcu::ActorReadState& Rcu::state(ActorId a) {
  if (a >= actors_.size()) actors_.resize(a + 1);
  return actors_[a];
}

// rcu_read_lock() / rcu_read_lock_trace() (include/linux/rcupdate.h, rcupdate_trace.h; v6.18)
void Rcu::read_lock(Env& env, RcuFlavour f) {
  if (env.self() == kNoActor) return;  // set-up code runs alone: no grace period to hold up
  env.access({flavours_[index(f)].obj, 1, Op::kRcuLock},
             f == RcuFlavour::kRcu ? "rcu_read_lock" : "rcu_read_lock_trace");
  ++state(env.self()).depth[index(f)];
  ++env.context().rcu_read_depth[index(f)];
}

// rcu_read_unlock() / rcu_read_unlock_trace() (v6.18)
void Rcu::read_unlock(Env& env, RcuFlavour f) {
  if (env.self() == kNoActor) return;
  env.access({flavours_[index(f)].obj, 1, Op::kRcuUnlock},
             f == RcuFlavour::kRcu ? "rcu_read_unlock" : "rcu_read_unlock_trace");
  ActorReadState& s = state(env.self());
  if (s.depth[index(f)] == 0) env.fail("rcu", "rcu_read_unlock without rcu_read_lock");
  if (--s.depth[index(f)] == 0) ++s.exits[index(f)];
  --env.context().rcu_read_depth[index(f)];
}

// call_rcu() / call_rcu_tasks_trace() (kernel/rcu/tree.c, kernel/rcu/tasks.h; v6.18)
void Rcu::call(Env& env, RcuFlavour f, RcuCallback cb, std::string_view label) {
  Flavour& fl = flavours_[index(f)];
  env.write(fl.obj, 0, label);
  env.fence(Fence::kCallRcu, label, fl.obj);  // what the caller did happens before the callback
  const uint64_t needed = gp_needed(fl);
  fl.wanted = std::max(fl.wanted, needed);
  fl.queue.push_back({fl.next_serial++, needed, std::move(cb), label});
}

// synchronize_rcu() / synchronize_rcu_tasks_trace() (v6.18): may sleep.
void Rcu::synchronize(Env& env, RcuFlavour f) {
  if (env.self() == kNoActor) return;  // nothing can be reading during set-up
  env.might_sleep(f == RcuFlavour::kRcu ? "synchronize_rcu" : "synchronize_rcu_tasks_trace");
  Flavour& fl = flavours_[index(f)];
  // wait_rcu_gp() queues its wakeup as a callback would: an access of the grace-period state,
  // which it reads (the grace period it needs) and writes (it wants one).
  env.write(fl.obj, kGpSeq, f == RcuFlavour::kRcu ? "synchronize_rcu: wait_rcu_gp" : "synchronize_rcu_tasks_trace: wait_rcu_gp");
  env.fence(Fence::kCallRcu, "synchronize_rcu: asks for a grace period", fl.obj);
  const uint64_t target = gp_needed(fl);
  fl.wanted = std::max(fl.wanted, target);
  ++fl.waiters;
  const Access reads[] = {{fl.obj, kGpSeq, Op::kRead}};
  env.wait_until([&fl, target] { return fl.completed >= target; },
                 f == RcuFlavour::kRcu ? "synchronize_rcu: grace period" : "synchronize_rcu_tasks_trace: grace period",
                 reads);
  --fl.waiters;
  env.fence(Fence::kSyncRcu, "synchronize_rcu", fl.obj);
}

// rcu_barrier() / rcu_barrier_tasks_trace() (v6.18): may sleep.
void Rcu::barrier(Env& env, RcuFlavour f) {
  env.might_sleep(f == RcuFlavour::kRcu ? "rcu_barrier" : "rcu_barrier_tasks_trace");
  Flavour& fl = flavours_[index(f)];
  const uint64_t target = fl.next_serial;
  env.wait_until([&fl, target] { return fl.ran_serial >= target; },
                 f == RcuFlavour::kRcu ? "rcu_barrier: callbacks" : "rcu_barrier_tasks_trace: callbacks");
}

bool Rcu::readers_done(const Flavour& fl) const {
  for (const Reader& r : fl.blocking) {
    // Done once the reader has left the critical section it was in at the start.
    if (actors_[r.actor].exits[index(r.flavour)] <= r.exits_at_start) return false;
  }
  return true;
}

// The readers of flavour `of` inside a section now join the current grace period of `fl`. The
// caller has just accessed `of`'s object (a write or a read of its readers), so that DPOR orders
// this snapshot against the readers' rcu_read_lock/unlock.
void Rcu::snapshot_readers(Flavour& fl, RcuFlavour of) {
  for (ActorId a = 0; a < actors_.size(); ++a) {
    const ActorReadState& s = actors_[a];
    if (s.depth[index(of)] > 0) fl.blocking.push_back({a, of, s.exits[index(of)]});
  }
}

// What the wait for the readers of the current grace period reads: each blocking reader's
// outermost exits (model::rcu_reader_exits), so that DPOR orders it against their
// rcu_read_unlock only, not against every reader's lock and unlock. With none to wait for, the
// kthread's own exits: nothing changes them while it waits (an empty list would declare nothing).
// A reader that already left the section it was found in (a Tasks Trace reader between the start
// and the read of the RCU readers) is dropped first: the wait is false on arrival and waits for an
// exit of each reader it names, which DPOR relies on (sim::touches, Env::wait_until).
std::span<const Access> Rcu::blocking_reads(Flavour& fl, ActorId self) {
  std::erase_if(fl.blocking, [this](const Reader& r) { return actors_[r.actor].exits[index(r.flavour)] > r.exits_at_start; });
  fl.blocking_reads.clear();
  for (const Reader& r : fl.blocking) {
    const ObjectId obj = flavours_[index(r.flavour)].obj;
    fl.blocking_reads.push_back(r.actor <= kMaxNamedRcuReader ? rcu_reader_exits(obj, r.actor)
                                                              : Access{obj, kReaders, Op::kRead});
  }
  if (fl.blocking_reads.empty()) fl.blocking_reads.push_back(rcu_reader_exits(fl.obj, std::min(self, kMaxNamedRcuReader)));
  return fl.blocking_reads;
}

// The grace-period kthread: rcu_gp_kthread() / rcu_tasks_kthread() (v6.18), reduced to what
// readers can observe: start, wait for pre-existing readers, end, invoke callbacks. It runs as a
// daemon actor (sim::ActorOptions::daemon): the execution ends when every other actor has
// finished and both kthreads sleep at their idle point with nothing queued.
void Rcu::gp_actor(Env& env, RcuFlavour f) {
  Flavour& fl = flavours_[index(f)];
  const ObjectId rcu_obj = flavours_[index(RcuFlavour::kRcu)].obj;
  const bool implies = f == RcuFlavour::kTasksTrace && knobs_.trace_implies_rcu_gp;
  // What the waits read (Env::wait_until): every change to it is an access to these fields.
  const Access idle_reads[] = {{fl.obj, kGpSeq, Op::kRead}};
  for (;;) {
    // A grace period starts only while someone needs one that has not completed yet (a queued
    // callback or a synchronize caller): the kthread sleeps otherwise, however the scheduler
    // treats the other actors.
    if (!env.idle_until([&fl] { return fl.wanted > fl.completed; },
                        f == RcuFlavour::kRcu ? "rcu_gp_kthread: idle" : "rcu_tasks_trace_kthread: idle", idle_reads)) {
      return;  // the execution is over
    }
    env.write(fl.obj, kGpSeq, f == RcuFlavour::kRcu ? "rcu_gp_init" : "rcu_tasks_trace: gp start");
    // Readers that start from here on are not waited for: they see what the requests did.
    env.fence(Fence::kGracePeriodStart, "grace period start", fl.obj);
    if (f == RcuFlavour::kTasksTrace && knobs_.trace_implies_rcu_gp) {
      env.fence(Fence::kGracePeriodStart, "rcu_trace_implies_rcu_gp: an RCU grace period too",
                flavours_[index(RcuFlavour::kRcu)].obj);
    }
    fl.in_progress = true;
    fl.blocking.clear();
    snapshot_readers(fl, f);
    if (implies) {
      // A Tasks Trace grace period also waits for regular RCU readers: it reads their sections too.
      env.read(rcu_obj, kReaders, "rcu_tasks_trace: gp start: rcu readers (rcu_trace_implies_rcu_gp)");
      snapshot_readers(fl, RcuFlavour::kRcu);
    }
    env.wait_until([this, &fl] { return readers_done(fl); },
                   f == RcuFlavour::kRcu ? "rcu_gp: waiting for readers" : "rcu_tasks_trace: waiting for readers",
                   blocking_reads(fl, env.self()));
    env.write(fl.obj, kGpSeq, f == RcuFlavour::kRcu ? "rcu_gp_cleanup" : "rcu_tasks_trace: gp end");
    env.fence(Fence::kSyncRcu, "grace period end", fl.obj);
    ++fl.completed;
    fl.in_progress = false;
    fl.blocking.clear();
    // rcu_do_batch(): callbacks run in softirq context, in order, and may queue more. On
    // PREEMPT_RT softirqs run in threads (ksoftirqd, rcuc): task context, preemptible, with BH
    // disabled, so they still may not sleep.
    ActorContext& ctx = env.context();
    const ContextKind saved = ctx.kind;
    const bool saved_sleepable = ctx.sleepable;
    ctx.kind = knobs_.preempt_rt ? ContextKind::kTask : ContextKind::kSoftirq;
    ctx.sleepable = false;
    while (!fl.queue.empty() && fl.queue.front().gp_needed <= fl.completed) {
      Pending p = std::move(fl.queue.front());
      fl.queue.erase(fl.queue.begin());
      p.cb(env);
      fl.ran_serial = p.serial + 1;
    }
    env.context().kind = saved;
    env.context().sleepable = saved_sleepable;
  }
}

}  // namespace lsmc::model::kernel
