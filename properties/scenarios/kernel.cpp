// Scenarios over the model of today's local storage (Linux 6.18), and the mutants that put the
// kernel's real bugs back (../shared/bugs.md). Each scenario is small on purpose: a few actors
// around one race, so that the default strategy finds its mutant within a small budget.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "model/linux/cgrp_storage.hpp"
#include "properties/linearizability.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

namespace {


// ---- qmap: sched_ext's example scheduler ---------------------------------------------------

void build_qmap(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  const int tasks = static_cast<int>(s.params().get("tasks"));
  mk::Smap& m = task_map(env, w);
  auto& rq = s.make<RqLocks>(env, 2);
  struct Q {
    std::vector<mk::Task*> t;
    std::vector<bool> enabled, scheduled, created;
  };
  auto& q = s.make<Q>();
  for (int i = 0; i < tasks; ++i) {
    q.t.push_back(&mk::task_for_scenario(env, w.k, "p" + std::to_string(i), 100 + i));
    q.enabled.push_back(false);
    q.created.push_back(false);
    q.scheduled.push_back(false);
  }
  for (int i = 0; i < tasks; ++i) {
    const uint16_t cpu = static_cast<uint16_t>(i % 2);
    // qmap_prep_enable: may sleep, so the helper allocates with GFP_KERNEL.
    spawn_work(s, w, "prep_enable" + std::to_string(i), cpu, [&w, &m, &q, i](Env& e) {
      w.k.run_prog(e, ProgType::kLsmSleepable, [&](Env& e2, const ProgCtx& c) {
        const uint64_t faults = e2.faults_injected();
        const auto tctx = mk::prog_task_storage_get(e2, w.k, c, m, ref(*q.t[i]), mk::kGetFCreate);
        // An injected fault fails the enable with -ENOMEM: sched_ext then never schedules it.
        check_unless_faulted(e2, faults, bool(tctx), "qmap_prep_enable: task_ctx allocation failed (-ENOMEM)");
        q.created[i] = bool(tctx);
      });
      q.enabled[i] = true;
    });
    // qmap_select_cpu and qmap_enqueue: struct_ops under the task's pi_lock / the rq lock.
    spawn_work(s, w, "sched" + std::to_string(i), cpu, [&w, &m, &q, &rq, i, cpu](Env& e) {
      e.wait_until([&q, i] { return q.enabled[i]; }, "task enabled");
      for (const char* op : {"select_cpu", "enqueue"}) {
        if (!q.created[i]) break;
        e.lock(rq.lock[cpu], "rq_lock");
        w.k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const ProgCtx& c) {
          const auto tctx = mk::prog_task_storage_get(e2, w.k, c, m, ref(*q.t[i]), 0);
          e2.check(bool(tctx), "spec", std::string("qmap_") + op + ": task_ctx lookup failed");
          e2.write(tctx.id, mk::field::kSelemData, "qmap: tctx->force_local = true");
          tctx->value.data = 1;
        });
        e.unlock(rq.lock[cpu], "rq_unlock");
      }
      q.scheduled[i] = true;
    });
    spawn_work(s, w, "exit" + std::to_string(i), cpu, [&w, &q, i](Env& e) {
      e.wait_until([&q, i] { return q.scheduled[i]; }, "task scheduled");
      mk::do_exit(e, w.k, *q.t[i]);
      mk::release_task(e, w.k, *q.t[i]);
    });
  }
  spawn_work(s, w, "close_map", 1, [&w, &m, &q](Env& e) {
    e.wait_until([&q] {
      for (bool b : q.scheduled) if (!b) return false;
      return true;
    }, "scheduler unloaded");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

// ---- lifetimes: owner destruction, map destruction ------------------------------------------

// A task with elements in two maps exits while both maps are freed (`knobs`: e.g. 7.0's lock
// timeouts).
void build_exit_vs_mapfree(sim::Setup& s, const mk::Knobs& knobs) {
  World& w = make_world(s, {knobs, true});
  Env& env = s.env();
  mk::Smap& m1 = task_map(env, w, "map1");
  mk::Smap& m2 = task_map(env, w, "map2");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m1, t, 1);
  seed_element(env, w, m2, t, 2);
  spawn_work(s, w, "exit", 0, [&w, &t](Env& e) {
    mk::do_exit(e, w.k, t);
    mk::release_task(e, w.k, t);
  });
  spawn_work(s, w, "close_map1", 1, [&w, &m1](Env& e) { mk::bpf_map_free_deferred(e, w.k, m1); });
  spawn_work(s, w, "close_map2", 1, [&w, &m2](Env& e) { mk::bpf_map_free_deferred(e, w.k, m2); });
}

// 7.0: tasks with an element in one map exit while the map is freed, with rqspinlock timeouts on
// the lock classes `timeouts` names. Two tasks, so that their storages can share a bucket.
void build_mapfree_timeouts(sim::Setup& s, uint8_t timeouts) {
  mk::Knobs knobs = knobs_with();
  knobs.lock_timeouts = timeouts;
  World& w = make_world(s, {knobs, true});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w, "map");
  mk::Task& t1 = mk::task_for_scenario(env, w.k, "p1", 100);
  mk::Task& t2 = mk::task_for_scenario(env, w.k, "p2", 101);
  seed_element(env, w, m, t1, 1);
  seed_element(env, w, m, t2, 2);
  for (mk::Task* t : {&t1, &t2}) {
    spawn_work(s, w, "exit-" + t->name, 0, [&w, t](Env& e) {
      mk::do_exit(e, w.k, *t);
      mk::release_task(e, w.k, *t);
    });
  }
  spawn_work(s, w, "close_map", 1, [&w, &m](Env& e) { mk::bpf_map_free_deferred(e, w.k, m); });
}
void build_mapfree_vs_destroy(sim::Setup& s) { build_mapfree_timeouts(s, mk::kTimeoutStorageLock); }

