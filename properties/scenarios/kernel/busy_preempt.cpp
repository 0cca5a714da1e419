// Kernel scenario busy-preempt (registered by the build: register_busy_preempt).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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

}  // namespace

void register_busy_preempt(sim::Catalog& c) {
  add_kernel_scenario(c, "busy-preempt", "two tasks on one CPU do storage syscalls; the per-CPU busy counter must end at 0",
      build_busy_preempt)
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
