// Kernel scenarios exit-vs-mapfree, destroy-storage-timeout (registered by the build: register_exit_vs_mapfree).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// A task with elements in two maps exits while both maps are freed (`knobs`: e.g. 7.0's lock
// timeouts).
void build_exit_vs_mapfree(sim::Setup& s, const mk::Knobs& knobs) {
  World& w = make_world(s, {knobs, true});
  Env& env = s.env();
  mk::Smap& m1 = task_map(env, w, "map1");
  mk::Smap& m2 = task_map(env, w, "map2");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m1, t, 1);
  seed_element(env, w, m2, t, 2);
  spawn_work(s, w, "exit", 0, [&w, &t](Env& e) {
    mk::do_exit(e, w.k, t);
    mk::release_task(e, w.k, t);
  });
  spawn_work(s, w, "close_map1", 1, [&w, &m1](Env& e) { mk::bpf_map_free_deferred(e, w.k, m1); });
  spawn_work(s, w, "close_map2", 1, [&w, &m2](Env& e) { mk::bpf_map_free_deferred(e, w.k, m2); });
}

// 7.0: one task with elements in two maps exits while both maps are freed; local_storage->lock
// may time out. destroy() unlinks an element from its bucket, times out on the storage lock and
// marks it SELEM_STORAGE_UNLINKED only: map_free no longer finds it, so nobody frees it or the
// storage. Upstream describes the storage leak ("bpf: Add warning to detect memory leak in
// bpf_selem_unlink_nofail()", kernel-patches/bpf#11056, 2026-02-13); the source lsmc read has no
// warning for it.
void build_destroy_storage_timeout(sim::Setup& s) {
  mk::Knobs knobs = knobs_with();
  knobs.lock_timeouts = mk::kTimeoutStorageLock;
  build_exit_vs_mapfree(s, knobs);
}

}  // namespace

void register_exit_vs_mapfree(sim::Catalog& c) {
  add_kernel_scenario(c, "exit-vs-mapfree", "a task with elements in two maps exits while both maps are freed",
      [](sim::Setup& s) { build_exit_vs_mapfree(s, knobs_with()); });
  add_kernel_scenario(c, "destroy-storage-timeout", "7.0: a task with elements in two maps exits while both maps are freed; destroy's "
      "local_storage->lock may time out after it took the element off its bucket: the element and the storage leak "
      "(fails: the leak upstream describes in kernel-patches/bpf#11056, with the element leaking too)",
      build_destroy_storage_timeout, {}, {}, true)
      .set_profiles({"linux-7.0"});
}

}  // namespace lsmc::properties::scenarios
