// Kernel scenario many-maps (registered by the build: register_many_maps).
#include <vector>

#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// More maps than cache slots: maps share slots, and a hit must check sdata->smap.
void build_many_maps(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  const int maps = static_cast<int>(s.params().get("maps"));
  auto& ms = s.make<std::vector<mk::Smap*>>();
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  for (int i = 0; i < maps; ++i) {
    ms.push_back(&task_map(env, w, "map" + std::to_string(i)));
    seed_element(env, w, *ms.back(), t, 1000 + i);
  }
  // Maps 0 and 16 share cache slot 0.
  for (int who = 0; who < 2; ++who) {
    spawn_work(s, w, "prog" + std::to_string(who), static_cast<uint16_t>(who), [&w, &ms, &t, who](Env& e) {
      for (int round = 0; round < 2; ++round) {
        for (int i : {0, 16 % static_cast<int>(ms.size()), 1}) {
          const int mi = (i + who) % static_cast<int>(ms.size());
          w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
            const auto sdata = mk::prog_task_storage_get(e2, w.k, c, *ms[mi], ref(t), 0);
            if (!sdata) return;
            const int64_t v = read_value(e2, sdata, "prog: *sdata");
            e2.check(v == 1000 + mi, "spec", "lookup in map" + std::to_string(mi) + " returned another map's value " + std::to_string(v));
          });
        }
      }
    });
  }
  spawn_work(s, w, "deleter", 1, [&w, &ms, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, *ms[1], pidfd_of(t)); });
}

}  // namespace

void register_many_maps(sim::Catalog& c) {
  add_kernel_scenario(c, "many-maps", "18 maps on one task (more than the 16 cache slots); two programs look up maps sharing a slot while one element is deleted",
      build_many_maps, {{"maps", 18, 2, 40, "maps with an element on the task"}},
      {"cache slot shared by two maps", "cache slot holds another map's sdata"})
      // 18 maps' caches and lists in one graph: about 1 s per execution under lkmm (it passes).
      .set_lkmm_seconds_per_execution(1.0);
}

}  // namespace lsmc::properties::scenarios