// 7.0: one task with elements in two maps exits while both maps are freed; local_storage->lock
// may time out. destroy() unlinks an element from its bucket, times out on the storage lock and
// marks it SELEM_STORAGE_UNLINKED only: map_free no longer finds it, so nobody frees it or the
// storage. Upstream describes the storage leak ("bpf: Add warning to detect memory leak in
// bpf_selem_unlink_nofail()", kernel-patches/bpf#11056, 2026-02-13); the source lsmc read has no
// warning for it.
void build_destroy_storage_timeout(sim::Setup& s) {
  mk::Knobs knobs = knobs_with();
  knobs.lock_timeouts = mk::kTimeoutStorageLock;
  build_exit_vs_mapfree(s, knobs);
}
void build_mapfree_bucket_timeout(sim::Setup& s) { build_mapfree_timeouts(s, mk::kTimeoutBucketLock); }

// An actor on CPU 0 forks `parent` as `plan` says (a child that is born exits and is reaped);
// the flag returned is set once copy_process and the child's exit are done.
const bool& spawn_fork(sim::Setup& s, World& w, mk::Task& parent, mk::ForkPlan plan) {
  auto& forked = s.make<bool>(false);
  spawn_work(s, w, "fork", 0, [&w, &parent, &forked, plan](Env& e) {
    if (mk::Task* child = mk::copy_process(e, w.k, parent, plan)) {
      mk::do_exit(e, w.k, *child);
      mk::release_task(e, w.k, *child);
    }
    forked = true;
  });
  return forked;
}

// The exit-create program: at fexit of bpf_task_storage_free(), F_CREATE on its task argument.
void attach_exit_create(World& w, mk::Smap& m) {
  w.k.attach(mk::fn("bpf_task_storage_free"), mk::AttachKind::kFexit, ProgType::kTracing, [&w, &m](Env& e, const ProgCtx& c) {
    mk::prog_task_storage_get(e, w.k, c, m, c.task, mk::kGetFCreate);
  });
}

void build_fork_failure(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& parent = mk::task_for_scenario(env, w.k, "parent", 100);
  // A BPF LSM task_alloc program gives every new task its context, on the half-built task.
  w.k.attach(mk::fn("task_alloc"), mk::AttachKind::kLsm, ProgType::kLsm, [&w, &m](Env& e, const ProgCtx& c) {
    mk::prog_task_storage_get(e, w.k, c, m, c.task, mk::kGetFCreate);
  }, 8);
  const int fail = static_cast<int>(s.params().get("fail"));
  mk::ForkPlan plan;
  plan.fail_after_step = fail ? 0 : -1;
  plan.pid_nr = 200;
  const bool& forked = spawn_fork(s, w, parent, plan);
  spawn_work(s, w, "close_map", 1, [&w, &m, &forked, &parent](Env& e) {
    e.wait_until([&forked] { return forked; }, "fork done");
    mk::bpf_map_free_deferred(e, w.k, m);
    // The parent goes too, so that every task is gone at the end (leaks are checked).
    mk::do_exit(e, w.k, parent);
    mk::release_task(e, w.k, parent);
  });
}

// A finding of the model (docs/model.md): a fork that fails before copy_process() clears the
// child's bpf_storage pointer (copy_creds, RLIMIT_NPROC) frees the child with free_task(), which
// destroys the storage the pointer names: the parent's. The parent's element must survive.
void build_fork_early_failure(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& parent = mk::task_for_scenario(env, w.k, "parent", 100);
  seed_element(env, w, m, parent, 42);
  mk::ForkPlan plan;
  plan.pid_nr = 200;
  plan.fail_before_storage_init = true;  // copy_creds fails (e.g. -ENOMEM in prepare_creds)
  const bool& forked = spawn_fork(s, w, parent, plan);
  spawn_work(s, w, "parent_lookup", 1, [&w, &m, &parent, &forked](Env& e) {
    e.wait_until([&forked] { return forked; }, "fork done");
    w.k.rcu.barrier(e, model::RcuFlavour::kRcu);  // bad_fork_free's delayed_free_task has run
    const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(parent), 0);
    e.check(r.err == 0 && r.value.data == 42, "spec",
            "the parent's element is gone after its child's fork failed (errno " + std::to_string(r.err) + ")");
  });
}

// Bug 3: a program attached after bpf_task_storage_free() (fexit) runs on the dying task.
void build_exit_create(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  attach_exit_create(w, m);
  spawn_work(s, w, "exit", 0, [&w, &t](Env& e) {
    mk::do_exit(e, w.k, t);
    mk::release_task(e, w.k, t);
  });
  spawn_work(s, w, "close_map", 1, [&w, &m, &t](Env& e) {
    e.wait_until([&t] { return t.state == mk::Task::State::kFreed; }, "task freed");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

// A model finding of lsmc generate (not yet confirmed on a kernel): bug 3's gate is
// refcount_read(&task->usage), but a failed fork frees the child through bad_fork_free ->
// delayed_free_task -> free_task() with usage still 1. A program at fexit of
// bpf_task_storage_free() (the exit-create program) then creates storage on the child after its
// storage was destroyed; the child's task_struct is freed with it still linked in the map, and
// map free writes through local_storage->owner into the freed task.
void build_fork_failure_fexit_create(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& parent = mk::task_for_scenario(env, w.k, "parent", 100);
  attach_exit_create(w, m);
  mk::ForkPlan plan;
  plan.pid_nr = 200;
  plan.fail_after_step = 0;  // copy_process fails after security_task_alloc
  plan.faults = false;
  const bool& forked = spawn_fork(s, w, parent, plan);
  spawn_work(s, w, "close_map", 1, [&w, &m, &forked](Env& e) {
    e.wait_until([&forked] { return forked; }, "fork done");
    w.k.rcu.barrier(e, model::RcuFlavour::kRcu);  // bad_fork_free's delayed_free_task has run
    w.k.detach_all();
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

// Bug 1: the child of a fork must not share its parent's storage.
void build_fork_copies(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& parent = mk::task_for_scenario(env, w.k, "parent", 100);
  seed_element(env, w, m, parent, 42);
  auto& child_gone = s.make<bool>(false);
  spawn_work(s, w, "fork_and_exit", 0, [&w, &parent, &child_gone](Env& e) {
    mk::ForkPlan plan;
    plan.pid_nr = 200;
    mk::Task* child = mk::copy_process(e, w.k, parent, plan);
    if (child != nullptr) {
      mk::do_exit(e, w.k, *child);
      mk::release_task(e, w.k, *child);
      e.wait_until([child] { return child->state == mk::Task::State::kFreed; }, "child freed");
    }
    child_gone = true;
  });
  spawn_work(s, w, "parent_lookup", 1, [&w, &m, &parent, &child_gone](Env& e) {
    e.wait_until([&child_gone] { return child_gone; }, "child freed");
    const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(parent), 0);
    e.check(r.err == 0 && r.value.data == 42, "spec",
            "the parent's element is gone after its child exited (lookup: errno " + std::to_string(r.err) + ")");
  });
}

// ---- RCU: which grace period protects whom --------------------------------------------------

// A program holds a pointer from get while the element is deleted and a new one allocated.
void build_delete_vs_lookup(sim::Setup& s, bool implies) {
  mk::Knobs knobs = knobs_with();
  knobs.rcu_trace_implies_rcu_gp = implies;
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t1 = mk::task_for_scenario(env, w.k, "p1", 100);
  mk::Task& t2 = mk::task_for_scenario(env, w.k, "p2", 101);
  seed_element(env, w, m, t1, 7);
  auto& deleted = s.make<bool>(false);
  spawn_work(s, w, "reader", 0, [&w, &m, &t1](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t1), 0);
      if (!sdata) return;
      e2.yield("reader: work while holding the pointer");
      read_value(e2, sdata, "reader: *sdata after the work", &w.k);
    });
  });
  spawn_work(s, w, "deleter", 1, [&w, &m, &t1, &deleted](Env& e) {
    e.check(mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t1)) == 0, "spec", "delete of an existing element failed");
    deleted = true;
  });
  spawn_work(s, w, "creator", 1, [&w, &m, &t2, &deleted](Env& e) {
    e.wait_until([&deleted] { return deleted; }, "element deleted");
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(t2), mk::Value{9, 0}, mk::kBpfAny);
  });
}

