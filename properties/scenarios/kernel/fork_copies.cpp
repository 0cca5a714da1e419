// Kernel scenario fork-copies (registered by the build: register_fork_copies).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_fork_copies(sim::Catalog& c) {
  add_kernel_scenario(c, "fork-copies", "a task with an element forks; the child exits and is freed; the parent's element must survive",
      build_fork_copies);
}

}  // namespace lsmc::properties::scenarios
