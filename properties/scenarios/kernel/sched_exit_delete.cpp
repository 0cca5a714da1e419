// Kernel scenario sched-exit-delete (registered by the build: register_sched_exit_delete).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_sched_exit_delete(sim::Catalog& c) {
  // 7.0: call_rcu_tasks_trace() is call_srcu(), which takes spinlock_t: the delete under the rq
  // lock is lockdep's invalid wait context there (bug 14, reported on 7.0-rc1; docs/model.md).
  add_kernel_scenario(c, "sched-exit-delete", "sched_ext exit_task deletes the task's context under the rq raw spinlock",
      build_sched_exit_delete)
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