// Bug 9: a sleepable program holds sdata under rcu_read_lock_trace only, and sleeps.
void build_sleepable_vs_mapfree(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m, t, 5);
  auto& prog_done = s.make<bool>(false);
  spawn_work(s, w, "sleepable_lsm", 0, [&w, &m, &t, &prog_done](Env& e) {
    w.k.run_prog(e, ProgType::kLsmSleepable, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);
      if (!sdata) return;
      e2.might_sleep("bpf_copy_from_user");  // sleepable programs may sleep here
      e2.yield("sleepable: after sleeping");
      read_value(e2, sdata, "sleepable: *sdata after sleeping", &w.k);
    });
    prog_done = true;
  });
  spawn_work(s, w, "deleter", 1, [&w, &m, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t)); });
  spawn_work(s, w, "close_map", 1, [&w, &m, &prog_done](Env& e) {
    e.wait_until([&prog_done] { return prog_done; }, "program detached");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

// ---- the cache ------------------------------------------------------------------------------

// Bug 16: a slow-path cache fill races a delete. A second map's element keeps the storage (and
// so the stale cache slot) reachable after the delete.
void build_delete_vs_cachefill(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Smap& other = task_map(env, w, "other_map");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, other, t, 4);
  seed_element(env, w, m, t, 3);
  auto& first_done = s.make<bool>(false);
  spawn_work(s, w, "filler", 0, [&w, &m, &t, &first_done](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);  // cache miss: slow path fills cache[idx]
    });
    first_done = true;
  });
  spawn_work(s, w, "deleter", 1, [&w, &m, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t)); });
  spawn_work(s, w, "hitter", 0, [&w, &m, &t, &first_done](Env& e) {
    e.wait_until([&] { return first_done && w.k.rcu.completed(model::RcuFlavour::kTasksTrace) > 0; },
                 "after the fill and a grace period");
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);
      if (sdata) read_value(e2, sdata, "hitter: *sdata", &w.k);
    });
  });
}

// More maps than cache slots: maps share slots, and a hit must check sdata->smap.
void build_many_maps(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  const int maps = static_cast<int>(s.params().get("maps"));
  auto& ms = s.make<std::vector<mk::Smap*>>();
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  for (int i = 0; i < maps; ++i) {
    ms.push_back(&task_map(env, w, "map" + std::to_string(i)));
    seed_element(env, w, *ms.back(), t, 1000 + i);
  }
  // Maps 0 and 16 share cache slot 0.
  for (int who = 0; who < 2; ++who) {
    spawn_work(s, w, "prog" + std::to_string(who), static_cast<uint16_t>(who), [&w, &ms, &t, who](Env& e) {
      for (int round = 0; round < 2; ++round) {
        for (int i : {0, 16 % static_cast<int>(ms.size()), 1}) {
          const int mi = (i + who) % static_cast<int>(ms.size());
          w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
            const auto sdata = mk::prog_task_storage_get(e2, w.k, c, *ms[mi], ref(t), 0);
            if (!sdata) return;
            const int64_t v = read_value(e2, sdata, "prog: *sdata");
            e2.check(v == 1000 + mi, "spec", "lookup in map" + std::to_string(mi) + " returned another map's value " + std::to_string(v));
          });
        }
      }
    });
  }
  spawn_work(s, w, "deleter", 1, [&w, &ms, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, *ms[1], pidfd_of(t)); });
}

// ---- recursion and the busy counters --------------------------------------------------------

// Bug 4: a tracing program fires inside bpf_local_storage_update with the storage lock held.
void build_recursion(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m1 = task_map(env, w, "map1");
  mk::Smap& m2 = task_map(env, w, "map2");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m1, t, 1);
  w.k.attach(mk::fn("bpf_selem_link_map"), mk::AttachKind::kFentry, ProgType::kTracing, [&w, &m2, &t](Env& e, const ProgCtx& c) {
    mk::prog_task_storage_get(e, w.k, c, m2, ref(t), mk::kGetFCreate);
  });
  spawn_work(s, w, "update", 0, [&w, &m1, &t](Env& e) {
    mk::sys_map_update_elem(e, w.k, m1, pidfd_of(t), mk::Value{2, 0}, mk::kBpfAny);
  });
}

