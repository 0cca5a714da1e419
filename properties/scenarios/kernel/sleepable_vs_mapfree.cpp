// Kernel scenario sleepable-vs-mapfree (registered by the build: register_sleepable_vs_mapfree).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

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
  // User space closes the map's fd once the program is detached, whether or not the delete has
  // returned: map_delete_elem() holds the fd's file (fdget) for the whole call, so the map goes at
  // the last put, the close's or the delete's fdput() (model/linux/map_fd.hpp).
  spawn_work(s, w, "close_map", 1, [&w, &m, &prog_done](Env& e) {
    e.wait_until([&prog_done] { return prog_done; }, "program detached");
    mk::close_fd(e, w.k, m);
  });
}

}  // namespace

void register_sleepable_vs_mapfree(sim::Catalog& c) {
  add_kernel_scenario(c, "sleepable-vs-mapfree", "a sleepable LSM program holds sdata across a sleep while the element is deleted, then the map is freed",
      build_sleepable_vs_mapfree);
}

}  // namespace lsmc::properties::scenarios
