// Kernel scenario fork-early-failure (registered by the build: register_fork_early_failure).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_fork_early_failure(sim::Catalog& c) {
  add_kernel_scenario(c, "fork-early-failure", "a task with an element forks and the fork fails before copy_process clears the "
      "child's bpf_storage (copy_creds, RLIMIT_NPROC): free_task destroys the parent's storage (fails: a finding "
      "of the model about 6.18, not yet confirmed on a kernel)",
      build_fork_early_failure, {}, {"fork failed before bpf_storage was cleared"}, true);
}

}  // namespace lsmc::properties::scenarios