// Bug 5: two tasks on one CPU, preempted inside the busy counter's increment.
void build_busy_preempt(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  for (int i = 0; i < 2; ++i) {
    mk::Task& t = mk::task_for_scenario(env, w.k, "p" + std::to_string(i), 100 + i);
    seed_element(env, w, m, t, i);
    spawn_work(s, w, "lookup" + std::to_string(i), 0, [&w, &m, &t](Env& e) {
      mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(t), 0);
    });
  }
}

// Bug 6: an LSM program's lookup of an existing element while another task on its CPU is in
// a storage syscall.
void build_busy_lookup(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& a = mk::task_for_scenario(env, w.k, "a", 100);
  mk::Task& b = mk::task_for_scenario(env, w.k, "b", 101);
  seed_element(env, w, m, a, 1);
  seed_element(env, w, m, b, 2);
  spawn_work(s, w, "syscall", 0, [&w, &m, &a](Env& e) {
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(a), mk::Value{3, 0}, mk::kBpfExist);
  });
  spawn_work(s, w, "lsm", 0, [&w, &m, &b](Env& e) {
    w.k.run_prog(e, ProgType::kLsm, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(b), 0);
      e2.check(bool(sdata), "spec", "an LSM program's lookup of an existing element returned NULL");
    });
  });
}

// Bug 7: unrelated tasks on one CPU, each creating its own context from a tracing program.
void build_busy_spurious(sim::Setup& s) {
  mk::Knobs knobs = knobs_with();
  knobs.busy_per_task = true;
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  for (int i = 0; i < 2; ++i) {
    mk::Task& t = mk::task_for_scenario(env, w.k, "p" + std::to_string(i), 100 + i);
    spawn_work(s, w, "tracer" + std::to_string(i), 0, [&w, &m, &t](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        const uint64_t faults = e2.faults_injected();
        const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
        check_unless_faulted(e2, faults, bool(sdata), "F_CREATE failed with no recursion and no allocation failure");
      });
    });
  }
}

// ---- contexts --------------------------------------------------------------------------------

// Bug 14: sched_ext's exit_task deletes the task's context under the rq lock.
void build_sched_exit_delete(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m, t, 1);
  auto& rq = s.make<RqLocks>(env, 2);
  spawn_work(s, w, "exit_task", 0, [&w, &m, &t, &rq](Env& e) {
    e.lock(rq.lock[0], "rq_lock");
    w.k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const ProgCtx& c) {
      mk::prog_task_storage_delete(e2, w.k, c, m, ref(t));
    });
    e.unlock(rq.lock[0], "rq_unlock");
  });
}

// Bug 12: on PREEMPT_RT, a program running with preemption off creates storage.
void build_rt_alloc(sim::Setup& s) {
  mk::Knobs knobs = knobs_with();
  knobs.preempt_rt = true;
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  auto& rq = s.make<RqLocks>(env, 2);
  spawn_work(s, w, "sched_tracepoint", 0, [&w, &m, &t, &rq](Env& e) {
    e.lock(rq.lock[0], "rq_lock");
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
    });
    e.unlock(rq.lock[0], "rq_unlock");
  });
}

// ---- values, owners, configurations ---------------------------------------------------------

// Bug 15: a value with an embedded bpf_spin_lock, updated from user space.
void build_spin_lock_value(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w, "locked_map", true);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  spawn_work(s, w, "user", 0, [&w, &m, &t](Env& e) {
    // The user's buffer has garbage where the value's bpf_spin_lock lives.
    const uint64_t faults = e.faults_injected();
    const int first = mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{1, 1}, mk::kBpfAny);
    check_unless_faulted(e, faults, first == 0, "update failed");
    if (first != 0) return;
    e.check(mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{2, 0}, mk::kBpfFLock) == 0, "spec",
            "BPF_F_LOCK update failed");
    const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(t), 0);
    e.check(r.err == 0 && r.value.data == 2 && r.value.spin_lock == 0, "spec", "lookup after BPF_F_LOCK update");
  });
}

// Bug 17: helpers take ARG_PTR_TO_BTF_ID_OR_NULL, so the task may be NULL.
void build_null_owner(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  spawn_work(s, w, "prog", 0, [&w, &m](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      e2.check(!mk::prog_task_storage_get(e2, w.k, c, m, Ref<mk::Task>{}, mk::kGetFCreate), "spec",
               "get with a NULL task returned a pointer");
      e2.check(mk::prog_task_storage_delete(e2, w.k, c, m, Ref<mk::Task>{}) == -mk::kEINVAL, "spec",
               "delete with a NULL task did not return -EINVAL");
    });
  });
}

// Bugs 13 and 18: configurations where creation must still work.
void build_create_config(sim::Setup& s, mk::Knobs knobs) {
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  spawn_work(s, w, "prog", 0, [&w, &m, &t](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const uint64_t faults = e2.faults_injected();
      check_unless_faulted(e2, faults, bool(mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate)),
                           "F_CREATE failed with no allocation failure injected");
    });
  });
}

// Two programs create the first elements of one task in two maps at once: one storage wins the
// cmpxchg, the other creator gets -EAGAIN (the helper returns NULL; the kernel does not retry).
void build_create_race(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& a = task_map(env, w, "map_a");
  mk::Smap& b = task_map(env, w, "map_b");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  for (int i = 0; i < 2; ++i) {
    mk::Smap& m = i == 0 ? a : b;
    spawn_work(s, w, "creator" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &t](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
        if (sdata) read_value(e2, sdata, "creator: *sdata");
      });
    });
  }
  s.at_end([&t](Env& env2) {
    // Whatever happened, the task has one storage whose list holds each element once.
    if (!t.bpf_storage) return;
    const auto& list = t.bpf_storage->list;
    env2.check(list.size() <= 2 && (list.size() < 2 || list[0].p != list[1].p), "spec", "duplicate element in the storage list");
  });
}

