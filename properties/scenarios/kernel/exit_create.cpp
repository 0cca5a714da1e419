// Kernel scenario exit-create (registered by the build: register_exit_create).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_exit_create(sim::Catalog& c) {
  add_kernel_scenario(c, "exit-create", "a tracing program on free_task_struct asks for F_CREATE on the task being freed; then the map is freed",
      build_exit_create);
}

}  // namespace lsmc::properties::scenarios
