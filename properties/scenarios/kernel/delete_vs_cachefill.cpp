// Kernel scenario delete-vs-cachefill (registered by the build: register_delete_vs_cachefill).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 16: a slow-path cache fill races a delete. A second map's element keeps the storage (and
// so the stale cache slot) reachable after the delete.
void build_delete_vs_cachefill(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Smap& other = task_map(env, w, "other_map");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, other, t, 4);
  seed_element(env, w, m, t, 3);
  auto& first_done = s.make<bool>(false);
  spawn_work(s, w, "filler", 0, [&w, &m, &t, &first_done](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);  // cache miss: slow path fills cache[idx]
    });
    first_done = true;
  });
  spawn_work(s, w, "deleter", 1, [&w, &m, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t)); });
  spawn_work(s, w, "hitter", 0, [&w, &m, &t, &first_done](Env& e) {
    e.wait_until([&] { return first_done && w.k.rcu.completed(model::RcuFlavour::kTasksTrace) > 0; },
                 "after the fill and a grace period");
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);
      if (sdata) read_value(e2, sdata, "hitter: *sdata", &w.k);
    });
  });
}

}  // namespace

void register_delete_vs_cachefill(sim::Catalog& c) {
  add_kernel_scenario(c, "delete-vs-cachefill", "a slow-path lookup fills the cache while a syscall deletes the element; a later lookup hits the cache",
      build_delete_vs_cachefill, {}, {"cache fill lost its race"});
}

}  // namespace lsmc::properties::scenarios
