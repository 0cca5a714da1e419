// Kernel scenario fork-failure-fexit-create (registered by the build: register_fork_failure_fexit_create).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_fork_failure_fexit_create(sim::Catalog& c) {
  add_kernel_scenario(c, "fork-failure-fexit-create", "a failed fork frees its child with usage 1, so a program at fexit of "
      "bpf_task_storage_free creates storage on the child past bug 3's gate; map free then writes into the freed "
      "task (a model finding of lsmc generate, not yet confirmed on a kernel: fails)",
      build_fork_failure_fexit_create, {}, {}, true);
}

}  // namespace lsmc::properties::scenarios
