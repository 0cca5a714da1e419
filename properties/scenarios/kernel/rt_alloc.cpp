// Kernel scenario rt-alloc (registered by the build: register_rt_alloc).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_rt_alloc(sim::Catalog& c) {
  add_kernel_scenario(c, "rt-alloc", "PREEMPT_RT: a tracing program under the rq lock creates storage", build_rt_alloc);
}

}  // namespace lsmc::properties::scenarios