// Allocation failure as an explored outcome: every bpf_mem_alloc call may fail. Creation may
// then return NULL, but nothing may leak or be left half-built, and the map frees cleanly.
void build_alloc_failure(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& a = task_map(env, w, "map_a");
  mk::Smap& b = task_map(env, w, "map_b");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  auto& done = s.make<int>(0);
  for (int i = 0; i < 2; ++i) {
    mk::Smap& m = i == 0 ? a : b;
    spawn_work(s, w, "creator" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &t, &done](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
      });
      mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{5, 0}, mk::kBpfAny);
      ++done;
    });
  }
  spawn_work(s, w, "exit", 1, [&w, &t, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "creators done");
    mk::do_exit(e, w.k, t);
    mk::release_task(e, w.k, t);
  });
  spawn_work(s, w, "close_maps", 0, [&w, &a, &b, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "creators done");
    mk::bpf_map_free_deferred(e, w.k, a);
    mk::bpf_map_free_deferred(e, w.k, b);
  });
}

// A syscall delete races a syscall update(BPF_EXIST) of the same element; a program then reads
// it. The history (logical call and return times) must be linearizable against the sequential
// spec, and in 6.18 it is not always: the delete looks the element up and unlinks it from the
// map, the update replaces it under the storage lock, and the delete then finds it unlinked,
// does nothing and still returns 0 (task_storage_delete ignores what bpf_selem_unlink did). The
// new value survives a delete that reported success. Declared failing: a finding about 6.18.
void build_delete_vs_replace(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m, t, 1);
  struct Log {
    uint64_t clock = 0;
    std::vector<properties::HistoryOp> ops;
  };
  auto& log = s.make<Log>();
  using K = properties::HistoryOp::Kind;
  // Records one operation: `run` performs it and fills in the result.
  auto record = [&log](std::string who, K kind, uint64_t flags, int64_t arg,
                       const std::function<void(properties::HistoryOp&)>& run) {
    properties::HistoryOp op;
    op.who = std::move(who);
    op.kind = kind;
    op.flags = flags;
    op.arg = arg;
    op.call = log.clock++;
    run(op);
    op.ret = log.clock++;
    log.ops.push_back(op);
  };
  auto syscalls = [&w, &m, &t, record](std::string who, std::vector<std::pair<K, std::pair<uint64_t, int64_t>>> plan) {
    return [&w, &m, &t, record, who, plan](Env& e) {
      for (const auto& [kind, fa] : plan) {
        record(who, kind, fa.first, fa.second, [&](properties::HistoryOp& op) {
          if (kind == K::kUpdate) {
            op.err = mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{fa.second, 0}, fa.first);
          } else if (kind == K::kDelete) {
            op.err = mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t));
          } else {
            const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(t), 0);
            op.err = r.err;
            op.value = r.value.data;
          }
        });
      }
    };
  };
  // The history starts with the seeded element: an update of 1 that returned before anything.
  properties::HistoryOp seed;
  seed.who = "setup";
  seed.kind = K::kUpdate;
  seed.arg = 1;
  seed.call = log.clock++;
  seed.ret = log.clock++;
  log.ops.push_back(seed);
  auto& users_done = s.make<int>(0);
  spawn_work(s, w, "user0", 0, [run = syscalls("user0", {{K::kDelete, {0, 0}}}), &users_done](Env& e) {
    run(e);
    ++users_done;
  });
  spawn_work(s, w, "user1", 1, [run = syscalls("user1", {{K::kUpdate, {mk::kBpfExist, 3}}}), &users_done](Env& e) {
    run(e);
    ++users_done;
  });
  spawn_work(s, w, "prog", 0, [&w, &m, &t, record, &users_done](Env& e) {
    e.wait_until([&users_done] { return users_done == 2; }, "both syscalls returned");
    for (K kind : {K::kGet}) {
      record("prog", kind, 0, 0, [&](properties::HistoryOp& op) {
        w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
          const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), kind == K::kGetCreate ? mk::kGetFCreate : 0);
          op.found = bool(sdata);
          op.value = sdata ? read_value(e2, sdata, "prog: *sdata") : 0;
        });
      });
    }
  });
  s.at_end([&log](Env& e) {
    const auto r = properties::check_linearizable(log.ops);
    e.check(r.ok, "linearizability", r.explanation);
  });
}

// ---- cgroups ---------------------------------------------------------------------------------

