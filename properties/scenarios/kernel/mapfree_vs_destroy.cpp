// Kernel scenarios mapfree-vs-destroy, mapfree-bucket-timeout (registered by the build: register_mapfree_vs_destroy).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// 7.0: tasks with an element in one map exit while the map is freed, with rqspinlock timeouts on
// the lock classes `timeouts` names. Two tasks, so that their storages can share a bucket.
void build_mapfree_timeouts(sim::Setup& s, uint8_t timeouts) {
  mk::Knobs knobs = knobs_with();
  knobs.lock_timeouts = timeouts;
  World& w = make_world(s, {knobs, true});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w, "map");
  mk::Task& t1 = mk::task_for_scenario(env, w.k, "p1", 100);
  mk::Task& t2 = mk::task_for_scenario(env, w.k, "p2", 101);
  seed_element(env, w, m, t1, 1);
  seed_element(env, w, m, t2, 2);
  for (mk::Task* t : {&t1, &t2}) {
    spawn_work(s, w, "exit-" + t->name, 0, [&w, t](Env& e) {
      mk::do_exit(e, w.k, *t);
      mk::release_task(e, w.k, *t);
    });
  }
  spawn_work(s, w, "close_map", 1, [&w, &m](Env& e) { mk::bpf_map_free_deferred(e, w.k, m); });
}

void build_mapfree_vs_destroy(sim::Setup& s) { build_mapfree_timeouts(s, mk::kTimeoutStorageLock); }

void build_mapfree_bucket_timeout(sim::Setup& s) { build_mapfree_timeouts(s, mk::kTimeoutBucketLock); }

}  // namespace

void register_mapfree_vs_destroy(sim::Catalog& c) {
  add_kernel_scenario(c, "mapfree-vs-destroy", "7.0: two tasks, each with an element in one map, exit while the map is freed; every "
      "contended local_storage->lock may time out (-ETIMEDOUT): bpf_selem_unlink_nofail must leave nothing half unlinked",
      build_mapfree_vs_destroy, {}, {"map_free and destroy each unlinked half", "rqspinlock: timed out"})
      .set_profiles({"linux-7.0"});
  add_kernel_scenario(c, "mapfree-bucket-timeout", "7.0: as mapfree-vs-destroy, with timeouts on b->lock: map_free cannot take the bucket "
      "lock while a destroy holds it, and bpf_selem_unlink_nofail warns (WARN_ON_ONCE(err && in_map_free)) of the "
      "leak upstream documents as its residual case (fails: a finding about 7.0 as designed)",
      build_mapfree_bucket_timeout, {}, {}, true)
      .set_profiles({"linux-7.0"});
}

}  // namespace lsmc::properties::scenarios
