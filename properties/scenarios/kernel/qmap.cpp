// Kernel scenario qmap (registered by the build: register_qmap).
#include <string>
#include <vector>

#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_qmap(sim::Catalog& c) {
  add_kernel_scenario(c, "qmap", "sched_ext qmap: prep_enable creates each task's context (F_CREATE), select_cpu and enqueue look it up under the rq lock, tasks exit, the map is closed",
      build_qmap, {{"tasks", 2, 1, 4, "tasks in the scheduler"}});
}

}  // namespace lsmc::properties::scenarios