// A program creates a cgroup's storage while the cgroup is removed and released; then the map
// is closed. Programs reach the cgroup under RCU, so its free (after a grace period) waits.
void build_cgroup_rmdir_vs_get(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = mk::bpf_local_storage_map_alloc(env, w.k, OwnerKind::kCgroup, "cgrp_stor", false);
  mk::Cgroup& c = mk::cgroup_mkdir(env, w.k, "/sys/fs/cgroup/test");
  auto& done = s.make<int>(0);
  for (int i = 0; i < 2; ++i) {
    spawn_work(s, w, "prog" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &c, &done](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx&) {
        const Ref<mk::Cgroup> cg = mk::cgroup_from_id(e2, c);
        if (!cg) return;
        const auto sdata = mk::bpf_cgrp_storage_get(e2, w.k, m, cg, nullptr, mk::kGetFCreate, mk::Gfp::kAtomic);
        if (sdata) read_value(e2, sdata, "prog: *sdata");
      });
      ++done;
    });
  }
  spawn_work(s, w, "rmdir", 1, [&w, &c](Env& e) { mk::cgroup_rmdir(e, w.k, c); });
  spawn_work(s, w, "close_map", 0, [&w, &m, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "programs detached");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

// ---- the sequential reference spec -----------------------------------------------------------

// One actor issues a chosen sequence of syscalls; each result is checked against a reference:
// per (task, map), absent or a value; errnos as reference §4 tabulates them. Keys are pidfds,
// which name a struct pid, not a number: after p0 is reaped and its number reused, its pidfd
// still fails; after the thread p1t execs, p1's process pidfd reaches p1t (scx issue #610).
void build_syscall_sequence(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  const int ops = static_cast<int>(s.params().get("ops"));
  struct Spec {
    std::vector<mk::Smap*> maps;
    std::vector<mk::Task*> tasks;  // p0, p1 (leader), p1t (p1's thread)
    std::vector<mk::Fd> fds;       // pidfd(p0), pidfd(p1), pidfd(p1t)
    std::vector<int> target;       // which task each fd reaches (-1: none)
    std::map<std::pair<int, int>, int64_t> present;  // (task, map) -> value
    bool reaped = false, execed = false;
  };
  auto& st = s.make<Spec>();
  st.maps = {&task_map(env, w, "plain"), &task_map(env, w, "locked", true)};
  for (auto [name, nr] : {std::pair{"p0", 100}, {"p1", 101}, {"p1t", 102}}) {
    st.tasks.push_back(&mk::task_for_scenario(env, w.k, name, nr));
    st.fds.push_back(mk::pidfd_open(*st.tasks.back()));
    st.target.push_back(static_cast<int>(st.tasks.size()) - 1);
  }
  spawn_work(s, w, "syscalls", 0, [&w, &st, ops](Env& e) {
    constexpr uint64_t kFlags[] = {mk::kBpfAny, mk::kBpfNoexist, mk::kBpfExist, 3, mk::kBpfFLock,
                                   mk::kBpfFLock | mk::kBpfExist, 8};
    for (int i = 0; i < ops; ++i) {
      const int fi = static_cast<int>(e.choose(3, "spec: which pidfd"));
      const int mi = static_cast<int>(e.choose(2, "spec: which map"));
      const uint64_t what = e.choose(6, "spec: which operation");
      mk::Smap& m = *st.maps[mi];
      const int ti = st.target[fi];
      const bool gone = ti < 0;
      const auto key = std::make_pair(ti, mi);
      const bool exists = !gone && st.present.count(key) > 0;
      const std::string where = "op " + std::to_string(i) + " on pidfd" + std::to_string(fi) + "/" + m.name;
      if (what == 0) {  // lookup
        const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, st.fds[fi], 0);
        const int want = gone || !exists ? mk::kENOENT : 0;
        e.check(r.err == want, "spec", where + ": lookup returned errno " + std::to_string(r.err) + ", expected " + std::to_string(want));
        if (want == 0) e.check(r.value.data == st.present[key], "spec", where + ": lookup returned a stale value");
      } else if (what == 1) {  // update with some flags
        const uint64_t flags = kFlags[e.choose(std::size(kFlags), "spec: which flags")];
        const int64_t value = 1000 + i;
        const uint64_t faults = e.faults_injected();
        const int got = mk::sys_map_update_elem(e, w.k, m, st.fds[fi], mk::Value{value, 0}, flags);
        // Order as the kernel checks: BPF_F_LOCK without a spin lock in map_update_elem(), then
        // the pidfd and pid_task(), then the flags in bpf_local_storage_update().
        int want = 0;
        const uint64_t mode = flags & ~mk::kBpfFLock;
        if ((flags & mk::kBpfFLock) && !m.has_spin_lock) want = mk::kEINVAL;
        else if (gone) want = mk::kENOENT;
        else if (mode > mk::kBpfExist) want = mk::kEINVAL;
        else if (mode == mk::kBpfNoexist && exists) want = mk::kEEXIST;
        else if (mode == mk::kBpfExist && !exists) want = mk::kENOENT;
        if (want == 0 && got == mk::kENOMEM && e.faults_injected() > faults) continue;  // injected
        e.check(got == want, "spec", where + ": update(flags=" + std::to_string(flags) + ") returned errno " +
                                         std::to_string(got) + ", expected " + std::to_string(want));
        if (got == 0) st.present[key] = value;
      } else if (what == 2) {  // delete
        const int got = mk::sys_map_delete_elem(e, w.k, m, st.fds[fi]);
        const int want = gone || !exists ? mk::kENOENT : 0;
        e.check(got == want, "spec", where + ": delete returned errno " + std::to_string(got) + ", expected " + std::to_string(want));
        if (got == 0) st.present.erase(key);
      } else if (what == 3) {  // a key that is not a pidfd
        const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, mk::Fd{mk::Fd::Kind::kOther, nullptr, nullptr}, 0);
        e.check(r.err == mk::kEBADF, "spec", where + ": lookup by a non-pidfd returned errno " + std::to_string(r.err));
      } else if (what == 4 && !st.reaped) {  // p0 exits and is reaped; a fork reuses its number
        mk::do_exit(e, w.k, *st.tasks[0]);
        mk::release_task(e, w.k, *st.tasks[0]);
        mk::ForkPlan plan;
        plan.pid_nr = 100;
        mk::copy_process(e, w.k, *st.tasks[2], plan);  // p1t survives an exec; p1 may not
        st.reaped = true;
        st.target[0] = -1;
      } else if (what == 5 && !st.execed) {  // p1t execs: p1's pidfd reaches p1t now
        mk::de_thread(e, w.k, *st.tasks[2], *st.tasks[1]);
        st.execed = true;
        st.target[1] = 2;
        st.target[2] = -1;
      }
    }
  });
}


}  // namespace

