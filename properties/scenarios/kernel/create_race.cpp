// Kernel scenario create-race (registered by the build: register_create_race).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Two programs create the first elements of one task in two maps at once: one storage wins the
// cmpxchg, the other creator gets -EAGAIN (the helper returns NULL; the kernel does not retry).
void build_create_race(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& a = task_map(env, w, "map_a");
  mk::Smap& b = task_map(env, w, "map_b");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  for (int i = 0; i < 2; ++i) {
    mk::Smap& m = i == 0 ? a : b;
    spawn_work(s, w, "creator" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &t](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
        if (sdata) read_value(e2, sdata, "creator: *sdata");
      });
    });
  }
  s.at_end([&t](Env& env2) {
    // Whatever happened, the task has one storage whose list holds each element once.
    if (!t.bpf_storage) return;
    const auto& list = t.bpf_storage->list;
    env2.check(list.size() <= 2 && (list.size() < 2 || list[0].p != list[1].p), "spec", "duplicate element in the storage list");
  });
}

}  // namespace

void register_create_race(sim::Catalog& c) {
  add_kernel_scenario(c, "create-race", "two programs create the first elements of one task in two maps at once (the storage cmpxchg race)",
      build_create_race, {}, {"storage cmpxchg lost"});
}

}  // namespace lsmc::properties::scenarios
