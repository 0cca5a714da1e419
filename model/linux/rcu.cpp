#include "model/linux/rcu.hpp"

#include <algorithm>

namespace lsmc::model::kernel {

namespace {
constexpr std::string_view kRcuFields[] = {"gp_seq", "readers"};
constexpr TypeInfo kRcuRegularType{"rcu", kRcuFields};
constexpr TypeInfo kRcuTraceType{"rcu_tasks_trace", kRcuFields};
}  // namespace

void Rcu::init(Env& env, Knobs knobs) {
  knobs_ = knobs;
  flavours_[index(RcuFlavour::kRcu)].obj = env.alloc(kRcuRegularType, "rcu_init");
  flavours_[index(RcuFlavour::kTasksTrace)].obj = env.alloc(kRcuTraceType, "rcu_tasks_trace_init");
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
  const uint64_t needed = gp_needed(fl);
  fl.wanted = std::max(fl.wanted, needed);
  fl.queue.push_back({fl.next_serial++, needed, std::move(cb), label});
}

// synchronize_rcu() / synchronize_rcu_tasks_trace() (v6.18): may sleep.
void Rcu::synchronize(Env& env, RcuFlavour f) {
  if (env.self() == kNoActor) return;  // nothing can be reading during set-up
  env.might_sleep(f == RcuFlavour::kRcu ? "synchronize_rcu" : "synchronize_rcu_tasks_trace");
  Flavour& fl = flavours_[index(f)];
  const uint64_t target = gp_needed(fl);
  fl.wanted = std::max(fl.wanted, target);
  ++fl.waiters;
  env.wait_until([&fl, target] { return fl.completed >= target; },
                 f == RcuFlavour::kRcu ? "synchronize_rcu: grace period" : "synchronize_rcu_tasks_trace: grace period");
  --fl.waiters;
}

// rcu_barrier() / rcu_barrier_tasks_trace() (v6.18): may sleep.
void Rcu::barrier(Env& env, RcuFlavour f) {
  env.might_sleep(f == RcuFlavour::kRcu ? "rcu_barrier" : "rcu_barrier_tasks_trace");
  Flavour& fl = flavours_[index(f)];
  const uint64_t target = fl.next_serial;
  env.wait_until([&fl, target] { return fl.ran_serial >= target; },
                 f == RcuFlavour::kRcu ? "rcu_barrier: callbacks" : "rcu_barrier_tasks_trace: callbacks");
}

bool Rcu::all_idle() const {
  for (const Flavour& other : flavours_) {
    if (!other.at_idle || other.wanted > other.completed) return false;
  }
  return true;
}

bool Rcu::readers_done(const Flavour& fl) const {
  for (const Reader& r : fl.blocking) {
    // Done once the reader has left the critical section it was in at the start.
    if (actors_[r.actor].exits[index(r.flavour)] <= r.exits_at_start) return false;
  }
  return true;
}

// The grace-period kthread: rcu_gp_kthread() / rcu_tasks_kthread() (v6.18), reduced to what
// readers can observe: start, wait for pre-existing readers, end, invoke callbacks.
void Rcu::gp_actor(Env& env, RcuFlavour f, const std::function<bool()>& quiescent) {
  Flavour& fl = flavours_[index(f)];
  const std::size_t me = index(f);
  for (;;) {
    // A grace period starts only while someone needs one that has not completed yet (a queued
    // callback or a synchronize caller): the kthread sleeps otherwise, however the scheduler
    // treats the other actors.
    // The actor ends (the model's stand-in for "the kthread sleeps forever") only when the workload
    // is done and no flavour needs a grace period: a Tasks Trace callback may still queue an RCU
    // one (generated scenarios found elements left unfreed when the RCU actor had already ended).
    fl.at_idle = true;
    env.wait_until([&] { return fl.wanted > fl.completed || (quiescent() && all_idle()); },
                   f == RcuFlavour::kRcu ? "rcu_gp_kthread: idle" : "rcu_tasks_trace_kthread: idle");
    if (fl.wanted <= fl.completed) return;
    fl.at_idle = false;
    env.write(fl.obj, 0, f == RcuFlavour::kRcu ? "rcu_gp_init" : "rcu_tasks_trace: gp start");
    fl.in_progress = true;
    fl.blocking.clear();
    for (ActorId a = 0; a < actors_.size(); ++a) {
      const ActorReadState& s = actors_[a];
      if (s.depth[me] > 0) fl.blocking.push_back({a, f, s.exits[me]});
      const std::size_t rcu = index(RcuFlavour::kRcu);
      if (f == RcuFlavour::kTasksTrace && knobs_.trace_implies_rcu_gp && s.depth[rcu] > 0) {
        fl.blocking.push_back({a, RcuFlavour::kRcu, s.exits[rcu]});
      }
    }
    env.wait_until([this, &fl] { return readers_done(fl); },
                   f == RcuFlavour::kRcu ? "rcu_gp: waiting for readers" : "rcu_tasks_trace: waiting for readers");
    env.write(fl.obj, 0, f == RcuFlavour::kRcu ? "rcu_gp_cleanup" : "rcu_tasks_trace: gp end");
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