const std::vector<MutantSpec>& kernel_mutants() {
  static const std::vector<MutantSpec> kMutants = {
      {"canary", mk::Bug::kCanary, "frees a deleted element with no grace period at all", {"delete-vs-lookup"}, {"linux-6.18", "linux-7.0"}},
      {"clone-shares-storage", mk::Bug::kCloneSharesStorage,
       "bug 1: copy_process keeps the parent's bpf_storage pointer; the child's free frees the parent's elements",
       {"fork-copies"}, {"linux-6.18", "linux-7.0"}},
      {"free-task-skips-storage", mk::Bug::kFreeTaskSkipsStorage,
       "bug 2: storage destroyed in __put_task_struct; a failed fork frees a task whose LSM program made storage",
       {"fork-failure"}, {"linux-6.18", "linux-7.0"}},
      {"create-after-owner-free", mk::Bug::kCreateAfterOwnerFree,
       "bug 3: no task->usage gate; a program after bpf_task_storage_free re-creates storage never freed",
       {"exit-create"}, {"linux-6.18", "linux-7.0"}},
      {"recursion-deadlock", mk::Bug::kRecursionDeadlock,
       "bug 4: no busy counter; a program nested under the storage lock re-enters it (AA)", {"recursion"}, {"linux-6.18"}},
      {"percpu-busy-nonatomic", mk::Bug::kPercpuBusyNonatomic,
       "bug 5: the busy counter's increment is a load and a store; two tasks on a CPU leave it raised",
       {"busy-preempt"}, {"linux-6.18"}},
      {"busy-fails-lookup", mk::Bug::kBusyFailsLookup,
       "bug 6: pre-6.2 busy check makes plain lookups and LSM programs fail", {"busy-lookup"}, {"linux-6.18"}},
      {"busy-spurious-ebusy", mk::Bug::kBusySpuriousEbusy,
       "bug 7 (6.18 as shipped): a per-CPU busy counter shared by unrelated tasks fails F_CREATE",
       {"busy-spurious"}, {"linux-6.18"}},
      {"sleepable-plain-rcu", mk::Bug::kSleepablePlainRcu,
       "bug 9: deleted elements freed after a regular RCU grace period; sleepable readers hold them",
       {"sleepable-vs-mapfree"}, {"linux-6.18", "linux-7.0"}},
      {"wrong-flavour-at-free-site", mk::Bug::kWrongFlavourAtFreeSite,
       "bug 10: helper/syscall delete frees with reuse_now, as if no program could hold the element",
       {"sleepable-vs-mapfree"}, {"linux-6.18", "linux-7.0"}},
      {"trace-implies-rcu-assumed", mk::Bug::kTraceImpliesRcuAssumed,
       "bug 11: frees after a Tasks Trace grace period only, on a configuration where it does not imply RCU",
       {"trace-not-rcu"}, {"linux-6.18"}},
      {"alloc-in-atomic-rt", mk::Bug::kAllocInAtomicRt,
       "bug 12: on PREEMPT_RT the map allocates with kzalloc (a sleeping lock) with preemption off",
       {"rt-alloc"}, {"linux-6.18"}},
      {"nolock-alloc-fails", mk::Bug::kNolockAllocFails,
       "bug 13: kmalloc_nolock without HAVE_CMPXCHG_DOUBLE: every creation fails", {"nolock-alloc"}, {"linux-6.18"}},
      {"call-rcu-under-raw-lock", mk::Bug::kCallRcuUnderRawLock,
       "bug 14 (7.0's SRCU-based RCU Tasks Trace put into 6.18): delete under the rq raw lock calls call_rcu_tasks_trace (spinlock_t)",
       {"sched-exit-delete"}, {"linux-6.18"}},
      {"value-copy-clobbers-lock", mk::Bug::kValueCopyClobbersLock,
       "bug 15: the value copy overwrites the embedded bpf_spin_lock", {"spin-lock-value"}, {"linux-6.18", "linux-7.0"}},
      {"cache-fill-without-recheck", mk::Bug::kCacheFillWithoutRecheck,
       "bug 16: the cache fill publishes an element a racing delete unlinked", {"delete-vs-cachefill"}, {"linux-6.18", "linux-7.0"}},
      {"null-owner", mk::Bug::kNullOwner, "bug 17: helpers dereference a NULL task", {"null-owner"}, {"linux-6.18", "linux-7.0"}},
      {"single-bucket", mk::Bug::kSingleBucket, "bug 18: one bucket on a one-CPU machine: hash_ptr(.., 0)",
       {"single-cpu"}, {"linux-6.18", "linux-7.0"}},
      {"mapfree-vs-destroy-halfunlink", mk::Bug::kMapfreeVsDestroyHalfunlink,
       "bug 8: failable locks and no bpf_selem_unlink_nofail: map free and owner destroy each unlink half an element",
       {"mapfree-vs-destroy"}, {"linux-7.0"}},
  };
  return kMutants;
}

