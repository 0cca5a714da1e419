// Kernel scenario fork-failure (registered by the build: register_fork_failure).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_fork_failure(sim::Catalog& c) {
  add_kernel_scenario(c, "fork-failure", "a BPF LSM task_alloc program creates storage on a half-built task; the fork fails; the map is freed",
      build_fork_failure, {{"fail", 1, 0, 1, "1: copy_process fails after security_task_alloc"}});
}

}  // namespace lsmc::properties::scenarios
