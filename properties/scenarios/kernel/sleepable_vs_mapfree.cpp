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
  auto& delete_done = s.make<bool>(false);
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
  spawn_work(s, w, "deleter", 1, [&w, &m, &t, &delete_done](Env& e) {
    mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t));
    delete_done = true;
  });
  // The map's last reference goes only after the program is detached and after the delete
  // returned: map_delete_elem() (kernel/bpf/syscall.c) holds the map's fd (fdget) for the whole
  // call, so bpf_map_free_deferred() cannot run beside it. Freeing the map mid-delete was a race
  // the kernel cannot have; on 7.0 it reached bpf_selem_unlink() with selem->local_storage
  // already cleared by bpf_selem_unlink_nofail().
  spawn_work(s, w, "close_map", 1, [&w, &m, &prog_done, &delete_done](Env& e) {
    e.wait_until([&prog_done, &delete_done] { return prog_done && delete_done; }, "program detached, delete returned");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

}  // namespace

void register_sleepable_vs_mapfree(sim::Catalog& c) {
  add_kernel_scenario(c, "sleepable-vs-mapfree", "a sleepable LSM program holds sdata across a sleep while the element is deleted, then the map is freed",
      build_sleepable_vs_mapfree);
}

}  // namespace lsmc::properties::scenarios