void add_kernel_scenarios(sim::Catalog& c) {
  // Every kernel scenario runs on both profiles unless it names the one it is about.
  FunctionScenario* last = nullptr;
  auto add = [&c, &last](std::string_view name, std::string_view description, FunctionScenario::Build build,
                         std::vector<sim::ParamSpec> params = {}, std::vector<std::string_view> probes = {},
                         bool expected_to_fail = false) {
    auto scenario = std::make_unique<FunctionScenario>(name, description, std::move(build), std::move(params),
                                                       std::move(probes), expected_to_fail);
    scenario->set_profiles({"linux-6.18", "linux-7.0"});
    last = scenario.get();
    c.add(std::move(scenario));
  };
  auto only = [&last](std::vector<std::string_view> profiles) { last->set_profiles(std::move(profiles)); };
  add_generated_scenario(c);
  add_held_pointer_scenarios(c);
  add_sk_storage_scenarios(c);
  add_inode_storage_scenarios(c);
  add("qmap", "sched_ext qmap: prep_enable creates each task's context (F_CREATE), select_cpu and enqueue look it up under the rq lock, tasks exit, the map is closed",
      build_qmap, {{"tasks", 2, 1, 4, "tasks in the scheduler"}});
  add("delete-vs-replace", "a syscall delete races an update(BPF_EXIST) of the same element; the history is not "
      "linearizable in 6.18: the delete can return 0 and delete nothing (fails, a finding about the kernel)",
      build_delete_vs_replace, {}, {}, true);
  add("create-race", "two programs create the first elements of one task in two maps at once (the storage cmpxchg race)",
      build_create_race, {}, {"storage cmpxchg lost"});
  add("alloc-failure", "every allocation may fail: two programs and two syscalls create elements of one task in two maps; then the task exits and the maps are freed",
      build_alloc_failure, {}, {"alloc failed", "storage cmpxchg lost"});
  add("cgroup-rmdir-vs-get", "two programs create a cgroup's storage while the cgroup is removed and released; then the map is closed",
      build_cgroup_rmdir_vs_get);
  add("exit-vs-mapfree", "a task with elements in two maps exits while both maps are freed",
      [](sim::Setup& s) { build_exit_vs_mapfree(s, knobs_with()); });
  add("mapfree-vs-destroy", "7.0: two tasks, each with an element in one map, exit while the map is freed; every "
      "contended local_storage->lock may time out (-ETIMEDOUT): bpf_selem_unlink_nofail must leave nothing half unlinked",
      build_mapfree_vs_destroy, {}, {"map_free and destroy each unlinked half", "rqspinlock: timed out"});
  only({"linux-7.0"});
  add("mapfree-bucket-timeout", "7.0: as mapfree-vs-destroy, with timeouts on b->lock: map_free cannot take the bucket "
      "lock while a destroy holds it, and bpf_selem_unlink_nofail warns (WARN_ON_ONCE(err && in_map_free)) of the "
      "leak upstream documents as its residual case (fails: a finding about 7.0 as designed)",
      build_mapfree_bucket_timeout, {}, {}, true);
  only({"linux-7.0"});
  add("destroy-storage-timeout", "7.0: a task with elements in two maps exits while both maps are freed; destroy's "
      "local_storage->lock may time out after it took the element off its bucket: the element and the storage leak "
      "(fails: the leak upstream describes in kernel-patches/bpf#11056, with the element leaking too)",
      build_destroy_storage_timeout, {}, {}, true);
  only({"linux-7.0"});
  add("many-maps", "18 maps on one task (more than the 16 cache slots); two programs look up maps sharing a slot while one element is deleted",
      build_many_maps, {{"maps", 18, 2, 40, "maps with an element on the task"}},
      {"cache slot shared by two maps", "cache slot holds another map's sdata"});
  add("delete-vs-cachefill", "a slow-path lookup fills the cache while a syscall deletes the element; a later lookup hits the cache",
      build_delete_vs_cachefill, {}, {"cache fill lost its race"});
  add("delete-vs-lookup", "a tracing program holds sdata from get while a syscall deletes it and another task's element is allocated",
      [](sim::Setup& s) { build_delete_vs_lookup(s, true); });
  add("trace-not-rcu", "delete-vs-lookup on a configuration where a Tasks Trace grace period does not imply an RCU one",
      [](sim::Setup& s) { build_delete_vs_lookup(s, false); });
  only({"linux-6.18"});  // 7.0's SRCU-based Tasks Trace grace period implies an RCU one
  add("recursion", "a tracing program attached to bpf_selem_link_map creates storage on the same task while the storage lock is held",
      build_recursion, {}, {"busy counter refused", "nested program fired"});
  add("sleepable-vs-mapfree", "a sleepable LSM program holds sdata across a sleep while the element is deleted, then the map is freed",
      build_sleepable_vs_mapfree);
  add("fork-failure", "a BPF LSM task_alloc program creates storage on a half-built task; the fork fails; the map is freed",
      build_fork_failure, {{"fail", 1, 0, 1, "1: copy_process fails after security_task_alloc"}});
  add("fork-early-failure", "a task with an element forks and the fork fails before copy_process clears the "
      "child's bpf_storage (copy_creds, RLIMIT_NPROC): free_task destroys the parent's storage (fails: a finding "
      "of the model about 6.18, not yet confirmed on a kernel)",
      build_fork_early_failure, {}, {"fork failed before bpf_storage was cleared"}, true);
  add("fork-failure-fexit-create", "a failed fork frees its child with usage 1, so a program at fexit of "
      "bpf_task_storage_free creates storage on the child past bug 3's gate; map free then writes into the freed "
      "task (a model finding of lsmc generate, not yet confirmed on a kernel: fails)",
      build_fork_failure_fexit_create, {}, {}, true);
  add("exit-create", "a tracing program on free_task_struct asks for F_CREATE on the task being freed; then the map is freed",
      build_exit_create);
  add("fork-copies", "a task with an element forks; the child exits and is freed; the parent's element must survive",
      build_fork_copies);
  add("busy-preempt", "two tasks on one CPU do storage syscalls; the per-CPU busy counter must end at 0",
      build_busy_preempt);
  only({"linux-6.18"});
  add("busy-lookup", "an LSM program looks up an existing element while another task on its CPU is inside a storage syscall",
      build_busy_lookup);
  only({"linux-6.18"});
  add("busy-spurious", "two unrelated tasks on one CPU create their contexts from tracing programs; with the fix of bug 7 neither fails",
      build_busy_spurious);
  only({"linux-6.18"});
  add("sched-exit-delete", "sched_ext exit_task deletes the task's context under the rq raw spinlock",
      build_sched_exit_delete);
  // 7.0: call_rcu_tasks_trace() is call_srcu(), which takes spinlock_t: the delete under the rq
  // lock is lockdep's invalid wait context there (bug 14, reported on 7.0-rc1; docs/model.md).
  only({"linux-6.18"});
  add("rt-alloc", "PREEMPT_RT: a tracing program under the rq lock creates storage", build_rt_alloc);
  add("spin-lock-value", "a value with a bpf_spin_lock: update from user space with garbage in the lock word, then a BPF_F_LOCK update",
      build_spin_lock_value);
  add("null-owner", "helpers called with a NULL task", build_null_owner);
  add("syscall-sequence", "a chosen sequence of syscall lookups, updates (every flag combination) and deletes by pidfd, bad keys, a reaped owner whose pid number is reused, and an exec by a non-leader thread, checked against a reference spec",
      build_syscall_sequence, {{"ops", 6, 1, 40, "syscalls in the sequence"}});
  add("single-cpu", "a one-CPU machine: creation must work", [](sim::Setup& s) { build_create_config(s, knobs_with(1)); });
  add("nolock-alloc", "a machine without cmpxchg_double (riscv64): creation must work", [](sim::Setup& s) {
    mk::Knobs k = knobs_with();
    k.cmpxchg_double = false;
    build_create_config(s, k);
  });
  for (const MutantSpec& m : kernel_mutants()) {
    sim::MutantInfo info;
    info.name = std::string(m.name);
    info.description = std::string(m.description);
    for (auto sc : m.scenarios) info.scenarios.emplace_back(sc);
    for (auto p : m.profiles) info.profiles.emplace_back(p);
    c.add_mutant(std::move(info));
  }
}

}  // namespace lsmc::properties::scenarios
